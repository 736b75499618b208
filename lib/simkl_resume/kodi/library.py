"""The local video library through JSON-RPC, and the cached library index.

    library = KodiLibrary()                       # call=jsonrpc.call by default
    movies, shows = library.index_items()         # ONE GetMovies + ONE GetTVShows (uniqueid...)
    episodes = library.episodes(tvshowid)         # GetEpisodes {tvshowid}: only for needed shows
    library.movies_details([movieid, ...])        # {movieid: item} (file, art, runtime, uniqueid)
    library.show_details(tvshowid)                # item or None
    library.details("movie"|"episode", dbid)      # item or None (removed since)
    library.changed_item(kind, dbid)              # ONE Get*Details: index + entry properties

    index = CachedLibraryIndex(cache, library, log)
    index.get()           # LibraryIndex: from the cache (KEY_LIBRARY_INDEX), else built and stored
    index.invalidate()    # forget it: the next get() rebuilds
    index.update(kind, dbid, item)   # one item changed (OnUpdate): no whole-library re-read

`is_library_change(method, data)` says whether a Kodi notification means the library changed:
`VideoLibrary.OnUpdate` (both payload shapes: {"item": {"id", "type"}, ...} and {"id", "type"}),
`VideoLibrary.OnRemove`, `VideoLibrary.OnScanFinished`, `VideoLibrary.OnCleanFinished`.
Kodi has no uniqueid filter (error -32602), so movies and shows are fetched whole, once, and
indexed in Python (core.matching.LibraryIndex); the index is kept until the library changes:
an OnUpdate/OnRemove naming one item updates it in place with that item's details (one call);
a scan or clean finishing rebuilds it. After an in-place update the cached copy is dropped
(a killed Kodi must not start from a stale index) and stored again by `flush()` (service stop).
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ..context import KEY_LIBRARY_INDEX
from ..core.matching import LibraryIndex
from .jsonrpc import JsonRpcError

# What the index needs (core.matching.LibraryIndex.build).
INDEX_MOVIE_PROPS = ["title", "year", "uniqueid", "originaltitle", "premiered"]
INDEX_SHOW_PROPS = ["title", "year", "uniqueid", "originaltitle", "premiered"]
# What a resume entry needs from the matched library item.
MOVIE_PROPS = ["title", "year", "uniqueid", "file", "art", "runtime", "resume", "playcount",
               "streamdetails", "lastplayed"]
SHOW_PROPS = ["title", "year", "uniqueid", "art"]
EPISODE_PROPS = ["title", "season", "episode", "file", "art", "runtime", "uniqueid", "tvshowid",
                 "showtitle", "resume", "playcount", "streamdetails", "lastplayed"]

# Above this many matched movies one GetMovies call beats one GetMovieDetails per movie.
BULK_MOVIE_DETAILS = 40

LIBRARY_CHANGE_METHODS = ("VideoLibrary.OnUpdate", "VideoLibrary.OnRemove",
                          "VideoLibrary.OnScanFinished", "VideoLibrary.OnCleanFinished")
# Seconds the cached index lives at most (it is rebuilt on library notifications anyway).
INDEX_EXPIRATION = 30 * 24 * 3600


# What one changed item is read with (changed_item): the index's and the resume entry's needs.
CHANGED_PROPS = {
    "movie": sorted(set(INDEX_MOVIE_PROPS) | set(MOVIE_PROPS)),
    "tvshow": sorted(set(INDEX_SHOW_PROPS) | set(SHOW_PROPS)),
    "episode": EPISODE_PROPS,
}


def _default_call(method, params=None):
    from .jsonrpc import call

    return call(method, params or {})


def updated_item(data: Any) -> Optional[Tuple[str, int]]:
    """(type, id) named by a VideoLibrary.OnUpdate/OnRemove payload of either shape, else None."""
    if not isinstance(data, dict):
        return None
    item = data.get("item") if isinstance(data.get("item"), dict) else data
    kind, dbid = item.get("type"), item.get("id")
    if not isinstance(kind, str) or isinstance(dbid, bool) or not isinstance(dbid, int):
        return None
    return kind, dbid


def is_library_change(method: str, data: Any = None) -> bool:
    """True when `method` (with its decoded `data`) means the video library changed."""
    if method in ("VideoLibrary.OnScanFinished", "VideoLibrary.OnCleanFinished"):
        return True
    if method in ("VideoLibrary.OnUpdate", "VideoLibrary.OnRemove"):
        named = updated_item(data)
        return named is None or named[0] in ("movie", "tvshow", "episode")
    return False


class KodiLibrary:
    """Library reads over JSON-RPC. `call(method, params) -> result` raises on errors."""

    def __init__(self, call: Optional[Callable[..., Any]] = None):
        self.call = call or _default_call

    def index_items(self) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
        """(movies, shows) for LibraryIndex.build: exactly two JSON-RPC calls."""
        movies = self.call("VideoLibrary.GetMovies", {"properties": INDEX_MOVIE_PROPS}) or {}
        shows = self.call("VideoLibrary.GetTVShows", {"properties": INDEX_SHOW_PROPS}) or {}
        return list(movies.get("movies") or []), list(shows.get("tvshows") or [])

    def build_index(self) -> LibraryIndex:
        movies, shows = self.index_items()
        return LibraryIndex.build(movies, shows)

    def episodes(self, tvshowid: int) -> List[Dict[str, Any]]:
        result = self.call("VideoLibrary.GetEpisodes", {"tvshowid": int(tvshowid),
                                                        "properties": EPISODE_PROPS}) or {}
        return list(result.get("episodes") or [])

    def movies_details(self, movieids: Iterable[int]) -> Dict[int, Dict[str, Any]]:
        wanted = set(int(m) for m in movieids)
        if not wanted:
            return {}
        if len(wanted) > BULK_MOVIE_DETAILS:
            result = self.call("VideoLibrary.GetMovies", {"properties": MOVIE_PROPS}) or {}
            return {m["movieid"]: m for m in result.get("movies") or [] if m.get("movieid") in wanted}
        out = {}
        for movieid in sorted(wanted):
            item = self.details("movie", movieid)
            if item is not None:
                out[movieid] = item
        return out

    def show_details(self, tvshowid: int) -> Optional[Dict[str, Any]]:
        return self.details("tvshow", tvshowid)

    def changed_item(self, kind: str, dbid: int) -> Optional[Dict[str, Any]]:
        """One library item after an OnUpdate, read once with everything the index and a resume
        entry need (CHANGED_PROPS); None when Kodi no longer has it."""
        return self.details(kind, dbid, CHANGED_PROPS[kind])

    def details(self, kind: str, dbid: int, props: Optional[List[str]] = None) -> Optional[Dict[str, Any]]:
        """GetMovieDetails/GetEpisodeDetails/GetTVShowDetails, or None when Kodi says the id is
        invalid (the item was removed from the library)."""
        method, default_props = {
            "movie": ("VideoLibrary.GetMovieDetails", MOVIE_PROPS),
            "episode": ("VideoLibrary.GetEpisodeDetails", EPISODE_PROPS),
            "tvshow": ("VideoLibrary.GetTVShowDetails", SHOW_PROPS),
        }[kind]
        props = props or default_props
        try:
            result = self.call(method, {kind + "id": int(dbid), "properties": props}) or {}
        except JsonRpcError as exc:  # Kodi answers -32602 for an unknown id
            if getattr(exc, "code", None) == -32602:
                return None
            raise
        item = result.get(kind + "details")
        return item if isinstance(item, dict) else None


class CachedLibraryIndex:
    """The LibraryIndex kept in the cache under KEY_LIBRARY_INDEX.

    `get()` costs no JSON-RPC call while the cached index is there; `invalidate()` (on a library
    notification) makes the next `get()` rebuild it with two calls. `builds` counts rebuilds.
    """

    def __init__(self, cache, library: Optional[KodiLibrary] = None, log: Optional[Callable] = None):
        self.cache = cache
        self.library = library or KodiLibrary()
        self.log = log or (lambda message: None)
        self._index: Optional[LibraryIndex] = None
        self.builds = 0

    def get(self) -> LibraryIndex:
        if self._index is not None:
            return self._index
        data = self.cache.get(KEY_LIBRARY_INDEX)
        if data is not None:
            try:
                self._index = LibraryIndex.from_dict(data)
                return self._index
            except ValueError as exc:
                self.log("library index in the cache is unusable (%s): rebuilding" % exc)
        return self.rebuild()

    def rebuild(self) -> LibraryIndex:
        index = self.library.build_index()
        self.builds += 1
        self._dirty = False
        self.cache.set(KEY_LIBRARY_INDEX, index.to_dict(), expiration=INDEX_EXPIRATION)
        self._index = index
        self.log("library index built: %d items" % len(index))
        return index

    def invalidate(self) -> None:
        self._index = None
        self._dirty = False
        self.cache.delete(KEY_LIBRARY_INDEX)

    _dirty = False

    def update(self, kind: str, dbid: int, item: Optional[Dict[str, Any]]) -> None:
        """Movie/show `dbid` changed (item = changed_item) or went (None): updated in memory; the
        cached copy is dropped until flush() (a killed Kodi then rebuilds instead of trusting a
        stale index). Episodes are not indexed: nothing to do."""
        if kind not in ("movie", "tvshow"):
            return
        index = self.get()
        index.update_item(kind, dbid, item)
        if not self._dirty:
            self._dirty = True
            self.cache.delete(KEY_LIBRARY_INDEX)

    def flush(self) -> None:
        """Store an index updated in place (the service stops)."""
        if self._dirty and self._index is not None:
            self.cache.set(KEY_LIBRARY_INDEX, self._index.to_dict(), expiration=INDEX_EXPIRATION)
            self._dirty = False
