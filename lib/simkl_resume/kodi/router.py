"""Parsing the plugin's argv into a PluginCall, and building plugin URLs.

urllib.parse is imported only when a URL really needs percent-encoding: on Python 3.11+
it pulls in ipaddress, about 4 ms of the menu's ~10 ms, and our own URLs are plain
`?id=123&page=2`."""
import xbmcplugin

from .. import ADDON_ID

BASE_URL = "plugin://%s" % ADDON_ID


_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-~")


def _quote(text):
    if all(char in _PLAIN for char in text):
        return text
    from urllib.parse import quote_plus

    return quote_plus(text)


def _unquote(text):
    if "%" not in text and "+" not in text:
        return text
    from urllib.parse import unquote_plus

    return unquote_plus(text)


def plugin_url(path="/", **params):
    """A plugin:// URL of this addon; params with None values are left out."""
    query = "&".join("%s=%s" % (_quote(key), _quote(str(value)))
                     for key, value in sorted(params.items()) if value is not None)
    return BASE_URL + path + ("?" + query if query else "")


def parse_query(query):
    """'?a=1&b=x%20y' -> {"a": "1", "b": "x y"} (blank values kept, like parse_qsl's)."""
    params = {}
    for pair in query.lstrip("?").split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        params[_unquote(key)] = _unquote(value)
    return params


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
        # plugin://<addon id>/<path>?<query>: the path starts at the first "/" after the host.
        rest = base.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        slash = rest.find("/")
        path = _unquote(rest[slash:]) if slash >= 0 else "/"
        if len(path) > 1:
            path = path.rstrip("/") or "/"
        return cls(path, parse_query(query), handle)

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
