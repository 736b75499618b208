"""Window(10000) properties: memory shared by the service and every plugin run.

Kodi runs the service and each plugin invocation in separate Python interpreters; the home
window's properties are the one place all of them can read without touching disk."""
import xbmcgui

from .. import ADDON_ID

HOME_WINDOW_ID = 10000


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
