"""The durable scrobble outbox: every player event, committed before `add` returns.

    outbox = ScrobbleOutbox(db_path, now=time.time, log=log_fn)
    entry_id = outbox.add(account, item_key, "pause", body)   # committed + fsync'd
    for entry in outbox.pending(account):                     # due now, insertion order
        ... send entry.body to /scrobble/<entry.action> ...
        outbox.done(entry.id)                                  # delivered or refused for good
        # or outbox.retry_later(entry.id, 60, "HTTP 503")     # attempts += 1
    outbox.drop([ids superseded by core.scrobble.collapse])
    outbox.retry_later(entry.id, 60, "HTTP 503", counts=True)  # failures += 1 (towards parking)
    outbox.park(entry.id, reason)        # kept on disk, out of the queue: parked(), never sent
    outbox.rekey(["signin:ab12"], "id:51")   # the account's identity became known
    outbox.count_others(["id:51"])       # queued events of other accounts (kept aside)

The outbox only stores; which events to send or collapse is decided in core. `account`
identifies the Simkl account (store/account.py's queue key, "id:<account id>" - never the
access token); `item_key` is
the caller's identity of the played item; `body` is the JSON object Simkl receives.

Ids come from AUTOINCREMENT: they grow with insertion and are never reused, so a stale id
can never remove a newer event. SQLite runs in WAL mode with synchronous=FULL, a busy
timeout, and writes in BEGIN IMMEDIATE transactions: safe from several threads (one
connection per object, serialised by a lock) and several processes, and a SIGKILL at any
point leaves every event whose `add` returned and no half-written one. A damaged file is
moved aside and rebuilt with one log line; the events queued in it are lost. An older schema
is migrated (MIGRATIONS), a newer one (a downgrade) is kept aside untouched and said.
Schema 2 (issue 12): `failures`/`first_failure` (failures that were the event's own fault,
towards core.scrobble.should_park) and `parked_at` (set aside: all/pending/count skip it).
"""
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from ._sqlite import Database

ACTIONS = ("start", "pause", "stop")
SCHEMA_VERSION = 2  # PRAGMA user_version; 0.1.0 wrote 1 (docs/architecture.md "On-disk formats")
# (version a step produces, [SQL statements and/or fn(conn)]) from 1 up to SCHEMA_VERSION, in order.
MIGRATIONS = [
    # 0.1.0 -> issue 12: failures that count towards parking, and the parked state. A migrated
    # event has no counted failure and is not parked: every queued 0.1.0 event is still sent.
    (2, ["ALTER TABLE outbox ADD COLUMN failures INTEGER NOT NULL DEFAULT 0",
         "ALTER TABLE outbox ADD COLUMN first_failure REAL",
         "ALTER TABLE outbox ADD COLUMN parked_at REAL"]),
]
_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS outbox ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " account TEXT NOT NULL,"
    " item_key TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " created REAL NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_attempt REAL NOT NULL,"
    " last_error TEXT,"
    " failures INTEGER NOT NULL DEFAULT 0,"
    " first_failure REAL,"
    " parked_at REAL)",
    "CREATE INDEX IF NOT EXISTS outbox_account ON outbox (account, id)",
]
_COLUMNS = ("id, account, item_key, action, body, created, attempts, next_attempt, last_error,"
            " failures, first_failure, parked_at")
_QUEUED = "parked_at IS NULL"
_MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    account: str
    item_key: str
    action: str
    body: Dict[str, Any]
    created: float
    attempts: int
    next_attempt: float
    last_error: Optional[str]
    failures: int = 0                     # failed attempts that were this event's fault
    first_failure: Optional[float] = None  # when the first of those happened
    parked_at: Optional[float] = None      # set aside: kept, counted, never sent again


def _entry(row):
    return OutboxEntry(row[0], row[1], row[2], row[3], json.loads(row[4]), *row[5:])


def _default_log(message):
    logging.getLogger(__name__).warning("%s", message)


