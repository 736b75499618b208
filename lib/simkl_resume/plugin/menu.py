"""The plugin root "Resume from Simkl", drawn from the cache (route "/": show_root).

No network, no `requests`, no SQLite when Window(10000) holds the cache, and never a rebuild:
the entries come ready-made, one page at a time, from the menu pages the service stores with
KEY_RESUME_LIST (resume_cache.py; built by resume_list.ResumeListBuilder). The only JSON-RPC
call of a run is JSONRPC.NotifyAll asking the service for an on-open check; the service also
rebuilds the list there when it is missing or older than the cached playbacks, and refreshes
the menu when that changed it. With no list in the cache yet the menu says it is updating.

Layout:
  - not signed in: one entry "Sign in to Simkl" (route /login);
  - "offline since ..." line first (first page) when the last check failed (KEY_SYNC_STATUS);
  - matched entries newest first: "Show — S01E05 Title" / "Movie (Year)", label2/plot with
    progress %, time left, "paused 2 h ago", expiry; the library item's art and resume point;
    playable (route /play), context menu: play from the beginning, remove, mark as watched;
  - up next (up_next.py): the episode after the one last watched elsewhere, per show,
    "Show — S01E06 Title · next after S01E05 watched 2 h ago", playable (route /play_next);
  - unmatched entries last, greyed, not playable, saying why;
  - at most resume_cache.PAGE_SIZE (50) entries per page, then "Next page (2/20)" (route /?page=2).

`page_entries(page_value, now, sync_status)` / `entry_spec(entry, now)` are the pure parts.
"""
import time

from ..context import KEY_SYNC_STATUS, AddonContext
from ..core.progress import format_clock, time_left
from ..kodi import listing
from ..kodi.jsonrpc import ask_service_to_check
from ..kodi.router import BASE_URL, plugin_url
from ..kodi.strings import format_age as _format_age
from ..kodi.strings import localize
from ..resume_cache import PAGE_SIZE, expired, load_menu_page, load_resume_list, menu_pages

S_SIGN_IN = 30400
S_EPISODE_LABEL = 30401
S_MOVIE_LABEL = 30402
S_WATCHED_PCT = 30403
S_LEFT = 30404
S_PAUSED_AGO = 30405
S_PAUSED_NOW = 30406
S_EXPIRES_IN = 30410
S_EXPIRES_TODAY = 30411
S_OFFLINE_SINCE = 30412
S_OFFLINE = 30413
REASON_STRINGS = {"not_in_library": 30414, "show_not_in_library": 30415,
                  "episode_not_in_library": 30416, "ambiguous_title": 30417}
S_PLAY_FROM_START = 30418
S_REMOVE = 30419
S_WATCHED = 30420
S_NOTHING_PAUSED = 30421
S_UPDATING = 30429
S_NEXT_PAGE = 30430
S_PAUSED_HERE_AGO = 30440
S_PAUSED_HERE_NOW = 30441
S_UP_NEXT = 30450
S_NEXT_AFTER = 30451
S_NEXT_AFTER_NOW = 30452

GREY = "[COLOR grey]%s[/COLOR]"

# Localized strings of the current run: a page draws ~10 per entry from a dozen ids.
# Cleared at every show_root (the language may change between runs of a reused interpreter).
_strings = {}


def _(string_id):
    text = _strings.get(string_id)
    if text is None:
        text = _strings[string_id] = localize(string_id)
    return text


def _id_url(path, playback_id):
    """plugin_url(path, id=playback_id), without urlencode for the usual integer id."""
    if type(playback_id) is int:
        return "%s%s?id=%d" % (BASE_URL, path, playback_id)
    return plugin_url(path, id=playback_id)


def format_age(seconds):
    """kodi.strings.format_age with this run's cached strings."""
    return _format_age(seconds, _)


def entry_label(entry):
    if entry.get("type") == "episode":
        return _(S_EPISODE_LABEL) % {"show": entry.get("show_title") or "",
                                     "season": int(entry.get("season") or 0),
                                     "episode": int(entry.get("number") or 0),
                                     "title": entry.get("title") or ""}
    if entry.get("year"):
        return _(S_MOVIE_LABEL) % {"title": entry.get("title") or "", "year": entry["year"]}
    return entry.get("title") or ""


