"""Format versions and migrations of the on-disk stores (store/_formats.py, _sqlite.Database,
store/jsonfile.VersionedJsonFile): older formats are migrated, newer ones (a downgrade) are
kept aside and said, only real corruption is damage."""
import json
import os
import sqlite3
import textwrap

import pytest

from simkl_resume.store import _formats
from simkl_resume.store._sqlite import Database
from simkl_resume.store.account import ACCOUNT_FORMAT, AccountStore
from simkl_resume.store.cache import SimpleCache
from simkl_resume.store.jsonfile import VersionedJsonFile
from simkl_resume.store.outbox import ScrobbleOutbox
from tests._stores import Clock, spawn

V1 = ["CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"]
V3 = ["CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, parked INTEGER NOT NULL DEFAULT 0,"
      " upper TEXT)"]


def _upper(conn):
    conn.execute("UPDATE t SET upper = upper(name)")


MIGRATIONS = [
    (2, ["ALTER TABLE t ADD COLUMN parked INTEGER NOT NULL DEFAULT 0"]),
    (3, ["ALTER TABLE t ADD COLUMN upper TEXT", _upper]),
]


def _db(path, schema, version, migrations=(), logs=None):
    return Database(str(path), schema, version, "NORMAL", "test store", "its rows are lost",
                    (logs if logs is not None else []).append, Clock(), migrations=migrations)


def _v1_file(path, names=("a", "b")):
    db = _db(path, V1, 1)
    db.write(lambda c: [c.execute("INSERT INTO t (name) VALUES (?)", (n,)) for n in names])
    db.close()


def _user_version(path):
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def _aside(folder, prefix):
    return sorted(n for n in os.listdir(str(folder)) if n.startswith(prefix)
                  and not n.endswith(("-wal", "-shm", "-journal")))


def test_an_older_database_is_migrated_step_by_step_and_keeps_its_rows(tmp_path):
    path = tmp_path / "store.db"
    _v1_file(path)
    logs = []
    db = _db(path, V3, 3, MIGRATIONS, logs)
    rows = db.read(lambda c: c.execute("SELECT id, name, parked, upper FROM t ORDER BY id").fetchall())
    assert rows == [(1, "a", 0, "A"), (2, "b", 0, "B")]
    assert _user_version(path) == 3
    assert logs == [f"test store {path}: schema migrated from version 1 to 3"]
    assert _aside(tmp_path, "store.db.") == []


def test_a_failing_migration_changes_nothing_and_is_not_called_damage(tmp_path):
    path = tmp_path / "store.db"
    _v1_file(path)

    def broken(conn):
        conn.execute("UPDATE t SET name = 'changed'")
        raise RuntimeError("bug in a migration")

    logs = []
    db = _db(path, V3, 3, [MIGRATIONS[0], (3, ["ALTER TABLE t ADD COLUMN upper TEXT", broken])], logs)
    with pytest.raises(RuntimeError):
        db.read(lambda c: None)
    db.close()
    assert _user_version(path) == 1
    assert _db(path, V1, 1).read(lambda c: c.execute("SELECT name FROM t").fetchall()) == [("a",), ("b",)]
    assert logs == [] and _aside(tmp_path, "store.db.") == []


@pytest.mark.parametrize("migrations", [
    [(3, ["SELECT 1"])],                           # a gap: 1 -> 3
    [(2, ["SELECT 1"]), (2, ["SELECT 1"])],        # twice the same version
    [(2, ["SELECT 1"])],                           # does not reach the current version
], ids=["gap", "twice", "short"])
def test_a_migration_list_that_does_not_lead_to_the_current_version_is_refused(tmp_path, migrations):
    with pytest.raises(ValueError):
        _db(tmp_path / "x.db", V3, 3, migrations)
    with pytest.raises(ValueError):
        VersionedJsonFile(str(tmp_path / "x.json"), 3, "x", [(v, dict) for v, _ in migrations])


