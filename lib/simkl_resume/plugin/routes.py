"""Plugin entry: turn a plugin:// URL into one route handler.

Kodi runs this for every URL of the addon (argv = [base_url, handle, '?query', 'resume:false']).
Route modules are imported only when their route runs, so the menu path never imports
`requests` (importing it costs about as much as starting the interpreter).
"""
import importlib

from ..kodi.log import WARNING, log
from ..kodi.router import PluginCall

# path -> (module, function). Each function takes a PluginCall.
ROUTES = {
    "/": ("menu", "show_root"),
    "/login": ("account", "login"),
    "/logout": ("account", "logout"),
    "/play": ("actions", "play"),
    "/play_from_start": ("actions", "play_from_start"),
    "/play_next": ("actions", "play_next"),
    "/remove": ("actions", "remove"),
    "/watched": ("actions", "mark_watched"),
}


def run(argv):
    call = PluginCall.from_argv(argv)
    route = ROUTES.get(call.path)
    if route is None:
        log("unknown plugin route %s" % call.path, WARNING)
        call.fail()
        return
    module_name, function_name = route
    module = importlib.import_module("." + module_name, __package__)
    getattr(module, function_name)(call)
