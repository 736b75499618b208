"""Benchmark 2: the library index at scale (core.matching.LibraryIndex + kodi/library.py over
the fake Kodi's JSON-RPC).

    run(movies=10000, shows=1000, episodes_per_show=50, lookups=20000) -> dict of figures

What is timed, each separately:
  - index build: KodiLibrary.build_index() = GetMovies + GetTVShows + LibraryIndex.build;
    JSON-RPC time (inside xbmc.executeJSONRPC: the fake Kodi's side, json encode/decode
    included) is reported apart from the rest (our json.loads + indexing);
  - peak memory of the build (tracemalloc, a second run: tracing slows Python down);
  - the index in the cache: to_dict + json size, and from_dict (a warm start);
  - lookups per second: match_playback over movies by id, by title, misses, and episodes of
    a matched show (its episodes already fetched);
  - every episode: one GetEpisodes per show (what the resume list would cost if playbacks
    touched every show) against one GetEpisodes for the whole library.
"""
import json
import time
import tracemalloc

from simkl_resume.core.matching import Match, match_playback
from simkl_resume.core.model import Playback


def _fill(kodi, movies, shows, episodes_per_show):
    lib = kodi.library
    for i in range(movies):
        lib.add_movie("Film %d" % i, 1950 + i % 70, {"imdb": "tt%07d" % (1000000 + i), "tmdb": str(10 + i)},
                      originaltitle="Film original %d" % i, art={"poster": "image://p%d.jpg/" % i})
    show_ids = []
    for i in range(shows):
        sid = lib.add_show("Series %d" % i, 1990 + i % 30,
                           {"tvdb": str(300000 + i), "imdb": "tt%07d" % (5000000 + i)})
        show_ids.append(sid)
        seasons = max(1, episodes_per_show // 10)
        for e in range(episodes_per_show):
            lib.add_episode(sid, 1 + e % seasons, 1 + e // seasons,
                            uniqueid={"tvdb": str(9000000 + sid * 100 + e)})
    return show_ids


class CountingCall:
    """kodi.jsonrpc.call, counted and timed."""

    def __init__(self):
        from simkl_resume.kodi import jsonrpc

        self._call = jsonrpc.call
        self.calls = []
        self.rpc_seconds = 0.0

    def __call__(self, method, params=None):
        import xbmc

        real = xbmc.executeJSONRPC
        spent = [0.0]

        def timed(text):
            t = time.perf_counter()
            try:
                return real(text)
            finally:
                spent[0] += time.perf_counter() - t

        xbmc.executeJSONRPC = timed
        try:
            return self._call(method, params)
        finally:
            xbmc.executeJSONRPC = real
            self.calls.append(method)
            self.rpc_seconds += spent[0]


def _playbacks(movies, shows, episodes_per_show, count):
    seasons = max(1, episodes_per_show // 10)
    out = []
    for n in range(count):
        kind = n % 4
        if kind == 0:    # movie by id
            i = n % movies
            out.append(Playback(n, 40.0, "2024-01-01T00:00:00Z", 1.7e9, "movie", "movie", "Film %d" % i,
                                ids={"imdb": "tt%07d" % (1000000 + i)}))
        elif kind == 1:  # movie by title + year only
            i = n % movies
            out.append(Playback(n, 40.0, "2024-01-01T00:00:00Z", 1.7e9, "movie", "movie", "Film %d" % i,
                                year=1950 + i % 70))
        elif kind == 2:  # not in the library
            out.append(Playback(n, 40.0, "2024-01-01T00:00:00Z", 1.7e9, "movie", "movie", "Missing %d" % n,
                                ids={"imdb": "tt%07d" % (8000000 + n)}))
        else:            # episode of a library show
            i = n % shows
            e = n % episodes_per_show
            out.append(Playback(n, 40.0, "2024-01-01T00:00:00Z", 1.7e9, "episode", "show", "Series %d" % i,
                                ids={"tvdb": str(300000 + i)}, season=1 + e % seasons,
                                number=1 + e // seasons))
    return out


def run(movies=10000, shows=1000, episodes_per_show=50, lookups=20000, root=None):
    import tempfile

    from simkl_resume.core.matching import LibraryIndex
    from simkl_resume.kodi.library import EPISODE_PROPS, KodiLibrary
    from tests.fakekodi import FakeKodi, install, uninstall

    tmp = tempfile.TemporaryDirectory(prefix="bench-library-") if root is None else None
    kodi = install(FakeKodi(root or tmp.name))
    try:
        t = time.perf_counter()
        show_ids = _fill(kodi, movies, shows, episodes_per_show)
        fill_s = time.perf_counter() - t
        out = {"movies": movies, "shows": shows, "episodes": shows * episodes_per_show, "fill_fake_s": fill_s}

        call = CountingCall()
        library = KodiLibrary(call)
        t = time.perf_counter()
        index = library.build_index()
        total = time.perf_counter() - t
        out["index"] = {"seconds": total, "jsonrpc_seconds": call.rpc_seconds,
                        "ours_seconds": total - call.rpc_seconds, "jsonrpc_calls": list(call.calls),
                        "items": len(index)}
        t = time.perf_counter()
        movies_items, shows_items = library.index_items()
        rpc_only = time.perf_counter() - t
        t = time.perf_counter()
        LibraryIndex.build(movies_items, shows_items)
        out["index"]["build_only_seconds"] = time.perf_counter() - t
        out["index"]["index_items_seconds"] = rpc_only

        tracemalloc.start()
        library.build_index()
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["index"]["peak_bytes"] = peak
        tracemalloc.start()
        LibraryIndex.build(movies_items, shows_items)
        _cur, peak_build = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["index"]["peak_bytes_build_only"] = peak_build

        t = time.perf_counter()
        data = index.to_dict()
        text = json.dumps(data, ensure_ascii=True)
        to_s = time.perf_counter() - t
        t = time.perf_counter()
        LibraryIndex.from_dict(json.loads(text))
        from_s = time.perf_counter() - t
        out["cache"] = {"json_bytes": len(text), "to_dict_dumps_s": to_s, "loads_from_dict_s": from_s}

        call = CountingCall()
        library = KodiLibrary(call)
        t = time.perf_counter()
        episodes = {sid: library.episodes(sid) for sid in show_ids}
        per_show_s = time.perf_counter() - t
        t = time.perf_counter()
        bulk = call("VideoLibrary.GetEpisodes", {"properties": EPISODE_PROPS}) or {}
        bulk_s = time.perf_counter() - t
        out["all_episodes"] = {"per_show_calls": len(show_ids), "per_show_seconds": per_show_s,
                               "episodes": sum(len(v) for v in episodes.values()),
                               "one_call_seconds": bulk_s,
                               "one_call_episodes": len(bulk.get("episodes") or [])}

        playbacks = _playbacks(movies, shows, episodes_per_show, lookups)
        t = time.perf_counter()
        results = [match_playback(index, p, episodes) for p in playbacks]
        look_s = time.perf_counter() - t
        matched = sum(1 for r in results if isinstance(r, Match))
        out["lookups"] = {"count": len(playbacks), "seconds": look_s, "per_second": len(playbacks) / look_s,
                          "matched": matched, "expected_matched": len(playbacks) - len(playbacks) // 4}
        return out
    finally:
        uninstall()
        if tmp is not None:
            tmp.cleanup()


# --------------------------------------------------------------------------- issue 13 item 8

def _fill_mixed(kodi, movies, shows, episodes):
    lib = kodi.library
    for i in range(movies):
        lib.add_movie("Film %d" % i, 1950 + i % 70, {"imdb": "tt%07d" % (1000000 + i), "tmdb": str(10 + i)})
    show_ids = [lib.add_show("Series %d" % i, 1990 + i % 30, {"tvdb": str(300000 + i)}) for i in range(shows)]
    for n in range(episodes):
        lib.add_episode(show_ids[n % shows], 1 + n // shows, 1)
    return show_ids


def on_update(movies=15000, shows=1000, episodes=4000, playbacks=200, rounds=20, root=None):
    """JSON-RPC calls and CPU time the service spends on ONE VideoLibrary.OnUpdate (one movie's
    playcount/resume changed, as Kodi sends after every playback) with a library of
    movies + shows + episodes items and `playbacks` cached playbacks (a resume list to keep in
    step), against a scan (VideoLibrary.OnScanFinished: the index may be rebuilt).

    Measured on ResumeListBuilder itself (on_notification + the worker's _library_work, run
    inline): `rounds` updates of different movies, averaged; CPU = time.process_time of the
    whole process (our code + the fake Kodi answering JSON-RPC in-process), and the part spent
    inside executeJSONRPC (the fake Kodi's side) apart."""
    import tempfile
    from collections import Counter

    from tests.fakekodi import FakeKodi, install, install_modules, uninstall

    install_modules()  # before any simkl_resume.kodi module binds `xbmc`
    from simkl_resume.context import KEY_PLAYBACKS, AddonContext
    from simkl_resume.kodi.library import KodiLibrary
    from simkl_resume.service.resume_list import ResumeListBuilder

    tmp = tempfile.TemporaryDirectory(prefix="bench-onupdate-") if root is None else None
    kodi = install(FakeKodi(root or tmp.name))
    try:
        _fill_mixed(kodi, movies, shows, episodes)
        ctx = AddonContext(kodi.profile_dir, "bench", now=kodi.clock.now)
        ctx.account.sign_in("bench-token", "bench", "vip")
        pbs = []
        for n in range(playbacks):
            if n % 2 == 0:
                i = (n * 37) % movies
                pbs.append(Playback(n + 1, 40.0, "", kodi.clock.now() - n, "movie", "movie", "Film %d" % i,
                                    ids={"imdb": "tt%07d" % (1000000 + i)}).to_dict())
            else:
                s = n % shows
                pbs.append(Playback(n + 1, 40.0, "", kodi.clock.now() - n, "episode", "show", "Series %d" % s,
                                    ids={"tvdb": str(300000 + s)}, season=1 + (n % max(1, episodes // shows)),
                                    number=1).to_dict())
        ctx.cache.set(KEY_PLAYBACKS, pbs)
        call = CountingCall()
        builder = ResumeListBuilder(ctx, library=KodiLibrary(call), log=lambda message: None)
        builder.rebuild()                                   # the warm state: index + list cached

        def one(method, data):
            call.calls.clear()
            call.rpc_seconds = 0.0
            cpu = time.process_time()
            wall = time.perf_counter()
            builder.on_notification("xbmc", method, data)
            builder.tick(kodi.clock.now())
            builder._library_work()
            return (time.process_time() - cpu, time.perf_counter() - wall, call.rpc_seconds,
                    list(call.calls))

        def summary(per):
            methods = Counter(m for p in per for m in p[3])
            n = float(len(per))
            return {"calls": sum(len(p[3]) for p in per) / n,
                    "methods": {k: v / n for k, v in sorted(methods.items())},
                    "cpu_s": sum(p[0] for p in per) / n, "wall_s": sum(p[1] for p in per) / n,
                    "jsonrpc_s": sum(p[2] for p in per) / n}

        listed = sorted({int(e["dbid"]) for e in (ctx.cache.get("resume_list") or {}).get("entries", [])
                         if e.get("mediatype") == "movie" and e.get("dbid")})
        per, per_listed = [], []
        for r in range(rounds):
            movieid = 1 + (r * 7919) % movies          # any movie: usually not in the list
            kodi.library.movies[movieid]["playcount"] = 1
            per.append(one("VideoLibrary.OnUpdate", {"item": {"id": movieid, "type": "movie"},
                                                     "playcount": 1}))
            if listed:                                   # a listed one, as after playing it here
                movieid = listed[r % len(listed)]
                row = kodi.library.movies[movieid]
                row["playcount"], row["lastplayed"] = 1, "2026-01-01 20:%02d:00" % (r % 60)
                per_listed.append(one("VideoLibrary.OnUpdate", {"item": {"id": movieid, "type": "movie"}}))
        scan = one("VideoLibrary.OnScanFinished", None)
        return {
            "items": movies + shows + episodes, "movies": movies, "shows": shows, "episodes": episodes,
            "playbacks": playbacks, "rounds": rounds,
            "update": summary(per),
            "update_listed": summary(per_listed) if per_listed else None,
            "scan": summary([scan]),
        }
    finally:
        uninstall()
        if tmp is not None:
            tmp.cleanup()