def entry_details(entry, now):
    """[progress %, time left?, paused ago, expiry] as localized strings."""
    progress = float(entry.get("progress") or 0)
    parts = [_(S_WATCHED_PCT) % ("%d" % int(progress))]
    left = time_left(progress, entry.get("duration"))
    if left is not None:
        parts.append(_(S_LEFT) % format_clock(left))
    age = format_age(now - float(entry.get("paused_epoch") or now))
    if entry.get("own"):  # this Kodi's own stop: not "from another device"
        parts.append(_(S_PAUSED_HERE_AGO) % age if age else _(S_PAUSED_HERE_NOW))
    else:
        parts.append(_(S_PAUSED_AGO) % age if age else _(S_PAUSED_NOW))
    expires = entry.get("expires_epoch")
    if expires is not None and float(expires) > now:  # expired ones are not drawn (page_entries)
        remaining = float(expires) - now
        parts.append(_(S_EXPIRES_IN) % format_age(remaining) if remaining >= 3600
                     else _(S_EXPIRES_TODAY))
    return parts


def _context(entry):
    pid = entry["playback_id"]
    items = []
    if entry.get("matched"):
        items.append((_(S_PLAY_FROM_START), "PlayMedia(%s)" % _id_url("/play_from_start", pid)))
    items.append((_(S_REMOVE), "RunPlugin(%s)" % _id_url("/remove", pid)))
    items.append((_(S_WATCHED), "RunPlugin(%s)" % _id_url("/watched", pid)))
    return items


def up_next_spec(entry, now):
    """(url, item spec) of an up-next entry (up_next.py): "Show — S01E06 Title · next after
    S01E05 watched 2 h ago", playable from the start (or the library's own resume point)."""
    age = format_age(now - float(entry.get("last_watched_epoch") or now))
    last = {"last": entry.get("last_code") or "", "age": age}
    note = _(S_NEXT_AFTER) % last if age else _(S_NEXT_AFTER_NOW) % last
    label = "%s · %s" % (entry_label(entry), note)
    dbid = int(entry.get("dbid") or 0)
    url = "%s/play_next?episode=%d" % (BASE_URL, dbid)
    info = {"title": entry.get("title") or label, "mediatype": "episode", "dbid": dbid,
            "uniqueids": entry.get("uniqueids") or {}, "plot": note, "year": entry.get("year"),
            "tvshowtitle": entry.get("show_title"), "season": entry.get("season"),
            "episode": entry.get("number")}
    spec = {"label": label, "label2": _(S_UP_NEXT), "path": url, "playable": True,
            "art": entry.get("art") or {}, "info": info,
            "context": [(_(S_PLAY_FROM_START), "PlayMedia(%s&from_start=1)" % url)]}
    duration = entry.get("duration")
    if duration:
        info["duration"] = int(duration)
        if entry.get("resume"):
            spec["resume"] = (float(entry["resume"]), float(duration))
    return url, spec


def entry_spec(entry, now):
    """(url, item spec) of one resume list entry (see kodi/listing.py for specs)."""
    if entry.get("upnext"):
        return up_next_spec(entry, now)
    label = entry_label(entry)
    details = entry_details(entry, now)
    url = _id_url("/play", entry["playback_id"])
    if not entry.get("matched"):
        reason = _(REASON_STRINGS.get(entry.get("reason"), REASON_STRINGS["not_in_library"]))
        return url, {
            "label": GREY % label, "label2": GREY % reason, "path": url, "playable": False,
            "info": {"title": label, "plot": "[CR]".join([reason] + details)},
            "context": _context(entry),
        }
    line = " · ".join(details)
    duration = entry.get("duration")
    info = {"title": entry.get("title") or label, "mediatype": entry.get("mediatype"),
            "dbid": entry.get("dbid"), "uniqueids": entry.get("uniqueids") or {},
            "plot": "[CR]".join(details), "year": entry.get("year")}
    if entry.get("type") == "episode":
        info.update({"tvshowtitle": entry.get("show_title"), "season": entry.get("season"),
                     "episode": entry.get("number")})
    spec = {"label": label, "label2": line, "path": url, "playable": True, "art": entry.get("art") or {},
            "info": info, "context": _context(entry)}
    if duration:
        info["duration"] = int(duration)
        spec["resume"] = (float(entry.get("progress") or 0) * float(duration) / 100.0, float(duration))
    return url, spec


