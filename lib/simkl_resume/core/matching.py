"""Map Simkl playbacks to items of the local Kodi library. Pure: plain data in, plain data out.

The kodi layer fetches `VideoLibrary.GetMovies` and `VideoLibrary.GetTVShows` once (properties
at least `uniqueid`, `title`, `year`; `originaltitle` and `premiered` help) and hands the result
lists to `LibraryIndex.build`. Episodes are fetched only for the shows `shows_needed` names
(`VideoLibrary.GetEpisodes {tvshowid}`, properties `season`, `episode`, `file`), then
`match_all` pairs every playback with a `Match` or a `NoMatch`:

    index = LibraryIndex.build(movies, shows)
    needed = shows_needed(index, playbacks)                  # {tvshowid, ...}
    episodes = {sid: get_episodes(sid) for sid in needed}   # kodi layer
    results = match_all(index, playbacks, episodes)          # [(playback, Match|NoMatch)]
    results = matched_first(results)                         # for the menu

Decisions (keep them in sync with the tests):
- Ids come from `uniqueid` ONLY. `imdbnumber` is Kodi's *default* uniqueid, whatever its type
  (a tvdb-default show has imdbnumber "77777"), so it is never read.
- imdb ids are accepted only as "tt" + digits (any case, surrounding whitespace ignored) and
  normalized to lower-case "tt" + at least 7 digits ("TT111161" -> "tt0111161"). Bare digits are
  rejected, not guessed: a digits-only "imdb" value is far more likely a mislabelled tvdb/tmdb id.
- tmdb, tvdb, anidb and mal ids are positive integers written as decimal strings: 1399,
  " 1399 ", "01399" and 1399.0 all become "1399". Empty, "0", null, negatives, booleans and
  anything non-numeric are dropped.
- Movies and shows are indexed separately (tmdb movie 1399 is not tmdb show 1399). A playback's
  `type` decides the side: "movie" -> movies (anime movies too), "episode" -> shows.
- Id routes are tried in the order imdb, tmdb, tvdb, anidb, mal; the first hit wins. When two
  library items carry the same id (two copies of one film: 4K and 1080p, two editions, two
  sources) the lowest db id is `dbid` and `Match.copies` lists every copy that shares any of the
  playback's ids (sorted; empty when there is only one). Shows likewise; an episode's copies are
  the library episodes with the same numbers in every copy of its show.
- Title fallback: titles are casefolded, accents stripped (NFKD), "&" read as "and", apostrophes
  dropped, a trailing "(YYYY)" or 2-letter country tag like "(US)" removed, a leading or trailing
  English article (the/a/an) dropped, then every non-alphanumeric character removed
  ("Spider-Man" == "Spiderman", "S.W.A.T." == "SWAT"). `originaltitle` is indexed next to `title`.
  With a playback year: library items of exactly that year win; only if none exists may a single
  library item of unknown year match. Without a playback year: only a title that names exactly
  one library item matches. Two or more candidates -> NoMatch("ambiguous_title"), never a guess.
- Episodes: by (season, episode). Anime numbering: when the playback carries tvdb_season /
  tvdb_number and the show match is backed by tvdb (matched via tvdb, or the playback's tvdb id
  names the same library show), the TVDB numbers are used, since Simkl's season/number follow
  AniDB while Kodi libraries are usually numbered like TVDB. No fallback to the other numbering:
  it would pick a different episode. Two library episodes with the same numbers -> lowest id.
"""
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple, Union

from . import ids as _ids
from .ids import int_or_none as _int
from .model import EPISODE, MOVIE, Playback

# Id types the library index knows, in the order they are tried.
ID_ORDER = ("imdb", "tmdb", "tvdb", "anidb", "mal")

VIA_TITLE = "title"

KIND_MOVIE = "movie"
KIND_TVSHOW = "tvshow"
KIND_EPISODE = "episode"

NOT_IN_LIBRARY = "not_in_library"
SHOW_NOT_IN_LIBRARY = "show_not_in_library"
EPISODE_NOT_IN_LIBRARY = "episode_not_in_library"
AMBIGUOUS_TITLE = "ambiguous_title"

INDEX_FORMAT = 2  # 2: id tables map to every copy's db id (issue 13); 1 held the lowest only

