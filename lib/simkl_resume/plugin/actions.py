"""What the resume list's entries do (routes /play, /play_from_start, /remove, /watched).

play(call)            /play?id=<playback id>: resolve the entry to its library file with db id,
                      media type and uniqueids and the ListItem property StartPercent =
                      float(progress) (Kodi 19.1/20.1 honour it on a resolved item and apply it
                      to the REAL duration; StartOffset is ignored); on Kodi 21, which truncates
                      StartPercent to a whole percent, a resume point in seconds (start_at).
                      Just before setResolvedUrl
                      kodi.playing.write_menu_marker({"file", "dbid", "type", "playback_id",
                      "at"}) tells the push side what plays. An item removed from the library
                      since the list was built: a notification and setResolvedUrl(False).
play_from_start(call) the same without a start position.
play_next(call)       /play_next?episode=<episodeid>[&from_start=1]: an up-next entry (up_next.py):
                      the library episode from its own resume point if it has one, else from
                      the beginning; same resolve and marker as play.
remove(call)          DELETE /sync/playback/{id} (404 = already gone), then the playback leaves the
                      cached playbacks and the resume list, and the container refreshes.
mark_watched(call)    POST /sync/history (core.ids.history_body), then removed like remove().
Network trouble: a short localized notification and nothing changes locally.
Only remove/watched talk to Simkl (and so import requests); play never does.
"""
from ..context import AddonContext
from ..core.mirror import real_duration
from ..core.progress import number_or_none, progress_percent, resume_position
from ..kodi import listing, ui
from ..kodi.playing import up_next_play_id, write_menu_marker
from ..kodi.router import plugin_url
from ..resume_cache import load_resume_list
from .menu import REASON_STRINGS as S_REASONS

S_GONE_FROM_LIBRARY = 30422
S_REMOVED = 30423
S_WATCHED = 30424
S_UNREACHABLE = 30425
S_SIGNED_OUT = 30426
S_NOT_ON_SIMKL = 30427


def _context(ctx):
    return ctx or AddonContext.from_kodi()


def find_entry(ctx, playback_id):
    """The resume list entry of `playback_id`, or None."""
    value = load_resume_list(ctx.cache) or {}
    for entry in value.get("entries") or []:
        if entry.get("playback_id") == playback_id:
            return entry
    return None


def _play(call, ctx, from_start, library=None):
    ctx = _context(ctx)
    playback_id = call.param_int("id")
    entry = find_entry(ctx, playback_id) if playback_id is not None else None
    if entry is None:
        ui.notify(S_NOT_ON_SIMKL)
        listing.resolve(call.handle, None)
        return False
    if not entry.get("matched"):
        ui.notify(S_REASONS.get(entry.get("reason"), S_REASONS["not_in_library"]))
        listing.resolve(call.handle, None)
        return False
    item = _library_item(entry, library)
    if item is None:
        listing.resolve(call.handle, None)
        return False
    start = None if from_start else float(entry.get("progress") or 0.0)
    return _resolve(call, ctx, entry, item, start, call_url(call, from_start))


def _library_item(entry, library=None):
    """The entry's library item as it is now (file, uniqueid, resume, ...), or None (told)."""
    if library is None:
        from ..kodi.library import KodiLibrary

        library = KodiLibrary()
    item = library.details(entry["mediatype"], entry["dbid"])
    if not (item or {}).get("file"):
        ui.notify(S_GONE_FROM_LIBRARY, error=True)
        return None
    return item


def start_at(item, percent):
    """What makes Kodi start the resolved library `item` at `percent` % of its REAL length.

    Kodi 19 and 20 honour the ListItem property StartPercent exactly. Kodi 21.2 truncates it
    to a whole percent [live: "39.98" started at 39 %, 3 s early on a 5-minute clip, up to
    1.5 min on a long film]; there the item gets a resume point in seconds instead, when the
    library knows the file's real length (resume total or stream details, never the runtime);
    otherwise StartPercent, at most a percent early."""
    if listing.kodi_major() >= 21:
        duration = real_duration(item)
        if duration:
            return {"resume": (resume_position(percent, duration), duration)}
    return {"properties": {"StartPercent": repr(float(percent))}}


