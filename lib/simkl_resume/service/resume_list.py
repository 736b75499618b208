"""The resume list: Simkl playbacks matched to the local library, ready for the menu to draw.

    builder = ResumeListBuilder(context)               # a service Component
    builder.playbacks_changed()    # PullSync's on_change: rebuild now (on the caller's thread)
    builder.on_notification(...)   # library notifications, handled on the worker after `debounce`:
        # OnUpdate/OnRemove naming items: each item read ONCE (KodiLibrary.changed_item), the
        # index updated in place, the entries showing it refilled (plan_library_update); only
        # a change of what matches what (or of an up-next entry's episode or show) rebuilds the
        # list (from the updated index, no GetMovies or GetTVShows). OnScanFinished/
        # OnCleanFinished (or more than MAX_INCREMENTAL items, or an OnUpdate naming nothing):
        # index invalidated, list rebuilt.
    build_resume_list(context, index, library) -> value stored under KEY_RESUME_LIST

KEY_RESUME_LIST holds {"v": 1, "built_at": epoch, "source": playbacks_checksum(...),
"entries": [entry, ...]}: matched entries newest first, then the unmatched ones newest first.
An entry is a plain dict:
    playback_id, playback (Playback.to_dict(), for /sync/history), type ("movie"|"episode"),
    title (movie title / episode title), year, show_title, season, number,
    progress, paused_epoch, expires_epoch (paused + the plan's retention days), own (this
    device's own last scrobble of the item: core.own / delivered.py; "paused on this Kodi"),
    matched (bool), reason (core.matching NoMatch reason, None when matched), via,
    mediatype ("movie"|"episode"), dbid, tvshowid, file (dbid/file: the copy to play - of an item
    the library holds more than once, the copy last played on this Kodi, else the first),
    copies (every db id of the item, dbid included: the mirror and the prompt apply to each),
    art, uniqueids, runtime (library
    seconds, 0 when unknown: never used to seek), duration (the file's REAL length in seconds,
    core.mirror.real_duration: resume total > stream details > None; never the scraper's
    runtime - the mirror and the menu's time left use the same number).
Titles and numbers come from the library item when matched, from Simkl otherwise.
"""
import threading
from typing import Any, Dict, List, Optional

from ..context import KEY_PLAYBACKS
from .delivered import load_events
from .entry_fields import fill_from_library, pick_copy, show_art
from ..core.matching import (
    EPISODE_NOT_IN_LIBRARY,
    Match,
    match_all,
    match_movie,
    match_show,
    matched_first,
    shows_needed,
)
from ..core import own
from ..core.model import EPISODE, Playback
from ..kodi.library import CachedLibraryIndex, KodiLibrary, is_library_change, updated_item
from ..resume_cache import DAY, LIST_FORMAT, load_resume_list, playbacks_checksum, store_resume_list
from .component import Component, is_check
from .up_next import add_up_next, up_next_source
from .worker import BackgroundWorker

# Seconds to wait after a library notification before rebuilding (a scan sends many).
LIBRARY_DEBOUNCE = 3.0
# More changed items than this in one debounce window: one rebuild is the cheaper way.
MAX_INCREMENTAL = 20
REBUILD = "rebuild"


def load_playbacks(cache, log=None, data=None) -> List[Playback]:
    """The cached playbacks (KEY_PLAYBACKS, or `data` when the caller read it already), newest
    first; unreadable items are skipped."""
    data = cache.get(KEY_PLAYBACKS) if data is None else data
    out = []
    for item in data if isinstance(data, list) else []:
        try:
            out.append(Playback.from_dict(item))
        except (TypeError, ValueError):
            if log:
                log("skipping an unreadable cached playback")
    out.sort(key=lambda p: -(p.paused_epoch or 0))
    return out


class _ShowReads:
    """The library as one rebuild reads it: each show's episodes and details (GetEpisodes,
    GetTVShowDetails) read once, though the paused entries and up next both ask for them."""

    def __init__(self, library: KodiLibrary):
        self._library = library
        self._episodes: Dict[int, List[Dict[str, Any]]] = {}
        self._shows: Dict[int, Optional[Dict[str, Any]]] = {}

    def episodes(self, tvshowid: int) -> List[Dict[str, Any]]:
        if tvshowid not in self._episodes:
            self._episodes[tvshowid] = self._library.episodes(tvshowid)
        return self._episodes[tvshowid]

    def show_details(self, tvshowid: int) -> Optional[Dict[str, Any]]:
        if tvshowid not in self._shows:
            self._shows[tvshowid] = self._library.show_details(tvshowid)
        return self._shows[tvshowid]

    def movies_details(self, movieids):
        return self._library.movies_details(movieids)


