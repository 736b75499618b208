"""Where the picture is: the durable checkpoint of the playing item (power cuts, crashes).

    store = PlayingCheckpoint(path)          # <profile>/playing.json
    store.save(record)                       # atomic replace + fsync: a power cut leaves the
                                             # old or the new file, never half of one
    store.load() -> Optional[dict]           # the record, None when none / unreadable
    store.clear()                            # the session ended normally

One small JSON file, rewritten while something plays (push.py: at every player event and at
most every CHECKPOINT_INTERVAL seconds in between; no network). Format, version 1 from day one:

    {"v": 1, "playing": {"body": <scrobble body with "progress">, "item_key": str,
                         "state": "playing"|"paused", "position": s, "duration": s,
                         "library": {"type": "movie"|"episode", "dbid": int} | null,
                         "file": str, "at": epoch of the sample}}

A file of a NEWER version than this code knows is left alone (load() -> None, one log line):
an older addon installed over a newer one must not misread it. A damaged file counts as no
checkpoint (and is replaced by the next save).
"""
import json
import os

VERSION = 1


def write_json_atomic(path, data, mode=None):
    """Write `data` as JSON to `path`: a temp file in the same folder, fsync, os.replace."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + "-", dir=folder or None)
    try:
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, allow_nan=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class PlayingCheckpoint:
    def __init__(self, path, log=None):
        self.path = path
        self._log = log or (lambda message: None)

    def save(self, record):
        write_json_atomic(self.path, {"v": VERSION, "playing": dict(record)})

    def load(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            self._log("playing checkpoint %s unreadable (%s): ignored" % (self.path, exc))
            return None
        if not isinstance(data, dict):
            return None
        version = data.get("v")
        if not isinstance(version, int) or version > VERSION:
            self._log("playing checkpoint %s has format %r, newer than %d: left alone"
                      % (self.path, version, VERSION))
            return None
        record = data.get("playing")
        if not isinstance(record, dict) or not isinstance(record.get("body"), dict):
            return None
        return record

    def clear(self):
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass
