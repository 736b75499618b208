"""Window(10000) properties: memory shared by the service and every plugin run.

Kodi runs the service and each plugin invocation in separate Python interpreters; the home
window's properties are the one place all of them can read without touching disk."""
import json

import xbmcgui

from .. import ADDON_ID

HOME_WINDOW_ID = 10000
# The plugin's "check" request (JSONRPC.NotifyAll message; the service's Monitor sees it as
# component.CHECK_METHOD), also left here as property <addon id>.check_asked: take_check_asked.
CHECK_MESSAGE = "check"
CHECK_ASKED_KEY = "check_asked"


class HomeWindowMemory:
    """String properties on the home window, namespaced by the addon id (the cache's memory layer)."""

    def __init__(self, prefix=ADDON_ID + "."):
        self._prefix = prefix
        self._window = xbmcgui.Window(HOME_WINDOW_ID)

    def get(self, key):
        value = self._window.getProperty(self._prefix + key)
        return value or None

    def set(self, key, value):
        self._window.setProperty(self._prefix + key, value)

    def clear(self, key):
        self._window.clearProperty(self._prefix + key)


def leave_check_asked(data):
    """The plugin side: note that a check was asked (`data` as sent with it)."""
    HomeWindowMemory().set(CHECK_ASKED_KEY, json.dumps(data))


def take_check_asked():
    """The service side, once at start: the data of a check our plugin asked for before this
    service listened (None: none asked), and the note cleared.
    Kodi delivers JSONRPC.NotifyAll only to monitors that exist: a menu or a home-screen widget
    opened while Kodi was starting (seen on 19.1) would otherwise wait for the first poll.
    Window properties end with Kodi, so a note is from this Kodi session: at worst a check
    the running service already made (one activities call), e.g. after an addon update."""
    memory = HomeWindowMemory()
    raw = memory.get(CHECK_ASKED_KEY)
    if raw is None:
        return None
    memory.clear(CHECK_ASKED_KEY)
    try:
        data = json.loads(raw)
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}
