"""SimpleCache: simplecache semantics, memory layer, corruption recovery, concurrency."""
import json
import os
import sqlite3
import textwrap
import threading

import pytest

from simkl_resume.store import cache as cache_module
from tests._damage import damage_id, damages
from tests._stores import Clock, spawn
from simkl_resume.store.cache import SimpleCache


class DictMemory:
    """The memory layer as the Kodi layer provides it (Window(10000) properties), dict-backed."""

    def __init__(self):
        self.values = {}
        self.gets = 0

    def get(self, key):
        self.gets += 1
        return self.values.get(key)

    def set(self, key, value):
        assert isinstance(value, str)
        self.values[key] = value

    def clear(self, key):
        self.values.pop(key, None)


TRICKY = {
    "title": "Amélie — \"Le Fabuleux\" Destin d'Amélie Poulain",
    "emoji": "\U0001f3ac\U0001f37f \u2764\ufe0f",
    "cjk": "千と千尋の神隠し",
    "quotes": "it's \"quoted\" \\ back\\slash \n newline \t tab",
    "rtl": "\u05e9\u05dc\u05d5\u05dd",
    "null": None,
    "nested": [1, 2.5, True, False, {"k": ["\x00 nul", ""]}],
    "lone_surrogate": "\ud800",
}


@pytest.fixture
def logs():
    return []


def test_json_round_trip_keeps_unicode_quotes_and_emoji_through_memory_and_disk(tmp_path, logs):
    memory = DictMemory()
    writer = SimpleCache(str(tmp_path / "c.db"), memory=memory, log=logs.append)
    writer.set("tricky", TRICKY)
    assert writer.get("tricky") == TRICKY  # from memory
    disk_only = SimpleCache(str(tmp_path / "c.db"), log=logs.append)
    assert disk_only.get("tricky") == TRICKY  # from disk
    assert logs == []


def test_data_is_stored_as_json_text_not_pickle(tmp_path):
    cache = SimpleCache(str(tmp_path / "c.db"))
    cache.set("k", {"a": [1, "two"]})
    cache.close()
    conn = sqlite3.connect(str(tmp_path / "c.db"))
    (text,) = conn.execute("SELECT data FROM simplecache WHERE id = 'k'").fetchone()
    conn.close()
    assert isinstance(text, str)
    assert json.loads(text) == {"a": [1, "two"]}


def test_tuples_come_back_as_lists_like_any_json(tmp_path):
    cache = SimpleCache(str(tmp_path / "c.db"), memory=DictMemory())
    cache.set("k", {"pair": (1, 2)})
    assert cache.get("k") == {"pair": [1, 2]}


def test_data_json_cannot_carry_raises_type_error_and_stores_nothing(tmp_path):
    memory = DictMemory()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory)
    with pytest.raises(TypeError):
        cache.set("k", {"when": object()})
    assert memory.values == {}
    assert cache.get("k") is None


def test_unknown_key_returns_none(tmp_path):
    assert SimpleCache(str(tmp_path / "c.db"), memory=DictMemory()).get("nope") is None


@pytest.mark.parametrize("with_memory", [True, False], ids=["memory", "disk"])
def test_checksum_mismatch_returns_none_and_no_checksum_means_any(tmp_path, with_memory):
    cache = SimpleCache(str(tmp_path / "c.db"), memory=DictMemory() if with_memory else None)
    cache.set("playbacks", [1, 2], checksum="2024-01-15T10:30:00Z")
    assert cache.get("playbacks", checksum="2024-01-15T10:30:00Z") == [1, 2]
    assert cache.get("playbacks", checksum="2024-01-16T00:00:00Z") is None
    assert cache.get("playbacks") == [1, 2]


def test_checksum_is_compared_as_text(tmp_path):
    cache = SimpleCache(str(tmp_path / "c.db"))
    cache.set("k", "v", checksum=42)
    assert cache.get("k", checksum="42") == "v"
    assert cache.get("k", checksum=43) is None


