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
