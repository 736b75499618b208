"""What the resume list's entries do (routes /play, /play_from_start, /remove, /watched).

play(call)            /play?id=<playback id>: resolve the entry to its library file with db id,
                      media type and uniqueids and the ListItem property StartPercent =
                      float(progress) (Kodi 20.1 honours it on a resolved item and applies it to
                      the REAL duration; StartOffset is ignored). Just before setResolvedUrl
                      kodi.playing.write_menu_marker({"file", "dbid", "type", "playback_id",
                      "at"}) tells the push side what plays. An item removed from the library
                      since the list was built: a notification and setResolvedUrl(False).
play_from_start(call) the same without a start position.
remove(call)          DELETE /sync/playback/{id} (404 = already gone), then the playback leaves the
                      cached playbacks and the resume list, and the container refreshes.
mark_watched(call)    POST /sync/history (core.ids.history_body), then removed like remove().
Network trouble: a short localized notification and nothing changes locally.
Only remove/watched talk to Simkl (and so import requests); play never does.
"""
from .context import AddonContext
from .kodi import listing, ui
from .kodi.playing import write_menu_marker
from .menu import REASON_STRINGS as S_REASONS
from .menu import current_list

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
    value = current_list(ctx) or {}
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
    if library is None:
        from .kodi.library import KodiLibrary

        library = KodiLibrary()
    item = library.details(entry["mediatype"], entry["dbid"])
    file = (item or {}).get("file")
    if not file:
        ui.notify(S_GONE_FROM_LIBRARY, error=True)
        listing.resolve(call.handle, None)
        return False
    raw_ids = item.get("uniqueid") or entry.get("uniqueids") or {}
    uniqueids = {str(k): str(v) for k, v in raw_ids.items() if v}
    spec = {"label": item.get("title") or entry.get("title") or "", "path": file, "playable": True,
            "art": entry.get("art") or {},
            "info": {"mediatype": entry["mediatype"], "dbid": entry["dbid"], "uniqueids": uniqueids,
                     "title": item.get("title") or entry.get("title")}}
    if entry["mediatype"] == "episode":
        spec["info"].update({"tvshowtitle": entry.get("show_title"), "season": entry.get("season"),
                             "episode": entry.get("number")})
    if not from_start:
        spec["properties"] = {"StartPercent": repr(float(entry.get("progress") or 0.0))}
    write_menu_marker({"file": file, "dbid": entry["dbid"], "type": entry["mediatype"],
                       "playback_id": entry["playback_id"], "at": ctx.now()})
    if call.handle is None or call.handle < 0:
        # run as an action (RunPlugin): nothing to resolve, ask Kodi to play the entry's URL
        listing.play_url(call_url(call, from_start))
        return True
    listing.resolve(call.handle, spec)
    return True


def call_url(call, from_start):
    from .kodi.router import plugin_url

    return plugin_url("/play_from_start" if from_start else "/play", id=call.params.get("id"))


def play(call, ctx=None, library=None):
    return _play(call, ctx, False, library)


def play_from_start(call, ctx=None, library=None):
    return _play(call, ctx, True, library)


def _change_on_simkl(call, ctx, do, done_string):
    """Run `do(client, playback_id, entry)`; on success forget the playback locally."""
    from .core.errors import AuthRequired, SimklError
    from .resume_list import drop_playback

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
    from .core.ids import history_body
    from .core.model import Playback

    if entry is None or not entry.get("playback"):
        raise ValueError("playback %s is not in the resume list" % playback_id)
    client.add_history(history_body(Playback.from_dict(entry["playback"])))
    client.delete_playback(playback_id)


def remove(call, ctx=None):
    return _change_on_simkl(call, ctx, _delete, S_REMOVED)


def mark_watched(call, ctx=None):
    return _change_on_simkl(call, ctx, _watched, S_WATCHED)
