"""Benchmark 1: the plugin's menu open as a whole process, against a bare interpreter.

    prepare(root, movies=15000, shows=1000, episodes=4000, playbacks=1000) -> MenuState
    measure(state, runs=15) -> dict of figures (see docs/benchmarks.md)
    import_profile(state) -> heaviest imports of the menu path (python -X importtime)

Method (honest about what is counted): all state is prepared beforehand in this process
(fake Kodi library of 20,000 items, 1,000 playbacks in the cache, the resume list and the
library index built by the real ResumeListBuilder) and saved to disk: the profile folder with
cache.db and account.json, the Window(10000) properties as JSON, the fake library pickled.
Every run is then a fresh `python` process (tools/bench/menu_child.py) that installs the fake
Kodi and loads only the prepared state it needs; "bare" runs the same bootstrap and stops,
"menu" then runs default.py with runpy and Kodi's plugin argv. The parent times each process
from spawn to exit; the child also times runpy of default.py alone. Scenarios run
round-robin so machine drift hits them alike.
"""
import json
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
import time

from .stats import median, quartiles

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHILD = os.path.join(REPO, "tools", "bench", "menu_child.py")
ADDON_ID = "plugin.video.simkl.resume"

# name -> (mode, window properties present, cache.db variant[, plugin query])
SCENARIOS = {
    "python -c pass": (None, None, None),
    "bare (bootstrap + Kodi modules)": ("bare", "1", "warm"),
    "menu warm": ("menu", "1", "warm"),
    "menu warm, page 2": ("menu", "1", "warm", "?page=2"),
    "menu warm, 50 up next": ("menu", "upnext", "upnext"),
    "menu cold": ("menu", "0", "cold"),
    "menu cold, no list": ("menu", "0", "nolist"),
}


class MenuState:
    def __init__(self, root, library_items, playbacks, expected_items):
        self.root = root
        self.library_items = library_items
        self.playbacks = playbacks
        self.expected_items = expected_items

    @property
    def profile_dir(self):
        return os.path.join(self.root, "kodi-home", "userdata", "addon_data", ADDON_ID)

    def db_variant(self, name):
        return os.path.join(self.root, "cache-%s.db" % name)

    def install_db(self, variant):
        live = os.path.join(self.profile_dir, "cache.db")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(live + suffix):
                os.remove(live + suffix)
        shutil.copyfile(self.db_variant(variant), live)