_TRAILING_TAG_RE = re.compile(r"\s*\(\s*([0-9]{4}|[a-z]{2})\s*\)\s*$")
_TRAILING_ARTICLE_RE = re.compile(r",\s*(the|a|an)\s*$")
_APOSTROPHES_RE = re.compile("['\u2019\u2018`\u00b4]")
_NON_WORD_RE = re.compile(r"[\W_]+")
_ARTICLES = ("the", "a", "an")


# --------------------------------------------------------------------------- normalization

def normalize_ids(ids: Any) -> Dict[str, str]:
    """A Kodi `uniqueid` or Simkl `ids` dict normalized by core.ids.simkl_ids (the one place
    that decides what an id looks like); anything that is not a dict gives {}."""
    return _ids.simkl_ids(ids) if isinstance(ids, dict) else {}


def _fold(text: str) -> str:
    """Casefolded, compatibility-decomposed text. Accents become separate combining marks,
    which the non-word filter of `split_title` then drops ("Amélie" -> "amelie")."""
    if text.isascii():
        return text.lower()
    # NFKD again after casefold: casefold can yield composed forms, and NFKD can yield capitals
    # (U+1F190 -> "DJ"), hence NFKD, casefold, NFKD.
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())


def split_title(title: Any) -> Tuple[str, Optional[int]]:
    """(normalized title key, year written in the title as "(YYYY)" or None).

    The key is "" when nothing usable remains.
    """
    if not isinstance(title, str):
        return "", None
    text = _fold(title).strip()
    year_hint = None
    while text.endswith(")"):
        m = _TRAILING_TAG_RE.search(text)
        if not m or m.start() == 0:
            break
        tag = m.group(1)
        if tag.isdigit():
            year_hint = year_hint or int(tag)
        text = text[:m.start()]
    if "," in text:
        text = _TRAILING_ARTICLE_RE.sub("", text)
    if "&" in text:
        text = text.replace("&", " and ")
    text = _APOSTROPHES_RE.sub("", text)
    words = _NON_WORD_RE.sub(" ", text).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return "".join(words), year_hint


def normalize_title(title: Any) -> str:
    """The title key used for the fallback match (see module doc)."""
    return split_title(title)[0]


def _year(value: Any) -> Optional[int]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        year = int(value)
    elif isinstance(value, str):
        text = value.strip()[:4]
        if not text.isdigit():
            return None
        year = int(text)
    else:
        return None
    return year if 1800 <= year <= 2200 else None


def _item_year(item: Dict[str, Any]) -> Optional[int]:
    return _year(item.get("year")) or _year(item.get("premiered"))


