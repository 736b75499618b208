"""Push-side decisions: player events -> scrobble actions, outbox collapsing, delivery policy.

Pure: no Kodi, no HTTP, no SQLite; time and randomness are passed in.

API
---
Actions are START, PAUSE, STOP ("start" | "pause" | "stop", the /scrobble/{action} path).

ScrobbleAction(action, body)            frozen; body = scrobble body WITH "progress"
    .progress -> float, .item_key -> str (core.ids.item_key of the body)

PlayerSession(min_duration=MIN_DURATION_SECONDS)
    State machine of one Kodi player. Feed it the player callbacks; every method returns a
    list of ScrobbleAction to put into the outbox, in order (usually 0 or 1 element).
      .av_started(item, duration, position=0.0, live=False, library_file=False, extra=False,
                  parts=None)                                    onAVStarted
            item = core.ids.scrobble_item(...) (None when not identifiable),
            duration = REAL file duration in seconds (Player.getTotalTime()),
            library_file = the file playing IS the library item's own file (then its length
            never matters), extra = a trailer/extra recognised by its file (never sent),
            parts = episode_parts(...) of a multi-episode file (>= 2 parts), else None.
      (positions are seconds, as getTime() gives them; onPlayBackSeek's time is in ms)
      .tick(position)       periodic sample of getTime() while playing. Sample often (every
                            second or two): stopped() can only use the last one. Returns
                            actions only when a multi-episode file crossed into another part.
      .paused(position)     onPlayBackPaused        -> pause at position
      .resumed(position)    onPlayBackResumed       -> start at position
      .seeked(position)     onPlayBackSeek          -> start at new position while playing;
                            while paused: nothing, the position is only remembered (the
                            following resume sends start, stop sends stop with it). Sending
                            a pause per seek step while paused would flood the 1 POST/s
                            budget while the user holds the arrow key.
      .paused_moved()       while paused: a pause at the position now known when it is not
                            the one last sent (the user seeked while paused and left it
                            there: the caller asks once the position stayed put a while -
                            push.PAUSED_SEEK_SETTLE - so holding the arrow key sends one)
      .stopped()            onPlayBackStopped       -> stop at the LAST sampled position
                            (getTime raises in that callback): < 80 % Simkl keeps a
                            resumable playback, >= 80 % it marks watched.
      .ended()              onPlayBackEnded         -> stop at 100
      .snapshot()           {"body", "item_key", "state", "position", "duration"} of the
                            item on screen (body = scrobble body with its progress), for the
                            power-cut checkpoint; None outside a session
      .state                IDLE | PLAYING | PAUSED | SKIPPED (.skip_reason says why)
      .progress             progress of the last known position, None outside a session
    Rules: no action repeats the state Simkl already has (pause twice, resume while playing,
    seek to the same progress -> nothing). Skipped sessions send nothing until the next
    av_started: item None (nothing identifiable), live TV, a trailer/extra, duration unknown
    (0/None), or - only for what is NOT a library item's own file - shorter than
    min_duration. Length is not identity: a library file is scrobbled whatever its length.
    A new av_started while a session is active first stops the old item at ITS last
    remembered position (Kodi's Next/Previous, Player.Open mid-play and playlist advances go
    to the next item without onPlayBackStopped); the caller must not feed the next item's
    position to the session before that (see push.py).
    Multi-episode files (one file = S01E01E02): the progress goes to the episode the position
    is in; crossing forward into the next part sends stop 100 (watched) for the part left and
    start for the new one; crossing backward stops the part left at its own progress. Parts
    before the starting position are NOT marked watched at av_started (they were when crossed).

episode_parts(episodes, duration) -> List[Part]      Part(item, start, end) in seconds
    Splits the file among [(item, runtime seconds)] in proportion to the runtimes when all are
    known (> 0), else equally. Kodi keeps no episode boundaries for such files.

collapse(entries) -> (to_send, to_drop)
    `entries`: the PENDING outbox entries (objects with .id, .item_key, .action and .body
    holding "progress") in insertion order. Keeps, per item, only what its queued events
    mean in the end, so Simkl ends in the state the user left:
      last event stop >= 80                -> that stop alone (watched).
      last event pause, or stop < 80       -> that one event alone (a lone pause saves the
                                              playback; a start first would only clear
                                              pauses then be overwritten: no point).
      last event start (still playing, or
      Kodi died while playing)             -> that start alone.
      In the last two cases, if an EARLIER stop >= 80 is queued for the item (watched to
      the end, then started again), the last such stop is kept before the final event, so
      the completed viewing still reaches the history.
    to_send keeps the global insertion order (items interleave as they were queued;
    each item's own events keep their order). to_drop = every other entry, in order.
    Entries are returned as given (same objects).
    Pass ALL queued entries of the account (not only those due now).

next_to_send(to_send, now) -> (entry or None, due)
    Order is kept PER ITEM, not across items: the entry to send is the first one (insertion
    order) that is the oldest queued event of its item and is due (next_attempt <= now).
    An item whose oldest event waits for a retry holds back only its own later events
    (sending those first would let the stale one land last), never another item's. `due`
    = when the earliest item head is due (`now` when one is; None for no entries).

Newest wins on the way out (an event that waited must not land over a newer position)
    STALE_AFTER = 30 s: an event older than that when its turn comes (it waited: offline,
    Simkl down, a retry) is checked against Simkl before it is sent:
    needs_remote_check(entry, now, started=None) -> bool
        now - entry.created > STALE_AFTER, or the entry is from before `started` (the sender's
        start: it waited across a restart, however short - a power-cut recovery pause is dated
        at its checkpoint, and a crashed Kodi may be back within seconds)
    playback_buckets(body) -> tuple of activity buckets that hold the item's playback
        (movie: movies; show: tv_shows and anime - Simkl files a Kodi "show" body of an
        anime under anime; anime: anime)
    moved_since(activities, body, since) -> bool
        core.model.Activities: did any of the item's buckets' `playback` move after `since`
        (epoch)? An unreadable timestamp counts as moved (look, rather than guess).
    newer_remote(body, since, playbacks) -> Playback or None
        The playback of the same item (core.ids.same_item) saved after `since`: the event is
        then superseded and dropped (logged), whatever its action - a late start would clear
        that position, a late pause/stop would overwrite it, a late watched stop would remove
        it. Equal times are not newer. Device and Simkl clocks are assumed in step (NTP).

Delivery policy
    classify(error, attempt, rand=None) -> Verdict(kind, delay, hold_all)
        kind RETRY ("retry", try again after `delay` seconds), DROP ("drop": log, remove
        the entry, go on with the next one) or AUTH ("auth": stop sending, keep every entry,
        until the user signs in again). `attempt` = failed attempts so far (1 on the first
        failure). `hold_all`: the whole account waits `delay`, not only this item (429,
        the scrobble lock, no answer at all); otherwise only this item's events wait and
        other items go on (a 5xx or a malformed reply may be about this item alone; our
        own bug on one event must not stall the queue).
          AuthRequired (401), ConfigError             -> AUTH
          412 client_id_failed (a build without a valid
          client id)                                  -> AUTH: the user's events must
                                                         not be lost to a packaging fault
          BadRequest.is_scrobble_lock (400 RATE_LIMIT) -> RETRY after SCROBBLE_LOCK_DELAY
          RateLimited (429)                           -> RETRY after retry_after (if given,
                                                         at least the backoff floor of 1 s),
                                                         else backoff
          NotFound (404), Conflict (409), BadRequest (other 400), other 4xx -> DROP
          ServerError, other HttpError >= 500, NetworkError, RequestTimeout,
          MalformedReply, any other exception (our own bug must not lose the user's
          events)                                     -> RETRY after backoff
    should_park(failures, first_failure, now) -> bool
        An event whose own failures (RETRY verdicts that are not hold_all: 5xx, malformed
        replies, our exceptions - never "offline" or rate limits) reached MAX_FAILURES (10)
        AND have gone on for PARK_AFTER (24 h) since the first one is parked: kept on disk,
        counted, logged, never retried again. Offline for a week parks nothing.
    backoff_delay(attempt, base=BACKOFF_BASE, cap=BACKOFF_CAP, rand=None) -> float
        base * 2 ** (attempt - 1), capped at `cap`; with `rand` (a random.random) a jitter
        of up to +25 % is added, still capped.

Pacing
    Pacer(min_gap=MIN_POST_GAP)   Simkl allows 1 POST/s per token.
      .wait(now) -> float   seconds to wait before the next POST may go (0 = now)
      .sent(now)            a POST was just sent (success or failure)
      .hold_until(t)        do not send before t (e.g. now + a RETRY delay)
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import errors
from .ids import item_key as _item_key
from .ids import same_item, scrobble_body
from .model import BUCKET_ANIME, BUCKET_MOVIES, BUCKET_TV
from .parse import parse_timestamp
from .progress import number_or_none, progress_percent

START = "start"
PAUSE = "pause"
STOP = "stop"
ACTIONS = (START, PAUSE, STOP)

WATCHED_PERCENT = 80.0
MIN_DURATION_SECONDS = 3 * 60.0  # for what is not a library item's own file (settings default)

IDLE = "idle"
PLAYING = "playing"
PAUSED = "paused"
SKIPPED = "skipped"

RETRY = "retry"
DROP = "drop"
AUTH = "auth"

BACKOFF_BASE = 5.0
BACKOFF_CAP = 15 * 60.0
SCROBBLE_LOCK_DELAY = 20.0
MIN_POST_GAP = 1.0
STALE_AFTER = 30.0
MAX_FAILURES = 10
PARK_AFTER = 24 * 3600.0


@dataclass(frozen=True)
class ScrobbleAction:
    action: str
    body: Dict[str, Any]

    @property
    def progress(self) -> float:
        return float(self.body["progress"])

    @property
    def item_key(self) -> str:
        return _item_key(self.body)


@dataclass(frozen=True)
class Part:
    """One episode of a multi-episode file: its scrobble item and where it lies in the file
    (seconds, start inclusive, end exclusive)."""

    item: Dict[str, Any]
    start: float
    end: float


def episode_parts(episodes: Sequence[Tuple[Mapping[str, Any], Any]], duration: Any) -> List[Part]:
    """Split a file of `duration` seconds among `episodes` [(item, runtime seconds)], in playing
    order: in proportion to their runtimes when every runtime is known (> 0), else equally.
    [] when the duration is unknown or there are no episodes."""
    total = progress_percent(0, duration)
    if total is None or not episodes:
        return []
    length = float(duration)
    runtimes = [number_or_none(runtime) for _, runtime in episodes]
    if all(r is not None and r > 0 for r in runtimes):
        weights = [float(r) for r in runtimes]  # type: ignore[arg-type]
    else:
        weights = [1.0] * len(episodes)
    whole = sum(weights)
    parts = []
    at = 0.0
    for (item, _), weight in zip(episodes, weights):
        end = at + length * weight / whole
        parts.append(Part(dict(item), at, end))
        at = end
    return parts


def _part_at(parts: Sequence[Part], position: float) -> int:
    for index, part in enumerate(parts):
        if position < part.end:
            return index
    return len(parts) - 1


class PlayerSession:
    def __init__(self, min_duration: float = MIN_DURATION_SECONDS) -> None:
        self.min_duration = float(min_duration)
        self.state = IDLE
        self.skip_reason = ""
        self._parts: List[Part] = []
        self._index = 0
        self._duration: Optional[float] = None
        self._position = 0.0
        self._sent: Optional[Tuple[str, float]] = None

    @property
    def progress(self) -> Optional[float]:
        if not self._active():
            return None
        return self._progress()

    @property
    def _item(self) -> Optional[Dict[str, Any]]:
        return self._parts[self._index].item if self._parts else None

    def snapshot(self) -> Optional[Dict[str, Any]]:
        """What a checkpoint keeps of the session: {"body" (scrobble body of the item on
        screen, with its progress), "item_key", "state", "position", "duration"}; None
        outside a session (idle, skipped)."""
        item = self._item
        if not self._active() or item is None:
            return None
        body = scrobble_body(item, self._progress())
        return {"body": body, "item_key": _item_key(body), "state": self.state,
                "position": self._position, "duration": self._duration}

    # -- helpers -------------------------------------------------------------------------
    def _active(self) -> bool:
        return self.state in (PLAYING, PAUSED)

    def _remember(self, position: Any) -> None:
        value = number_or_none(position)
        if value is not None:
            self._position = value

    def _part_progress(self, index: int, position: float) -> float:
        part = self._parts[index]
        pct = progress_percent(position - part.start, part.end - part.start)
        return pct if pct is not None else 0.0

    def _progress(self) -> float:
        if not self._parts:
            return 0.0
        return self._part_progress(self._index, self._position)

    def _emit(self, action: str, progress: Optional[float] = None) -> List[ScrobbleAction]:
        if self._item is None:
            return []
        pct = self._progress() if progress is None else progress
        if self._sent == (action, pct):
            return []
        self._sent = (action, pct)
        return [ScrobbleAction(action, scrobble_body(self._item, pct))]

    def _move(self, position: Any) -> List[ScrobbleAction]:
        """Remember `position`; in a multi-episode file, crossing into another episode closes
        the one left (forward: watched, stop at 100; backward: stop at its progress) and, while
        playing, starts the one entered."""
        before = self._position
        self._remember(position)
        if len(self._parts) < 2 or not self._active():
            return []
        index = _part_at(self._parts, self._position)
        if index == self._index:
            return []
        left = 100.0 if index > self._index else self._part_progress(self._index, before)
        actions = self._emit(STOP, left)
        self._index = index
        self._sent = None
        if self.state == PLAYING:
            actions.extend(self._emit(START))
        return actions

    def _reset(self) -> None:
        self.state = IDLE
        self._parts = []
        self._index = 0
        self._duration = None
        self._position = 0.0
        self._sent = None

    def _same_item(self, item: Optional[Mapping[str, Any]]) -> bool:
        if item is None:
            return False
        key = _item_key(item)
        return any(_item_key(part.item) == key for part in self._parts)

    # -- events --------------------------------------------------------------------------
    def av_started(
        self, item: Optional[Mapping[str, Any]], duration: Any, position: Any = 0.0, live: bool = False,
        library_file: bool = False, extra: bool = False, parts: Optional[Sequence[Part]] = None,
    ) -> List[ScrobbleAction]:
        actions: List[ScrobbleAction] = []
        if self._active() and self._item is not None:
            if self._same_item(item):
                # The same item announced again (stream change): a fresh start if needed.
                actions = self._move(position)
                if self.state == PAUSED:
                    self.state = PLAYING
                return actions + self._emit(START)
            actions.extend(self.stopped())
        self._reset()
        reason = self._skip_reason(item, duration, live, library_file, extra)
        if reason:
            self.state = SKIPPED
            self.skip_reason = reason
            return actions
        self.skip_reason = ""
        self._duration = float(duration)
        self._parts = list(parts) if parts and len(parts) > 1 else [Part(dict(item), 0.0, self._duration)]
        self._remember(position)
        self._index = _part_at(self._parts, self._position)
        self.state = PLAYING
        actions.extend(self._emit(START))
        return actions

    def _skip_reason(self, item: Any, duration: Any, live: bool, library_file: bool, extra: bool) -> str:
        if item is None:
            return "not identifiable"
        if live:
            return "live"
        if extra:
            return "trailer or extra"
        if progress_percent(0, duration) is None:
            return "unknown duration"
        if not library_file and float(duration) < self.min_duration:
            return "too short"
        return ""

    def tick(self, position: Any) -> List[ScrobbleAction]:
        if self._active():
            return self._move(position)
        return []

    def paused(self, position: Any) -> List[ScrobbleAction]:
        if not self._active():
            return []
        actions = self._move(position)
        if self.state == PAUSED:
            return actions
        self.state = PAUSED
        return actions + self._emit(PAUSE)

    def paused_moved(self) -> List[ScrobbleAction]:
        if self.state != PAUSED:
            return []
        return self._emit(PAUSE)

    def resumed(self, position: Any) -> List[ScrobbleAction]:
        if not self._active():
            return []
        actions = self._move(position)
        if self.state == PLAYING:
            return actions
        self.state = PLAYING
        return actions + self._emit(START)

    def seeked(self, position: Any) -> List[ScrobbleAction]:
        if not self._active():
            return []
        actions = self._move(position)
        if self.state == PAUSED or actions:
            return actions
        return self._emit(START)

    def stopped(self) -> List[ScrobbleAction]:
        if not self._active():
            self._reset()
            return []
        actions = self._emit(STOP)
        self._reset()
        return actions

    def ended(self) -> List[ScrobbleAction]:
        if not self._active():
            self._reset()
            return []
        actions = self._emit(STOP, 100.0)
        self._reset()
        return actions


# -- collapse ----------------------------------------------------------------------------
def _is_watched_stop(entry: Any) -> bool:
    try:
        return entry.action == STOP and float(entry.body["progress"]) >= WATCHED_PERCENT
    except (KeyError, TypeError, ValueError):
        return False


def collapse(entries: Sequence[Any]) -> Tuple[List[Any], List[Any]]:
    entries = list(entries)
    last_index: Dict[str, int] = {}
    for index, entry in enumerate(entries):
        last_index[entry.item_key] = index
    keep = set(last_index.values())
    for key, final in last_index.items():
        if _is_watched_stop(entries[final]):
            continue
        for index in range(final - 1, -1, -1):
            entry = entries[index]
            if entry.item_key == key and _is_watched_stop(entry):
                keep.add(index)
                break
    to_send = [entry for index, entry in enumerate(entries) if index in keep]
    to_drop = [entry for index, entry in enumerate(entries) if index not in keep]
    return to_send, to_drop


def next_to_send(entries: Sequence[Any], now: float) -> Tuple[Optional[Any], Optional[float]]:
    seen = set()
    earliest: Optional[float] = None
    for entry in entries:
        if entry.item_key in seen:
            continue
        seen.add(entry.item_key)
        when = float(entry.next_attempt)
        if when <= now:
            return entry, float(now)
        earliest = when if earliest is None else min(earliest, when)
    return None, earliest


# -- newest wins on the way out ---------------------------------------------------------
def needs_remote_check(entry: Any, now: float, started: Optional[float] = None) -> bool:
    created = float(entry.created)
    return float(now) - created > STALE_AFTER or (started is not None and created < float(started))


def playback_buckets(body: Mapping[str, Any]) -> Tuple[str, ...]:
    if "movie" in body:
        return (BUCKET_MOVIES,)
    if "show" in body:
        return (BUCKET_TV, BUCKET_ANIME)
    return (BUCKET_ANIME,)


def moved_since(activities: Any, body: Mapping[str, Any], since: float) -> bool:
    for bucket in playback_buckets(body):
        stamp = (activities.playback or {}).get(bucket)
        if stamp is None:
            continue
        try:
            _, epoch = parse_timestamp(stamp)
        except errors.MalformedReply:
            return True
        if epoch > float(since):
            return True
    return False


def newer_remote(body: Mapping[str, Any], since: float, playbacks: Sequence[Any]) -> Optional[Any]:
    for playback in playbacks:
        if same_item(body, playback) and float(playback.paused_epoch) > float(since):
            return playback
    return None


# -- delivery policy ---------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    kind: str  # RETRY, DROP or AUTH
    delay: float = 0.0
    hold_all: bool = False


def backoff_delay(
    attempt: int,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    rand: Optional[Callable[[], float]] = None,
) -> float:
    exponent = max(0, int(attempt) - 1)
    delay = cap if exponent >= 64 else min(cap, base * (2**exponent))
    if rand is not None:
        delay = min(cap, delay * (1.0 + 0.25 * min(1.0, max(0.0, rand()))))
    return float(delay)


def classify(error: BaseException, attempt: int = 1, rand: Optional[Callable[[], float]] = None) -> Verdict:
    if isinstance(error, (errors.AuthRequired, errors.ConfigError)):
        return Verdict(AUTH)
    if isinstance(error, errors.HttpError) and (
        int(error.status or 0) == 412 or str(error.error or "").lower() == "client_id_failed"
    ):
        return Verdict(AUTH)
    if isinstance(error, errors.BadRequest) and error.is_scrobble_lock:
        return Verdict(RETRY, SCROBBLE_LOCK_DELAY, hold_all=True)
    if isinstance(error, errors.RateLimited):
        if error.retry_after is not None:
            try:
                return Verdict(RETRY, max(MIN_POST_GAP, float(error.retry_after)), hold_all=True)
            except (TypeError, ValueError):
                pass
        return Verdict(RETRY, backoff_delay(attempt, rand=rand), hold_all=True)
    if isinstance(error, errors.NetworkError):
        return Verdict(RETRY, backoff_delay(attempt, rand=rand), hold_all=True)
    if isinstance(error, errors.HttpError) and not isinstance(error, errors.ServerError):
        if 400 <= int(error.status or 0) < 500 or isinstance(
            error, (errors.NotFound, errors.Conflict, errors.BadRequest)
        ):
            return Verdict(DROP)
    return Verdict(RETRY, backoff_delay(attempt, rand=rand))


def should_park(failures: int, first_failure: Optional[float], now: float) -> bool:
    return (int(failures) >= MAX_FAILURES and first_failure is not None
            and float(now) - float(first_failure) >= PARK_AFTER)


# -- pacing ------------------------------------------------------------------------------
class Pacer:
    def __init__(self, min_gap: float = MIN_POST_GAP) -> None:
        self.min_gap = float(min_gap)
        self._not_before: Optional[float] = None

    def wait(self, now: float) -> float:
        if self._not_before is None:
            return 0.0
        return max(0.0, self._not_before - now)

    def sent(self, now: float) -> None:
        self.hold_until(float(now) + self.min_gap)

    def hold_until(self, when: float) -> None:
        if self._not_before is None or when > self._not_before:
            self._not_before = float(when)
