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
    assert store.load() == {"signed_out_reason": "revoked"}


def test_missing_or_corrupt_file_reads_as_signed_out(tmp_path):
    store = AccountStore(str(tmp_path / "new"))
    assert store.token is None
    os.makedirs(os.path.dirname(store.path))
    with open(store.path, "w") as handle:
        handle.write("{not json")
    assert store.token is None and store.load() == {}
    assert store.retention_days() == 7


def test_a_revoked_account_keeps_its_name_for_the_queued_scrobbles_a_user_sign_out_does_not(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok-1", name="Ann")
    assert store.revoke("other-token") is False and store.token == "tok-1"
    assert store.revoke("tok-1") is True
    assert store.revoke("tok-1") is False  # only the first caller tells the user
    assert store.token is None and store.queue_name == "Ann"
    store.sign_in("tok-2", name="Ann")
    assert store.queue_name == "Ann"
    store.sign_out("user")
    assert store.queue_name is None