def offline_spec(sync_status):
    """The "offline since ..." line, or None when the last check went well (or none ran)."""
    if not isinstance(sync_status, dict) or sync_status.get("ok", True):
        return None
    since = sync_status.get("last_ok_at")
    if since:
        text = _(S_OFFLINE_SINCE) % time.strftime("%Y-%m-%d %H:%M", time.localtime(float(since)))
    else:
        text = _(S_OFFLINE)
    return plugin_url("/"), {"label": GREY % text, "path": "", "playable": False, "folder": False,
                             "info": {"plot": text}}


def _content_for(kinds):
    kinds = set(kinds)
    if kinds == {"movie"}:
        return "movies"
    if kinds == {"episode"}:
        return "episodes"
    return "videos"


def _updating_spec():
    text = _(S_UPDATING)
    return plugin_url("/"), {"label": GREY % text, "path": "", "playable": False, "info": {"plot": text}}


def next_page_spec(page, pages):
    url = plugin_url("/", page=page + 1)
    return url, {"label": _(S_NEXT_PAGE) % (page + 1, pages), "path": url, "folder": True,
                 "playable": False}


def page_entries(page_value, now, sync_status=None):
    """[(url, spec)] of one menu page (resume_cache.menu_pages), and the list's content type.
    None for `page_value`: no list in the cache yet (the service is building it)."""
    out = []
    number = (page_value or {}).get("page", 1)
    offline = offline_spec(sync_status) if number == 1 else None
    if offline is not None:
        out.append(offline)
    if page_value is None:
        out.append(_updating_spec())
        return out, "videos"
    # past the plan's retention: Simkl no longer keeps it, so neither does the list
    entries = [e for e in page_value.get("entries") or [] if not expired(e, now)]
    out.extend(entry_spec(entry, now) for entry in entries)
    if not entries and number == 1:
        out.append((plugin_url("/"), {"label": GREY % _(S_NOTHING_PAUSED), "path": "", "playable": False}))
    pages = page_value.get("pages") or 1
    if number < pages:
        out.append(next_page_spec(number, pages))
    return out, _content_for(page_value.get("kinds") or [])


def current_page(ctx, number=1):
    """Menu page `number` (1-based) as the service stored it (never rebuilt here: the service
    keeps the list in step with the playbacks, ResumeListBuilder, also on every on-open check);
    a list without stored pages (an older version wrote it) is paged here. A page past the end
    gives the last one. None when no list is cached at all."""
    number = max(1, int(number or 1))
    page = load_menu_page(ctx.cache, number)
    if page is not None:
        return page
    value = load_resume_list(ctx.cache)
    if value is None:
        if number > 1:
            return current_page(ctx, 1)
        return None
    pages = menu_pages(value, PAGE_SIZE)
    return pages[min(number, len(pages)) - 1]


def show_root(call, ctx=None):
    _strings.clear()
    ctx = ctx or AddonContext.from_kodi()
    # No category: Kodi already names the folder after the addon ("Resume from Simkl"), and
    # setting the same name again shows it twice in the header.
    category = ""
    if not ctx.account.token:
        url = plugin_url("/login")
        listing.show_directory(call.handle, [(url, {"label": _(S_SIGN_IN), "path": url, "folder": False,
                                                    "playable": False})],
                               content="files", category=category)
        return
    ask_service_to_check({"source": "menu"})  # the list is drawn anyway when this fails
    page = current_page(ctx, call.param_int("page") or 1)
    entries, content = page_entries(page, ctx.now(), ctx.cache.get(KEY_SYNC_STATUS))
    listing.show_directory(call.handle, entries, content=content, category=category)
