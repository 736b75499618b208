"""Section 4 of the bench: the addon in a real Kodi (tools/realkodi) against the Simkl stand-in.

    figures = run(say=print)            # {"skipped": reason} when no real Kodi is installed
    python -m tools.bench.realkodi      # this part alone, figures printed as JSON

One sandboxed Kodi ("B", signed in by writing account.json as /login does, push off so that
only the scripted other device moves Simkl's playback) and one stand-in. "A" is that other
device: it POSTs /scrobble/pause for the library movie, exactly what A's push sends.

1. Hand-off with the on-open check, `repeats` times: A's pause is answered by Simkl (t0), then
   B's plugin root is listed right away and again every 0.1 s (Files.GetDirectory, as a remote or
   a skin widget does; each run of the root sends the menu's check) until it shows the movie at
   the new percentage (t1). Hand-off = t1 - t0. Repeats are 10.5 s apart: the on-open check runs
   outside the previous on-open window (one check per 2 s; a later open is postponed to its end).
2. The poll alone: the poll does what the check does (activities, playbacks, resume list), only
   on a timer (poll_interval, minimum 5 min). Its fetch latency = from the check's
   /sync/activities reaching Simkl to the list showing the entry (measured in 1.); the hand-off
   by the poll alone is then interval/2 + fetch on average, interval + fetch at worst.
3. Start-position error: after each hand-off B opens the entry (Player.Open on its plugin URL);
   the position read at Player.OnAVStart minus Simkl's progress x the clip's real (ffprobe)
   duration.
4. Idle CPU: Kodi's process-group CPU time from /proc over `idle_seconds` on the home screen
   with the addon enabled, then the same Kodi after Addons.SetAddonEnabled(false), each in
   10 s slices (the spread of the slices is the noise).
"""
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _p in (os.path.join(REPO, "lib"), REPO):
    if _p not in sys.path:
        sys.path.insert(0, _p)

CLIENT_ID = "bench-realkodi-client-id"
TOKEN = "bench-realkodi-token"
MOVIE_IDS = {"imdb": "tt1375666", "tmdb": 27205}
CATALOG = [{"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
            "ids": {"simkl": 67890, "slug": "inception", "imdb": "tt1375666", "tmdb": 27205}}]
SETTINGS = {"push_enabled": "false"}
PROGRESSES = (31.0, 37.0, 43.0, 49.0, 55.0, 61.0, 67.0)
CHECK_GAP = 10.5          # each hand-off starts well outside the 2 s on-open window
LIST_POLL = 0.1           # seconds between two listings of B's plugin root
LIST_TIMEOUT = 30.0
SLICE = 10.0              # idle CPU slice (seconds)
POLL_INTERVALS_MIN = (5, 15)  # settings: minimum and default poll_interval


def _median(values):
    return statistics.median(values) if values else None


def _listed(entries, root, progress):
    want = "%d%% watched" % round(progress)
    for e in entries:
        if ("Inception" in (e.get("label") or "") and want in (e.get("plot") or "")
                and (e.get("file") or "").startswith(root + "play")):
            return e
    return None


def _last_check_time(standin):
    times = [r["time"] for r in standin.requests(path="/sync/activities")]
    return max(times) if times else None


def _wait_check_gap(standin):
    last = _last_check_time(standin)
    if last is not None:
        left = last + CHECK_GAP - time.time()
        if left > 0:
            time.sleep(left)


def _handoff_once(kodi, standin, root, progress):
    """A's pause reaches Simkl -> B's root lists it. Returns the figures of one run."""
    from tools.realkodi import steps

    pause = {"progress": progress, "movie": {"ids": MOVIE_IDS}}
    status = steps.as_other_device(standin, "POST", "/scrobble/pause", pause, TOKEN, CLIENT_ID)
    t0 = time.time()
    if status != 201:
        raise RuntimeError("the stand-in refused the pause: %s" % status)
    listings = 0
    entry = None
    while entry is None:
        entries = steps.open_root(kodi, root)
        listings += 1
        t1 = time.time()
        entry = _listed(entries, root, progress)
        if entry is None:
            if t1 - t0 > LIST_TIMEOUT:
                raise RuntimeError("B did not list Inception at %.0f %% within %.0f s; it lists %r" % (
                    progress, LIST_TIMEOUT, [(e.get("label"), e.get("plot")) for e in entries]))
            time.sleep(LIST_POLL)
    acts = [r["time"] for r in standin.requests(path="/sync/activities") if r["time"] >= t0]
    fetches = [r["time"] for r in standin.requests(path="/sync/playback") if r["time"] >= t0]
    return {"progress": progress, "handoff_s": t1 - t0, "listings": listings,
            "check_sent_s": (acts[0] - t0) if acts else None,
            "fetch_s": (t1 - acts[0]) if acts else None,
            "playback_fetches": len(fetches), "entry": entry}


def _start_error(kodi, entry, progress, duration):
    """Open the entry; (start position at Player.OnAVStart, target, error) in seconds."""
    from tools.realkodi import steps, time_to_seconds

    playerid = steps.open_item(kodi, {"file": entry["file"]})
    props = kodi.jsonrpc("Player.GetProperties", {"playerid": playerid, "properties": ["time"]})
    start = time_to_seconds(props["time"])
    steps.stop_player(kodi)
    target = duration * progress / 100.0
    return {"start_s": start, "target_s": target, "error_s": start - target}


