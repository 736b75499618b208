"""A simplecache-style cache: SQLite on disk plus an injected memory layer.

    cache = SimpleCache(db_path, memory=window_memory, now=time.time, log=log_fn)
    cache.set("playbacks", [..], checksum="2024-01-15T10:30:00Z", expiration=3600)
    cache.get("playbacks", checksum="2024-01-15T10:30:00Z")   # -> the list, or None
    cache.delete("playbacks")

Like script.module.simplecache: `data` is anything JSON can carry (stored as JSON text;
tuples come back as lists, dict keys as strings); `get` returns None when the key is
unknown, expired, or stored with another checksum (a `checksum` of None means "any").

The memory layer is any object with `get(key) -> Optional[str]`, `set(key, str)` and
`clear(key)`; the Kodi layer passes one backed by Window(10000) properties, shared by the
service and every plugin run. It holds value, checksum and expiry together as one JSON
string under `memory_prefix + key`. `get` asks memory first and does not touch the disk
(not even to open the database) when memory has a valid entry; a disk hit is copied into
memory. `set` writes both.

Construction does no I/O; the database is opened on the first disk access. A damaged
database file is moved aside and rebuilt (one line through `log`); disk errors never
raise out of get/set/delete: the cache is an optimisation, a miss is always acceptable.

sqlite3 (and logging, datetime) are imported only when used: a plugin run answered by the
memory layer never imports them.
"""
import json
import time
from typing import Any, Callable, Optional

from ._sqlite import Database, _sqlite3

DEFAULT_EXPIRATION_S = 30 * 24 * 3600  # simplecache's default: 30 days
SCHEMA_VERSION = 1  # PRAGMA user_version; 0.1.0 wrote 1 (docs/architecture.md "On-disk formats")
# (version a step produces, [SQL statements and/or fn(conn)]) from 1 up to SCHEMA_VERSION, in order.
MIGRATIONS = []
_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS simplecache ("
    " id TEXT PRIMARY KEY, expires REAL NOT NULL, data TEXT NOT NULL, checksum TEXT NOT NULL)",
]

_MISSING = object()


def _default_log(message):
    import logging

    logging.getLogger(__name__).warning("%s", message)


def _seconds(expiration):
    if hasattr(expiration, "total_seconds"):  # datetime.timedelta
        return expiration.total_seconds()
    return float(expiration)


def _checksum_text(checksum):
    return "" if checksum is None else str(checksum)


class SimpleCache:
    def __init__(self, db_path: str, memory: Any = None, now: Callable[[], float] = time.time,
                 log: Optional[Callable[[str], None]] = None,
                 memory_prefix: str = "simkl_resume.cache.") -> None:
        self._memory = memory
        self._now = now
        self._log = log or _default_log
        self._prefix = memory_prefix
        self._db = Database(db_path, _SCHEMA, SCHEMA_VERSION, "NORMAL", "cache database",
                            "the cached data in it is lost (it is fetched again)", self._log, now,
                            migrations=MIGRATIONS)

    @property
    def db_path(self):
        return self._db.path

    # -- API ------------------------------------------------------------------------------

    def get(self, key, checksum=None):
        """The data stored under `key`, or None (unknown, expired, other checksum)."""
        now = self._now()
        found = self._get_memory(key, checksum, now)
        if found is not _MISSING:
            return found
        row = self._disk(lambda c: c.execute(
            "SELECT expires, data, checksum FROM simplecache WHERE id = ?", (key,)).fetchone(),
            "read", read=True)
        if not row:
            return None
        expires, data_text, stored_checksum = row
        if expires <= now:
            return None
        try:
            data = json.loads(data_text)
        except ValueError:
            return None
        self._set_memory(key, data, stored_checksum, expires)
        if checksum is not None and _checksum_text(checksum) != stored_checksum:
            return None
        return data

    def set(self, key, data, checksum=None, expiration=DEFAULT_EXPIRATION_S):
        """Store JSON-serialisable `data` (TypeError otherwise) for `expiration` seconds."""
        data_text = json.dumps(data, ensure_ascii=True)  # raises TypeError before anything is stored
        expires = self._now() + _seconds(expiration)
        stored_checksum = _checksum_text(checksum)
        self._set_memory(key, data, stored_checksum, expires)
        self._disk(lambda c: c.execute(
            "INSERT OR REPLACE INTO simplecache (id, expires, data, checksum) VALUES (?, ?, ?, ?)",
            (key, expires, data_text, stored_checksum)), "write")

    def delete(self, key):
        if self._memory is not None:
            self._memory.clear(self._prefix + key)
        self._disk(lambda c: c.execute("DELETE FROM simplecache WHERE id = ?", (key,)), "delete")

    def cleanup(self):
        """Remove expired entries from the disk; returns how many went."""
        now = self._now()
        count = self._disk(lambda c: c.execute("DELETE FROM simplecache WHERE expires <= ?", (now,)).rowcount,
                           "clean up")
        return count or 0

    def close(self):
        self._db.close()

    # -- internals ------------------------------------------------------------------------

    def _disk(self, fn, doing, read=False):
        try:
            if read:
                return self._db.read(fn)
            return self._db.write(fn)
        except (_sqlite3().Error, OSError) as exc:
            self._log(f"cache database {self._db.path}: could not {doing}: {exc}")
            return None

    def _get_memory(self, key, checksum, now):
        if self._memory is None:
            return _MISSING
        text = self._memory.get(self._prefix + key)
        if not text:
            return _MISSING
        try:
            entry = json.loads(text)
            expires = float(entry["e"])
            stored_checksum = entry["c"]
            data = entry["d"]
        except (ValueError, TypeError, KeyError):
            return _MISSING
        if expires <= now:
            return _MISSING
        if checksum is not None and _checksum_text(checksum) != stored_checksum:
            return _MISSING
        return data

    def _set_memory(self, key, data, stored_checksum, expires):
        if self._memory is None:
            return
        text = json.dumps({"e": expires, "c": stored_checksum, "d": data}, ensure_ascii=True)
        self._memory.set(self._prefix + key, text)
