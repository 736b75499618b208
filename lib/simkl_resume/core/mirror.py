"""Mirror Simkl playbacks into Kodi's own resume points: the decisions. Pure, no Kodi.

    targets = [Target(kind, dbid, playback_id, progress, paused_epoch), ...]   # matched playbacks
    items = {("movie", 12): LocalItem(position, total, lastplayed_epoch, duration), ...}
    written = Provenance.from_dict(stored)           # what this addon wrote before
    plan = plan_mirror(targets, items, written, now)
    plan.writes        -> [Write(kind, dbid, position, total, playback_id)]  position 0 = clear
    plan.provenance    -> Provenance to store once the writes are applied

Decisions (keep in sync with tests/test_mirror*.py):
- Several playbacks naming one library item: the newest `paused_epoch` wins.
- Duration: the REAL length of the file. `LocalItem.duration` is chosen by `real_duration`:
  the library resume `total` (Kodi stores the played file's length there), else the stream
  details' video duration; None -> the item is left alone. Never the library `runtime`: that
  is the scraper's running time of the title, not this file's length (another cut, a 4K
  remux, a TV recording), and a position computed from it lands somewhere else.
- `lastplayed` is Kodi's LOCAL wall-clock time; it is turned into epoch seconds with the UTC
  offset valid at that instant (daylight saving time), not today's offset.
- Position = core.progress.resume_position(progress, duration) (never the last 10 s).
- Own playback: a target this device scrobbled itself (Target.own) is the local position it
  is: never written over, never cleared.
- Newest wins: when the item's `lastplayed` is at or after Simkl's `paused_at`, the local
  resume point is newer and is never overwritten. Otherwise Simkl's position is written,
  unless the local resume point is already within SAME_POSITION seconds of it (nothing to do;
  Kodi stores whole seconds).
- Provenance: every point this addon writes is remembered as {position, total, playback_id,
  paused_epoch, written_at}. A remembered point whose playback is gone from Simkl (deleted,
  watched, expired, or no longer matched) is cleared (position 0) ONLY when the item still
  holds exactly what we wrote (within SAME_POSITION) and was not played locally since we wrote
  it (lastplayed < written_at). Otherwise the record is just forgotten: the point is the
  user's now. Items gone from the library are forgotten.
- Nothing changed -> no writes, and a provenance equal to the one given.
"""
import calendar
import time
from collections import namedtuple
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from .progress import positive_seconds as _positive
from .progress import resume_position

# Kodi stores resume points truncated to whole seconds: positions closer than this are equal.
SAME_POSITION = 2.0
PROVENANCE_FORMAT = 1

# own: the playback is this device's own last scrobble (core.own) - Kodi already holds it
Target = namedtuple("Target", "kind dbid playback_id progress paused_epoch own", defaults=(False,))
LocalItem = namedtuple("LocalItem", "position total lastplayed_epoch duration")
Write = namedtuple("Write", "kind dbid position total playback_id")
MirrorPlan = namedtuple("MirrorPlan", "writes provenance skipped")


def item_key(kind: str, dbid: int) -> str:
    return "%s:%d" % (kind, int(dbid))


def stream_duration(streamdetails: Any) -> Optional[float]:
    """The longest video stream's `duration` (seconds) in Kodi's streamdetails, or None."""
    if not isinstance(streamdetails, dict):
        return None
    best = None
    for stream in streamdetails.get("video") or []:
        if isinstance(stream, dict):
            value = _positive(stream.get("duration"))
            if value is not None and (best is None or value > best):
                best = value
    return best


def real_duration(details: Dict[str, Any]) -> Optional[float]:
    """Real length (seconds) of a library item's file from Get*Details properties resume and
    streamdetails: resume.total > the longest video stream > None (never `runtime`)."""
    resume = details.get("resume") if isinstance(details.get("resume"), dict) else {}
    return _positive(resume.get("total")) or stream_duration(details.get("streamdetails"))


OffsetAt = Union[float, Callable[[float], float]]


