"""Kodi's own resume points from Simkl's playbacks: the mirror's pass and its provenance file.

Both processes run it: the service's ResumeMirror component (service mirror.py) runs a pass
whenever the playbacks change, the plugin's sign-out clears what it wrote (forget_written).

    points = ResumePoints(ctx)                       # settings: mirror_resume (on by default)
    points.sync()                                    # one pass, on the calling thread
    points.forget_written()                          # sign-out / another account

A pass:
  1. reads the matched entries of KEY_RESUME_LIST (dbid, mediatype, progress, paused_epoch);
  2. reads each concerned library item ONCE (VideoLibrary.Get{Movie,Episode}Details, properties
     resume, lastplayed, streamdetails) - the matched items and the ones this addon
     wrote before;
  3. core.mirror.plan_mirror decides (newest wins, provenance-only clearing, real duration);
  4. applies each write with VideoLibrary.Set{Movie,Episode}Details {resume: {position, total}}
     (position 0 clears) - nothing when nothing changed;
  5. stores what it wrote in <profile>/mirror.json (provenance), so it clears only its own points.
     The file is versioned (store.jsonfile, key "v" = core.PROVENANCE_FORMAT; 0.1.0 wrote 1): to
     change it, raise PROVENANCE_FORMAT and append a step to PROVENANCE_MIGRATIONS.
Kodi's `lastplayed` is local wall-clock time; `utc_offset(wall)` gives the zone's offset valid
at that wall time (local_utc_offset: daylight saving time included), as the fake Kodi also
writes local time. JSON-RPC failures of one item skip that item; the pass goes on.
"""
import os
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from .core import mirror as core
from .resume_cache import load_resume_list, matched_entries
from .store.jsonfile import VersionedJsonFile

SETTING_MIRROR = "mirror_resume"
PROVENANCE_FILE = "mirror.json"
DETAIL_PROPS = ["resume", "lastplayed", "streamdetails"]  # runtime: never the real length
# (format a step produces, fn(provenance dict at the format below) -> dict); see store/_formats.py.
PROVENANCE_MIGRATIONS = []


def local_utc_offset(wall: Optional[float] = None) -> float:
    """Seconds east of UTC of the local zone at local wall-clock time `wall` (given as the epoch
    that wall time would have in UTC, core.mirror.lastplayed_epoch), with the daylight saving
    rule of THAT date; now's offset when `wall` is None. Kodi's lastplayed is local time."""
    if wall is None:
        return float(time.localtime().tm_gmtoff or 0)
    fields = time.gmtime(wall)
    try:
        epoch = time.mktime(fields[:8] + (-1,))  # -1: the C library decides DST for that date
    except (OverflowError, ValueError):
        return float(time.localtime().tm_gmtoff or 0)
    return float(wall - epoch)


def _default_call(method, params):
    from .kodi.jsonrpc import call

    return call(method, params)


def _default_enabled():
    from .kodi import settings

    return bool(settings.get_bool(SETTING_MIRROR))


