""""Up next" (issue 18), service side: Simkl's watching list in the cache, and the resume list's
up-next entries built from it. The rules are core.upnext's; this module only fetches and reads.

    sync = WatchlistSync(ctx, get_settings)  # PullSync calls it after each activities call:
    sync.sync(client, fresh, timeout, retries, token) -> bool  # True: the cached list changed
    up_next_entries(watching, index, library, paused_entries, now, window) -> [entry, ...]
    add_up_next(value, cache, index, library, now)   # the resume list's "up_next" part
    up_next_source(cache) -> str             # digest of KEY_UP_NEXT + settings: list stale?

Fetching (never more often than the activities gate: only when a list timestamp moved,
core.upnext.decide_list_fetch): the first time GET /sync/all-items/{shows|anime}/watching in
full; afterwards with date_from = the `watching` timestamp saved at the last fetch (anime with
extended=full_anime_seasons, which carries the TVDB numbers absolute anime numbering needs),
and, when completed/hold/dropped/removed_from_list moved, the extended=ids_only list to drop
the shows that left. KEY_UP_NEXT (a new key) holds core.upnext.cache_value(): the list
timestamps it was fetched at and the watching shows.

Settings: `up_next` (on/off; off = no watchlist request at all and no up-next entries) and
`up_next_days` (only shows watched within that many days; default 30).

An up-next entry is a resume-list-like dict with "upnext": True, "playback_id": None,
"last_code" ("S01E05" / "E148"), "last_watched_epoch", "resume" (the library's own resume
point in seconds, 0 when none: a local resume point wins, as in Kodi), and the library fields of
resume_list entries (mediatype, dbid, tvshowid, file, art, uniqueids, runtime, duration, title,
show_title, season, number).
"""
from typing import Any, Dict, List, Optional

from ..context import KEEP_FOREVER, KEY_UP_NEXT
from ..core.errors import AuthRequired, SimklError
from ..core.model import BUCKET_ANIME, BUCKET_TV, KIND_ANIME, Activities
from ..core.upnext import (
    DEFAULT_WINDOW_DAYS,
    cache_value,
    decide_list_fetch,
    merge_watching,
    parse_watchlist,
    parse_watchlist_keys,
    read_cache_value,
    shows_to_read,
    up_next,
)
from .entry_fields import fill_from_library, pick_copy  # the same fields as a paused entry
from ..resume_cache import playbacks_checksum


def _setting(settings, kind, setting_id, default):
    try:
        value = settings.get_bool(setting_id) if kind == "bool" else settings.get_int(setting_id)
    except Exception:  # noqa: BLE001 - a missing/odd setting means its default
        return default
    if kind == "int" and (not isinstance(value, int) or value <= 0):
        return default
    return value


def enabled(settings) -> bool:
    return bool(_setting(settings, "bool", "up_next", True))


def window_days(settings) -> int:
    return int(_setting(settings, "int", "up_next_days", DEFAULT_WINDOW_DAYS))


def _bucket(show) -> str:
    return BUCKET_ANIME if show.kind == KIND_ANIME else BUCKET_TV


def kodi_settings():
    from ..kodi import settings

    return settings


def _source(watching, on: bool, days: int) -> str:
    return playbacks_checksum([watching, on, days])


def up_next_source(cache, settings=None) -> str:
    """Digest of what the up-next part is built from: KEY_UP_NEXT and the two settings."""
    settings = settings or kodi_settings()
    return _source(cache.get(KEY_UP_NEXT), enabled(settings), window_days(settings))


def add_up_next(value: Dict[str, Any], cache, index, library, now: float, settings=None, log=None) -> None:
    """Give a resume list value (resume_list.build_resume_list) its up-next part: "up_next"
    (entries, [] when the setting is off or reading the library failed) and "up_next_source"."""
    settings = settings or kodi_settings()
    watching, on, days = cache.get(KEY_UP_NEXT), enabled(settings), window_days(settings)
    value["up_next_source"] = _source(watching, on, days)
    value["up_next"] = []
    if not on:
        return
    try:
        value["up_next"] = up_next_entries(watching, index, library, value.get("entries") or [], now, days)
    except Exception as exc:  # noqa: BLE001 - the paused entries must not suffer from up next
        if log:
            log("up next: entries not built (%s)" % type(exc).__name__)