@pytest.mark.parametrize("with_memory", [True, False], ids=["memory", "disk"])
def test_entry_expires_after_its_expiration_seconds_on_the_injected_clock(tmp_path, with_memory):
    clock = Clock()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=DictMemory() if with_memory else None, now=clock)
    cache.set("k", "v", expiration=60)
    clock.t += 59.9
    assert cache.get("k") == "v"
    clock.t += 0.1
    assert cache.get("k") is None


def test_expired_memory_entry_is_not_revived_from_disk(tmp_path):
    clock = Clock()
    memory = DictMemory()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory, now=clock)
    cache.set("k", "v", expiration=10)
    clock.t += 11
    assert cache.get("k") is None
    assert SimpleCache(str(tmp_path / "c.db"), now=clock).get("k") is None


def test_expiration_accepts_a_timedelta(tmp_path):
    import datetime

    clock = Clock()
    cache = SimpleCache(str(tmp_path / "c.db"), now=clock)
    cache.set("k", "v", expiration=datetime.timedelta(hours=1))
    clock.t += 3599
    assert cache.get("k") == "v"
    clock.t += 1
    assert cache.get("k") is None


def test_default_expiration_is_thirty_days(tmp_path):
    clock = Clock()
    cache = SimpleCache(str(tmp_path / "c.db"), now=clock)
    cache.set("k", "v")
    clock.t += 30 * 24 * 3600 - 1
    assert cache.get("k") == "v"
    clock.t += 1
    assert cache.get("k") is None


def test_cleanup_removes_only_expired_rows_from_disk(tmp_path):
    clock = Clock()
    cache = SimpleCache(str(tmp_path / "c.db"), now=clock)
    cache.set("short", 1, expiration=5)
    cache.set("long", 2, expiration=500)
    clock.t += 10
    assert cache.cleanup() == 1
    assert cache.get("long") == 2


@pytest.mark.parametrize("with_memory", [True, False], ids=["memory", "disk"])
def test_delete_removes_the_entry_from_memory_and_disk(tmp_path, with_memory):
    memory = DictMemory() if with_memory else None
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory)
    cache.set("k", "v")
    cache.delete("k")
    assert cache.get("k") is None
    assert SimpleCache(str(tmp_path / "c.db")).get("k") is None
    if memory is not None:
        assert memory.values == {}


def test_set_overwrites_value_checksum_and_expiry(tmp_path):
    clock = Clock()
    cache = SimpleCache(str(tmp_path / "c.db"), now=clock)
    cache.set("k", "old", checksum="a", expiration=5)
    cache.set("k", "new", checksum="b", expiration=50)
    clock.t += 10
    assert cache.get("k", checksum="b") == "new"
    assert cache.get("k", checksum="a") is None


# -- memory layer -------------------------------------------------------------------------


def test_memory_entry_holds_value_checksum_and_expiry_in_one_json_string(tmp_path):
    clock = Clock(1000.0)
    memory = DictMemory()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory, now=clock)
    cache.set("k", ["v"], checksum="c1", expiration=10)
    assert list(memory.values) == ["simkl_resume.cache.k"]
    assert json.loads(memory.values["simkl_resume.cache.k"]) == {"e": 1010.0, "c": "c1", "d": ["v"]}


def test_memory_hit_never_opens_the_database(tmp_path, monkeypatch):
    memory = DictMemory()
    SimpleCache(str(tmp_path / "writer.db"), memory=memory).set("k", {"v": 1}, checksum="x")
    # A reader whose database does not exist and cannot even be opened: sqlite3.connect explodes.
    missing = tmp_path / "never" / "reader.db"
    reader = SimpleCache(str(missing), memory=memory)

    def no_disk(*args, **kwargs):
        raise AssertionError("the disk was touched")

    monkeypatch.setattr(cache_module.Database, "read", no_disk)
    monkeypatch.setattr(sqlite3, "connect", no_disk)
    assert reader.get("k", checksum="x") == {"v": 1}
    assert not missing.parent.exists()


