""""Up next": the episode after the one finished on another device. Pure: plain data in and out.

Simkl's watchlist (/sync/all-items/{shows|anime}/watching) names, per show, `next_to_watch`
("S01E06", or "E148" for an anime numbered absolutely) and `last_watched_at`. This module reads
those replies tolerantly, keeps the cached watching list in step with deltas, and maps each
show's next episode to a library episode with core.matching (the same id routes, title fallback
and anime TVDB rules as the paused entries).

API
---
parse_episode_code(text) -> Optional[EpisodeCode]
    "S01E06" -> (1, 6, absolute=False); "E148" -> (None, 148, absolute=True); case and spaces
    ignored; anything else (None, "", "S01", "Special") -> None.
parse_watchlist(data, on_skip=None) -> List[WatchingShow]
    A /sync/all-items reply: JSON null -> []; {"shows": [...], "anime": [...], "movies": [...]}
    (movies ignored; an item under "anime", or carrying `anime_type`, is anime) or a bare list.
    One unreadable item is skipped (on_skip(index, reason)); a non-empty reply without one
    readable show item -> MalformedReply. Ids may be strings and carry unknown keys (normalized
    by core.ids). With extended=full_anime_seasons the TVDB numbers of the next episode are
    read from `seasons[].episodes[].tvdb {season, episode}`. A show's `key` is
    core.ids.key_of_ids ("simkl=11121", else the title and year).
parse_watchlist_keys(data) -> Set[str]
    The show keys of an extended=ids_only reply (what is still on the list).
merge_watching(cached, delta, keys=None) -> List[WatchingShow]
    The cached watching shows updated by a date_from delta (delta items replace cached ones
    with the same key; a delta item no longer `watching`, or without a next episode, leaves);
    `keys` (from an ids_only reply) drops every show no longer on the list. Newest first.
as_playback(show) -> Playback
    The show's next episode as a core.model.Playback (id 0, progress 0), so that
    core.matching.match_show / match_episode / shows_needed map it exactly as a paused episode.
    An absolute anime number gives season None: only its TVDB mapping can then match.
shows_to_read(shows, index, now, window_days) -> Set[int]
    The tvshowids whose episodes (VideoLibrary.GetEpisodes) up_next() needs.
decide_list_fetch(stored_lists, fresh) -> List[ListFetch]
    Which watchlist requests the activities call for, per show bucket (tv_shows, anime), from
    the list timestamps the cache saved at the last fetch (None: never fetched) and the fresh
    Activities: never fetched -> a full fetch of the watching list (no date_from); `watching`
    moved -> the watching items changed since the saved `watching` timestamp (date_from); one of
    completed/hold/dropped/removed_from_list moved -> also the ids_only list, to drop the shows
    that left. Nothing moved -> nothing (idle costs no request beyond the activities).
cache_value(lists, shows, now) / read_cache_value(data) -> (lists or None, shows)
    The up-next cache value {"v": UP_NEXT_FORMAT, "lists", "fetched_at", "shows": [dict]};
    reading anything else gives (None, []): fetched afresh, never an error.
up_next(shows, index, episodes_by_show, paused_episode_ids, now, window_days) -> UpNextPlan
    .entries: [(show, Match, [library episode item of each copy, db id order])] newest
              last_watched_at first
    .skipped: [(show, reason)] with reasons SKIP_*:
      too old (last watched before now - window_days), no next episode, show / episode not
      in the library, anime absolute number without a TVDB mapping, already watched here
      (library playcount > 0 on any copy), already paused (one of its copies' episode ids is
      in paused_episode_ids: the paused entry wins).
"""
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from . import ids as _ids
from .errors import MalformedReply
from .matching import (
    LibraryIndex,
    Match,
    NoMatch,
    episodes_of,
    match_episode,
    match_show,
    normalize_ids,
    shows_needed,
)
from .model import EPISODE, KIND_ANIME, KIND_SHOW, LIST_KEYS, LIST_TYPE_OF_BUCKET, Activities, Playback
from .parse import parse_timestamp

STATUS_WATCHING = "watching"
DEFAULT_WINDOW_DAYS = 30
DAY = 24 * 3600
UP_NEXT_FORMAT = 1

SKIP_TOO_OLD = "too_old"
SKIP_NO_NEXT = "no_next_episode"
SKIP_SHOW_NOT_IN_LIBRARY = "show_not_in_library"
SKIP_EPISODE_NOT_IN_LIBRARY = "episode_not_in_library"
SKIP_NO_TVDB_MAPPING = "absolute_without_tvdb_mapping"
SKIP_WATCHED_HERE = "watched_here"
SKIP_PAUSED = "paused"

