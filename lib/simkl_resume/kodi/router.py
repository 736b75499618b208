"""Parsing the plugin's argv into a PluginCall, and building plugin URLs."""
from urllib.parse import parse_qsl, urlencode, urlsplit

import xbmcplugin

from .. import ADDON_ID

BASE_URL = "plugin://%s" % ADDON_ID


def plugin_url(path="/", **params):
    """A plugin:// URL of this addon; params with None values are left out."""
    query = urlencode(sorted((k, str(v)) for k, v in params.items() if v is not None))
    return BASE_URL + path + ("?" + query if query else "")


class PluginCall:
    """One run of the plugin: which route, with which parameters, for which Kodi handle.

    `handle` is -1 when Kodi runs the URL as an action (RunPlugin from settings or a context
    menu) rather than asking for a directory or a resolved item.
    """

    def __init__(self, path, params, handle):
        self.path = path or "/"
        self.params = params
        self.handle = handle

    @classmethod
    def from_argv(cls, argv):
        base = argv[0] if argv else BASE_URL + "/"
        handle = int(argv[1]) if len(argv) > 1 and argv[1].lstrip("-").isdigit() else -1
        query = argv[2] if len(argv) > 2 else ""
        path = urlsplit(base).path or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        return cls(path, dict(parse_qsl(query.lstrip("?"))), handle)

    @property
    def is_directory_request(self):
        return self.handle >= 0

    def param_int(self, name):
        """An integer parameter, or None when missing or not a number."""
        try:
            return int(self.params[name])
        except (KeyError, ValueError):
            return None

    def fail(self):
        """Tell Kodi this directory or resolve request produced nothing."""
        if self.is_directory_request:
            xbmcplugin.endOfDirectory(self.handle, succeeded=False)