class ScrobbleOutbox:
    def __init__(self, db_path: str, now: Callable[[], float] = time.time,
                 log: Optional[Callable[[str], None]] = None) -> None:
        self._now = now
        self._log = log or _default_log
        self._db = Database(db_path, _SCHEMA, SCHEMA_VERSION, "FULL", "scrobble outbox",
                            "the scrobble events queued in it are lost", self._log, now,
                            migrations=MIGRATIONS)

    @property
    def db_path(self):
        return self._db.path

    def add(self, account: str, item_key: str, action: str, body: Dict[str, Any],
            created: Optional[float] = None) -> int:
        """Queue one event; returns its id once it is committed to disk. `created` (default
        now) is when the event really happened: the pause a killed Kodi's checkpoint becomes
        at start-up happened at the checkpoint, not at the restart (newest wins uses it)."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {'|'.join(ACTIONS)}, not {action!r}")
        if not isinstance(body, dict):
            raise TypeError(f"body must be a dict, not {type(body).__name__}")
        body_text = json.dumps(body, ensure_ascii=True, allow_nan=False)
        now = self._now()
        when = now if created is None else float(created)
        row = (str(account), str(item_key), action, body_text, when, now)
        return self._db.write(lambda c: c.execute(
            "INSERT INTO outbox (account, item_key, action, body, created, attempts, next_attempt)"
            " VALUES (?, ?, ?, ?, ?, 0, ?)", row).lastrowid)

    def pending(self, account: Optional[str] = None, now: Optional[float] = None) -> List[OutboxEntry]:
        """Queued (not parked) entries due (next_attempt <= now), in insertion order."""
        when = self._now() if now is None else now
        if account is None:
            sql = f"SELECT {_COLUMNS} FROM outbox WHERE {_QUEUED} AND next_attempt <= ? ORDER BY id"
            args = (when,)
        else:
            sql = (f"SELECT {_COLUMNS} FROM outbox WHERE {_QUEUED} AND account = ? AND next_attempt <= ?"
                   " ORDER BY id")
            args = (str(account), when)
        return self._select(sql, args)

    def all(self, account: Optional[str] = None) -> List[OutboxEntry]:
        """Everything still queued (not parked), in insertion order."""
        if account is None:
            return self._select(f"SELECT {_COLUMNS} FROM outbox WHERE {_QUEUED} ORDER BY id", ())
        return self._select(f"SELECT {_COLUMNS} FROM outbox WHERE {_QUEUED} AND account = ? ORDER BY id",
                            (str(account),))

    def count(self, account: Optional[str] = None) -> int:
        """How many entries are queued (not parked)."""
        if account is None:
            return self._db.read(lambda c: c.execute(
                f"SELECT count(*) FROM outbox WHERE {_QUEUED}").fetchone()[0])
        return self._db.read(lambda c: c.execute(
            f"SELECT count(*) FROM outbox WHERE {_QUEUED} AND account = ?", (str(account),)).fetchone()[0])

    def parked(self, account: Optional[str] = None) -> List[OutboxEntry]:
        """The parked entries (kept on disk, never sent again), in insertion order."""
        if account is None:
            return self._select(f"SELECT {_COLUMNS} FROM outbox WHERE NOT {_QUEUED} ORDER BY id", ())
        return self._select(f"SELECT {_COLUMNS} FROM outbox WHERE NOT {_QUEUED} AND account = ? ORDER BY id",
                            (str(account),))

    def count_others(self, accounts: Iterable[str]) -> int:
        """How many queued entries belong to none of `accounts` (another account's)."""
        keys = [str(a) for a in accounts]
        if not keys:
            return self.count()
        marks = ",".join("?" * len(keys))
        return self._db.read(lambda c: c.execute(
            f"SELECT count(*) FROM outbox WHERE {_QUEUED} AND account NOT IN ({marks})", keys).fetchone()[0])

    def rekey(self, old_accounts: Iterable[str], account: str) -> int:
        """Move every entry (queued or parked) of `old_accounts` to `account`, keeping ids and
        so order; one transaction. Returns how many moved."""
        keys = [str(a) for a in old_accounts if str(a) != str(account)]
        if not keys:
            return 0
        marks = ",".join("?" * len(keys))
        if not self._db.read(lambda c: c.execute(
                f"SELECT count(*) FROM outbox WHERE account IN ({marks})", keys).fetchone()[0]):
            return 0  # the usual case: no write transaction
        return self._db.write(lambda c: c.execute(
            f"UPDATE outbox SET account = ? WHERE account IN ({marks})", [str(account)] + keys).rowcount)

    def done(self, entry_id: int) -> bool:
        """Remove a delivered (or permanently refused) entry. False if it was already gone."""
        return self.drop([entry_id]) == 1

    def drop(self, entry_ids: Iterable[int]) -> int:
        """Remove superseded entries in one transaction; returns how many were removed."""
        ids = [int(i) for i in entry_ids]
        if not ids:
            return 0

        def delete(conn):
            return sum(conn.execute("DELETE FROM outbox WHERE id = ?", (i,)).rowcount for i in ids)

        return self._db.write(delete)

    def retry_later(self, entry_id: int, delay_s: float, error: str, counts: bool = True) -> bool:
        """attempts += 1, next_attempt = now + delay_s, last_error = error; when `counts` (the
        failure was about this event, not the network), failures += 1 and first_failure is
        set if it was not. False if gone."""
        now = self._now()
        text = str(error)[:_MAX_ERROR_CHARS]
        step = 1 if counts else 0
        return self._db.write(lambda c: c.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?, last_error = ?,"
            " failures = failures + ?, first_failure = CASE WHEN ? THEN COALESCE(first_failure, ?)"
            " ELSE first_failure END WHERE id = ?",
            (now + float(delay_s), text, step, step, now, int(entry_id))).rowcount) == 1

    def park(self, entry_id: int, error: str) -> bool:
        """Set an entry aside for good: kept on disk (parked()), never sent again, no longer
        queued. False if gone."""
        text = str(error)[:_MAX_ERROR_CHARS]
        return self._db.write(lambda c: c.execute(
            "UPDATE outbox SET parked_at = ?, last_error = ? WHERE id = ?",
            (self._now(), text, int(entry_id))).rowcount) == 1

    def close(self):
        self._db.close()

    def _select(self, sql, args):
        rows = self._db.read(lambda c: c.execute(sql, args).fetchall())
        return [_entry(row) for row in rows]