_CODE_RE = re.compile(r"^\s*(?:s\s*(\d{1,4})\s*)?e\s*(\d{1,5})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class EpisodeCode:
    season: Optional[int]
    number: int
    absolute: bool = False


def parse_episode_code(text: Any) -> Optional[EpisodeCode]:
    if not isinstance(text, str):
        return None
    match = _CODE_RE.match(text)
    if not match:
        return None
    season, number = match.group(1), int(match.group(2))
    if number < 1:
        return None
    if season is None:
        return EpisodeCode(None, number, True)
    return EpisodeCode(int(season), number, False)


@dataclass(frozen=True)
class WatchingShow:
    """One show of the watching list, as plain data (to_dict/from_dict for the cache).

    ids: normalized (core.ids). last_*/next_*: Simkl numbering; *_absolute: "E148" style (season
    None). next_tvdb_*: the next episode's TVDB numbers when Simkl sent them, else None.
    """

    key: str
    title: str
    year: Optional[int]
    ids: Dict[str, str] = field(default_factory=dict)
    kind: str = KIND_SHOW
    status: str = STATUS_WATCHING
    last_watched_at: str = ""
    last_watched_epoch: float = 0.0
    last_season: Optional[int] = None
    last_number: Optional[int] = None
    last_absolute: bool = False
    next_season: Optional[int] = None
    next_number: Optional[int] = None
    next_absolute: bool = False
    next_tvdb_season: Optional[int] = None
    next_tvdb_number: Optional[int] = None

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)

    @property
    def has_next(self) -> bool:
        return self.next_number is not None


def _items(data: Any) -> List[Tuple[Any, str]]:
    """[(item, kind)] of a reply: null, {"shows"/"anime"/"movies": [...]}, or a bare list."""
    if data is None:
        return []
    if isinstance(data, list):
        return [(item, KIND_SHOW) for item in data]
    if not isinstance(data, dict):
        raise MalformedReply("watchlist is neither an object nor a list (%s)" % type(data).__name__)
    out: List[Tuple[Any, str]] = []
    for key, kind in (("shows", KIND_SHOW), ("anime", KIND_ANIME)):
        part = data.get(key)
        if part is None:
            continue
        if not isinstance(part, list):
            raise MalformedReply("watchlist %s is not a list" % key)
        out.extend((item, kind) for item in part)
    return out


def _container(item: Dict[str, Any], kind: str) -> Tuple[Dict[str, Any], str]:
    for key in ("show", "anime"):
        value = item.get(key)
        if isinstance(value, dict):
            if key == "anime" or item.get("anime_type") is not None:
                kind = KIND_ANIME
            return value, kind
    raise MalformedReply("watchlist item has no show")


def _tvdb_of(item: Dict[str, Any], code: Optional[EpisodeCode]) -> Tuple[Optional[int], Optional[int]]:
    """TVDB (season, episode) of the next episode from extended=full_anime_seasons data."""
    if code is None or not isinstance(item.get("seasons"), list):
        return None, None
    found: List[Tuple[int, int, int]] = []  # (simkl season, tvdb season, tvdb episode)
    for season in item["seasons"]:
        if not isinstance(season, dict) or not isinstance(season.get("episodes"), list):
            continue
        season_no = _ids.int_or_none(season.get("number"))
        if not code.absolute and season_no != code.season:
            continue
        for episode in season["episodes"]:
            if not isinstance(episode, dict):
                continue
            number = _ids.int_or_none(episode.get("number", episode.get("episode")))
            tvdb = episode.get("tvdb")
            if number != code.number or not isinstance(tvdb, dict):
                continue
            tvdb_season = _ids.int_or_none(tvdb.get("season"))
            tvdb_number = _ids.int_or_none(tvdb.get("episode", tvdb.get("number")))
            if tvdb_season is not None and tvdb_number:
                found.append((season_no if season_no is not None else 0, tvdb_season, tvdb_number))
    if not found:
        return None, None
    found.sort(key=lambda f: (f[0] != 1, f[0]))  # absolute numbers live in season 1 first
    return found[0][1], found[0][2]


