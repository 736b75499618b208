"""Which item is playing, for Simkl: the ORDER of the id sources, and nothing else. Pure.

The kodi/ layer reads what Kodi and other addons said about the playing item into a plain
`Observed`; `identify(observed)` answers with an `Identity`: the item to scrobble (a
core.ids.PlayingItem for which core.ids.scrobble_item() is not None) and the source that named
it, or no item and the reason why nothing is sent. All ids go through core.ids (simkl_ids).

API
---
Observed(library=None, media_type="", title="", year=None, show_title="", season=None,
         episode=None, uniqueids=None, trakt_ids="", tmdbhelper="", exclude="")
    library     the LIBRARY item that plays (PlayingItem from the library's own ids), or None
    media_type  "movie" | "episode" | anything else: what Player.GetItem / the player's info
                tag say the item is ("" or "unknown" when they do not know)
    title, year, show_title, season, episode
                the player's info labels (season/episode None or < 0/< 1 when unknown)
    uniqueids   the playing item's uniqueids as the info tag and Player.GetItem report them
                (for an EPISODE these are the episode's own ids; show ids only under explicit
                "tvshow.<key>" names, as TMDbHelper's items carry them)
    trakt_ids   Window(10000) property script.trakt.ids, raw (JSON {"imdb", "tmdb", "tvdb",
                "slug", ...}; for an episode these are the SHOW's ids)
    tmdbhelper  Window(10000) property TMDbHelper.PlayerInfoString, raw (JSON {"tmdb_type":
                "movie"|"episode"|"tv", "tmdb_id", "imdb_id", "tvdb_id", "season", "episode"};
                for an episode the ids are the SHOW's)
    exclude     the playing ListItem's property script.trakt.exclude, raw

identify(observed) -> Identity(item, source, reason)
    The first source that names a scrobblable item wins, in this order:
      excluded       script.trakt.exclude set (any value but "", "false", "0")  -> no item
      SOURCE_LIBRARY the library item (its ids, its show's ids)
      SOURCE_UNIQUEIDS the item's uniqueids: a movie's own ids; an episode only through
                     explicit "tvshow.<key>" show ids (an episode's own ids never stand in
                     for its show's)
      SOURCE_TRAKT_IDS script.trakt.ids: the movie's ids, or the show's ids of an episode
      SOURCE_TMDBHELPER TMDbHelper.PlayerInfoString
    Movie or episode is never guessed from the ids: it is what Kodi says (media_type), else
    what the source says (PlayerInfoString's tmdb_type), else - for script.trakt.ids, as
    script.trakt does - an episode when the player shows a season and an episode number and
    a movie when it shows neither (nor a show title). A source whose own type contradicts
    Kodi's media type is skipped (most likely left over from an earlier playback).
    An episode needs its show's ids, a season >= 0 and an episode number >= 1; titles are
    never enough. No item -> `reason` says why, for the log.
    `Identity.source` is "" when there is no item.

same_item(body, playback) -> bool
    Does a Simkl playback (core.model.Playback as a dict, e.g. a resume-list entry's
    "playback") describe the item of scrobble body `body` (core.ids.scrobble_item)? The rules
    of core.ids.same_item: movies, one id in common (same key, same normalized value);
    episodes, one show id in common and the same season and number, Simkl's or (anime) the
    playback's TVDB numbering.
"""
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Dict, List, Mapping, Optional

from .ids import PlayingItem, int_or_none, scrobble_item, simkl_ids
from .ids import same_item as ids_same_item
from .model import EPISODE, MOVIE

SOURCE_LIBRARY = "library"
SOURCE_UNIQUEIDS = "uniqueids"
SOURCE_TRAKT_IDS = "script.trakt.ids"
SOURCE_TMDBHELPER = "TMDbHelper.PlayerInfoString"
SOURCES = (SOURCE_LIBRARY, SOURCE_UNIQUEIDS, SOURCE_TRAKT_IDS, SOURCE_TMDBHELPER)

SHOW_ID_PREFIX = "tvshow."
_OFF = ("", "false", "0", "no")


@dataclass(frozen=True)
class Observed:
    library: Optional[PlayingItem] = None
    media_type: str = ""
    title: str = ""
    year: Optional[int] = None
    show_title: str = ""
    season: Optional[int] = None
    episode: Optional[int] = None
    uniqueids: Dict[str, Any] = field(default_factory=dict)
    trakt_ids: str = ""
    tmdbhelper: str = ""
    exclude: str = ""


@dataclass(frozen=True)
class Identity:
    item: Optional[PlayingItem]
    source: str = ""
    reason: str = ""


def _kind(value: Any) -> str:
    text = str(value or "").strip().lower()
    if text == MOVIE:
        return MOVIE
    if text in (EPISODE, "tv"):
        return EPISODE
    return "" if text in ("", "unknown") else text


def _json_object(raw: Any) -> Optional[Dict[str, Any]]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _season(value: Any) -> Optional[int]:
    number = int_or_none(value)
    return number if number is not None and number >= 0 else None


def _number(value: Any) -> Optional[int]:
    number = int_or_none(value)
    return number if number is not None and number >= 1 else None


def _year(value: Any) -> Optional[int]:
    number = int_or_none(value)
    return number if number and number > 0 else None


def is_excluded(raw: Any) -> bool:
    """script.trakt.exclude as addons set it ("true", "1", ...); "", "false", "0" are not set."""
    return str(raw if raw is not None else "").strip().lower() not in _OFF


