"""Helpers shared by tests/test_menu*.py, test_actions*.py and test_library*.py (no tests here)."""
import time

from simkl_resume.context import KEY_PLAYBACKS, KEY_SYNC_STATUS, AddonContext
from simkl_resume.core.model import Playback

TOKEN = "alice-token"
# Default pause time of the helpers: a day before the test started (well inside every plan's
# retention: an older one would be expired, and expired playbacks are neither listed nor mirrored).
PAUSED_EPOCH = float(int(time.time()) - 86400)


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def movie_playback(pid, title, year, ids, progress=40.0, paused_epoch=PAUSED_EPOCH):
    return Playback(id=pid, progress=progress, paused_at=_iso(paused_epoch), paused_epoch=paused_epoch,
                    type="movie", kind="movie", title=title, year=year, ids=dict(ids)).to_dict()


def episode_playback(pid, show, year, ids, season, number, episode_title=None, progress=40.0,
                     paused_epoch=PAUSED_EPOCH, kind="show", tvdb_season=None, tvdb_number=None):
    return Playback(id=pid, progress=progress, paused_at=_iso(paused_epoch), paused_epoch=paused_epoch,
                    type="episode", kind=kind, title=show, year=year, ids=dict(ids), season=season,
                    number=number, episode_title=episode_title, tvdb_season=tvdb_season,
                    tvdb_number=tvdb_number).to_dict()


def plugin_ctx(signed_in=True, plan="free"):
    """The context a plugin run sees (same profile folder and memory layer)."""
    ctx = AddonContext.from_kodi()
    if signed_in:
        ctx.account.sign_in(TOKEN, "alice", plan)
    return ctx


def store_playbacks(ctx, playbacks, status=None):
    ctx.cache.set(KEY_PLAYBACKS, list(playbacks))
    if status is not None:
        ctx.cache.set(KEY_SYNC_STATUS, status)


def build_list(ctx):
    """What the service does when PullSync reports new playbacks."""
    from simkl_resume.service.resume_list import ResumeListBuilder

    return ResumeListBuilder(ctx).playbacks_changed()


# plugin.ROUTES for the routes of the resume menu (used only while plugin.py cannot be imported).
_ROUTES = {"/": ("menu", "show_root"), "/play": ("actions", "play"),
           "/play_from_start": ("actions", "play_from_start"), "/remove": ("actions", "remove"),
           "/watched": ("actions", "mark_watched")}


def dispatch(argv):
    """The plugin entry: simkl_resume.plugin.routes.run (the real route table). plugin.py imports
    kodi/log.py, a teammate's module; until it exists the same routes are dispatched here."""
    import importlib

    try:
        from simkl_resume.plugin import routes as plugin
    except ImportError:
        plugin = None
    if plugin is not None:
        plugin.run(argv)
        return
    from simkl_resume.kodi.router import PluginCall

    c = PluginCall.from_argv(argv)
    module, function = _ROUTES[c.path]
    getattr(importlib.import_module("simkl_resume.plugin." + module), function)(c)


def run(kodi, url="/", handle=1):
    return kodi.run_plugin(url, handle=handle, entry=dispatch)


def call(path, handle=1, **params):
    from simkl_resume.kodi.router import PluginCall

    return PluginCall(path, {k: str(v) for k, v in params.items()}, handle)


def rpc_methods(kodi):
    return [m for m, _p in kodi.jsonrpc_calls]