def parse_watching_item(item: Any, kind: str = KIND_SHOW) -> WatchingShow:
    if not isinstance(item, dict):
        raise MalformedReply("watchlist item is not an object")
    container, kind = _container(item, kind)
    title = container.get("title")
    title = title.strip() if isinstance(title, str) else ""
    year = _ids.int_or_none(container.get("year"))
    ids = normalize_ids(container.get("ids"))
    if not ids and not title:
        raise MalformedReply("watchlist item has neither ids nor title")
    status = item.get("status")
    status = status.strip().lower() if isinstance(status, str) else STATUS_WATCHING
    stamp, epoch = "", 0.0
    if item.get("last_watched_at") is not None:
        stamp, epoch = parse_timestamp(item.get("last_watched_at"))
    last = parse_episode_code(item.get("last_watched"))
    nxt = parse_episode_code(item.get("next_to_watch"))
    tvdb_season, tvdb_number = _tvdb_of(item, nxt)
    return WatchingShow(
        key=_ids.key_of_ids(ids, title, year), title=title, year=year if year and year > 0 else None, ids=ids,
        kind=kind, status=status, last_watched_at=stamp, last_watched_epoch=epoch,
        last_season=last.season if last else None, last_number=last.number if last else None,
        last_absolute=bool(last and last.absolute),
        next_season=nxt.season if nxt else None, next_number=nxt.number if nxt else None,
        next_absolute=bool(nxt and nxt.absolute),
        next_tvdb_season=tvdb_season, next_tvdb_number=tvdb_number,
    )


def parse_watchlist(data: Any, on_skip: Optional[Callable[[int, str], None]] = None) -> List[WatchingShow]:
    items = _items(data)
    out: List[WatchingShow] = []
    first = ""
    for index, (item, kind) in enumerate(items):
        try:
            out.append(parse_watching_item(item, kind))
        except MalformedReply as exc:
            first = first or str(exc)
            if on_skip is not None:
                on_skip(index, str(exc))
    if items and not out:
        raise MalformedReply("no readable show among %d watchlist items (%s)" % (len(items), first))
    return out


def parse_watchlist_keys(data: Any) -> Set[str]:
    """Keys of the shows an extended=ids_only reply lists (unreadable items are ignored, but a
    reply that is not a watchlist at all is MalformedReply: it must never empty the list)."""
    keys: Set[str] = set()
    for item, kind in _items(data):
        if not isinstance(item, dict):
            continue
        try:
            container, _kind = _container(item, kind)
        except MalformedReply:
            continue
        keys.add(_ids.key_of_ids(container.get("ids"), container.get("title"), container.get("year")))
    return keys


def _newest_first(shows: Iterable[WatchingShow]) -> List[WatchingShow]:
    return sorted(shows, key=lambda s: (-s.last_watched_epoch, s.key))


def merge_watching(cached: Iterable[WatchingShow], delta: Iterable[WatchingShow],
                   keys: Optional[Set[str]] = None) -> List[WatchingShow]:
    by_key = {show.key: show for show in cached}
    for show in delta:
        if show.status == STATUS_WATCHING and show.has_next:
            by_key[show.key] = show
        else:
            by_key.pop(show.key, None)
    if keys is not None:
        by_key = {k: v for k, v in by_key.items() if k in keys}
    return _newest_first(by_key.values())


def as_playback(show: WatchingShow) -> Playback:
    return Playback(
        id=0, progress=0.0, paused_at=show.last_watched_at, paused_epoch=show.last_watched_epoch,
        type=EPISODE, kind=show.kind, title=show.title, year=show.year, ids=dict(show.ids),
        season=None if show.next_absolute else show.next_season, number=show.next_number,
        tvdb_season=show.next_tvdb_season, tvdb_number=show.next_tvdb_number,
    )


def needs_mapping(show: WatchingShow) -> bool:
    """An absolute anime number without its TVDB numbers: no library episode can be named."""
    return show.next_absolute and (show.next_tvdb_season is None or show.next_tvdb_number is None)


def shows_to_read(shows: Iterable[WatchingShow], index: LibraryIndex, now: float,
                  window_days: float = DEFAULT_WINDOW_DAYS) -> Set[int]:
    """The tvshowids whose episodes up_next() needs (candidates that can be mapped at all)."""
    return shows_needed(index, [as_playback(s) for s in candidates(shows, now, window_days)
                                if not needs_mapping(s)])


def in_window(show: WatchingShow, now: float, window_days: float) -> bool:
    return show.last_watched_epoch >= now - float(window_days) * DAY


