"""THE one place that turns things into Simkl ids and Simkl item bodies. Pure, no Kodi.

API
---
simkl_ids(uniqueid, imdbnumber=None) -> Dict[str, str]
    Kodi `uniqueid` dict (VideoLibrary.Get*/Player.GetItem) -> Simkl ids, normalized like
    `Playback.ids` (so the two compare directly): lower-case keys, string values, only keys
    Simkl knows (ID_KEYS); `imdb` only when it looks like `tt\\d+`, lower-case, padded to
    7 digits ("TT111161" -> "tt0111161", as core.matching does); numeric ids (tmdb, tvdb,
    anidb, mal, simkl, ...) only when they are a positive integer ("0", "", None, "-5",
    "abc" dropped; "01399", 1399.0 and "1399.0" give "1399").
    `imdbnumber` (Kodi's DEFAULT uniqueid, which may well be a tvdb number) is used only as
    an imdb id, only when it looks like one and `uniqueid` has none.
body_ids(ids) -> Dict[str, object]
    Normalized ids -> the "ids" object of a request body: numeric ids as int, others str.

PlayingItem(type, title, year, ids, show_title, show_year, show_ids, season, number, kind)
    Plain description of what Kodi plays (built by the kodi/ layer). type is model.MOVIE or
    model.EPISODE; for episodes `show_*` describe the show and season/number the episode;
    `kind` is KIND_SHOW (default) or KIND_ANIME. `PlayingItem.from_kodi(item, show=None)`
    builds one from a JSON-RPC item (Player.GetItem / VideoLibrary.Get*Details with
    properties title, year, uniqueid, imdbnumber, showtitle, season, episode) and, for
    episodes, the show's details (title, year, uniqueid, imdbnumber).
scrobble_item(playing) -> Optional[dict]
    PlayingItem -> the Simkl scrobble body WITHOUT progress:
      movie:   {"movie": {"title", "year", "ids"}}
      episode: {"show": {"title", "year", "ids": show ids}, "episode": {"season", "number"}}
    Anime: Simkl resolves anime sent through "show" by its ids, so Kodi library episodes
    always go as "show" (Kodi numbers anime episodes like TVDB does, and that is how Simkl
    maps a "show" body); only a PlayingItem with kind=KIND_ANIME (e.g. built from a Simkl
    anime playback, whose season/number are Simkl/AniDB numbering) goes as "anime".
    None when nothing identifies the item: a movie without ids, an episode without show
    ids, season or episode number. Titles alone are never trusted (a wrong match would
    write to the user's account). Missing title/year are left out of the body.
scrobble_body(item, progress) -> dict
    A body from scrobble_item() plus {"progress": progress clamped 0..100, 2 decimals}.
key_of_ids(ids, title=None, year=None) -> str
    The id part of item_key: "simkl=11121" (first id in KEY_PRIORITY), else "title=..|year".
item_key(body) -> str
    Stable key of the item a scrobble/history body is about, whatever its progress:
    "movie:<idkey>=<value>" or "episode:<idkey>=<value>:<season>x<number>", using the first
    id present in KEY_PRIORITY (so an imdb+tmdb body and the same body next time give the
    same key). Falls back to the lower-cased title and year when there are no ids.
same_item(body, playback) -> bool
    Is a scrobble body about the item of a core.model.Playback (one shared id; episodes: same
    season/number, Simkl's or the playback's TVDB numbering)? Used to find a NEWER position
    another device saved for an item before an old queued event goes out.
history_body(playback, watched_at=None) -> dict
    A core.model.Playback -> body for POST /sync/history (mark as watched):
      movie:   {"movies": [{"title", "year", "ids"}]}
      episode: {"shows": [{"title", "year", "ids", "seasons": [{"number": s,
                 "episodes": [{"number": n}]}]}]}
    (anime playbacks go under "shows" too, with their Simkl ids and Simkl numbering).
    `watched_at` (ISO-8601 string) is added to the movie / episode entry when given.
    ValueError for an episode playback without season or number.
"""

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from .model import EPISODE, KIND_ANIME, KIND_SHOW, MOVIE
from .progress import clamp_progress

# Ids that Simkl understands and we may meet in Kodi or in Simkl replies.
NUMERIC_ID_KEYS = ("simkl", "tmdb", "tvdb", "anidb", "mal", "anilist", "kitsu", "livechart")
STRING_ID_KEYS = ("imdb", "slug")
ID_KEYS = STRING_ID_KEYS + NUMERIC_ID_KEYS
# Which id names an item in item_key(): the first one present wins.
KEY_PRIORITY = ("simkl", "imdb", "tmdb", "tvdb", "anidb", "mal", "anilist", "kitsu", "livechart", "slug")

