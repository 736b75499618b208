"""Issue 13 on real Kodi: never a dropped check, and this Kodi's own stop is its own.

One Kodi (the module's `kodi`, signed in by writing account.json as /login would), one
stand-in; "another device" is this test talking to the stand-in with the same account.

1. The deleted-playback case: a playback another device paused is mirrored into B's own resume
   point; then B's list is opened twice within 2 s with the playback deleted on Simkl in
   between. The second open falls inside the on-open throttle window: it must be postponed
   (trailing), not dropped, so B's resume point is cleared within 5 s of the second open (the
   periodic poll is 15 min away).
2. A local stop at 40 % on this Kodi, then "play from beginning" on the same Kodi: the playback
   Simkl holds is this Kodi's own, so no "Resume at ... (paused on another device)?" prompt.
3. The list opened while our service is not listening (Kodi starting: the home screen's
   widgets run the plugin before or while services start; here: the addon disabled, which
   stops its service): JSONRPC.NotifyAll reaches no monitor, but the check the plugin asked for
   is made as soon as the service starts, not at its first poll (a random 0-60 s later).
"""
import json
import time

import pytest

from tests.realkodi.harness import ADDON_ID, TEST_CLIENT_ID, steps, time_to_seconds

pytestmark = pytest.mark.realkodi

TOKEN = "household-account-token"
MOVIE_IDS = {"imdb": "tt1375666", "tmdb": 27205}
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "slug": "inception", "imdb": "tt1375666", "tmdb": 27205}},
]
LIST_TIMEOUT = 60.0     # generous: a shared machine
CLEAR_WITHIN = 5.0      # issue 13: cleared within 5 s of the second open
OPEN_WINDOW = 2.0       # issue 13: the two opens fall within 2 s
PROMPT_WATCH = 12.0     # the prompt decides ~1 s after onAVStarted; watch well past that
CHECKED_AT_START = 15.0  # s from enabling the addon to the mirrored position (the poll: 0-60 s)


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def signed_in(kodi, standin):
    steps.seed_account(standin, CATALOG, TOKEN)
    steps.sign_in(kodi, TOKEN)
    # our clips are 300 s: shorter than push's default "skip shorter than 5 min"
    kodi.run_python("import xbmcaddon\nxbmcaddon.Addon(%r).setSetting('skip_shorter_than', '0')\n"
                    "result = True\n" % ADDON_ID)
    steps.show_debug_log(kodi)
    steps.browse_movies(kodi)  # it knows the movie's real length (19.1 may not, unbrowsed)
    return kodi


# ----------------------------------------------------------------------------- helpers

def _simkl(standin, method, path, body=None):
    """Another device talking to Simkl (the stand-in) with the shared account."""
    return steps.as_other_device(standin, method, path, body, token=TOKEN, client_id=TEST_CLIENT_ID)


def _activities_since(standin, since):
    return [r for r in standin.requests(path="/sync/activities") if r["time"] >= since]


def _movie_playbacks(standin):
    return [p for p in standin.state()["playbacks"] if p.get("type") == "movie"]


# ----------------------------------------------------------------------------- the cases

def test_playback_deleted_between_two_opens_within_2s_clears_bs_resume_point_within_5s(signed_in, standin):
    b = signed_in
    movieid = steps.movie_id(b)
    assert steps.resume_point(b, movieid)["position"] == 0, "the movie already has a resume point"
    assert _simkl(standin, "POST", "/scrobble/pause", {"progress": 40, "movie": {"ids": MOVIE_IDS}}) == 201
    [held] = _movie_playbacks(standin)

    deadline = time.monotonic() + LIST_TIMEOUT
    while steps.resume_point(b, movieid)["position"] <= 0:
        assert time.monotonic() < deadline, "B never mirrored the playback into its resume point"
        steps.open_root(b)
        time.sleep(1.0)
    time.sleep(OPEN_WINDOW + 0.5)   # the first open below starts a fresh throttle window

    first = time.time()
    steps.open_root(b)                                     # open 1: its check runs at once
    b.wait_for(lambda: _activities_since(standin, first - 0.05), timeout=OPEN_WINDOW / 2, interval=0.02,
               what="open 1's activities check")
    assert _simkl(standin, "DELETE", "/sync/playback/%d" % int(held["id"])) == 204
    assert _movie_playbacks(standin) == []
    second = time.time()
    steps.open_root(b)                                     # open 2: inside the window
    assert second - first < OPEN_WINDOW, "the two opens were %.2f s apart" % (second - first)

    while steps.resume_point(b, movieid)["position"] != 0:
        waited = time.time() - second
        if waited > CLEAR_WITHIN:
            checks = [(round(r["time"] - first, 2), r["path"]) for r in standin.requests(path="/sync/")
                      if r["time"] >= first - 0.05]
            raise AssertionError("B's resume point %r still there %.1f s after the second open; B's "
                                 "Simkl requests since the first open (s, path): %r"
                                 % (steps.resume_point(b, movieid), waited, checks))
        time.sleep(0.1)
    cleared_after = time.time() - second
    checks = _activities_since(standin, first - 0.05)
    assert len(checks) == 2, "one check per open window, the second trailing: %r" % checks
    assert checks[1]["time"] - checks[0]["time"] >= OPEN_WINDOW - 0.2
    print("resume point cleared %.2f s after the second open (trailing check %.2f s after the first)"
          % (cleared_after, checks[1]["time"] - checks[0]["time"]))

    def written():
        return json.loads((b.addon_data() / "mirror.json").read_text(encoding="utf-8"))["written"]

    # the pass stores its provenance once all its writes are done: a moment after the clear
    b.wait_for(lambda: written() == {}, timeout=10, interval=0.1, what="mirror.json to forget the point")