class WatchlistSync:
    """Keeps KEY_UP_NEXT in step with Simkl's watching lists; see the module docstring."""

    def __init__(self, ctx, get_settings, log=None):
        self.ctx = ctx
        self.get_settings = get_settings  # () -> settings with get_bool/get_int (read when used)
        self.log = log or ctx.log

    def sync(self, client, fresh: Activities, timeout=None, retries=None, token=None) -> bool:
        """Fetch what moved; True when the cached watching shows changed. A 401 is raised (the
        pull signs out); any other Simkl error is logged and leaves the cache as it was (the
        saved timestamps do not move, so the next check asks again). When the account's token
        is no longer `token` after the fetch (signed out meanwhile) nothing is kept."""
        if not enabled(self.get_settings()):
            return False
        cache = self.ctx.cache
        stored_lists, shows = read_cache_value(cache.get(KEY_UP_NEXT))
        plans = decide_list_fetch(stored_lists, fresh)
        if not plans:
            return False
        lists = dict(stored_lists or {})
        merged = list(shows)
        try:
            for plan in plans:
                mine = [s for s in merged if _bucket(s) == plan.bucket]
                others = [s for s in merged if _bucket(s) != plan.bucket]
                delta = []
                if plan.delta:
                    extended = "full_anime_seasons" if plan.list_type == "anime" and plan.date_from else None
                    data = client.all_items(plan.list_type, "watching", date_from=plan.date_from,
                                            extended=extended, timeout=timeout, retries=retries)
                    delta = parse_watchlist(data, on_skip=self._skipped)
                    if plan.date_from is None:
                        mine = []  # a full fetch is the whole list
                keys = None
                if plan.prune:
                    listed = client.all_items(plan.list_type, "watching", extended="ids_only",
                                              timeout=timeout, retries=retries)
                    keys = parse_watchlist_keys(listed)
                merged = others + merge_watching(mine, delta, keys)
                lists[plan.bucket] = dict((fresh.lists or {}).get(plan.bucket) or {})
                self.log("up next: %s watching list %s: %d show(s) changed%s"
                         % (plan.list_type, "since " + plan.date_from if plan.date_from else
                            ("fetched" if plan.delta else "checked"), len(delta),
                            ", %d listed" % len(keys) if keys is not None else ""))
        except AuthRequired:
            raise
        except SimklError as exc:
            self.log("up next: watching list not fetched (%s); asked again at the next check" % (exc,))
            return False
        if token is not None and self.ctx.account.token != token:
            return False
        value = cache_value(lists, merged, self.ctx.now())
        old = cache.get(KEY_UP_NEXT)
        cache.set(KEY_UP_NEXT, value, expiration=KEEP_FOREVER)
        return not isinstance(old, dict) or old.get("shows") != value["shows"]

    def _skipped(self, index, reason):
        self.log("up next: skipped watching item #%d: %s" % (index, reason))


def _resume_seconds(item: Dict[str, Any]) -> float:
    resume = item.get("resume") if isinstance(item.get("resume"), dict) else {}
    try:
        position = float(resume.get("position") or 0)
    except (TypeError, ValueError):
        return 0.0
    return position if position > 0 else 0.0


def up_next_entries(watching, index, library, paused_entries: List[Dict[str, Any]], now: float,
                    window: Optional[float] = None) -> List[Dict[str, Any]]:
    """The up-next entries (see the module docstring) of `watching` (the KEY_UP_NEXT value),
    newest last watched first: one GetEpisodes and one GetTVShowDetails per show that can be
    mapped at all."""
    _lists, shows = read_cache_value(watching)
    if not shows:
        return []
    window = DEFAULT_WINDOW_DAYS if window is None else window
    needed = sorted(shows_to_read(shows, index, now, window))  # every copy of each show
    episodes = {sid: library.episodes(sid) for sid in needed}
    details = {sid: library.show_details(sid) for sid in needed}
    paused = {dbid for e in paused_entries if e.get("matched") and e.get("mediatype") == "episode"
              for dbid in (e.get("copies") or [e.get("dbid")])}
    plan = up_next(shows, index, episodes, paused, now, window)
    out = []
    for show, match, items in plan.entries:
        item = pick_copy(items)
        last = (("E%02d" % show.last_number) if show.last_absolute else
                ("S%02dE%02d" % (show.last_season or 0, show.last_number))) if show.last_number else ""
        entry = {"upnext": True, "playback_id": None, "type": "episode", "title": "", "year": show.year,
                 "show_title": show.title, "season": match.season, "number": match.episode,
                 "matched": True, "reason": None, "last_code": last,
                 "last_watched_epoch": show.last_watched_epoch,
                 "resume": _resume_seconds(item or {})}
        fill_from_library(entry, match, item, details.get((item or {}).get("tvshowid") or match.tvshowid))
        if entry["matched"]:
            out.append(entry)
    return out