_IMDB_RE = re.compile(r"^tt(\d+)$")
# ASCII digits only, the whole string: "1\n" or Arabic-Indic digits are no id of ours.
_INT_RE = re.compile(r"[0-9]+")


# Python 3.11+ refuses str() of an int over 4300 digits (ValueError); Kodi 19's Python 3.9.2
# has no such limit. A number that long is no data of ours on any Python.
MAX_INT_DIGITS = 4300


def number_text(value: Any) -> Optional[str]:
    """str() of an int or float; None for an int over MAX_INT_DIGITS digits, on every Python."""
    try:
        text = str(value)
    except ValueError:
        return None
    if isinstance(value, int) and len(text) - text.startswith("-") > MAX_INT_DIGITS:
        return None
    return text


def _clean_str(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or fractional
            return ""
        value = int(value)
    if isinstance(value, int):
        return number_text(value) or ""
    return str(value).strip()


def normalize_id(key: str, value: Any) -> str:
    """One id value in its canonical form (imdb tt + 7+ digits, numeric ids as decimal
    strings > 0, others stripped); "" when unusable."""
    text = _clean_str(value)
    if not text:
        return ""
    if key == "imdb":
        match = _IMDB_RE.match(text.lower())
        digits = match.group(1).lstrip("0") if match else ""
        return "tt" + digits.zfill(7) if digits else ""
    if key in NUMERIC_ID_KEYS:
        if text.endswith(".0"):
            text = text[:-2]
        if not _INT_RE.fullmatch(text):
            return ""
        number = int(text)
        return str(number) if number > 0 else ""
    return text.lower()  # slugs and other string ids compare case-insensitively


def simkl_ids(uniqueid: Optional[Mapping[str, Any]], imdbnumber: Any = None) -> Dict[str, str]:
    result: Dict[str, str] = {}
    if isinstance(uniqueid, Mapping):
        for raw_key, raw_value in uniqueid.items():
            key = _clean_str(raw_key).lower()
            explicit = key != "simkl_id"
            if not explicit:
                key = "simkl"
            if key not in ID_KEYS:
                continue
            value = normalize_id(key, raw_value)
            if value and (key not in result or (explicit and key == "simkl")):
                result[key] = value  # an explicit `simkl` wins over the older `simkl_id`
    if "imdb" not in result:
        imdb = normalize_id("imdb", imdbnumber)
        if imdb:
            result["imdb"] = imdb
    return result


def body_ids(ids: Mapping[str, Any]) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for key, value in simkl_ids(ids).items():
        result[key] = int(value) if key in NUMERIC_ID_KEYS else value
    return result


def int_or_none(value: Any) -> Optional[int]:
    """int(value), or None for None, booleans and anything int() refuses."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number


@dataclass(frozen=True)
class PlayingItem:
    """What Kodi plays, as plain data. See the module docstring."""

    type: str  # MOVIE or EPISODE
    title: str = ""
    year: Optional[int] = None
    ids: Dict[str, str] = field(default_factory=dict)
    show_title: str = ""
    show_year: Optional[int] = None
    show_ids: Dict[str, str] = field(default_factory=dict)
    season: Optional[int] = None
    number: Optional[int] = None
    kind: str = KIND_SHOW  # for episodes: KIND_SHOW or KIND_ANIME

    @classmethod
    def from_kodi(
        cls, item: Mapping[str, Any], show: Optional[Mapping[str, Any]] = None
    ) -> "Optional[PlayingItem]":
        """From a JSON-RPC item dict; None when it is neither a movie nor an episode."""
        if not isinstance(item, Mapping):
            return None
        kodi_type = _clean_str(item.get("type")).lower()
        if kodi_type == "movie":
            return cls(
                type=MOVIE,
                title=_clean_str(item.get("title")),
                year=_year(item.get("year")),
                ids=simkl_ids(item.get("uniqueid"), item.get("imdbnumber")),
            )
        if kodi_type == "episode":
            show = show if isinstance(show, Mapping) else {}
            return cls(
                type=EPISODE,
                title=_clean_str(item.get("title")),
                show_title=_clean_str(show.get("title")) or _clean_str(item.get("showtitle")),
                show_year=_year(show.get("year")),
                show_ids=simkl_ids(show.get("uniqueid"), show.get("imdbnumber")),
                season=int_or_none(item.get("season")),
                number=int_or_none(item.get("episode")),
            )
        return None


def _year(value: Any) -> Optional[int]:
    year = int_or_none(value)
    return year if year and year > 0 else None


def _titled(title: str, year: Optional[int], ids: Mapping[str, str]) -> Dict[str, Any]:
    obj: Dict[str, Any] = {}
    if title:
        obj["title"] = title
    if year:
        obj["year"] = year
    obj["ids"] = body_ids(ids)
    return obj


def scrobble_item(playing: Optional[PlayingItem]) -> Optional[Dict[str, Any]]:
    if playing is None:
        return None
    if playing.type == MOVIE:
        if not body_ids(playing.ids):
            return None
        return {"movie": _titled(playing.title, playing.year, playing.ids)}
    if playing.type == EPISODE:
        season = int_or_none(playing.season)
        number = int_or_none(playing.number)
        if not body_ids(playing.show_ids) or season is None or season < 0 or not number or number < 1:
            return None
        container = "anime" if playing.kind == KIND_ANIME else "show"
        return {
            container: _titled(playing.show_title, playing.show_year, playing.show_ids),
            "episode": {"season": season, "number": number},
        }
    return None


def scrobble_body(item: Mapping[str, Any], progress: float) -> Dict[str, Any]:
    body = dict(item)
    body["progress"] = clamp_progress(progress)
    return body


def key_of_ids(ids: Any, title: Any = None, year: Any = None) -> str:
    """"<idkey>=<value>" of the first id in KEY_PRIORITY, else "title=<title>|<year>"."""
    normalized = simkl_ids(ids if isinstance(ids, Mapping) else {})
    for key in KEY_PRIORITY:
        if key in normalized:
            return f"{key}={normalized[key]}"
    return f"title={_clean_str(title).lower()}|{_clean_str(year)}"


def item_key(body: Mapping[str, Any]) -> str:
    if not isinstance(body, Mapping):
        raise ValueError("item_key needs a scrobble body")
    movie = body.get("movie")
    if isinstance(movie, Mapping):
        return "movie:" + key_of_ids(movie.get("ids"), movie.get("title"), movie.get("year"))
    for container in ("show", "anime"):
        show = body.get(container)
        if isinstance(show, Mapping):
            episode = body.get("episode") if isinstance(body.get("episode"), Mapping) else {}
            ids_part = key_of_ids(show.get("ids"), show.get("title"), show.get("year"))
            season = _clean_str(episode.get("season"))
            number = _clean_str(episode.get("number"))
            return f"episode:{ids_part}:{season}x{number}"
    raise ValueError("item_key: body has neither movie, show nor anime")


def same_item(body: Mapping[str, Any], playback: Any) -> bool:
    """Is the scrobble `body` about the item of `playback` (a core.model.Playback)?

    Movies: a movie playback sharing one id (same key, same normalized value). Episodes
    ("show" or "anime" bodies): an episode playback whose show shares one id, with the same
    season and number - Simkl's own numbering or, for anime, its tvdb_season/tvdb_number (a
    Kodi library episode goes as "show" numbered like TVDB). Titles never match alone."""
    if not isinstance(body, Mapping):
        return False
    movie = body.get("movie")
    if isinstance(movie, Mapping):
        return playback.type == MOVIE and _share_an_id(movie.get("ids"), playback.ids)
    for container in ("show", "anime"):
        show = body.get(container)
        if not isinstance(show, Mapping):
            continue
        if playback.type != EPISODE or not _share_an_id(show.get("ids"), playback.ids):
            return False
        episode = body.get("episode") if isinstance(body.get("episode"), Mapping) else {}
        numbers = (int_or_none(episode.get("season")), int_or_none(episode.get("number")))
        if None in numbers:
            return False
        return numbers in ((playback.season, playback.number), (playback.tvdb_season, playback.tvdb_number))
    return False


def _share_an_id(ids: Any, other: Mapping[str, str]) -> bool:
    mine = simkl_ids(ids if isinstance(ids, Mapping) else {})
    theirs = simkl_ids(other if isinstance(other, Mapping) else {})
    return any(theirs.get(key) == value for key, value in mine.items())


def history_body(playback: Any, watched_at: Optional[str] = None) -> Dict[str, Any]:
    entry = _titled(playback.title, playback.year, playback.ids)
    if playback.type == MOVIE:
        if watched_at:
            entry["watched_at"] = watched_at
        return {"movies": [entry]}
    season = int_or_none(playback.season)
    number = int_or_none(playback.number)
    if season is None or number is None:
        raise ValueError(f"history_body: episode playback {playback.id} has no season/number")
    episode: Dict[str, Any] = {"number": number}
    if watched_at:
        episode["watched_at"] = watched_at
    entry["seasons"] = [{"number": season, "episodes": [episode]}]
    return {"shows": [entry]}
