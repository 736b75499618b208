"""Format versions of the on-disk stores, shared by SQLite (`_sqlite.Database`) and JSON
(`jsonfile.VersionedJsonFile`) files.

Every store file carries the version of its format (SQLite: `PRAGMA user_version`; JSON: the
top-level key "v"). A store declares its current version and an ordered list of migrations

    MIGRATIONS = [(2, step_1_to_2), (3, step_2_to_3)]   # (the version a step produces, step)

where a step turns the format just below its version into its version (SQLite: a list of SQL
statements and/or callables fn(conn); JSON: a callable fn(dict) -> dict). Opening a file:
  - its version == the current one: used as it is;
  - older, with a path of steps: migrated in place, all steps in one go, then used;
  - NEWER (a downgrade: a later release wrote it): kept aside as `<file>.newer-v<N>-<stamp>`,
    said in the log, and a fresh store starts; never deleted, never read as damage;
  - unreadable (not a database / not JSON / not our shape): damage, moved aside as
    `<file>.corrupt-<stamp>`, said in the log.
"""
import os
import time
from typing import Any, Callable, List, Optional, Sequence, Tuple

Migrations = Sequence[Tuple[int, Any]]


class NewerFormat(Exception):
    """The file was written by a newer release of the addon (format `found` > `known`)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"format version {found} is newer than this version of the addon knows ({known})")
        self.found = found
        self.known = known


class NoMigrationPath(Exception):
    """An older format version this release has no migration from (never released, or dropped)."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"format version {found} has no migration path to {known}")
        self.found = found
        self.known = known


def check_migrations(migrations: Migrations, version: int, first: int) -> None:
    """Raise ValueError unless `migrations` leads, one version at a time, from `first` (the
    oldest format still read) to `version` (the current one). A programming error: checked
    when a store is built, and by the stores' tests."""
    produced = [int(to) for to, _step in migrations]
    if produced != list(range(first + 1, version + 1)):
        raise ValueError(f"migrations must produce versions {list(range(first + 1, version + 1))} in order,"
                         f" got {produced}")


def steps_from(migrations: Migrations, found: int, version: int, first: int) -> List[Tuple[int, Any]]:
    """The (version, step) pairs that turn format `found` into `version`.

    Raises NewerFormat (found > version) or NoMigrationPath (found < first)."""
    if found > version:
        raise NewerFormat(found, version)
    if found < first:
        raise NoMigrationPath(found, version)
    return [(int(to), step) for to, step in migrations if found < int(to) <= version]


def aside_path(path: str, label: str, now: Callable[[], float], companions: Sequence[str] = ()) -> str:
    """A free name `<path>.<label>-<UTC stamp>[-n]` (free for `path` and its companions too)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now()))
    suffix = f".{label}-{stamp}"
    n = 1
    while any(os.path.lexists(path + suffix + c) for c in ("",) + tuple(companions)):
        n += 1
        suffix = f".{label}-{stamp}-{n}"
    return path + suffix


def aside_label(exc) -> str:
    """The label a file of an unreadable format is kept aside under (NewerFormat / NoMigrationPath)."""
    return f"{'newer' if isinstance(exc, NewerFormat) else 'old'}-v{int(exc.found)}"


def aside_message(what: str, path: str, exc, aside: str, lost: Optional[str]) -> str:
    """The one log line saying a file of an unreadable format was kept aside as `aside`."""
    if isinstance(exc, NewerFormat):
        text = (f"{what} {path} was written by a newer version of this addon (format {exc.found}; this"
                f" version reads up to {exc.known}): kept aside as {aside}, untouched, and started afresh")
        return text + (f"; {lost}" if lost else "") + ". Install the newer version again to use it."
    return (f"{what} {path} has format {exc.found}, which this version cannot migrate: kept aside as"
            f" {aside} and started afresh" + (f"; {lost}" if lost else ""))
