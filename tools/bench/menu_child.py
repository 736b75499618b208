"""One plugin process, the way Kodi starts it: the fake Kodi installed, then default.py.

    python tools/bench/menu_child.py STATE_DIR MODE WINDOW RESULT_JSON [QUERY]
      MODE   "bare" (bootstrap only) or "menu" (bootstrap, then default.py run as __main__)
      WINDOW "1": Window(10000) holds the cache's memory layer (warm), "0": empty (cold),
             another name: the snapshot window10000-<name>.json (e.g. "upnext")
      QUERY  the plugin query Kodi passes as argv[2] ("?" by default, "?page=2" for page 2)

The bootstrap is the same for both modes and loads only prepared state: the fake Kodi's
constructor (addon.xml, settings.xml, strings.po), the Window(10000) properties as raw
strings (what real Kodi hands over), and a library that is unpickled only if JSON-RPC
touches it (tools/bench/menu.py prepared all of it beforehand). The profile folder (cache.db,
account.json) is on disk already. argv is what Kodi passes a plugin:
[plugin://plugin.video.simkl.resume/, handle, '?query', 'resume:false'].
"""
import json
import os
import pickle
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class LazyLibrary:
    """The fake Kodi's Library, unpickled on first use (a warm menu never uses it)."""

    def __init__(self, path, on_update):
        self.__dict__["_path"] = path
        self.__dict__["_lib"] = None
        self.__dict__["_on_update"] = on_update

    def _load(self):
        if self.__dict__["_lib"] is None:
            with open(self.__dict__["_path"], "rb") as f:
                lib = pickle.load(f)  # noqa: S301 - our own file, written by tools/bench/menu.py
            lib.on_update = self.__dict__["_on_update"]
            self.__dict__["_lib"] = lib
        return self.__dict__["_lib"]

    @property
    def loaded(self):
        return self.__dict__["_lib"] is not None

    def __getattr__(self, name):
        return getattr(self._load(), name)

    def __setattr__(self, name, value):
        setattr(self._load(), name, value)


def run_entry(path):
    """Run `path` as __main__ with sys.argv untouched. (runpy.run_path would put the file name
    into sys.argv[0], where Kodi puts the plugin URL; so: read, compile, exec, like Kodi.)"""
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec")
    exec(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})  # noqa: S102


def main(state_dir, mode, window, result_path, query="?"):
    sys.path.insert(0, REPO)
    from tests.fakekodi import FakeKodi, install

    kodi = FakeKodi(state_dir)
    library = LazyLibrary(os.path.join(state_dir, "library.pickle"), kodi._library_updated)
    kodi.library = library
    if window != "0":  # "1": the main snapshot; another name: window10000-<name>.json
        name = "window10000.json" if window == "1" else "window10000-%s.json" % window
        with open(os.path.join(state_dir, name), encoding="utf-8") as f:
            kodi.windows[10000].update(json.load(f))
    install(kodi)
    import xbmc  # noqa: F401 - "imports the Kodi modules", as a plugin's interpreter has them
    import xbmcaddon  # noqa: F401
    import xbmcgui  # noqa: F401
    import xbmcplugin  # noqa: F401
    import xbmcvfs  # noqa: F401

    before = set(sys.modules)
    result = {"mode": mode, "window": window}
    if mode == "menu":
        from tests.fakekodi.fake import Directory

        handle = 7
        kodi.directory = Directory(handle)
        kodi.current_handle = handle
        sys.argv = ["plugin://%s/" % kodi.addon_id, str(handle), query, "resume:false"]
        start, cpu_start = time.perf_counter(), time.process_time()
        run_entry(os.path.join(REPO, "default.py"))
        result["in_process_s"] = time.perf_counter() - start
        result["in_process_cpu_s"] = time.process_time() - cpu_start  # less sensitive to other load
        result["items"] = len(kodi.directory.items)
        result["entries"] = sum(1 for i in kodi.directory.items
                                if "/play?" in i.url or "/play_next?" in i.url)
        result["succeeded"] = kodi.directory.succeeded
        result["jsonrpc"] = [m for m, _p in kodi.jsonrpc_calls]
    result["library_loaded"] = library.loaded
    result["new_modules"] = sorted(set(sys.modules) - before)
    for name in ("requests", "urllib3", "sqlite3", "_sqlite3", "socket", "ssl"):
        result["has_" + name] = name in sys.modules
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(*sys.argv[1:6])