def _entry(playback: Playback, result: Any, retention_days: int, own: bool = False) -> Dict[str, Any]:
    entry = {
        "playback_id": playback.id, "playback": playback.to_dict(), "type": playback.type,
        "title": playback.episode_title if playback.type == EPISODE else playback.title,
        "year": playback.year, "show_title": playback.title if playback.type == EPISODE else None,
        "season": playback.season, "number": playback.number,
        "progress": float(playback.progress), "paused_epoch": playback.paused_epoch,
        "expires_epoch": playback.paused_epoch + retention_days * DAY, "own": bool(own),
        "matched": isinstance(result, Match), "reason": None, "via": None,
        "mediatype": None, "dbid": None, "tvshowid": None, "file": None, "copies": [], "art": {},
        "uniqueids": {},
        "runtime": 0, "duration": None,
    }
    if not isinstance(result, Match):
        entry["reason"] = result.reason
    return entry


def build_resume_list(playbacks: List[Playback], index, library: KodiLibrary, retention_days: int,
                      now: float, source: str = "", delivered=None) -> Dict[str, Any]:
    """Match `playbacks` (newest first) against `index` and read what the menu needs of each
    matched item: one GetEpisodes (+ one GetTVShowDetails) per needed show, movie details.
    `delivered`: this device's delivered events (delivered.load_events) - marks own entries."""
    needed = shows_needed(index, playbacks)
    episodes = {sid: library.episodes(sid) for sid in sorted(needed)}
    shows = {sid: library.show_details(sid) for sid in sorted(needed)}
    results = matched_first(match_all(index, playbacks, episodes))
    movie_ids = [d for _p, r in results if isinstance(r, Match) and r.kind == "movie" for d in r.all_dbids]
    movies = library.movies_details(movie_ids)
    episode_items = {ep.get("episodeid"): ep for eps in episodes.values() for ep in eps}
    entries = []
    for playback, result in results:
        entry = _entry(playback, result, retention_days, own.own_event(delivered, playback) is not None)
        if isinstance(result, Match):
            items = movies if result.kind == "movie" else episode_items
            item = pick_copy([items.get(dbid) for dbid in result.all_dbids])
            show = None
            if result.kind != "movie":
                show = shows.get((item or {}).get("tvshowid") or result.tvshowid)
            fill_from_library(entry, result, item, show)
        entries.append(entry)
    # an item that vanished between the index and the details moves to the unmatched group
    entries = [e for e in entries if e["matched"]] + [e for e in entries if not e["matched"]]
    return {"v": LIST_FORMAT, "built_at": now, "source": source, "entries": entries}


def _show_of(entry: Dict[str, Any]) -> Dict[str, Any]:
    """The show fields an episode entry already holds (title, tvshow.* art), for a refill."""
    art = {k[len("tvshow."):]: v for k, v in (entry.get("art") or {}).items() if k.startswith("tvshow.")}
    return {"title": entry.get("show_title"), "art": art}


def _refill(entry: Dict[str, Any], kind: str, item: Dict[str, Any], show=None) -> Dict[str, Any]:
    """`entry` filled again from one changed library `item` (the copy it now plays)."""
    copies = tuple(entry.get("copies") or ())
    dbid = item.get(kind + "id") or entry.get("dbid")
    result = Match(kind, dbid, tvshowid=item.get("tvshowid") or entry.get("tvshowid"),
                   via=entry.get("via") or "", season=entry.get("season"), episode=entry.get("number"),
                   copies=copies if len(copies) > 1 else ())
    fresh = dict(entry)
    fill_from_library(fresh, result, item, show if show is not None else _show_of(entry))
    return fresh


def _numbers(item: Optional[Dict[str, Any]]):
    return (item or {}).get("season"), (item or {}).get("episode")


