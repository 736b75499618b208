"""Pull-side decisions: what to fetch after /sync/activities, how to merge it, when to poll.

Pure: no Kodi, no HTTP, no SQLite; time and randomness are passed in.

API
---
moved_buckets(stored, fresh) -> Tuple[str, ...]
    Buckets (model.BUCKET_*) whose `playback` timestamp differs between the stored
    Activities and the fresh ones, in BUCKETS order. Timestamps are opaque strings: only
    "changed" matters. A bucket that became None or disappeared counts as moved only when
    it was set before (None -> None, missing -> None is no move). stored=None -> every bucket.
decide_fetch(stored, fresh) -> Optional[FetchPlan]
    None: nothing moved, fetch nothing (keep the cache, but do save `fresh`).
    Otherwise a FetchPlan:
      .kind   argument for SimklClient.playbacks(kind=...): "movies", "episodes" or None
      .types  playback types (model.MOVIE / model.EPISODE) the result replaces in the cache
      .moved  the buckets that moved (for the log)
    Rules: first run (stored is None) -> kind None, both types. Only movies moved ->
    "movies". tv_shows and/or anime moved (both feed /sync/playback/episodes) ->
    "episodes". Movies AND an episode bucket moved -> ONE unnarrowed call (kind None,
    both types): one request instead of two (GET budget, one round trip on a Raspberry Pi)
    and the full list is exactly what the two narrowed calls would return together.
    Never pass date_from: removals also move `playback`, and only a full list shows them.
settings_moved(stored, fresh) -> bool
    The account's `settings.all` moved (or nothing is stored): re-read /users/settings, the
    plan sets how long Simkl keeps playbacks (the menu's expiry).
merge_playbacks(cached, fetched, types) -> List[Playback]
    The new cache content: every cached playback whose type is NOT in `types` is kept, every
    cached playback whose type IS in `types` is replaced by `fetched` (so removals on the
    account disappear; fetched playbacks of other types are ignored). One entry per
    playback id (fetched wins). Sorted newest first by paused_epoch (ties: higher id first).
sort_newest_first(playbacks) -> List[Playback]
PollSchedule(interval, now, rand=random.random, startup_jitter=STARTUP_JITTER)
    Periodic activities poll. The first poll is at now + rand() * min(interval,
    startup_jitter) (many Kodi boxes switched on at once do not all poll together);
    afterwards every `interval` seconds after the previous check.
      .next_at              when the next poll is due (epoch seconds)
      .due(now) -> bool     time to poll?
      .done(now)            a check (periodic or on-open) just ran: next one interval later
      .set_interval(interval, now)  settings changed; keeps the last check as the base
      .seconds_until(now) -> float  >= 0, for Monitor.waitForAbort
OpenThrottle(min_gap=OPEN_CHECK_MIN_GAP)
    Opening the menu asks the service for an activities check; at most one runs per min_gap
    s, and no request is ever dropped: one that falls inside the window is postponed to its
    end (trailing), so every open is followed by a check that started after it.
      .allow(now) -> bool   True (and remember `now`) when a check may run now; False marks
                            a trailing check due at the end of the window
      .take_due(now) -> bool  True (once) when the postponed check is due now: run it
      .seconds_until(now) -> Optional[float]  until the postponed check, None when none waits
"""

import random
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple

from .model import (
    BUCKETS,
    EPISODE,
    MOVIE,
    PLAYBACK_TYPE_OF_BUCKET,
    Activities,
    Playback,
)

# Playback list name (SimklClient.playbacks kind) -> Playback.type it holds.
TYPE_OF_KIND = {"movies": MOVIE, "episodes": EPISODE}

DEFAULT_POLL_INTERVAL = 15 * 60.0
STARTUP_JITTER = 60.0
OPEN_CHECK_MIN_GAP = 2.0


@dataclass(frozen=True)
class FetchPlan:
    kind: Optional[str]
    types: FrozenSet[str]
    moved: Tuple[str, ...]


def _timestamps(activities: Optional[Activities]) -> Dict[str, Optional[str]]:
    if activities is None or not isinstance(activities.playback, dict):
        return {}
    return activities.playback


def moved_buckets(stored: Optional[Activities], fresh: Activities) -> Tuple[str, ...]:
    if stored is None:
        return BUCKETS
    old = _timestamps(stored)
    new = _timestamps(fresh)
    return tuple(bucket for bucket in BUCKETS if (old.get(bucket) or None) != (new.get(bucket) or None))


def settings_moved(stored: Optional[Activities], fresh: Activities) -> bool:
    """Did the account's settings (plan -> playback retention) change since `stored`? A first
    check (nothing stored) counts as moved; a Simkl that sends no settings stamp never moves."""
    if fresh.settings is None:
        return False
    return stored is None or stored.settings != fresh.settings


def decide_fetch(stored: Optional[Activities], fresh: Activities) -> Optional[FetchPlan]:
    moved = moved_buckets(stored, fresh)
    if not moved:
        return None
    kinds = {PLAYBACK_TYPE_OF_BUCKET[bucket] for bucket in moved}
    if stored is None or len(kinds) > 1:
        return FetchPlan(kind=None, types=frozenset((MOVIE, EPISODE)), moved=moved)
    kind = kinds.pop()
    return FetchPlan(kind=kind, types=frozenset((TYPE_OF_KIND[kind],)), moved=moved)


def sort_newest_first(playbacks: Iterable[Playback]) -> List[Playback]:
    return sorted(playbacks, key=lambda p: (p.paused_epoch, p.id), reverse=True)


def merge_playbacks(
    cached: Iterable[Playback], fetched: Iterable[Playback], types: Iterable[str]
) -> List[Playback]:
    replaced = frozenset(types)
    by_id: Dict[int, Playback] = {}
    for playback in cached:
        if playback.type not in replaced:
            by_id[playback.id] = playback
    for playback in fetched:
        if playback.type in replaced:
            by_id[playback.id] = playback
    return sort_newest_first(by_id.values())


class PollSchedule:
    def __init__(
        self,
        interval: float,
        now: float,
        rand: Callable[[], float] = random.random,
        startup_jitter: float = STARTUP_JITTER,
    ) -> None:
        self.interval = max(1.0, float(interval))
        self.last_check: Optional[float] = None
        jitter = max(0.0, min(self.interval, float(startup_jitter)))
        self.next_at = float(now) + min(1.0, max(0.0, rand())) * jitter

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def seconds_until(self, now: float) -> float:
        return max(0.0, self.next_at - now)

    def done(self, now: float) -> None:
        self.last_check = float(now)
        self.next_at = self.last_check + self.interval

    def set_interval(self, interval: float, now: float) -> None:
        self.interval = max(1.0, float(interval))
        if self.last_check is not None:
            self.next_at = max(float(now), self.last_check + self.interval)
        else:
            self.next_at = min(self.next_at, float(now) + self.interval)


class OpenThrottle:
    def __init__(self, min_gap: float = OPEN_CHECK_MIN_GAP) -> None:
        self.min_gap = float(min_gap)
        self.last: Optional[float] = None

        self.pending_at: Optional[float] = None

    def allow(self, now: float) -> bool:
        if self.last is not None and 0 <= now - self.last < self.min_gap:
            self.pending_at = self.last + self.min_gap
            return False
        self.last = float(now)
        self.pending_at = None
        return True

    def take_due(self, now: float) -> bool:
        if self.pending_at is None or now < self.pending_at:
            return False
        self.pending_at = None
        self.last = float(now)
        return True

    def seconds_until(self, now: float) -> Optional[float]:
        if self.pending_at is None:
            return None
        return max(0.0, self.pending_at - now)