@pytest.mark.parametrize("store, filename", [(ScrobbleOutbox, "outbox.db"), (SimpleCache, "cache.db")])
def test_a_newer_database_is_kept_aside_untouched_and_said_not_called_damage(tmp_path, store, filename):
    path = tmp_path / filename
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE from_the_future (x)")
    conn.execute("INSERT INTO from_the_future VALUES ('queued by 0.9')")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    original = path.read_bytes()
    logs = []
    opened = store(str(path), log=logs.append)
    if store is ScrobbleOutbox:
        opened.add("a", "k", "pause", {"progress": 1})
        assert len(opened.all()) == 1
    else:
        opened.set("k", 1)
        assert opened.get("k") == 1
    opened.close()
    kept = _aside(tmp_path, filename + ".newer-v7-")
    assert len(kept) == 1 and _aside(tmp_path, filename + ".corrupt-") == []
    assert (tmp_path / kept[0]).read_bytes() == original
    assert len(logs) == 1 and "newer version" in logs[0] and kept[0] in logs[0], logs
    assert "damaged" not in logs[0]


MIGRATE_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from simkl_resume.store._sqlite import Database

    path, go = sys.argv[1], sys.argv[2]
    def mark(conn):
        conn.execute("INSERT INTO t (name) VALUES ('migrated')")
    db = Database(path, ["CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, extra TEXT)"], 2,
                  "NORMAL", "t", "lost", lambda m: print("LOG " + m, flush=True), time.time,
                  migrations=[(2, ["ALTER TABLE t ADD COLUMN extra TEXT", mark])])
    while not os.path.exists(go):
        time.sleep(0.002)
    db.write(lambda c: c.execute("INSERT INTO t (name) VALUES ('child')"))
    """
)


def test_processes_opening_an_older_database_at_once_migrate_it_once(tmp_path):
    path = tmp_path / "store.db"
    _v1_file(path, names=("a",))
    go = tmp_path / "go"
    children = [spawn(MIGRATE_CHILD, path, go) for _ in range(3)]
    go.write_text("go")
    outputs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0] * 3, outputs
    assert len([line for out, _ in outputs for line in out.splitlines() if "migrated" in line]) == 1
    conn = sqlite3.connect(str(path))
    names = [r[0] for r in conn.execute("SELECT name FROM t ORDER BY id")]
    conn.close()
    assert names[:2] == ["a", "migrated"] and sorted(names[2:]) == ["child"] * 3


# -- JSON files -------------------------------------------------------------------------------


def _json_file(tmp_path, logs, **kw):
    kw.setdefault("migrations", [(2, lambda d: dict(d, parked=[])),
                                 (3, lambda d: dict(d, account_id=None))])
    return VersionedJsonFile(str(tmp_path / "state.json"), 3, "state file", log=logs.append, now=Clock(),
                             **kw)


def _write(tmp_path, text):
    (tmp_path / "state.json").write_text(text)


def test_an_older_json_file_is_migrated_in_order_and_saved(tmp_path):
    logs = []
    _write(tmp_path, json.dumps({"v": 1, "token": "t"}))
    data = _json_file(tmp_path, logs).load()
    assert data == {"v": 3, "token": "t", "parked": [], "account_id": None}
    assert json.loads((tmp_path / "state.json").read_text()) == data
    assert len(logs) == 1 and "migrated from format 1 to 3" in logs[0]
    assert _json_file(tmp_path, logs).load() == data and len(logs) == 1


def test_an_unversioned_json_file_is_the_legacy_format_when_one_is_named(tmp_path):
    logs = []
    _write(tmp_path, json.dumps({"token": "t"}))
    assert _json_file(tmp_path, logs, legacy_version=2).load() == {"v": 3, "token": "t", "account_id": None}


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not JSON"),
    ("", "not JSON"),
    ("[1, 2]", "not an object"),
    ('{"v": "2"}', "not a whole number"),
    ('{"v": true}', "not a whole number"),
    ('{"token": "t"}', "not a whole number"),  # no "v" and no legacy format named
], ids=["garbage", "empty", "list", "text-version", "bool-version", "no-version"])
def test_an_unreadable_json_file_is_damage_moved_aside_and_said(tmp_path, text, reason):
    logs = []
    _write(tmp_path, text)
    assert _json_file(tmp_path, logs).load() is None
    kept = _aside(tmp_path, "state.json.corrupt-")
    assert len(kept) == 1 and (tmp_path / kept[0]).read_text() == text
    assert len(logs) == 1 and reason in logs[0] and "damaged" in logs[0]
    assert not (tmp_path / "state.json").exists()


def test_a_newer_json_file_is_kept_aside_untouched_and_said(tmp_path):
    logs = []
    text = json.dumps({"v": 4, "token": "t", "new_field": 1})
    _write(tmp_path, text)
    assert _json_file(tmp_path, logs, lost="sign in again").load() is None
    kept = _aside(tmp_path, "state.json.newer-v4-")
    assert len(kept) == 1 and (tmp_path / kept[0]).read_text() == text
    assert len(logs) == 1 and "newer version" in logs[0] and "sign in again" in logs[0]
    assert _aside(tmp_path, "state.json.corrupt-") == []


def test_a_missing_json_file_is_none_and_says_nothing(tmp_path):
    logs = []
    assert _json_file(tmp_path, logs).load() is None and logs == []


def test_a_file_another_process_already_replaced_is_not_moved_aside(tmp_path):
    logs = []
    store = _json_file(tmp_path, logs)
    _write(tmp_path, "{damaged")
    identity = os.stat(str(tmp_path / "state.json"))
    store.save({"token": "fresh"})  # another process wrote a good file meanwhile
    store._damaged((identity.st_dev, identity.st_ino, identity.st_size, identity.st_mtime_ns), "x")
    assert store.load()["token"] == "fresh" and logs == []


def test_account_file_of_a_newer_version_signs_out_keeps_the_file_and_never_logs_the_token(tmp_path):
    logs = []
    newer = ACCOUNT_FORMAT + 1
    record = {"v": newer, "token": "secret-token-xyz", "name": "Ann"}
    (tmp_path / "account.json").write_text(json.dumps(record))
    store = AccountStore(str(tmp_path), log=logs.append)
    assert store.token is None and store.load() == {}
    kept = _aside(tmp_path, "account.json.newer-v%d-" % newer)
    assert len(kept) == 1 and "secret-token-xyz" in (tmp_path / kept[0]).read_text()
    assert len(logs) == 1 and "sign in" in logs[0] and "secret-token-xyz" not in logs[0]


def test_account_file_written_now_is_versioned_and_still_readable_by_0_1_0(tmp_path):
    store = AccountStore(str(tmp_path))
    store.sign_in("tok", name="Ann", plan="pro", account_id=51)
    raw = json.loads((tmp_path / "account.json").read_text())
    # 0.1.0 reads token, name and plan and ignores the rest ("v", issue 12's account identity)
    assert raw == {"v": 2, "token": "tok", "name": "Ann", "plan": "pro", "account_id": 51, "queue": "id:51",
                   "aliases": []}
    assert store.load() == {"token": "tok", "name": "Ann", "plan": "pro", "account_id": 51, "queue": "id:51",
                            "aliases": []}


def test_mirror_provenance_of_a_newer_version_is_kept_aside_and_the_mirror_starts_afresh(tmp_path):
    from simkl_resume.context import AddonContext
    from simkl_resume.service.mirror import ResumeMirror

    logs = []
    (tmp_path / "mirror.json").write_text(json.dumps({"v": 2, "written": {"movie:1": {}}, "more": 1}))
    mirror = ResumeMirror(AddonContext(str(tmp_path), "test", now=Clock()), call=lambda *a: None,
                          enabled=lambda: True, utc_offset=lambda: 0.0, log=logs.append)
    assert mirror.load_provenance().records == {}
    assert len(_aside(tmp_path, "mirror.json.newer-v2-")) == 1
    assert len(logs) == 1 and "newer version" in logs[0]


def test_steps_from_names_newer_and_unmigratable_formats():
    steps = [(2, "a"), (3, "b")]
    assert _formats.steps_from(steps, 1, 3, 1) == [(2, "a"), (3, "b")]
    assert _formats.steps_from(steps, 2, 3, 1) == [(3, "b")]
    with pytest.raises(_formats.NewerFormat):
        _formats.steps_from(steps, 4, 3, 1)
    with pytest.raises(_formats.NoMigrationPath):
        _formats.steps_from([(3, "b")], 1, 3, 2)
