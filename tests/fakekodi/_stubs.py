"""Load the pinned Kodistubs modules under private names (never as `xbmc`, which is the fake's)."""
import importlib.machinery
import importlib.util
import sys

_CACHE = {}


def load(name):
    """Kodistubs' module `name` (xbmc, xbmcgui, ...), imported as `_kodistubs_<name>`."""
    if name in _CACHE:
        return _CACHE[name]
    spec = importlib.machinery.PathFinder.find_spec(name, [p for p in sys.path if p])
    if spec is None or spec.origin is None:
        raise ImportError("Kodistubs is not installed (pip install Kodistubs==21.0.0)")
    private = "_kodistubs_" + name
    spec2 = importlib.util.spec_from_file_location(private, spec.origin)
    module = importlib.util.module_from_spec(spec2)
    saved = {}
    # Kodistubs modules import each other by their real names: give them each other
    for dep in ("xbmc", "xbmcgui", "xbmcaddon", "xbmcplugin", "xbmcvfs", "xbmcdrm"):
        saved[dep] = sys.modules.get(dep)
    try:
        for dep in saved:
            if dep in _CACHE:
                sys.modules[dep] = _CACHE[dep]
            elif saved[dep] is not None and getattr(saved[dep], "__fake_kodi__", False):
                del sys.modules[dep]
        spec2.loader.exec_module(module)
    finally:
        for dep, mod in saved.items():
            if mod is None:
                sys.modules.pop(dep, None)
            else:
                sys.modules[dep] = mod
    _CACHE[name] = module
    return module


def constants(name):
    """The module-level UPPER_CASE constants of Kodistubs' module `name`."""
    mod = load(name)
    return dict((k, v) for k, v in vars(mod).items()
                if k.isupper() and isinstance(v, (int, str, float)) and not k.startswith("_"))