def plan_library_update(entries: List[Dict[str, Any]], playbacks: List[Playback], index,
                        changed: Dict[Any, Optional[Dict[str, Any]]]):
    """What a few changed library items (`changed`: {(kind, dbid): item or None when removed},
    the index already updated) do to the resume list: REBUILD when what matches what may have
    changed (a new or lost match, another set of copies), else the new entries list (the
    entries showing a changed item refilled from it; the same list when none does). Pure."""
    by_id = {e.get("playback_id"): e for e in entries}
    kinds = {kind for kind, _dbid in changed}
    for playback in playbacks:
        entry = by_id.get(playback.id)
        if entry is None:
            return REBUILD
        if playback.type == "movie" and "movie" in kinds:
            result = match_movie(index, playback)
            now = tuple(result.all_dbids) if isinstance(result, Match) else ()
            if now != tuple(entry.get("copies") or ()):
                return REBUILD
        if playback.type == EPISODE and kinds & {"tvshow", "episode"}:
            show = match_show(index, playback)
            shows = set(show.all_dbids) if isinstance(show, Match) else set()
            if "tvshow" in kinds:
                before = bool(entry.get("matched")) or entry.get("reason") == EPISODE_NOT_IN_LIBRARY
                if bool(shows) != before or (entry.get("matched") and entry.get("tvshowid") not in shows):
                    return REBUILD
            for (kind, dbid), item in changed.items():
                if kind == "tvshow" and dbid in shows and entry.get("tvshowid") != dbid:
                    return REBUILD  # another copy of the show
                if kind != "episode" or dbid in (entry.get("copies") or ()):
                    continue
                if item is not None and item.get("tvshowid") in shows and _numbers(item) in (
                        (playback.season, playback.number), (playback.tvdb_season, playback.tvdb_number)):
                    return REBUILD  # it may be (another copy of) this playback's episode
    out = []
    for entry in entries:
        fresh = entry
        kind = entry.get("mediatype")
        for (ckind, dbid), item in changed.items():
            if not fresh.get("matched"):
                break
            if ckind == kind and dbid in (fresh.get("copies") or ()):
                if item is None:
                    return REBUILD
                if kind == EPISODE and _numbers(item) != (fresh.get("season"), fresh.get("number")):
                    return REBUILD
                newer = str(item.get("lastplayed") or "") > str(fresh.get("lastplayed") or "")
                if dbid == fresh.get("dbid") or newer:  # the copy shown, or now the last played
                    fresh = _refill(fresh, kind, item)
            elif ckind == "tvshow" and kind == EPISODE and fresh.get("tvshowid") == dbid:
                if item is None:
                    return REBUILD
                fresh = dict(fresh, art={k: v for k, v in (fresh.get("art") or {}).items()
                                         if not k.startswith("tvshow.")})
                fresh["show_title"] = item.get("title") or fresh.get("show_title")
                art = show_art(item)
                art.update(fresh["art"])
                fresh["art"] = art
        out.append(fresh)
    return out


def _touches_up_next(up_next: Optional[List[Dict[str, Any]]], changed) -> bool:
    """Does a changed library item concern an up-next entry (its episode, watched here now or
    gone, or its show)? Then the list is rebuilt: up next's rules read the library."""
    for entry in up_next or []:
        for kind, dbid in changed:
            if kind == "episode" and dbid in (entry.get("copies") or [entry.get("dbid")]):
                return True
            if kind == "tvshow" and dbid == entry.get("tvshowid"):
                return True
    return False


