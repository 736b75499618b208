import os
import stat

from simkl_resume.store.account import AccountStore


def test_sign_in_stores_token_name_and_plan_readable_only_by_owner(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("secret-token", name="Ann", plan="VIP")
    assert store.token == "secret-token"
    assert store.load()["name"] == "Ann"
    assert store.retention_days() == 90
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_sign_out_forgets_the_token_and_keeps_the_reason(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("secret-token")
    store.sign_out("revoked")
    assert store.token is None
    record = store.load()
    assert record["signed_out_reason"] == "revoked" and "token" not in record
    assert record["queue"].startswith("signin:")  # the queued events stay this account's


def test_missing_or_corrupt_file_reads_as_signed_out(tmp_path):
    store = AccountStore(str(tmp_path / "new"))
    assert store.token is None
    os.makedirs(os.path.dirname(store.path))
    with open(store.path, "w") as handle:
        handle.write("{not json")
    assert store.token is None and store.load() == {}
    assert store.retention_days() == 7


def test_a_revoked_account_keeps_its_queue_for_the_queued_scrobbles_a_user_sign_out_does_not(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok-1", name="Ann", account_id=51)
    assert store.revoke("other-token") is False and store.token == "tok-1"
    assert store.revoke("tok-1") is True
    assert store.revoke("tok-1") is False  # only the first caller tells the user
    assert store.token is None and store.queue_key == "id:51"
    store.sign_in("tok-2", name="Ann", account_id=51)
    assert store.queue_key == "id:51"
    store.sign_out("user")
    assert store.queue_key is None and store.queue_keys == []


# -- issue 12 item 7: the queue belongs to Simkl's stable account id -----------------------------
def test_the_queue_key_is_the_account_id_not_the_display_name(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok", name="Ann", plan="pro", account_id=51)
    assert store.queue_key == "id:51" and store.load()["account_id"] == 51
    store.update_profile("tok", "Ann Renamed", "pro")
    assert store.queue_key == "id:51"  # a new display name changes nothing


def test_a_sign_in_whose_account_id_is_unknown_gets_it_later_and_keeps_its_events(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok")                      # /users/settings failed: nothing known
    provisional = store.queue_key
    assert provisional.startswith("signin:") and store.queue_keys == [provisional]
    assert store.update_profile("other-token", "Ann", "free", account_id=51) is False
    assert store.update_profile("tok", "Ann", "free", account_id=51) is True
    assert store.queue_keys == ["id:51", provisional]  # the sender moves its events to id:51
    assert store.update_profile("tok", "Ann", "free", account_id=77) is False  # the id never changes


def test_a_sign_in_knowing_only_the_name_queues_under_the_name_until_the_id_is_known(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok", name="Ann")
    assert store.queue_keys == ["Ann"]
    store.update_profile("tok", "Ann", "free", account_id=51)
    assert store.queue_keys == ["id:51", "Ann"]


def test_the_same_account_signing_in_again_after_a_401_takes_its_events_back(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok-1", name="Ann", account_id=51)
    store.revoke("tok-1")
    store.sign_in("tok-2")                    # /users/settings failed this time
    assert store.queue_keys[0].startswith("signin:")
    store.update_profile("tok-2", "Ann", "free", account_id=51)
    assert store.queue_key == "id:51"         # the events kept through the 401 are its own again


def test_a_0_1_0_name_key_is_adopted_by_an_account_of_that_name_only(tmp_path):
    old = AccountStore(str(tmp_path), filename="a.json")
    old._file.save({"signed_out_reason": "revoked", "name": "carol"})  # a 0.1.0 revoked record...
    with open(old.path) as handle:
        text = handle.read()
    with open(old.path, "w") as handle:
        handle.write(text.replace('"v": 2, ', "").replace(', "v": 2', ""))  # ...with no "v"
    assert old.queue_key == "carol" and old.load()["account_id"] is None
    old.sign_in("tok", name="carol", account_id=60)
    assert old.queue_keys == ["id:60", "carol"]
    other = AccountStore(str(tmp_path), filename="b.json")
    other._file.save({"signed_out_reason": "revoked", "name": "carol", "queue": "carol"})
    other.sign_in("tok", name="dave", account_id=61)
    assert other.queue_keys == ["id:61"]     # carol's events are not dave's


def test_being_told_about_another_accounts_events_happens_once_per_sign_in(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok", name="Ann", account_id=51)
    assert store.mark_foreign_told("other") is False
    assert store.mark_foreign_told("tok") is True
    assert store.mark_foreign_told("tok") is False
    store.sign_in("tok-2", name="Bob", account_id=52)
    assert store.mark_foreign_told("tok-2") is True