def prepare(root, movies=15000, shows=1000, episodes=4000, playbacks=1000, up_next=50):
    """Fill a fake Kodi and the cache as the service would have, and save it to disk under `root`.
    Variant "upnext" (with its own Window(10000) snapshot): no playback, `up_next` shows on
    Simkl's watching list whose next episode is in the library, the list built by the real
    ResumeListBuilder: one menu page of up-next entries."""
    from simkl_resume.context import KEY_LIBRARY_INDEX, KEY_RESUME_LIST
    from simkl_resume.resume_cache import KEY_MENU_PAGE
    from tests.fakekodi import FakeKodi, install, uninstall
    from tests.test_menu_support import (build_list, episode_playback, movie_playback, plugin_ctx,
                                         store_playbacks)

    os.makedirs(root, exist_ok=True)
    kodi = install(FakeKodi(root))
    try:
        lib = kodi.library
        for i in range(movies):
            lib.add_movie("Film %d" % i, 1950 + i % 70, {"imdb": "tt%07d" % (1000000 + i)},
                          art={"poster": "image://poster-%d.jpg/" % i})
        show_ids = [lib.add_show("Series %d" % i, 1990 + i % 30, {"tvdb": str(300000 + i)})
                    for i in range(shows)]
        per_show = max(1, episodes // max(1, shows))
        for i in range(episodes):
            lib.add_episode(show_ids[i % shows], 1 + i // shows % per_show, 1 + i // (shows * per_show))
        ctx = plugin_ctx()
        now = ctx.now()
        items = []
        for n in range(playbacks):
            pid, paused = 5000 + n, now - n * 60
            if n % 10 == 9:
                items.append(movie_playback(pid, "Missing %d" % n, 2000, {"imdb": "tt%07d" % (9000000 + n)},
                                            paused_epoch=paused))
            elif n % 2:
                items.append(episode_playback(pid, "Series %d" % (n % shows), None,
                                              {"tvdb": str(300000 + n % shows)}, 1, 1, paused_epoch=paused))
            else:
                items.append(movie_playback(pid, "Film %d" % (n % movies), None,
                                            {"imdb": "tt%07d" % (1000000 + n % movies)}, paused_epoch=paused))
        # as after the service's last check (it writes the sync status at every check)
        store_playbacks(ctx, items, status={"ok": True, "checked_at": now, "last_ok_at": now, "error": ""})
        build_list(ctx)
        ctx.cache.close()
        state = MenuState(root, movies + shows + episodes, playbacks, playbacks)
        live = os.path.join(state.profile_dir, "cache.db")
        con = sqlite3.connect(live)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        shutil.copyfile(live, state.db_variant("warm"))
        # nolist: the service never built the list (nor the menu pages): the menu must not
        # rebuild it (hundreds of JSON-RPC calls); it says "updating" and the service builds it
        variants = (("cold", [KEY_LIBRARY_INDEX], None),
                    ("nolist", [KEY_LIBRARY_INDEX, KEY_RESUME_LIST], KEY_MENU_PAGE % 0))
        for variant, keys, like in variants:
            shutil.copyfile(live, state.db_variant(variant))
            con = sqlite3.connect(state.db_variant(variant))
            con.executemany("DELETE FROM simplecache WHERE id = ?", [(k,) for k in keys])
            if like:
                con.execute("DELETE FROM simplecache WHERE id LIKE ?", (like[:-1] + "%",))
            con.commit()
            con.execute("PRAGMA journal_mode=DELETE")
            con.execute("VACUUM")
            con.close()
        with open(os.path.join(root, "window10000.json"), "w", encoding="utf-8") as f:
            json.dump(dict(kodi.windows[10000]), f)
        _prepare_up_next(state, kodi, ctx, min(up_next, shows), now)
        on_update, lib.on_update = lib.on_update, None
        with open(os.path.join(root, "library.pickle"), "wb") as f:
            pickle.dump(lib, f, protocol=pickle.HIGHEST_PROTOCOL)
        lib.on_update = on_update
    finally:
        uninstall()
    return state


def _prepare_up_next(state, kodi, ctx, count, now):
    """The "upnext" cache.db variant and window snapshot: `count` watching shows, each
    "next S02E01" of "Series i" (in the prepared library), no playbacks."""
    from simkl_resume.context import KEY_UP_NEXT
    from simkl_resume.core.upnext import WatchingShow, cache_value
    from tests.test_menu_support import build_list, store_playbacks

    shows = [WatchingShow(key="tvdb=%d" % (300000 + i), title="Series %d" % i, year=None,
                          ids={"tvdb": str(300000 + i)}, last_watched_epoch=now - i * 60,
                          last_watched_at="", last_season=1, last_number=1, next_season=2, next_number=1)
             for i in range(count)]
    store_playbacks(ctx, [], status={"ok": True, "checked_at": now, "last_ok_at": now, "error": ""})
    ctx.cache.set(KEY_UP_NEXT, cache_value({}, shows, now))
    build_list(ctx)
    ctx.cache.close()
    live = os.path.join(state.profile_dir, "cache.db")
    con = sqlite3.connect(live)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copyfile(live, state.db_variant("upnext"))
    with open(os.path.join(state.root, "window10000-upnext.json"), "w", encoding="utf-8") as f:
        json.dump(dict(kodi.windows[10000]), f)


def _child_cmd(state, mode, window, result, python=sys.executable, extra=(), query="?"):
    if mode is None:
        return [python] + list(extra) + ["-c", "pass"]
    return [python] + list(extra) + [CHILD, state.root, mode, window, result, query]


def run_once(state, scenario, python=sys.executable, extra=()):
    """(wall seconds from spawn to exit, child's result dict or None, stderr)."""
    mode, window, variant = SCENARIOS[scenario][:3]
    query = SCENARIOS[scenario][3] if len(SCENARIOS[scenario]) > 3 else "?"
    result = os.path.join(state.root, "result.json")
    if os.path.exists(result):
        os.remove(result)
    if variant:
        state.install_db(variant)
    cmd = _child_cmd(state, mode, window, result, python, extra, query)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    # Bytecode caches as Kodi has them after the first run, kept outside the tree
    # (this environment may set PYTHONDONTWRITEBYTECODE; Kodi does write __pycache__).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(state.root, "pycache")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (scenario, proc.returncode, proc.stderr[-3000:]))
    data = None
    if mode is not None:
        with open(result, encoding="utf-8") as f:
            data = json.load(f)
    return wall, data, proc.stderr


def measure(state, runs=15, python=sys.executable):
    """Median wall time per scenario over `runs` round-robin rounds (one warm-up round first)."""
    walls = {name: [] for name in SCENARIOS}
    inproc = {name: [] for name in SCENARIOS}
    inproc_cpu = {name: [] for name in SCENARIOS}
    details = {}
    for round_no in range(runs + 1):
        for name in SCENARIOS:
            wall, data, _err = run_once(state, name, python)
            if round_no == 0:
                details[name] = data
                continue
            walls[name].append(wall)
            if data and "in_process_s" in data:
                inproc[name].append(data["in_process_s"])
                inproc_cpu[name].append(data["in_process_cpu_s"])
    bare = median(walls["bare (bootstrap + Kodi modules)"])
    out = {"runs": runs, "scenarios": {}}
    for name in SCENARIOS:
        w = walls[name]
        q1, q3 = quartiles(w)
        entry = {"median_s": median(w), "q1_s": q1, "q3_s": q3, "ratio_to_bare": median(w) / bare}
        if inproc[name]:
            entry["in_process_median_s"] = median(inproc[name])
            entry["in_process_cpu_median_s"] = median(inproc_cpu[name])
        d = details.get(name)
        if d:
            entry.update({k: d[k] for k in ("items", "entries", "succeeded", "jsonrpc", "library_loaded",
                                            "has_requests", "has_urllib3", "has_sqlite3", "has_socket",
                                            "has_ssl")
                          if k in d})
        out["scenarios"][name] = entry
    return out


_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)\s*$")


def parse_importtime(stderr):
    """[(module, self_us, cumulative_us, depth)] in the order -X importtime printed them."""
    rows = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((m.group(4), int(m.group(1)), int(m.group(2)), (len(m.group(3)) - 1) // 2))
    return rows


def import_profile(state, python=sys.executable, top=12):
    """The imports of the menu path (warm and cold), from `python -X importtime`: what the menu
    imports beyond the bare bootstrap, heaviest first, and whether the heavy ones are among them."""
    _w, _d, bare_err = run_once(state, "bare (bootstrap + Kodi modules)", python, extra=["-X", "importtime"])
    bare_modules = {r[0] for r in parse_importtime(bare_err)}
    out = {}
    for scenario in ("menu warm", "menu cold", "menu cold, no list"):
        _w, data, err = run_once(state, scenario, python, extra=["-X", "importtime"])
        rows = [r for r in parse_importtime(err) if r[0] not in bare_modules]
        ours = sum(r[1] for r in rows)
        heaviest = sorted(rows, key=lambda r: -r[1])[:top]
        watched = ("requests", "urllib3", "sqlite3", "_sqlite3", "socket", "ssl", "json", "logging",
                   "hashlib", "simkl_resume.service.resume_list", "simkl_resume.core.matching",
                   "simkl_resume.kodi.library")
        out[scenario] = {
            "modules": len(rows), "self_us_total": ours,
            "heaviest_self": [(r[0], r[1], r[2]) for r in heaviest],
            "imported": {name: name in data["new_modules"] or (name in bare_modules) for name in watched},
            "new_in_menu": {name: name in data["new_modules"] for name in watched},
        }
    out["bare_preimported"] = sorted(m for m in ("json", "re", "threading", "sqlite3", "socket", "hashlib",
                                                  "xml.etree.ElementTree", "collections", "weakref")
                                     if m in bare_modules)
    return out