class ResumeListBuilder(Component):
    """Keeps KEY_RESUME_LIST in step with KEY_PLAYBACKS and the library.

    `index` / `library` are for tests; by default the index lives in context.cache and the
    library is read over JSON-RPC. `refresh()` (optional) is called after a rebuild caused by
    a library change, e.g. to refresh our container when it is on screen.
    """

    def __init__(self, context, library: Optional[KodiLibrary] = None,
                 index: Optional[CachedLibraryIndex] = None, debounce: float = LIBRARY_DEBOUNCE,
                 refresh=None, log=None):
        self.context = context
        self.library = library or KodiLibrary()
        self.log = log or context.log
        self.index = index or CachedLibraryIndex(context.cache, self.library, self.log)
        self.debounce = debounce
        self.refresh = refresh
        self._lock = threading.Lock()
        self._due: Optional[float] = None
        self._worker = _RebuildWorker(self)
        self._changes_lock = threading.Lock()
        self._changed: Dict[Any, bool] = {}   # (kind, dbid) -> removed
        self.builds = 0
        self.updates = 0

    # ------------------------------------------------------------------ building
    def rebuild(self) -> bool:
        """Match the cached playbacks now; True when the stored list changed."""
        with self._lock:
            raw = self.context.cache.get(KEY_PLAYBACKS)
            playbacks = load_playbacks(self.context.cache, self.log, raw)
            try:
                retention = self.context.account.retention_days()
            except Exception:  # a damaged account file must not stop the list
                retention = 7
            index, library, now = self.index.get(), _ShowReads(self.library), self.context.now()
            value = build_resume_list(playbacks, index, library, retention, now, playbacks_checksum(raw),
                                      load_events(self.context.cache))
            add_up_next(value, self.context.cache, index, library, now, log=self.log)
            old = load_resume_list(self.context.cache)
            self.builds += 1
            changed = (old is None or old.get("entries") != value["entries"]
                       or old.get("up_next") != value["up_next"])
            store_resume_list(self.context.cache, value)
            return changed

    def playbacks_changed(self, *args, **kwargs) -> bool:
        """PullSync's on_change: rebuild on the calling (worker) thread. Accepts and ignores any
        arguments so PullSync may pass what it likes. True when the list changed."""
        try:
            return self.rebuild()
        except Exception as exc:  # the library or cache failing must not break the pull
            self.log("resume list rebuild failed: %s" % type(exc).__name__)
            return False

    def list_is_current(self) -> bool:
        """True when KEY_RESUME_LIST was built from the cached playbacks as they are now (or no
        playbacks are cached yet: then PullSync's first fetch builds it)."""
        raw = self.context.cache.get(KEY_PLAYBACKS)
        if raw is None:
            return True
        value = load_resume_list(self.context.cache)
        return (value is not None and value.get("source") == playbacks_checksum(raw)
                and value.get("up_next_source") == up_next_source(self.context.cache))

    def library_changed(self) -> None:
        with self._lock:
            self.index.invalidate()

    # ------------------------------------------------------------------ Component
    def start(self):
        self._worker.start()
        # a list missing or older than the cached playbacks (the service was stopped before it
        # rebuilt, a rebuild failed, an older version wrote it) is rebuilt at start-up
        self._check_list = True

    def on_notification(self, sender, method, data):
        if is_library_change(method, data):
            one = method in ("VideoLibrary.OnUpdate", "VideoLibrary.OnRemove")
            named = updated_item(data) if one else None
            with self._changes_lock:
                if named is not None:
                    self._changed[named] = method == "VideoLibrary.OnRemove"
                else:
                    self._full = True
            self._library_dirty = True
            self._due = None  # tick() schedules from Kodi's clock
            self._pending_library = True
        elif is_check(sender, method):
            # the menu opened: it draws what is cached and never rebuilds, so the service
            # makes sure the list matches the cached playbacks (and refreshes the menu if not)
            self._check_list = True

    _pending_library = False
    _library_dirty = False
    _check_list = False
    _full = False

    def tick(self, now):
        if self._check_list:
            self._worker.wake()
        if self._pending_library:
            self._pending_library = False
            self._due = now + self.debounce
        if self._due is None:
            return None
        if now >= self._due:
            self._due = None
            self._worker.wake()
            return None
        return self._due - now

    def stop(self):
        self._worker.stop()
        try:
            self.index.flush()
        except Exception as exc:  # noqa: BLE001 - the next start rebuilds it
            self.log("library index not stored: %s" % type(exc).__name__)

    def _list_work(self):
        if not self._check_list:
            return
        self._check_list = False
        try:
            current = self.list_is_current()
        except Exception as exc:  # a damaged cache must not stop the worker
            self.log("resume list check failed: %s" % type(exc).__name__)
            return
        if not current and self.playbacks_changed() and self.refresh is not None:
            self.refresh()

    def _library_work(self):
        if not self._library_dirty:
            return
        self._library_dirty = False
        with self._changes_lock:
            changed, self._changed = self._changed, {}
            full, self._full = self._full, False
        if full or len(changed) > MAX_INCREMENTAL:
            self.library_changed()
            moved = self.playbacks_changed()
        else:
            try:
                moved = self.items_changed(changed)
            except Exception as exc:  # noqa: BLE001 - fall back to the whole way
                self.log("library update failed (%s): rebuilding" % type(exc).__name__)
                self.library_changed()
                moved = self.playbacks_changed()
        if moved and self.refresh is not None:
            self.refresh()

    def items_changed(self, changed: Dict[Any, bool]) -> bool:
        """A few library items changed ({(kind, dbid): removed}): one Get*Details each, the index
        updated in place, the list refilled or (rarely) rebuilt. True when the list changed."""
        items: Dict[Any, Optional[Dict[str, Any]]] = {}
        for (kind, dbid), removed in sorted(changed.items()):
            if kind not in ("movie", "tvshow", "episode"):
                continue
            item = None if removed else self.library.changed_item(kind, dbid)
            items[(kind, dbid)] = item
            self.index.update(kind, dbid, item)
        if not items:
            return False
        with self._lock:
            self.updates += 1
            value = load_resume_list(self.context.cache)
            if value is None:
                return False  # no list yet: the start-up / menu check builds it
            plan = plan_library_update(value["entries"], load_playbacks(self.context.cache, self.log),
                                       self.index.get(), items)
            if plan != REBUILD and not _touches_up_next(value.get("up_next"), items):
                if plan == value["entries"]:
                    return False
                store_resume_list(self.context.cache, dict(value, entries=plan, built_at=self.context.now()))
                return True
        return self.playbacks_changed()


class _RebuildWorker(BackgroundWorker):
    name = "resume-list"

    def __init__(self, builder):
        super().__init__(log=builder.log)
        self.builder = builder

    def work(self):
        self.builder._list_work()
        self.builder._library_work()