def _movie(observed: Observed, ids: Mapping[str, Any]) -> PlayingItem:
    return PlayingItem(type=MOVIE, title=observed.title, year=_year(observed.year), ids=simkl_ids(ids))


def _episode(observed: Observed, show_ids: Mapping[str, Any], season: Any, number: Any) -> PlayingItem:
    return PlayingItem(type=EPISODE, title=observed.title, show_title=observed.show_title,
                       show_ids=simkl_ids(show_ids), season=_season(season), number=_number(number))


def _usable(item: Optional[PlayingItem]) -> bool:
    return item is not None and scrobble_item(item) is not None


def _missing(item: PlayingItem) -> str:
    """Why `item` cannot be scrobbled (it has a type)."""
    if item.type == MOVIE:
        return "a movie without ids"
    if not item.show_ids:
        return "an episode without its show's ids"
    return "an episode without season and episode number"


def _from_uniqueids(observed: Observed, kind: str):
    ids = observed.uniqueids if isinstance(observed.uniqueids, Mapping) else {}
    if not ids:
        return None, "no uniqueids"
    if kind == MOVIE:
        item = _movie(observed, ids)
    elif kind == EPISODE:
        show_ids = {str(key)[len(SHOW_ID_PREFIX):]: value for key, value in ids.items()
                    if str(key).lower().startswith(SHOW_ID_PREFIX)}
        if not simkl_ids(show_ids):
            return None, "uniqueids of an episode name the episode, not its show"
        item = _episode(observed, show_ids, observed.season, observed.episode)
    else:
        return None, "uniqueids of an item Kodi calls %r" % (observed.media_type or "unknown")
    return (item, "") if _usable(item) else (None, "uniqueids: " + _missing(item))


def _trakt_kind(observed: Observed, kind: str) -> str:
    if kind:
        return kind
    season, number = _season(observed.season), _number(observed.episode)
    if season is not None and number is not None:
        return EPISODE
    if season is None and number is None and not observed.show_title:
        return MOVIE
    return ""


def _from_trakt_ids(observed: Observed, kind: str):
    data = _json_object(observed.trakt_ids)
    if data is None:
        if not observed.trakt_ids:
            return None, "no script.trakt.ids"
        return None, "script.trakt.ids is not a JSON object"
    if not simkl_ids(data):
        return None, "script.trakt.ids holds no usable id"
    kind = _trakt_kind(observed, kind)
    if kind == MOVIE:
        item = _movie(observed, data)
    elif kind == EPISODE:
        item = _episode(observed, data, observed.season, observed.episode)
    else:
        return None, "script.trakt.ids: cannot tell a movie from an episode"
    return (item, "") if _usable(item) else (None, "script.trakt.ids: " + _missing(item))


def _from_tmdbhelper(observed: Observed, kind: str):
    data = _json_object(observed.tmdbhelper)
    if data is None:
        return None, ("no TMDbHelper.PlayerInfoString" if not observed.tmdbhelper
                      else "TMDbHelper.PlayerInfoString is not a JSON object")
    own = _kind(data.get("tmdb_type"))
    if own not in (MOVIE, EPISODE):
        own = kind
    if kind and own != kind:
        return None, "TMDbHelper.PlayerInfoString names a %s, Kodi plays a %s" % (own or "?", kind)
    ids = {"tmdb": data.get("tmdb_id"), "imdb": data.get("imdb_id"), "tvdb": data.get("tvdb_id")}
    if own == MOVIE:
        item = _movie(observed, ids)
    elif own == EPISODE:
        season = data.get("season") if _season(data.get("season")) is not None else observed.season
        number = data.get("episode") if _number(data.get("episode")) is not None else observed.episode
        item = _episode(observed, ids, season, number)
    else:
        return None, "TMDbHelper.PlayerInfoString: no tmdb_type"
    return (item, "") if _usable(item) else (None, "TMDbHelper.PlayerInfoString: " + _missing(item))


def identify(observed: Observed) -> Identity:
    if is_excluded(observed.exclude):
        return Identity(None, "", "excluded by its addon (script.trakt.exclude)")
    reasons: List[str] = []
    if observed.library is not None:
        if _usable(observed.library):
            return Identity(observed.library, SOURCE_LIBRARY)
        reasons.append("library: " + _missing(observed.library))
    kind = _kind(observed.media_type)
    if kind not in ("", MOVIE, EPISODE):
        return Identity(None, "", "Kodi plays a %r, neither a movie nor an episode" % kind)
    for source, read in ((SOURCE_UNIQUEIDS, _from_uniqueids), (SOURCE_TRAKT_IDS, _from_trakt_ids),
                         (SOURCE_TMDBHELPER, _from_tmdbhelper)):
        item, why = read(observed, kind)
        if item is not None:
            return Identity(item, source)
        reasons.append(why)
    return Identity(None, "", "no ids: " + "; ".join(reasons))


_PLAYBACK_FIELDS = ("type", "ids", "season", "number", "tvdb_season", "tvdb_number")


def same_item(body: Optional[Mapping[str, Any]], playback: Optional[Mapping[str, Any]]) -> bool:
    """core.ids.same_item for a playback given as a dict (core.model.Playback.to_dict)."""
    if not isinstance(playback, Mapping):
        return False
    return ids_same_item(body, SimpleNamespace(**{name: playback.get(name) for name in _PLAYBACK_FIELDS}))