def test_local_stop_at_40_percent_then_play_from_beginning_gives_no_prompt(signed_in, standin):
    a = signed_in
    movieid = steps.movie_id(a)
    playerid = steps.open_item(a, {"movieid": movieid})
    total = time_to_seconds(a.jsonrpc("Player.GetProperties", {"playerid": playerid,
                                                               "properties": ["totaltime"]})["totaltime"])
    a.jsonrpc("Player.Seek", {"playerid": playerid, "value": {"percentage": 40.0}})
    a.wait_for(lambda: abs(a.player_seconds(playerid) - 0.4 * total) < 1.0, timeout=15, interval=0.05,
               what="the seek to 40 %")
    time.sleep(2.0)     # the push half samples the position every second
    steps.stop_player(a)     # a local stop at ~40 %: Kodi keeps its own resume point, push sends the stop

    held = a.wait_for(lambda: [p for p in _movie_playbacks(standin) if 38 <= float(p["progress"]) <= 43],
                      timeout=30, interval=0.5, what="Simkl to hold this Kodi's stop")[0]
    local = steps.resume_point(a, movieid)
    assert abs(local["position"] - 0.4 * total) < 5, "Kodi's own resume point: %r" % (local,)

    def listed_as_own():
        for entry in steps.open_root(a):
            label, plot = entry.get("label") or "", entry.get("plot") or ""
            if "Inception" in label and "paused on this Kodi" in plot:
                return entry
        time.sleep(1.0)
        return None

    a.wait_for(listed_as_own, timeout=LIST_TIMEOUT, interval=0.5,
               what="the list to show Inception as paused on this Kodi (playback %r)" % (held,))

    log_before = len(a.log_text())
    steps.open_item(a, {"movieid": movieid})     # "Play from beginning": Player.Open {movieid} starts at 0
    try:
        end = time.monotonic() + PROMPT_WATCH
        while time.monotonic() < end:
            assert not steps.info_bool(a, "Window.IsActive(yesnodialog)"), "a resume prompt was shown"
            time.sleep(0.2)
        new_log = a.log_text()[log_before:]
        assert "prompt: offering" not in new_log
        assert a.player_seconds() is not None and a.player_seconds() < 0.4 * total - 30, \
            "playback did not stay at the beginning"
    finally:
        steps.stop_player(a)


def test_list_opened_while_the_service_is_not_running_is_checked_when_it_starts(signed_in, standin):
    kodi = signed_in
    movieid = steps.movie_id(kodi)
    total = steps.resume_point(kodi, movieid)["total"] or 300.0
    # The previous test's stop handled first (the checkpoint goes with the session): a service
    # stopped before it would leave a power-cut recovery pause for the start below.
    kodi.wait_for(lambda: not (kodi.addon_data() / "playing.json").exists(),
                  timeout=30, interval=0.2,
                  what="the service to handle the last stop")
    stopped = steps.service_log_count(kodi, "service stopped")
    kodi.jsonrpc("Addons.SetAddonEnabled", {"addonid": ADDON_ID, "enabled": False})
    kodi.wait_for(lambda: steps.service_log_count(kodi, "service stopped") > stopped,
                  timeout=30, interval=0.2,
                  what="our service to stop with the addon disabled")
    assert _simkl(standin, "POST", "/scrobble/pause", {"progress": 70, "movie": {"ids": MOVIE_IDS}}) == 201
    # What the plugin's root does first (plugin/menu.show_root), while no service listens.
    asked = kodi.run_python(
        "import sys, xbmcvfs\n"
        "sys.path.insert(0, xbmcvfs.translatePath('special://home/addons/%s/lib'))\n"
        "from simkl_resume.kodi.jsonrpc import ask_service_to_check\n"
        "result = ask_service_to_check({'source': 'menu'})\n" % ADDON_ID)
    assert asked is True
    started = steps.service_log_count(kodi, "service started")
    enabled_at = time.time()
    kodi.jsonrpc("Addons.SetAddonEnabled", {"addonid": ADDON_ID, "enabled": True})
    kodi.wait_for(lambda: steps.service_log_count(kodi, "service started") > started,
                  timeout=30, interval=0.2,
                  what="our service to start again")

    def mirrored():
        return abs(steps.resume_point(kodi, movieid)["position"] - 0.7 * total) < 2.0

    try:
        kodi.wait_for(mirrored, timeout=CHECKED_AT_START, interval=0.2,
                      what="the other device's 70 % in this Kodi's resume point")
    except Exception:
        checks = [(round(r["time"] - enabled_at, 2), r["path"]) for r in standin.requests(path="/sync/")
                  if r["time"] >= enabled_at]
        raise AssertionError("not checked at start: resume point %r; Simkl requests since the enable "
                             "(s, path): %r" % (steps.resume_point(kodi, movieid), checks)) from None
    print("checked at start: resume point at 70 %% %.2f s after the enable" % (time.time() - enabled_at))
    label = "Window(Home).Property(%s.check_asked)" % ADDON_ID
    note = kodi.jsonrpc("XBMC.GetInfoLabels", {"labels": [label]})
    assert note == {label: ""}, "the service left the plugin's note: %r" % (note,)