def test_memory_miss_falls_back_to_disk_and_fills_memory(tmp_path):
    SimpleCache(str(tmp_path / "c.db")).set("k", "from disk", checksum="c")
    memory = DictMemory()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory)
    assert cache.get("k") == "from disk"
    assert "simkl_resume.cache.k" in memory.values
    os.remove(str(tmp_path / "c.db"))  # the second read is answered by memory
    assert SimpleCache(str(tmp_path / "other.db"), memory=memory).get("k", checksum="c") == "from disk"


def test_memory_entry_with_another_checksum_falls_back_to_disk(tmp_path):
    memory = DictMemory()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory)
    cache.set("k", "stale", checksum="1")
    SimpleCache(str(tmp_path / "c.db")).set("k", "fresh", checksum="2")  # another process, no memory
    assert cache.get("k", checksum="2") == "fresh"


def test_garbage_in_memory_is_ignored_and_disk_answers(tmp_path):
    memory = DictMemory()
    cache = SimpleCache(str(tmp_path / "c.db"), memory=memory)
    cache.set("k", "v")
    memory.values["simkl_resume.cache.k"] = "{not json"
    assert cache.get("k") == "v"


def test_construction_does_no_disk_work(tmp_path):
    path = tmp_path / "later" / "c.db"
    SimpleCache(str(path), memory=DictMemory())
    assert not path.parent.exists()


def test_first_write_creates_missing_parent_directories(tmp_path):
    path = tmp_path / "addon_data" / "plugin.video.simkl.resume" / "cache.db"
    cache = SimpleCache(str(path))
    cache.set("k", 1)
    assert path.exists()
    assert cache.get("k") == 1


def test_database_is_in_wal_mode(tmp_path):
    SimpleCache(str(tmp_path / "c.db")).set("k", 1)
    conn = sqlite3.connect(str(tmp_path / "c.db"))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


# -- corruption ---------------------------------------------------------------------------


def _filled_db(path, rows=300):
    cache = SimpleCache(str(path))
    for i in range(rows):
        cache.set(f"k{i}", {"v": "x" * 200, "i": i})
    cache.close()


def damage_foreign_schema(path):
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE something_else (x)")
    conn.commit()
    conn.close()


DAMAGES = damages(_filled_db, "simplecache") + [damage_foreign_schema]


@pytest.mark.parametrize("damage", DAMAGES, ids=damage_id)
def test_damaged_database_is_moved_aside_rebuilt_and_logged_once(tmp_path, damage):
    path = tmp_path / "cache.db"
    damage(path)
    logs = []
    cache = SimpleCache(str(path), log=logs.append)
    assert cache.get("k1") is None  # whatever was there is gone, never garbage
    cache.set("after", {"still": "works"})
    assert cache.get("after") == {"still": "works"}
    for i in range(20):
        cache.set(f"more{i}", i)
    assert SimpleCache(str(path), log=logs.append).get("more19") == 19
    assert len(logs) == 1, logs
    assert "moved aside" in logs[0] and str(path) in logs[0]
    aside = [p for p in os.listdir(str(tmp_path)) if p.startswith("cache.db.corrupt-")]
    assert "cache.db.corrupt-" in logs[0]
    assert any(not p.endswith(("-wal", "-shm")) for p in aside), aside


def test_zero_length_file_is_just_an_empty_database(tmp_path):
    path = tmp_path / "cache.db"
    path.write_bytes(b"")
    logs = []
    cache = SimpleCache(str(path), log=logs.append)
    cache.set("k", "v")
    assert cache.get("k") == "v"
    assert logs == []
    assert not [p for p in os.listdir(str(tmp_path)) if ".corrupt-" in p]


def test_damage_while_open_is_recovered_on_the_next_access(tmp_path):
    path = tmp_path / "cache.db"
    logs = []
    cache = SimpleCache(str(path), log=logs.append)
    cache.set("k", "v")
    cache.close()
    path.write_bytes(os.urandom(8192))
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(path) + suffix):
            os.remove(str(path) + suffix)
    assert cache.get("k") is None
    cache.set("k", "v2")
    assert cache.get("k") == "v2"
    assert len(logs) == 1