def candidates(shows: Iterable[WatchingShow], now: float, window_days: float) -> List[WatchingShow]:
    """The shows worth mapping: watched within the window, with a next episode, newest first."""
    return [s for s in _newest_first(shows) if s.has_next and in_window(s, now, window_days)]


@dataclass
class UpNextPlan:
    entries: List[Tuple[WatchingShow, Match, List[Dict[str, Any]]]] = field(default_factory=list)
    skipped: List[Tuple[WatchingShow, str]] = field(default_factory=list)


def _played_here(episode: Dict[str, Any]) -> bool:
    count = _ids.int_or_none(episode.get("playcount"))
    return bool(count and count > 0)


def up_next(shows: Iterable[WatchingShow], index: LibraryIndex,
            episodes_by_show: Optional[Dict[int, List[Dict[str, Any]]]],
            paused_episode_ids: Iterable[int], now: float,
            window_days: float = DEFAULT_WINDOW_DAYS) -> UpNextPlan:
    plan = UpNextPlan()
    paused = set(paused_episode_ids)
    for show in _newest_first(shows):
        if not show.has_next:
            plan.skipped.append((show, SKIP_NO_NEXT))
            continue
        if not in_window(show, now, window_days):
            plan.skipped.append((show, SKIP_TOO_OLD))
            continue
        playback = as_playback(show)
        show_match = match_show(index, playback)
        if isinstance(show_match, NoMatch):
            plan.skipped.append((show, SKIP_SHOW_NOT_IN_LIBRARY))
            continue
        if needs_mapping(show):
            plan.skipped.append((show, SKIP_NO_TVDB_MAPPING))
            continue
        episodes = episodes_of(show_match, episodes_by_show)
        result = match_episode(show_match, playback, episodes)
        if not isinstance(result, Match):
            plan.skipped.append((show, SKIP_EPISODE_NOT_IN_LIBRARY))
            continue
        copies = {e.get("episodeid"): e for e in episodes if isinstance(e, dict)}
        items = [copies[d] for d in result.all_dbids if d in copies]
        if any(_played_here(item) for item in items):
            plan.skipped.append((show, SKIP_WATCHED_HERE))
            continue
        if paused.intersection(result.all_dbids):
            plan.skipped.append((show, SKIP_PAUSED))
            continue
        plan.entries.append((show, result, items))
    return plan


@dataclass(frozen=True)
class ListFetch:
    bucket: str  # model.BUCKET_TV or BUCKET_ANIME
    list_type: str  # /sync/all-items type: "shows" or "anime"
    delta: bool  # fetch the watching items (since date_from, or all when date_from is None)
    date_from: Optional[str]
    prune: bool  # fetch the ids_only list to drop the shows that left


def decide_list_fetch(stored_lists: Optional[Dict[str, Dict[str, Optional[str]]]],
                      fresh: Activities) -> List[ListFetch]:
    plans: List[ListFetch] = []
    fresh_lists = fresh.lists or {}
    for bucket, list_type in LIST_TYPE_OF_BUCKET.items():
        new = fresh_lists.get(bucket) or {}
        old = stored_lists.get(bucket) if isinstance(stored_lists, dict) else None
        if not isinstance(old, dict):
            plans.append(ListFetch(bucket, list_type, True, None, False))
            continue
        moved = [key for key in LIST_KEYS if (old.get(key) or None) != (new.get(key) or None)]
        if not moved:
            continue
        delta = "watching" in moved
        prune = any(key != "watching" for key in moved)
        plans.append(ListFetch(bucket, list_type, delta, old.get("watching") if delta else None, prune))
    return plans


def cache_value(lists: Dict[str, Dict[str, Optional[str]]], shows: Iterable[WatchingShow],
                now: float) -> Dict[str, Any]:
    return {"v": UP_NEXT_FORMAT, "lists": lists, "fetched_at": now,
            "shows": [show.to_dict() for show in _newest_first(shows)]}


def read_cache_value(data: Any) -> Tuple[Optional[Dict[str, Dict[str, Optional[str]]]], List[WatchingShow]]:
    if not isinstance(data, dict) or data.get("v") != UP_NEXT_FORMAT:
        return None, []
    if not isinstance(data.get("lists"), dict):
        return None, []
    shows: List[WatchingShow] = []
    for item in data.get("shows") or []:
        try:
            shows.append(WatchingShow.from_dict(item))
        except (TypeError, ValueError):
            return None, []  # a damaged value is fetched afresh
    return data["lists"], shows