def lastplayed_epoch(text: Any, utc_offset: OffsetAt = 0.0) -> Optional[float]:
    """Kodi's `lastplayed` ("YYYY-MM-DD HH:MM:SS", Kodi writes LOCAL time) as epoch seconds.
    `utc_offset`: the local zone's offset east of UTC in seconds, or a function giving the
    offset valid at a wall-clock time (passed as the epoch that wall time would have in UTC):
    daylight saving time makes the offset of a summer `lastplayed` differ from a winter one.
    "" / unreadable -> None."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        parsed = time.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    wall = float(calendar.timegm(parsed))
    offset = utc_offset(wall) if callable(utc_offset) else utc_offset
    return wall - float(offset or 0.0)


def local_item(details: Dict[str, Any], utc_offset: OffsetAt = 0.0) -> LocalItem:
    """LocalItem from VideoLibrary.Get{Movie,Episode}Details (properties resume, lastplayed,
    streamdetails)."""
    resume = details.get("resume") if isinstance(details.get("resume"), dict) else {}
    return LocalItem(_positive(resume.get("position")) or 0.0, _positive(resume.get("total")) or 0.0,
                     lastplayed_epoch(details.get("lastplayed"), utc_offset), real_duration(details))


class Provenance:
    """What this addon wrote: {item_key: {"position", "total", "playback_id", "paused_epoch",
    "written_at"}}. JSON-friendly with to_dict/from_dict (unreadable data -> empty)."""

    def __init__(self, records: Optional[Dict[str, Dict[str, Any]]] = None):
        self.records = dict(records or {})

    def to_dict(self) -> Dict[str, Any]:
        return {"v": PROVENANCE_FORMAT, "written": self.records}

    @classmethod
    def from_dict(cls, data: Any) -> "Provenance":
        if not isinstance(data, dict) or data.get("v") != PROVENANCE_FORMAT:
            return cls()
        written = data.get("written")
        if not isinstance(written, dict):
            return cls()
        return cls({k: v for k, v in written.items() if isinstance(k, str) and isinstance(v, dict)})

    def __eq__(self, other):
        return isinstance(other, Provenance) and self.records == other.records

    def __repr__(self):
        return "Provenance(%r)" % (self.records,)


def parse_key(key: str) -> Optional[Tuple[str, int]]:
    kind, _sep, dbid = key.partition(":")
    if kind not in ("movie", "episode"):
        return None
    try:
        return kind, int(dbid)
    except ValueError:
        return None


def newest_per_item(targets: Iterable[Target]) -> Dict[str, Target]:
    out: Dict[str, Target] = {}
    for target in targets:
        if target.kind not in ("movie", "episode") or target.dbid is None:
            continue
        key = item_key(target.kind, target.dbid)
        held = out.get(key)
        if held is None or (target.paused_epoch or 0) > (held.paused_epoch or 0):
            out[key] = target
    return out


def _same(a: Optional[float], b: Optional[float]) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < SAME_POSITION


def plan_mirror(targets: Iterable[Target], items: Dict[Tuple[str, int], LocalItem],
                provenance: Provenance, now: float) -> MirrorPlan:
    """The writes that bring Kodi's resume points in line with Simkl (see module doc).
    `items` holds the current state of every item named by `targets` or `provenance` that is
    still in the library. `skipped` lists (item_key, reason) for the log."""
    wanted = newest_per_item(targets)
    records = dict(provenance.records)
    writes: List[Write] = []
    skipped: List[Tuple[str, str]] = []
    for key in sorted(wanted):
        target = wanted[key]
        item = items.get((target.kind, int(target.dbid)))
        mine = records.get(key)
        if item is None:
            records.pop(key, None)
            skipped.append((key, "not_in_library"))
            continue
        if mine is not None and not _ours(item, mine):
            records.pop(key, None)  # the user played or changed it since: no longer ours
            mine = None
        if target.own:
            skipped.append((key, "own"))
            continue
        if item.lastplayed_epoch is not None and item.lastplayed_epoch >= (target.paused_epoch or 0):
            skipped.append((key, "local_newer"))
            continue
        if item.duration is None:
            skipped.append((key, "no_duration"))
            continue
        position = resume_position(target.progress, item.duration)
        if not position:
            skipped.append((key, "at_start"))
            continue
        if _same(item.position, position):
            if mine is not None:
                records[key] = dict(mine, playback_id=target.playback_id, paused_epoch=target.paused_epoch)
            continue
        writes.append(Write(target.kind, int(target.dbid), round(position, 3), float(item.duration),
                            target.playback_id))
        records[key] = {"position": round(position, 3), "total": float(item.duration),
                        "playback_id": target.playback_id, "paused_epoch": target.paused_epoch,
                        "written_at": float(now)}
    for key in sorted(set(records) - set(wanted)):
        mine = records.pop(key)
        named = parse_key(key)
        item = items.get(named) if named else None
        if item is None:
            continue
        if _ours(item, mine):
            writes.append(Write(named[0], named[1], 0.0, 0.0, mine.get("playback_id")))
        else:
            skipped.append((key, "not_ours_any_more"))
    return MirrorPlan(writes, Provenance(records), skipped)


def _ours(item: LocalItem, mine: Dict[str, Any]) -> bool:
    """Does the item still hold the point we wrote, untouched by local playback since?"""
    written_at = mine.get("written_at") or 0.0
    if item.lastplayed_epoch is not None and item.lastplayed_epoch >= written_at:
        return False
    return _same(item.position, mine.get("position"))


def wanted_keys(targets: Iterable[Target], provenance: Provenance) -> List[Tuple[str, int]]:
    """(kind, dbid) of every item plan_mirror needs to know about, sorted."""
    keys = set((t.kind, int(t.dbid)) for t in newest_per_item(targets).values())
    for key in provenance.records:
        named = parse_key(key)
        if named:
            keys.add(named)
    return sorted(keys)
