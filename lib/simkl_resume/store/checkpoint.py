"""Where the picture is: the durable checkpoint of the playing item (power cuts, crashes).

    store = PlayingCheckpoint(path, log=log)  # <profile>/playing.json
    store.save(record)                        # atomic replace + fsync (jsonfile.VersionedJsonFile):
                                              # a power cut leaves the old or the new file
    store.load() -> Optional[dict]            # the record, None when none / unusable
    store.clear()                             # the session ended normally

One small JSON file, rewritten while something plays (push.py: at every player event and at
most every CHECKPOINT_INTERVAL seconds in between; no network). A new format, version 1 from
day one (no migration needed yet; to change it, raise CHECKPOINT_FORMAT and append a step to
MIGRATIONS, docs/architecture.md "On-disk formats"):

    {"v": 1, "playing": {"body": <scrobble body with "progress">, "item_key": str,
                         "state": "playing"|"paused", "position": s, "duration": s,
                         "library": {"type": "movie"|"episode", "dbid": int} | null,
                         "file": str, "at": epoch of the sample}}

A newer format (a downgrade) or a damaged file is set aside by VersionedJsonFile (logged once)
and counts as no checkpoint.
"""
import os
import time

from .jsonfile import VersionedJsonFile

CHECKPOINT_FORMAT = 1
MIGRATIONS = []  # (format a step produces, fn(record at the format below) -> record)


class PlayingCheckpoint:
    def __init__(self, path, log=None, now=time.time):
        self.path = path
        self._file = VersionedJsonFile(path, CHECKPOINT_FORMAT, "playing checkpoint", MIGRATIONS,
                                       lost="the position of an interrupted playback is lost", log=log,
                                       now=now)

    def save(self, record):
        self._file.save({"playing": dict(record)})

    def load(self):
        data = self._file.load()
        record = data.get("playing") if isinstance(data, dict) else None
        if not isinstance(record, dict) or not isinstance(record.get("body"), dict):
            return None
        return record

    def clear(self):
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass
