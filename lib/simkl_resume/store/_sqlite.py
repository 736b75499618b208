"""SQLite plumbing shared by the cache and the outbox.

One `Database` per store object: a lazily opened connection (nothing touches the disk
until the first query), WAL journal, a busy timeout, explicit short transactions
(`BEGIN IMMEDIATE` for writes, so a writer never has to upgrade a read lock), and
recovery from a damaged file: the file (and its -wal/-shm/-journal companions) is renamed
aside with a timestamp suffix, a fresh database is built, and ONE line goes to `log`.

Recovery is serialised between processes by an exclusive lock on a sidecar SQLite file
(`<db>.recover-lock`, never written to): the second process to notice the damage finds a
healthy, rebuilt file under the lock and leaves it alone. Before every query the
connection checks (one `os.stat`) that the file at `path` is still the one it opened, so
a process whose file was moved aside by another one reconnects instead of writing into
the renamed file.

Versions and migrations (see `_formats`): `PRAGMA user_version` holds the schema version. A
file of an older version is migrated in place by the store's ordered `migrations` (all steps
in the one BEGIN IMMEDIATE transaction that also sets the new version, so a crash leaves the
old version intact and the next open migrates again); a file of a NEWER version (a downgrade)
is renamed aside as `<db>.newer-v<N>-<stamp>` (never deleted, never called damage) and a fresh
one is built, with one line to `log`.

`sqlite3` is imported on first use, not at import time: the plugin's menu path imports the
cache, but when Window(10000) answers it never touches the disk (importing sqlite3 costs a
few milliseconds of a menu open that has about as much in all).
"""
import os
import threading
import time
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import _formats

BUSY_TIMEOUT_S = 5.0
# Beyond SQLite's own busy timeout, how long a query keeps retrying "database is locked".
BUSY_RETRY_S = 30.0

_CORRUPT_MARKERS = ("not a database", "malformed", "corrupt", "encrypted", "unsupported file format")
_COMPANIONS = ("-wal", "-shm", "-journal")


def _sqlite3():
    import sqlite3

    return sqlite3


def is_corruption(exc):
    """True for the sqlite errors that mean "this file is damaged", not "try again"."""
    sqlite3 = _sqlite3()
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    text = str(exc).lower()
    return any(marker in text for marker in _CORRUPT_MARKERS)


def is_busy(exc):
    sqlite3 = _sqlite3()
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return "locked" in text or "busy" in text


_unexpected_schema = []


def _unexpected_schema_class():
    """UnexpectedSchema(sqlite3.DatabaseError), made on first use (sqlite3 is imported lazily)."""
    if not _unexpected_schema:
        class UnexpectedSchema(_sqlite3().DatabaseError):
            """The file is a database, but not one we wrote (tables and no version): damage."""

        UnexpectedSchema.__module__ = __name__
        _unexpected_schema.append(UnexpectedSchema)
    return _unexpected_schema[0]


def __getattr__(name):  # PEP 562: `_sqlite.UnexpectedSchema` still works, without importing sqlite3 early
    if name == "UnexpectedSchema":
        return _unexpected_schema_class()
    raise AttributeError(name)


def _identity(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class Database:
    """A lazily connected SQLite file with a versioned schema.

    `schema` is the list of CREATE statements of the CURRENT version (a new file gets it);
    `version` is stored in `PRAGMA user_version`. `migrations` is the ordered list of
    `(version, steps)`: `steps` (a list of SQL statements and/or callables fn(conn)) turn the
    schema of `version - 1` into `version`; together they lead from `oldest` (the first
    version any release wrote) to `version` (`_formats.check_migrations`).
    `what` names the file in the log line, `lost` says what is lost when it is moved aside.
    """

    def __init__(self, path: str, schema: List[str], version: int, synchronous: str, what: str, lost: str,
                 log: Callable[[str], None], now: Callable[[], float],
                 migrations: Sequence[Tuple[int, Sequence[Any]]] = (), oldest: int = 1) -> None:
        _formats.check_migrations(migrations, version, oldest)
        self.path = path
        self._schema = schema
        self._version = version
        self._migrations = list(migrations)
        self._oldest = oldest
        self._synchronous = synchronous
        self._what = what
        self._lost = lost
        self._log = log
        self._now = now
        self._lock = threading.RLock()
        self._conn = None  # Optional[sqlite3.Connection]
        self._conn_identity: Optional[Tuple[int, int]] = None

    # -- public -----------------------------------------------------------------------

    def read(self, fn):
        """Run fn(conn) outside an explicit transaction (each statement reads a snapshot)."""
        return self._run(fn, write=False)

    def write(self, fn):
        """Run fn(conn) in one BEGIN IMMEDIATE ... COMMIT transaction."""
        return self._run(fn, write=True)

    def close(self):
        with self._lock:
            self._close()

    # -- internals --------------------------------------------------------------------

    def _run(self, fn, write):
        sqlite3 = _sqlite3()
        with self._lock:
            recovered = False
            kept_aside = False
            deadline = time.monotonic() + BUSY_RETRY_S
            while True:
                try:
                    conn = self._connection()
                    if not write:
                        return fn(conn)
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(conn)
                        conn.execute("COMMIT")
                    except BaseException:
                        self._rollback(conn)
                        raise
                    return result
                except sqlite3.DatabaseError as exc:
                    if is_busy(exc) and time.monotonic() < deadline:
                        time.sleep(0.01)
                        continue
                    if is_corruption(exc) and not recovered:
                        recovered = True
                        self._recover(str(exc))
                        continue
                    raise
                except (_formats.NewerFormat, _formats.NoMigrationPath) as exc:
                    if kept_aside:
                        raise
                    kept_aside = True
                    self._keep_aside(exc)

    @staticmethod
    def _rollback(conn):
        sqlite3 = _sqlite3()
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _close(self):
        if self._conn is not None:
            sqlite3 = _sqlite3()
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None
        self._conn_identity = None

    def _connection(self):
        if self._conn is not None:
            if _identity(self.path) == self._conn_identity:
                return self._conn
            self._close()  # moved aside or deleted by someone else: follow the path
        if os.path.isdir(self.path):
            raise _unexpected_schema_class()("a directory is in the way, not a database")
        parent = os.path.dirname(self.path)
        if parent and not os.path.isdir(parent):
            os.makedirs(parent, exist_ok=True)
        conn = _sqlite3().connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                  check_same_thread=False)
        try:
            self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._conn_identity = _identity(self.path)
        return conn

    def _prepare(self, conn):
        # A newer file is left exactly as it is: not even switched to WAL.
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > self._version:
            raise _formats.NewerFormat(found, self._version)
        # journal_mode reads the header and parses the schema: a damaged file fails here.
        # Once the file is in WAL mode (persistent) this is a cheap no-op.
        conn.execute("PRAGMA journal_mode=WAL").fetchall()
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        if conn.execute("PRAGMA user_version").fetchone()[0] == self._version:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != self._version:
                objects = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]
                if not objects:
                    for statement in self._schema:
                        conn.execute(statement)
                elif version == 0:
                    raise _unexpected_schema_class()(
                        f"unsupported file format: tables but no schema version, expected {self._version}")
                else:
                    self._migrate(conn, version)
                conn.execute(f"PRAGMA user_version={int(self._version)}")
            conn.execute("COMMIT")
        except BaseException:
            self._rollback(conn)
            raise

    def _migrate(self, conn, found):
        """Run the steps from `found` to the current version inside the caller's transaction
        (raises NewerFormat / NoMigrationPath before touching anything)."""
        for to, steps in _formats.steps_from(self._migrations, found, self._version, self._oldest):
            for step in ([steps] if isinstance(steps, str) or callable(steps) else steps):
                if callable(step):
                    step(conn)
                else:
                    conn.execute(step)
            conn.execute(f"PRAGMA user_version={int(to)}")
        self._log(f"{self._what} {self.path}: schema migrated from version {found} to {self._version}")

    def _healthy(self):
        """A fresh look at the file: True when it opens, has our schema and passes quick_check."""
        sqlite3 = _sqlite3()
        if os.path.isdir(self.path):
            return False
        if not os.path.exists(self.path):
            return True
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error:
            return False
        try:
            self._prepare(conn)
            rows = conn.execute("PRAGMA quick_check").fetchall()
            return rows == [("ok",)]
        except sqlite3.DatabaseError as exc:
            if is_busy(exc):
                return True  # someone is writing to it: it is alive; let the caller retry
            return False
        except (_formats.NewerFormat, _formats.NoMigrationPath):
            return False
        finally:
            conn.close()

    def _recover(self, reason):
        aside = self._set_aside("corrupt")
        if aside is not None:
            self._log(f"{self._what} {self.path} was damaged ({reason}): moved aside to {aside}"
                      f" and rebuilt empty; {self._lost}")

    def _keep_aside(self, exc):
        """A newer (downgrade) or no longer readable older format: keep the file, start afresh."""
        aside = self._set_aside(_formats.aside_label(exc))
        if aside is not None:
            self._log(_formats.aside_message(self._what, self.path, exc, aside, None))

    def _set_aside(self, label):
        """Rename the file (and companions) to `<path>.<label>-<stamp>`, unless another process
        (or thread) already did and the file at `path` is now healthy: then None."""
        self._close()
        lock = self._recover_lock()
        try:
            if self._healthy():
                return None
            return self._move_aside(label)
        finally:
            if lock is not None:
                self._rollback(lock)
                lock.close()

    def _recover_lock(self):
        sqlite3 = _sqlite3()
        try:
            lock = sqlite3.connect(self.path + ".recover-lock", timeout=60.0, isolation_level=None)
        except sqlite3.Error:
            return None
        try:
            lock.execute("BEGIN EXCLUSIVE")
        except sqlite3.Error:
            lock.close()
            return None
        return lock

    def _move_aside(self, label):
        aside = _formats.aside_path(self.path, label, self._now, _COMPANIONS)
        for companion in ("",) + _COMPANIONS:
            src = self.path + companion
            if os.path.lexists(src):
                os.rename(src, aside + companion)
        return aside