def _dbid(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    try:
        dbid = int(value)
    except (TypeError, ValueError):
        return None
    return dbid if dbid > 0 else None


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Match:
    """A playback found in the library.

    kind: "movie", "episode" (or "tvshow" for the intermediate show match).
    dbid: movieid / episodeid / tvshowid. tvshowid: the show of an episode (or of a tvshow match).
    via: "imdb" | "tmdb" | "tvdb" | "anidb" | "mal" | "title" - how the movie or show was found.
    season/episode: the library's numbers of a matched episode. numbering: "tvdb" when the
    playback's tvdb_season/tvdb_number were used, "simkl" otherwise (None for movies).
    file: the episode's file when the episode list had one (movies: None; look it up by dbid).
    tvdb_confirmed: the playback's tvdb id names this same library show.
    copies: every db id of the same item when the library holds it more than once (dbid
    included, sorted), else (). `all_dbids` is never empty.
    """

    kind: str
    dbid: int
    tvshowid: Optional[int] = None
    via: str = ""
    season: Optional[int] = None
    episode: Optional[int] = None
    numbering: Optional[str] = None
    file: Optional[str] = None
    tvdb_confirmed: bool = False
    copies: Tuple[int, ...] = ()

    matched = True

    @property
    def all_dbids(self) -> Tuple[int, ...]:
        return self.copies or (self.dbid,)

    def to_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class NoMatch:
    """A playback with no usable library item. reason: one of NOT_IN_LIBRARY,
    SHOW_NOT_IN_LIBRARY, EPISODE_NOT_IN_LIBRARY, AMBIGUOUS_TITLE. candidates: the db ids that
    made a title ambiguous (sorted), else empty."""

    reason: str
    candidates: Tuple[int, ...] = ()

    matched = False

    def to_dict(self):
        d = asdict(self)
        d["candidates"] = list(self.candidates)
        return d


Result = Union[Match, NoMatch]
Pair = Tuple[Playback, Result]
Items = List[Dict[str, Any]]  # JSON-RPC result items
EpisodesByShow = Dict[int, Items]


# --------------------------------------------------------------------------- index

def _add_dbid(table: Dict[str, List[int]], key: str, dbid: int) -> None:
    """table[key]: the sorted db ids under key, now with dbid."""
    dbids = table.setdefault(key, [])
    if dbid not in dbids:
        dbids.append(dbid)
        dbids.sort()


def _remove_dbid(table: Dict[str, List[int]], dbid: int) -> None:
    """dbid gone from every key of table; a key left without db ids goes too."""
    for key in [k for k, dbids in table.items() if dbid in dbids]:
        table[key].remove(dbid)
        if not table[key]:
            del table[key]


class _Side:
    """Lookup tables of one media kind (movies or shows)."""

    __slots__ = ("ids", "titles")

    def __init__(self, ids=None, titles=None):
        # ids[id_type][value] -> sorted dbids of every item carrying it (copies)
        self.ids: Dict[str, Dict[str, List[int]]] = ids if ids is not None else {}
        # titles[title_key][year or ""] -> sorted list of dbids
        self.titles: Dict[str, Dict[str, List[int]]] = titles if titles is not None else {}

    def add(self, dbid: int, uniqueid: Any, titles: Iterable[Any], year: Optional[int]) -> None:
        for id_type, value in normalize_ids(uniqueid).items():
            _add_dbid(self.ids.setdefault(id_type, {}), value, dbid)
        seen: Set[str] = set()
        for title in titles:
            if not title:
                continue
            key, year_hint = split_title(title)
            if not key or key in seen:
                continue
            seen.add(key)
            item_year = year or year_hint
            _add_dbid(self.titles.setdefault(key, {}), str(item_year) if item_year else "", dbid)

    def by_id(self, ids: Dict[str, str]) -> Optional[Tuple[int, str]]:
        for id_type in ID_ORDER:
            value = ids.get(id_type)
            if value is None:
                continue
            dbids = self.ids.get(id_type, {}).get(value)
            if dbids:
                return dbids[0], id_type
        return None

    def copies(self, ids: Dict[str, str], dbid: int) -> Tuple[int, ...]:
        """Every db id sharing one of `ids` with item `dbid` (dbid included, sorted); () when
        the library holds it once."""
        found = {dbid}
        for id_type in ID_ORDER:
            value = ids.get(id_type)
            dbids = self.ids.get(id_type, {}).get(value) if value is not None else None
            if dbids and dbid in dbids:
                found.update(dbids)
        return tuple(sorted(found)) if len(found) > 1 else ()

    def holds(self, id_type: str, value: str, dbid: int) -> bool:
        return dbid in (self.ids.get(id_type, {}).get(value) or ())

    def by_title(self, title: Any, year: Optional[int]) -> Tuple[List[int], bool]:
        """(candidates, found): candidates are the dbids the title could mean."""
        key, year_hint = split_title(title)
        year = _year(year) or year_hint
        by_year = self.titles.get(key) if key else None
        if not by_year:
            return [], False
        if year:
            exact = by_year.get(str(year))
            if exact:
                return list(exact), True
            return list(by_year.get("", [])), True
        every: Set[int] = set()
        for dbids in by_year.values():
            every.update(dbids)
        return sorted(every), True

    def remove(self, dbid: int) -> None:
        """Forget item `dbid` (every id and title entry naming it)."""
        for table in self.ids.values():
            _remove_dbid(table, dbid)
        for by_year in self.titles.values():
            _remove_dbid(by_year, dbid)
        for key in [k for k, by_year in self.titles.items() if not by_year]:
            del self.titles[key]

    def to_dict(self):
        return {"ids": self.ids, "titles": self.titles}

    @classmethod
    def from_dict(cls, data):
        if not isinstance(data, dict):
            raise ValueError("library index side is not a dict")
        ids = data.get("ids")
        titles = data.get("titles")
        if not isinstance(ids, dict) or not isinstance(titles, dict):
            raise ValueError("library index side lacks ids/titles")
        clean_ids: Dict[str, Dict[str, int]] = {}
        for id_type, table in ids.items():
            if not isinstance(table, dict):
                raise ValueError(f"bad id table {id_type!r}")
            clean_ids[str(id_type)] = {str(k): sorted(int(d) for d in v) for k, v in table.items()}
        clean_titles: Dict[str, Dict[str, List[int]]] = {}
        for key, by_year in titles.items():
            if not isinstance(by_year, dict):
                raise ValueError("bad title entry")
            clean_titles[str(key)] = {str(y): sorted(int(d) for d in dbids) for y, dbids in by_year.items()}
        return cls(clean_ids, clean_titles)


class LibraryIndex:
    """O(1) lookups from ids and titles to Kodi db ids, movies and shows kept apart.

    Build it with `LibraryIndex.build(movies, shows)` from the JSON-RPC result lists (each item
    a dict with `movieid`/`tvshowid`, `uniqueid`, `title`, `year`, optional `originaltitle`
    and `premiered`). `to_dict()` / `from_dict()` give a compact JSON-friendly form for the cache.
    """

    def __init__(self, movies=None, shows=None):
        self.movies: _Side = movies if movies is not None else _Side()
        self.shows: _Side = shows if shows is not None else _Side()

    @classmethod
    def build(cls, movies: Optional[Items], shows: Optional[Items]) -> "LibraryIndex":
        index = cls()
        for side, items, id_key in ((index.movies, movies, "movieid"), (index.shows, shows, "tvshowid")):
            for item in items or ():
                if not isinstance(item, dict):
                    continue
                dbid = _dbid(item.get(id_key))
                if dbid is None:
                    continue
                side.add(dbid, item.get("uniqueid"), (item.get("title"), item.get("originaltitle")),
                         _item_year(item))
        return index

    def update_item(self, kind: str, dbid: int, item: Optional[Dict[str, Any]]) -> None:
        """One movie or show changed (`item`: its Get*Details with the index properties) or was
        removed (`item` None): the index afterwards is what `build` would make of the library."""
        side = self.movies if kind == KIND_MOVIE else self.shows
        side.remove(int(dbid))
        if isinstance(item, dict):
            side.add(int(dbid), item.get("uniqueid"), (item.get("title"), item.get("originaltitle")),
                     _item_year(item))

    def to_dict(self) -> Dict[str, Any]:
        return {"v": INDEX_FORMAT, "movies": self.movies.to_dict(), "shows": self.shows.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> "LibraryIndex":
        """Raises ValueError on anything but a `to_dict()` of this format: rebuild the index then."""
        if not isinstance(data, dict) or data.get("v") != INDEX_FORMAT:
            raise ValueError(f"not a library index of format {INDEX_FORMAT}")
        try:
            return cls(_Side.from_dict(data.get("movies")), _Side.from_dict(data.get("shows")))
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"malformed library index: {exc}") from exc

    def __len__(self):
        dbids: Set[Tuple[str, int]] = set()
        for name, side in (("m", self.movies), ("s", self.shows)):
            for table in side.ids.values():
                for lst in table.values():
                    dbids.update((name, d) for d in lst)
            for by_year in side.titles.values():
                for lst in by_year.values():
                    dbids.update((name, d) for d in lst)
        return len(dbids)


# --------------------------------------------------------------------------- matching

def _lookup(side: _Side, playback: Playback, kind: str, missing_reason: str) -> Result:
    ids = normalize_ids(playback.ids)
    hit = side.by_id(ids)
    copies: Tuple[int, ...] = ()
    if hit is not None:
        dbid, via = hit
        copies = side.copies(ids, dbid)
        if copies:
            dbid = copies[0]  # the first copy (lowest db id), whichever id found it
    else:
        candidates, _found = side.by_title(playback.title, playback.year)
        if not candidates:
            return NoMatch(missing_reason)
        if len(candidates) > 1:
            return NoMatch(AMBIGUOUS_TITLE, tuple(candidates))
        dbid, via = candidates[0], VIA_TITLE
    if kind == KIND_MOVIE:
        return Match(KIND_MOVIE, dbid, via=via, copies=copies)
    tvdb = ids.get("tvdb")
    confirmed = tvdb is not None and side.holds("tvdb", tvdb, dbid)
    return Match(KIND_TVSHOW, dbid, tvshowid=dbid, via=via, tvdb_confirmed=confirmed, copies=copies)


def match_movie(index: LibraryIndex, playback: Playback) -> Result:
    """A movie playback against the library's movies only."""
    return _lookup(index.movies, playback, KIND_MOVIE, NOT_IN_LIBRARY)


def match_show(index: LibraryIndex, playback: Playback) -> Result:
    """The show of an episode playback (show or anime) against the library's shows only.
    Gives Match(kind="tvshow", dbid=tvshowid, tvshowid=tvshowid) or NoMatch."""
    return _lookup(index.shows, playback, KIND_TVSHOW, SHOW_NOT_IN_LIBRARY)


def shows_needed(index: LibraryIndex, playbacks: Iterable[Playback]) -> Set[int]:
    """The tvshowids whose episodes the kodi layer must fetch before `match_all`."""
    needed: Set[int] = set()
    for playback in playbacks:
        if playback.type != EPISODE:
            continue
        show = match_show(index, playback)
        if isinstance(show, Match):
            needed.update(show.all_dbids)
    return needed


def match_episode(show_match: Match, playback: Playback, episodes_of_show: Optional[Items]) -> Result:
    """The episode of `playback` among `episodes_of_show` (GetEpisodes items: `episodeid`,
    `season`, `episode`, optional `file`). `show_match` comes from `match_show`."""
    use_tvdb = (
        (show_match.via == "tvdb" or show_match.tvdb_confirmed)
        and playback.tvdb_season is not None
        and playback.tvdb_number is not None
    )
    if use_tvdb:
        season, number, numbering = _int(playback.tvdb_season), _int(playback.tvdb_number), "tvdb"
    else:
        season, number, numbering = _int(playback.season), _int(playback.number), "simkl"
    if season is None or number is None:
        return NoMatch(EPISODE_NOT_IN_LIBRARY)
    best: Optional[Dict[str, Any]] = None
    best_id: Optional[int] = None
    found: Set[int] = set()
    for ep in episodes_of_show or ():
        if not isinstance(ep, dict):
            continue
        if _int(ep.get("season")) != season or _int(ep.get("episode")) != number:
            continue
        epid = _dbid(ep.get("episodeid"))
        if epid is None:
            continue
        found.add(epid)
        if best_id is None or epid < best_id:
            best, best_id = ep, epid
    if best is None or best_id is None:
        return NoMatch(EPISODE_NOT_IN_LIBRARY)
    file = best.get("file")
    show_id = _int(best.get("tvshowid")) or show_match.dbid
    return Match(
        KIND_EPISODE, best_id, tvshowid=show_id, via=show_match.via, season=season,
        episode=number, numbering=numbering, file=file if isinstance(file, str) and file else None,
        tvdb_confirmed=show_match.tvdb_confirmed, copies=tuple(sorted(found)) if len(found) > 1 else (),
    )


def match_playback(
    index: LibraryIndex, playback: Playback, episodes_by_show: Optional[EpisodesByShow] = None
) -> Result:
    """One playback: movies by `match_movie`, episodes by `match_show` + `match_episode`.
    A show missing from `episodes_by_show` counts as a show without episodes."""
    if playback.type == MOVIE:
        return match_movie(index, playback)
    show = match_show(index, playback)
    if not isinstance(show, Match):
        return show
    return match_episode(show, playback, episodes_of(show, episodes_by_show))


def episodes_of(show_match: Match, episodes_by_show: Optional[EpisodesByShow]) -> Items:
    """The library episodes of a matched show: of every copy (a show held twice has its
    episodes in either), from `episodes_by_show` (a missing show has none)."""
    episodes: Items = []
    for tvshowid in show_match.all_dbids:
        episodes.extend((episodes_by_show or {}).get(tvshowid) or [])
    return episodes


def match_all(
    index: LibraryIndex, playbacks: Iterable[Playback], episodes_by_show: Optional[EpisodesByShow] = None
) -> List[Pair]:
    """Every playback with its Match or NoMatch, in the playbacks' order (Simkl: newest first)."""
    return [(pb, match_playback(index, pb, episodes_by_show)) for pb in playbacks]


def matched_first(results: Iterable[Pair]) -> List[Pair]:
    """Matched entries first, then unmatched; each group keeps its order (stable)."""
    results = list(results)
    matched = [r for r in results if isinstance(r[1], Match)]
    return matched + [r for r in results if not isinstance(r[1], Match)]