def _resolve(call, ctx, entry, item, start_percent, action_url):
    """Hand Kodi the library item of `entry` (from `start_percent` %, None = the beginning)."""
    file = item["file"]
    raw_ids = item.get("uniqueid") or entry.get("uniqueids") or {}
    uniqueids = {str(k): str(v) for k, v in raw_ids.items() if v}
    spec = {"label": item.get("title") or entry.get("title") or "", "path": file, "playable": True,
            "art": entry.get("art") or {},
            "info": {"mediatype": entry["mediatype"], "dbid": entry["dbid"], "uniqueids": uniqueids,
                     "title": item.get("title") or entry.get("title")}}
    if entry["mediatype"] == "episode":
        spec["info"].update({"tvshowtitle": entry.get("show_title"), "season": entry.get("season"),
                             "episode": entry.get("number")})
    if start_percent is not None:
        spec.update(start_at(item, start_percent))
    write_menu_marker({"file": file, "dbid": entry["dbid"], "type": entry["mediatype"],
                       "playback_id": entry.get("playback_id"), "at": ctx.now()})
    if call.handle is None or call.handle < 0:
        # run as an action (RunPlugin): nothing to resolve, ask Kodi to play the entry's URL
        listing.play_url(action_url)
        return True
    listing.resolve(call.handle, spec)
    return True


def call_url(call, from_start):
    return plugin_url("/play_from_start" if from_start else "/play", id=call.params.get("id"))


def find_up_next(ctx, episodeid):
    """The up-next entry (up_next.py) of library episode `episodeid`, or None."""
    for entry in (load_resume_list(ctx.cache) or {}).get("up_next") or []:
        if entry.get("dbid") == episodeid:
            return entry
    return None


def play_next(call, ctx=None, library=None):
    """/play_next?episode=<episodeid>[&from_start=1]: an up-next entry. The library episode plays
    from its own resume point when it has one (a local resume point wins, as in Kodi), else
    from the beginning. An episode no longer in the list still plays (a widget may be older
    than the list); one gone from the library is told and nothing plays."""
    ctx = _context(ctx)
    episodeid = call.param_int("episode")
    if episodeid is None:
        ui.notify(S_NOT_ON_SIMKL)
        listing.resolve(call.handle, None)
        return False
    entry = find_up_next(ctx, episodeid) or {"type": "episode"}
    # the marker's id: Kodi 20.1 may report our /play_next URL as the playing file
    entry = dict(entry, mediatype="episode", dbid=episodeid, playback_id=up_next_play_id(episodeid))
    item = _library_item(entry, library)
    if item is None:
        listing.resolve(call.handle, None)
        return False
    entry.setdefault("show_title", item.get("showtitle"))
    entry.setdefault("season", item.get("season"))
    entry.setdefault("number", item.get("episode"))
    from_start = bool(call.param_int("from_start"))
    start = None if from_start else local_resume_percent(item)
    url = (plugin_url("/play_next", episode=episodeid, from_start=1) if from_start
           else plugin_url("/play_next", episode=episodeid))
    return _resolve(call, ctx, entry, item, start, url)


def local_resume_percent(item):
    """Percent of the library item's own resume point ({position, total}), None when none."""
    resume = item.get("resume") if isinstance(item.get("resume"), dict) else {}
    position = number_or_none(resume.get("position"))
    if not position or position <= 0:
        return None
    return progress_percent(position, resume.get("total"))


def play(call, ctx=None, library=None):
    return _play(call, ctx, False, library)


def play_from_start(call, ctx=None, library=None):
    return _play(call, ctx, True, library)


def _change_on_simkl(call, ctx, do, done_string):
    """Run `do(client, playback_id, entry)`; on success forget the playback locally."""
    from ..core.errors import AuthRequired, SimklError
    from ..resume_cache import drop_playback

    ctx = _context(ctx)
    playback_id = call.param_int("id")
    if playback_id is None:
        ui.notify(S_NOT_ON_SIMKL)
        return False
    if not ctx.account.token:
        ui.notify(S_SIGNED_OUT, error=True)
        return False
    try:
        client = ctx.client(timeout=(3.05, 10.0), retries=1)
        do(client, playback_id, find_entry(ctx, playback_id))
    except AuthRequired:
        ui.notify(S_SIGNED_OUT, error=True)
        return False
    except ValueError:
        ui.notify(S_NOT_ON_SIMKL)
        return False
    except SimklError as exc:
        ctx.log("Simkl change for playback %s failed: %s" % (playback_id, type(exc).__name__))
        ui.notify(S_UNREACHABLE, error=True)
        return False
    drop_playback(ctx.cache, playback_id)
    ui.notify(done_string)
    ui.refresh_container()
    return True


def _delete(client, playback_id, entry):
    client.delete_playback(playback_id)  # False (404): already gone, which is what we wanted


def _watched(client, playback_id, entry):
    from ..core.ids import history_body
    from ..core.model import Playback

    if entry is None or not entry.get("playback"):
        raise ValueError("playback %s is not in the resume list" % playback_id)
    client.add_history(history_body(Playback.from_dict(entry["playback"])))
    client.delete_playback(playback_id)


def remove(call, ctx=None):
    return _change_on_simkl(call, ctx, _delete, S_REMOVED)


def mark_watched(call, ctx=None):
    return _change_on_simkl(call, ctx, _watched, S_WATCHED)
