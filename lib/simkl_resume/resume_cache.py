"""The resume list in the cache, and the menu's ready-made pages of it (light: the plugin's menu
path imports this and nothing of matching, the library or the service).

    load_resume_list(cache) -> the KEY_RESUME_LIST value or None
    store_resume_list(cache, value)   # writes the list AND its menu pages
    load_menu_page(cache, number) -> page or None   (1-based; None: not stored / other format)
    menu_pages(value, page_size=PAGE_SIZE) -> [page, ...]  (what store_resume_list stores)
    playbacks_checksum(raw) -> str    # digest of the cached playbacks (list "source")
    drop_playback(cache, playback_id) # the plugin's remove/watched: gone from playbacks and list

The menu draws one page at a time so that opening it stays cheap with any number of paused
items: a page holds at most PAGE_SIZE entries, reduced to what the menu draws (menu_record),
matched entries first, and tells how many pages there are:
    {"v": PAGE_FORMAT, "built_at", "source", "page": n, "pages": count, "total": entries,
     "kinds": sorted media types of the matched entries of the WHOLE list, "entries": [...]}
under the cache key "resume_menu.<n>". The whole list (with each entry's playback, for the
actions) stays under KEY_RESUME_LIST.
"""
from typing import Any, Dict, List, Optional

from .context import KEEP_FOREVER, KEY_PLAYBACKS, KEY_RESUME_LIST

LIST_FORMAT = 1
PAGE_FORMAT = 1
DAY = 24 * 3600
RESUME_LIST_EXPIRATION = 365 * DAY
# Entries per menu page (a page of 50 costs about 4 ms of CPU to draw on the bench machine; a
# longer list gets a "Next page" item, Kodi's usual pattern for long plugin listings).
PAGE_SIZE = 50
KEY_MENU_PAGE = "resume_menu.%d"

# What menu.entry_spec reads of an entry (the rest - playback, file, via, ... - is for actions).
MENU_FIELDS = ("playback_id", "type", "title", "year", "show_title", "season", "number", "progress",
               "paused_epoch", "expires_epoch", "own", "matched", "reason", "mediatype", "dbid", "uniqueids",
               "art", "duration",
               "upnext", "last_code", "last_watched_epoch", "resume")  # up-next entries (up_next.py)


def playbacks_checksum(raw: Any) -> str:
    """A short digest of the cached playbacks value, to tell whether the list is stale."""
    import hashlib
    import json

    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]  # noqa: S324 - not security


def load_resume_list(cache) -> Optional[Dict[str, Any]]:
    data = cache.get(KEY_RESUME_LIST)
    if isinstance(data, dict) and data.get("v") == LIST_FORMAT and isinstance(data.get("entries"), list):
        return data
    return None


def expired(entry: Dict[str, Any], now: Optional[float]) -> bool:
    """Past the plan's retention (entry expires_epoch) at `now`: Simkl has dropped or is about
    to drop it. Expired is expired: not listed, not mirrored, not offered."""
    expires = entry.get("expires_epoch")
    return now is not None and expires is not None and float(expires) <= float(now)


def matched_entries(resume_list: Optional[Dict[str, Any]],
                    now: Optional[float] = None) -> List[Dict[str, Any]]:
    """The entries of a resume list (load_resume_list) that name a library item (and, with
    `now`, have not expired)."""
    return [e for e in (resume_list or {}).get("entries") or []
            if e.get("matched") and not expired(e, now)]


def menu_record(entry: Dict[str, Any]) -> Dict[str, Any]:
    return {key: entry.get(key) for key in MENU_FIELDS if key in entry}


def menu_pages(value: Dict[str, Any], page_size: int = PAGE_SIZE) -> List[Dict[str, Any]]:
    """The list cut into menu pages (at least one, possibly empty): matched entries first, then
    the up-next entries (value["up_next"], up_next.py), then the unmatched ones."""
    entries = [e for e in value.get("entries") or [] if isinstance(e, dict)]
    up_next = [e for e in value.get("up_next") or [] if isinstance(e, dict)]
    ordered = ([e for e in entries if e.get("matched")] + up_next
               + [e for e in entries if not e.get("matched")])
    kinds = sorted(set(str(e.get("mediatype")) for e in ordered if e.get("matched")))
    size = max(1, int(page_size))
    count = max(1, (len(ordered) + size - 1) // size)
    return [{"v": PAGE_FORMAT, "built_at": value.get("built_at"), "source": value.get("source"),
             "page": n + 1, "pages": count, "total": len(ordered), "kinds": kinds,
             "entries": [menu_record(e) for e in ordered[n * size:(n + 1) * size]]}
            for n in range(count)]


def load_menu_page(cache, number: int) -> Optional[Dict[str, Any]]:
    data = cache.get(KEY_MENU_PAGE % int(number))
    if (isinstance(data, dict) and data.get("v") == PAGE_FORMAT and data.get("page") == number
            and isinstance(data.get("entries"), list) and isinstance(data.get("pages"), int)):
        return data
    return None


def forget_resume_list(cache) -> None:
    """Delete the list and every menu page of it (sign-out: nothing of the account is drawn)."""
    old = load_menu_page(cache, 1)
    for number in range(1, max(1, (old or {}).get("pages", 0)) + 1):
        cache.delete(KEY_MENU_PAGE % number)
    cache.delete(KEY_RESUME_LIST)


def store_resume_list(cache, value: Dict[str, Any], page_size: int = PAGE_SIZE) -> None:
    """Store the list and its menu pages; pages of a longer earlier list are deleted. Pages are
    written before the list, and a reader finding a page of another build than its list still
    gets a consistent page (each page is one value)."""
    old = load_menu_page(cache, 1)
    pages = menu_pages(value, page_size)
    for page in pages:
        cache.set(KEY_MENU_PAGE % page["page"], page, expiration=RESUME_LIST_EXPIRATION)
    for number in range(len(pages) + 1, (old or {}).get("pages", 0) + 1):
        cache.delete(KEY_MENU_PAGE % number)
    cache.set(KEY_RESUME_LIST, value, expiration=RESUME_LIST_EXPIRATION)


def drop_playback(cache, playback_id: int) -> None:
    """Forget one playback in the cached playbacks and the resume list (after remove/watched)."""
    raw = cache.get(KEY_PLAYBACKS)
    if isinstance(raw, list):
        kept = [p for p in raw if not (isinstance(p, dict) and p.get("id") == playback_id)]
        if len(kept) != len(raw):
            cache.set(KEY_PLAYBACKS, kept, expiration=KEEP_FOREVER)  # as the pull writes it
            raw = kept
    value = load_resume_list(cache)
    if value is not None:
        value["entries"] = [e for e in value["entries"] if e.get("playback_id") != playback_id]
        if isinstance(raw, list):
            value["source"] = playbacks_checksum(raw)
        store_resume_list(cache, value)