def test_moved_aside_file_keeps_the_damaged_bytes_for_inspection(tmp_path):
    path = tmp_path / "cache.db"
    garbage = os.urandom(10000)
    path.write_bytes(garbage)
    clock = Clock(1_700_000_000.0)  # 2023-11-14 22:13:20 UTC
    SimpleCache(str(path), now=clock, log=lambda m: None).set("k", 1)
    aside = tmp_path / "cache.db.corrupt-20231114-221320"
    assert aside.read_bytes() == garbage


def test_a_cache_whose_file_another_process_replaced_follows_the_path(tmp_path):
    path = tmp_path / "cache.db"
    first = SimpleCache(str(path))
    first.set("k", "old")
    os.rename(str(path), str(tmp_path / "elsewhere.db"))
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(path) + suffix):
            os.rename(str(path) + suffix, str(tmp_path / "elsewhere.db") + suffix)
    second = SimpleCache(str(path))
    second.set("k", "new")
    assert first.get("k") == "new"


# -- concurrency --------------------------------------------------------------------------


def test_threads_sharing_one_cache_and_with_their_own_lose_no_writes(tmp_path):
    path = str(tmp_path / "c.db")
    logs = []
    shared = SimpleCache(path, log=logs.append)
    errors = []
    start = threading.Barrier(12)
    per_thread = 150

    def writer(n, own):
        cache = SimpleCache(path, log=logs.append) if own else shared
        start.wait()
        try:
            for i in range(per_thread):
                cache.set(f"t{n}-{i}", {"n": n, "i": i})
                if i % 10 == 0:
                    assert cache.get(f"t{n}-{i}") == {"n": n, "i": i}
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    def reader():
        cache = SimpleCache(path, log=logs.append)
        start.wait()
        try:
            for i in range(per_thread):
                cache.get(f"t0-{i}")
        except Exception as exc:  # pragma: no cover
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(n, n % 2 == 0)) for n in range(10)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert logs == []
    check = SimpleCache(path)
    found = sum(1 for n in range(10) for i in range(per_thread) if check.get(f"t{n}-{i}") == {"n": n, "i": i})
    assert found == 10 * per_thread


CHILD = textwrap.dedent(
    """
    import os, sys, threading, time
    from simkl_resume.store.cache import SimpleCache

    path, go = sys.argv[1], sys.argv[5]
    proc, threads, per_thread = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    logs, errors = [], []
    while not os.path.exists(go):
        time.sleep(0.005)

    def work(t):
        cache = SimpleCache(path, log=logs.append)
        try:
            for i in range(per_thread):
                cache.set("p%d-t%d-%d" % (proc, t, i), {"p": proc, "t": t, "i": i, "s": "\\u00e9\\U0001f600"})
                cache.get("p%d-t%d-%d" % ((proc + 1) % 4, t, i))  # read what others write
        except Exception as exc:
            errors.append(repr(exc))

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for line in logs + errors:
        print(line, file=sys.stderr)
    sys.exit(1 if logs or errors else 0)
    """
)


def test_several_processes_with_threads_write_and_read_without_locks_or_lost_writes(tmp_path):
    path = tmp_path / "c.db"
    go = tmp_path / "go"
    procs, threads, per_thread = 4, 3, 120
    children = [spawn(CHILD, path, p, threads, per_thread, go) for p in range(procs)]
    go.write_text("go")
    results = [(c.wait(timeout=300), c.stderr.read()) for c in children]
    for c in children:
        c.stdout.close()
        c.stderr.close()
    assert results == [(0, "")] * procs
    check = SimpleCache(str(path))
    found = 0
    for p in range(procs):
        for t in range(threads):
            for i in range(per_thread):
                if check.get(f"p{p}-t{t}-{i}") == {"p": p, "t": t, "i": i, "s": "\u00e9\U0001f600"}:
                    found += 1
    assert found == procs * threads * per_thread
