"""Small versioned JSON files in the profile folder (account.json, mirror.json).

    FILE = VersionedJsonFile(path, version=2, migrations=[(2, add_account_id)],
                             what="account file", log=log, legacy_version=1)
    data = FILE.load()        # a dict at the current version (key "v"), or None (no usable file)
    FILE.save({"token": ..})  # atomic (temp file + fsync + rename), readable by the owner only

The top-level key "v" is the format version. On `load`:
  - missing file: None;
  - "v" == version: the dict;
  - older "v" (or no "v" when `legacy_version` says which format an unversioned file is):
    the migrations run in order (each fn(dict) -> dict) and the result is saved at once;
  - newer "v" (a downgrade): the file is kept aside as `<file>.newer-v<N>-<stamp>`, said once
    in the log, and None is returned (never deleted, never called damage);
  - not JSON, not an object, or a "v" that is not a whole number: damage, moved aside as
    `<file>.corrupt-<stamp>` and said once in the log; None.
See `_formats` for the shared rules (the SQLite stores follow the same ones).
"""
import json
import os
import time
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from . import _formats

VERSION_KEY = "v"


def _default_log(message):
    import logging

    logging.getLogger(__name__).warning("%s", message)


class VersionedJsonFile:
    def __init__(self, path: str, version: int, what: str,
                 migrations: Sequence[Tuple[int, Callable[[Dict[str, Any]], Dict[str, Any]]]] = (),
                 legacy_version: Optional[int] = None, oldest: int = 1, lost: Optional[str] = None,
                 log: Optional[Callable[[str], None]] = None, now: Callable[[], float] = time.time) -> None:
        _formats.check_migrations(migrations, version, oldest)
        self.path = path
        self.version = version
        self.what = what
        self._migrations = list(migrations)
        self._legacy = legacy_version
        self._oldest = oldest
        self._lost = lost
        self._log = log or _default_log
        self._now = now

    def load(self) -> Optional[Dict[str, Any]]:
        try:
            with open(self.path, "rb") as handle:
                identity = _identity(handle.fileno())
                raw = handle.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if os.path.isdir(self.path):
                self._damaged(None, "a directory is in the way")
            else:
                self._log(f"{self.what} {self.path} could not be read: {exc}")
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as exc:  # UnicodeDecodeError is a ValueError too
            self._damaged(identity, f"not JSON: {exc}")
            return None
        if not isinstance(data, dict):
            self._damaged(identity, f"a JSON {type(data).__name__}, not an object")
            return None
        found = data.get(VERSION_KEY, self._legacy)
        if isinstance(found, bool) or not isinstance(found, int):
            self._damaged(identity, f"format version {found!r} is not a whole number")
            return None
        if found == self.version:
            return data
        try:
            steps = _formats.steps_from(self._migrations, found, self.version, self._oldest)
        except (_formats.NewerFormat, _formats.NoMigrationPath) as exc:
            self._keep_aside(exc, identity)
            return None
        for to, step in steps:
            data = step(dict(data))
            data[VERSION_KEY] = to
        self.save(data)
        self._log(f"{self.what} {self.path}: migrated from format {found} to {self.version}")
        return data

    def save(self, data: Dict[str, Any]) -> None:
        """Write `data` (with "v" set to the current version) atomically, mode 0600, fsync'd."""
        record = dict(data)
        record[VERSION_KEY] = self.version
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        import tempfile  # only when writing: the menu path reads account.json on every open

        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(self.path) + "-", dir=folder)
        try:
            if hasattr(os, "fchmod"):  # not on Windows, where the profile folder is private anyway
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    # -- internals ----------------------------------------------------------------------
    def _keep_aside(self, exc, identity):
        self._set_aside(_formats.aside_label(exc), identity, lambda aside: _formats.aside_message(
            self.what, self.path, exc, aside, self._lost))

    def _damaged(self, identity, reason):
        self._set_aside("corrupt", identity, lambda aside: (
            f"{self.what} {self.path} was damaged ({reason}): moved aside to {aside}"
            + (f"; {self._lost}" if self._lost else "")))

    def _set_aside(self, label, identity, message):
        """Rename the file aside, unless it changed since we read it (another process already
        set it aside, or wrote a good one): then leave it and say nothing."""
        try:
            if identity is not None and _identity_of(self.path) != identity:
                return
            aside = _formats.aside_path(self.path, label, self._now)
            os.rename(self.path, aside)
        except OSError as exc:
            self._log(f"{self.what} {self.path}: could not move it aside: {exc}")
            return
        self._log(message(aside) if callable(message) else message)


def _identity(fd):
    return _key(os.fstat(fd))


def _identity_of(path):
    try:
        return _key(os.stat(path))
    except OSError:
        return None


def _key(st):
    """Which file, and which content of it: changed when another process replaced or rewrote it."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