class ResumePoints:
    """The pass engine (see the module doc); service/mirror.ResumeMirror makes it a Component."""

    def __init__(self, ctx, call: Optional[Callable[..., Any]] = None,
                 enabled: Optional[Callable[[], bool]] = None,
                 utc_offset: Optional[Callable[[float], float]] = None, log=None):
        self.ctx = ctx
        self.call = call or _default_call
        self.enabled = enabled or _default_enabled
        self.utc_offset = utc_offset or local_utc_offset
        self.log = log or ctx.log
        self.path = os.path.join(ctx.profile_dir, PROVENANCE_FILE)
        self._file = VersionedJsonFile(self.path, core.PROVENANCE_FORMAT, "mirror provenance file",
                                       PROVENANCE_MIGRATIONS, log=self.log, now=ctx.now,
                                       lost="the resume points written before are no longer cleared")
        self._lock = threading.Lock()
        self.last_writes: List[core.Write] = []
        self.last_skipped: List[Any] = []  # plan.skipped of the last pass: (item_key, reason)

    # ------------------------------------------------------------------ provenance
    def load_provenance(self) -> core.Provenance:
        data = self._file.load()
        return core.Provenance() if data is None else core.Provenance.from_dict(data)

    def save_provenance(self, provenance: core.Provenance) -> None:
        self._file.save(provenance.to_dict())

    # ------------------------------------------------------------------ one pass
    def targets(self) -> List[core.Target]:
        out = []
        for entry in matched_entries(load_resume_list(self.ctx.cache), self.ctx.now()):
            if entry.get("mediatype") not in ("movie", "episode"):
                continue
            try:
                for dbid in entry.get("copies") or [entry["dbid"]]:  # every copy of the item
                    out.append(core.Target(entry["mediatype"], int(dbid), entry.get("playback_id"),
                                           float(entry["progress"]), float(entry.get("paused_epoch") or 0),
                                           bool(entry.get("own"))))
            except (KeyError, TypeError, ValueError):
                continue
        return out

    def read_item(self, kind: str, dbid: int, offset: float) -> Optional[core.LocalItem]:
        try:
            reply = self.call("VideoLibrary.Get%sDetails" % kind.capitalize(),
                              {kind + "id": int(dbid), "properties": DETAIL_PROPS}) or {}
        except Exception as exc:  # noqa: BLE001 - -32602: removed from the library
            if getattr(exc, "code", None) != -32602:
                self.log("mirror: cannot read %s %d: %r" % (kind, dbid, exc))
            return None
        details = reply.get(kind + "details") if isinstance(reply, dict) else None
        return core.local_item(details, offset) if isinstance(details, dict) else None

    def forget_written(self) -> int:
        """Sign-out / another account: clear every resume point this addon wrote that the item
        still holds (untouched since), and forget the rest, whatever the setting says."""
        return self.sync(targets=[])

    def sync(self, targets: Optional[List[core.Target]] = None) -> int:
        """One pass (see the module doc). Returns the number of writes Kodi accepted.
        `targets=[]`: nothing is wanted any more (forget_written)."""
        with self._lock:
            if targets is None and not self.enabled():
                return 0
            provenance = self.load_provenance()
            if targets is None:
                targets = self.targets()
            elif not provenance.records:
                return 0
            offset = self.utc_offset
            items: Dict[Any, core.LocalItem] = {}
            for kind, dbid in core.wanted_keys(targets, provenance):
                item = self.read_item(kind, dbid, offset)
                if item is not None:
                    items[(kind, dbid)] = item
            plan = core.plan_mirror(targets, items, provenance, self.ctx.now())
            done = 0
            records = dict(plan.provenance.records)
            for write in plan.writes:
                if self._apply(write):
                    done += 1
                else:
                    key = core.item_key(write.kind, write.dbid)
                    if write.position > 0:
                        records.pop(key, None)  # not written: not ours
                    elif key in provenance.records:
                        records[key] = provenance.records[key]  # clear failed: retry next pass
            self.last_writes = list(plan.writes)
            result = core.Provenance(records)
            if result != provenance:
                self.save_provenance(result)
            if plan.skipped != self.last_skipped:  # said once, not at every retry
                self.log("mirror: left alone: %s" % (", ".join("%s (%s)" % pair for pair in plan.skipped)
                                                     or "nothing"))
            self.last_skipped = list(plan.skipped)
            if plan.writes:
                self.log("mirror: %d resume point(s) set, %d cleared"
                         % (sum(1 for w in plan.writes if w.position > 0),
                            sum(1 for w in plan.writes if w.position <= 0)))
            return done

    def _apply(self, write: core.Write) -> bool:
        method = "VideoLibrary.Set%sDetails" % write.kind.capitalize()
        resume = {"position": write.position, "total": write.total} if write.position > 0 \
            else {"position": 0, "total": 0}
        try:
            self.call(method, {write.kind + "id": write.dbid, "resume": resume})
        except Exception as exc:  # noqa: BLE001
            self.log("mirror: %s %d not written: %r" % (write.kind, write.dbid, exc))
            return False
        return True
