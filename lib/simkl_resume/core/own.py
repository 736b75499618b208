"""This device's own scrobbles: which Simkl playback is the one THIS Kodi left. Pure, no Kodi.

The sender remembers every delivered scrobble as an event (event_from_body); the pull side
asks `own_event(events, playback)` whether a playback is this device's own last scrobble of
that item: then it is "paused on this Kodi" (the menu says so), the prompt never offers it as
"from another device", and the mirror leaves the item alone (Kodi holds its own resume point).

    events = {item_key: event}     # the last delivered pause/stop per item (see remember)
    event = {"type": "movie"|"episode", "ids": {...}, "season", "number", "progress",
             "action", "at"}       # `at` = epoch seconds of the delivery (this device's clock)

A playback is own when it names the same item (type; a shared id of the same kind; for an
episode the same season/number, Simkl's or TVDB's), its progress equals what this device sent
(Simkl keeps two decimals) and it was not paused before this device's delivery (minus
CLOCK_SKEW: Simkl's clock and ours differ). Another device pausing the item later sends its
own progress and replaces the playback, so it is not own any more.
"""
from typing import Any, Dict, Mapping, Optional

from .ids import int_or_none, item_key, same_item, simkl_ids
from .model import EPISODE, MOVIE

# Scrobble actions that leave a playback on Simkl (start does not; stop >= 80 % is history).
PLAYBACK_ACTIONS = ("pause", "stop")
SAME_PROGRESS = 0.05      # percent: Simkl stores what it got, rounded to 2 decimals
CLOCK_SKEW = 600.0        # seconds Simkl's paused_at may be earlier than our delivery time
MAX_EVENTS = 200          # items remembered (the oldest are forgotten)


def event_from_body(body: Mapping[str, Any], action: str, at: float) -> Optional[Dict[str, Any]]:
    """A delivered scrobble (body as sent, action) -> (item_key, event), or None when it
    leaves no playback or names nothing."""
    if action not in PLAYBACK_ACTIONS or not isinstance(body, Mapping):
        return None
    try:
        key = item_key(body)
    except ValueError:
        return None
    progress = body.get("progress")
    try:
        progress = float(progress)
    except (TypeError, ValueError):
        return None
    if isinstance(body.get("movie"), Mapping):
        event = {"type": MOVIE, "ids": simkl_ids(body["movie"].get("ids") or {}), "season": None,
                 "number": None}
    else:
        container = body.get("show") if isinstance(body.get("show"), Mapping) else body.get("anime")
        episode = body.get("episode") if isinstance(body.get("episode"), Mapping) else {}
        if not isinstance(container, Mapping):
            return None
        event = {"type": EPISODE, "ids": simkl_ids(container.get("ids") or {}),
                 "season": int_or_none(episode.get("season")), "number": int_or_none(episode.get("number"))}
    if not event["ids"]:
        return None
    event.update({"progress": round(progress, 2), "action": action, "at": float(at)})
    return key, event


def remember(events: Optional[Mapping[str, Any]], delivered, limit: int = MAX_EVENTS) -> Dict[str, Any]:
    """`events` with `delivered` ((item_key, event) from event_from_body) as the item's last
    one; at most `limit` items, the most recently delivered kept."""
    out = {k: v for k, v in (events or {}).items() if isinstance(v, dict)}
    if delivered is None:
        return out
    key, event = delivered
    out.pop(key, None)
    out[key] = event
    if len(out) > limit:
        keep = sorted(out.items(), key=lambda kv: float(kv[1].get("at") or 0))[-limit:]
        out = dict(keep)
    return out


def _same_item(event: Mapping[str, Any], playback) -> bool:
    """Is `event` about `playback`'s item? core.ids.same_item, the event read as the body it
    came from (an event without its episode numbers names no episode)."""
    if event.get("type") == MOVIE:
        body = {"movie": {"ids": event.get("ids")}}
    else:
        body = {"show": {"ids": event.get("ids")},
                "episode": {"season": event.get("season"), "number": event.get("number")}}
    return event.get("type") == playback.type and same_item(body, playback)


def own_event(events: Optional[Mapping[str, Any]], playback) -> Optional[Dict[str, Any]]:
    """The event of this device that `playback` (core.model.Playback) is, else None."""
    for event in (events or {}).values():
        if not isinstance(event, dict) or not _same_item(event, playback):
            continue
        try:
            same = abs(float(event.get("progress")) - float(playback.progress)) <= SAME_PROGRESS
            fresh = float(playback.paused_epoch or 0) >= float(event.get("at") or 0) - CLOCK_SKEW
        except (TypeError, ValueError):
            continue
        if same and fresh:
            return event
    return None