def _idle_slices(kodi, seconds):
    """CPU seconds of Kodi's process group per SLICE over `seconds`, and the wall time."""
    out = []
    n = max(1, int(round(seconds / SLICE)))
    for _ in range(n):
        c0, w0 = kodi.cpu_seconds(), time.monotonic()
        time.sleep(SLICE)
        c1, w1 = kodi.cpu_seconds(), time.monotonic()
        out.append({"cpu_s": c1 - c0, "wall_s": w1 - w0})
    return out


def _idle_summary(slices):
    shares = [100.0 * s["cpu_s"] / s["wall_s"] for s in slices]
    cpu = sum(s["cpu_s"] for s in slices)
    wall = sum(s["wall_s"] for s in slices)
    return {"slices_pct": shares, "cpu_s": cpu, "wall_s": wall, "share_pct": 100.0 * cpu / wall,
            "slice_stdev_pct": statistics.stdev(shares) if len(shares) > 1 else 0.0}


def run(repeats=5, idle_seconds=60.0, say=print):
    from tools.realkodi import ADDON_ID, KodiInstance, build_library, kodi_available, probe_duration, steps
    from tools.simkl_standin import StandIn

    if not kodi_available():
        return {"skipped": "no real Kodi installed (make deps: apt-get install kodi xvfb pulseaudio)"}
    t_start = time.perf_counter()
    root = "plugin://%s/" % ADDON_ID
    figures = {"loadavg_at_start": "%.2f %.2f %.2f" % os.getloadavg(), "repeats": repeats,
               "idle_seconds": idle_seconds, "slice_s": SLICE}
    library = build_library()
    duration = probe_duration(library.files["movie:Inception"])
    figures["duration_s"] = duration
    standin = StandIn()
    standin.start()
    kodi = None
    try:
        steps.seed_account(standin, CATALOG, TOKEN, name="bench")
        kodi = KodiInstance("bench", env={"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": CLIENT_ID},
                            library=library, addon_settings=SETTINGS)
        kodi.start()
        figures["boot_s"], figures["scan_s"] = kodi.boot_seconds, kodi.scan_seconds
        steps.sign_in(kodi, TOKEN, name="bench")
        # A first check so that B's service has built its (empty) list and the start-up poll is done.
        kodi.wait_for(lambda: steps.open_root(kodi, root) and _last_check_time(standin), timeout=30,
                      interval=1.0, what="B's first check")

        say("    hand-off with the on-open check and start position: %d runs" % repeats)
        runs = []
        for i in range(repeats):
            _wait_check_gap(standin)
            one = _handoff_once(kodi, standin, root, PROGRESSES[i % len(PROGRESSES)])
            held = [p for p in standin.state()["playbacks"] if p.get("type") == "movie"]
            one.update(_start_error(kodi, one.pop("entry"), float(held[0]["progress"]), duration))
            runs.append(one)
        figures["runs"] = runs
        handoffs = [r["handoff_s"] for r in runs]
        fetches = [r["fetch_s"] for r in runs if r["fetch_s"] is not None]
        errors = [r["error_s"] for r in runs]
        figures["handoff"] = {"median_s": _median(handoffs), "min_s": min(handoffs), "max_s": max(handoffs)}
        figures["fetch"] = {"median_s": _median(fetches), "max_s": max(fetches) if fetches else None}
        figures["poll"] = [{"interval_min": m, "average_s": m * 30.0 + figures["fetch"]["median_s"],
                            "worst_s": m * 60.0 + figures["fetch"]["median_s"]} for m in POLL_INTERVALS_MIN]
        figures["start_error"] = {"median_abs_s": _median([abs(e) for e in errors]),
                                  "max_abs_s": max(abs(e) for e in errors)}

        say("    idle CPU: %.0f s with the addon enabled, %.0f s disabled" % (idle_seconds, idle_seconds))
        kodi.jsonrpc("GUI.ActivateWindow", {"window": "home"})
        time.sleep(3.0)
        t_idle = time.time()
        enabled = _idle_slices(kodi, idle_seconds)
        syncs = [r for r in standin.requests(path="/sync/") if r["time"] >= t_idle]
        figures["syncs_during_idle"] = len(syncs)
        kodi.jsonrpc("Addons.SetAddonEnabled", {"addonid": ADDON_ID, "enabled": False})
        kodi.wait_for(lambda: not kodi.jsonrpc("Addons.GetAddonDetails", {
            "addonid": ADDON_ID, "properties": ["enabled"]})["addon"]["enabled"], timeout=10,
            what="the addon to be disabled")
        time.sleep(3.0)
        disabled = _idle_slices(kodi, idle_seconds)
        on, off = _idle_summary(enabled), _idle_summary(disabled)
        # standard error of the difference of the two means (slices as samples)
        noise = (on["slice_stdev_pct"] ** 2 / len(enabled)
                 + off["slice_stdev_pct"] ** 2 / len(disabled)) ** 0.5
        figures["idle"] = {"enabled": on, "disabled": off,
                           "difference_pct": on["share_pct"] - off["share_pct"],
                           "ratio": on["share_pct"] / off["share_pct"] if off["share_pct"] else None,
                           "noise_pct": noise}
    finally:
        if kodi is not None:
            kodi.stop()
        standin.stop()
    figures["total_seconds"] = time.perf_counter() - t_start
    return figures


if __name__ == "__main__":
    print(json.dumps(run(say=lambda m: print(m, file=sys.stderr)), indent=1, default=str))
