"""A stateful fake Kodi 20.1 for fast tests.

    def test_something(kodi):            # fixture from tests/conftest.py
        movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
        kodi.player.play_movie(movieid, at=60)
        kodi.clock.advance(30)           # virtual seconds; the player moves with them
        assert xbmc.Player().getTime() == 90

install_modules() puts the fake modules xbmc, xbmcgui, xbmcplugin, xbmcaddon, xbmcvfs into
sys.modules once per process (tests/conftest.py, before any addon import); install(kodi) makes
`kodi` the FakeKodi they all talk to; uninstall() detaches it, so a module that still calls
xbmc* after its test raises a clear error instead of talking to a stale Kodi.
Every public function/class/method exists in Kodistubs 21.0.0 with compatible parameters
(tests/test_fakekodi_signatures.py). Driver API (for tests) lives on FakeKodi:
  kodi.library.add_movie/add_show/add_episode   kodi.player.play_movie/play_episode/play_file/
  pause/resume/seek/stop/play_playlist/next/previous/play_trailer
  kodi.clock.now()/advance(s)/settle()      kodi.abort()      kodi.kill() (SIGKILL: no callbacks)
  kodi.busy() (with-block: the service's thread cannot run, its callbacks come late)
  kodi.start_thread(fn)       kodi.send_notification(...)   kodi.change_setting(id, value)
  kodi.answer("yesno", True)  kodi.run_plugin("/path?query")  kodi.plugin_urls[url] = ListItem
Records: kodi.jsonrpc_calls, kodi.logs, kodi.builtins, kodi.notifications, kodi.dialogs,
  kodi.directory, kodi.resolved, kodi.windows, kodi.callback_errors.
"""
import sys
import threading

from . import _current
from .clock import ClockStuck
from .fake import ADDON_ID, FakeKodi
from .player import NotPlaying

MODULE_NAMES = ("xbmc", "xbmcgui", "xbmcplugin", "xbmcaddon", "xbmcvfs")
__all__ = ["ADDON_ID", "ClockStuck", "FakeKodi", "NotPlaying", "install", "install_modules", "uninstall"]

_saved = {}
_orig_thread_start = threading.Thread.start


def _tracking_start(self):
    """Threads started by addon threads are tracked by the clock from their very first line."""
    _orig_thread_start(self)
    kodi = _current._ACTIVE[0]
    if kodi is not None and not kodi.clock.is_driver() and kodi.clock.is_tracked():
        kodi.clock.track(self)


def install_modules():
    """Put the fake xbmc* modules into sys.modules for the rest of the process.

    Done once, before any addon module is imported (tests/conftest.py does it at import
    time): an addon module that runs `import xbmc` at collection time then binds the fake
    module, whose every function asks the ACTIVE FakeKodi at call time, instead of binding
    Kodistubs (whose functions only return defaults) and silently misbehaving later.
    """
    from . import xbmc, xbmcaddon, xbmcgui, xbmcplugin, xbmcvfs
    modules = {"xbmc": xbmc, "xbmcgui": xbmcgui, "xbmcplugin": xbmcplugin, "xbmcaddon": xbmcaddon,
               "xbmcvfs": xbmcvfs}
    for name in MODULE_NAMES:
        if name not in _saved:
            _saved[name] = sys.modules.get(name)
        sys.modules[name] = modules[name]


def install(kodi):
    """Make `kodi` the active fake (the one every fake xbmc* call talks to)."""
    install_modules()
    _current.set_active(kodi)
    threading.Thread.start = _tracking_start
    return kodi


def uninstall():
    """Detach the active fake: a module that still calls xbmc* after its test gets a clear
    error instead of talking to a stale Kodi. The fake modules stay in sys.modules."""
    threading.Thread.start = _orig_thread_start
    _current.set_active(None)
