"""Smoke tests of the real-Kodi harness (on each Kodi version): a sandboxed Kodi boots, serves
JSON-RPC, has the offline library, plays at a percentage with a real-time clock, and has our addon and
script.module.requests enabled."""
import os
import re
import signal
import struct
import time
from pathlib import Path

import pytest
import requests as host_requests

from tests.realkodi.harness import (
    ADDON_ID,
    PROBE_ADDON_ID,
    REQUESTS_ADDON_ID,
    TEST_CLIENT_ID,
    probe_duration,
    time_to_seconds,
)

pytestmark = pytest.mark.realkodi

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "build" / "realkodi-screenshots"


def _movie(kodi, title):
    movies = kodi.jsonrpc("VideoLibrary.GetMovies", {"properties": ["uniqueid", "file", "year"]})["movies"]
    return next(m for m in movies if m["label"] == title)


def _moved_past(position, mark):
    return position if position is not None and position > mark else None


def test_kodi_boots_and_answers_jsonrpc_on_its_own_loopback_port(kodi):
    assert kodi.jsonrpc("JSONRPC.Ping") == "pong"
    version = kodi.jsonrpc("JSONRPC.Version")["version"]
    assert version["major"] >= 12
    assert kodi.boot_seconds is not None
    assert kodi.url.startswith("http://127.0.0.1:")


def test_environment_given_to_kodi_reaches_its_python(kodi, standin):
    env = kodi.run_python(
        "import os, sys\n"
        "keys = ('SIMKL_API_URL', 'SIMKL_CLIENT_ID', 'LP_NUM_THREADS', 'PATH')\n"
        "result = {k: os.environ.get(k) for k in keys}\n"
        "result['stdlib'] = os.__file__\n"
    )
    assert env["SIMKL_API_URL"] == standin.url
    assert env["SIMKL_CLIENT_ID"] == TEST_CLIENT_ID
    assert env["LP_NUM_THREADS"] == "0"
    assert env["PATH"].startswith("/usr/bin:")
    assert env["stdlib"].startswith("/usr/lib/python3")


def test_library_lists_the_movie_with_its_nfo_uniqueids(kodi, realkodi_library):
    movie = _movie(kodi, "Inception")
    assert movie["uniqueid"] == {"imdb": "tt1375666", "tmdb": "27205"}
    assert movie["year"] == 2010
    assert movie["file"] == str(realkodi_library.files["movie:Inception"])


def test_library_lists_the_show_and_its_episodes_with_uniqueids(kodi, realkodi_library):
    shows = kodi.jsonrpc("VideoLibrary.GetTVShows", {"properties": ["uniqueid", "year"]})["tvshows"]
    assert [s["label"] for s in shows] == ["Breaking Bad"]
    show = shows[0]
    assert show["uniqueid"] == {"tvdb": "81189", "imdb": "tt0903747", "tmdb": "1429"}
    episodes = kodi.jsonrpc("VideoLibrary.GetEpisodes", {
        "tvshowid": show["tvshowid"], "properties": ["season", "episode", "uniqueid", "file", "title"],
        "sort": {"method": "episode"}})["episodes"]
    assert [(e["season"], e["episode"]) for e in episodes] == [(1, 1), (1, 2), (1, 3)]
    assert [e["uniqueid"] for e in episodes] == [{"tvdb": "349232"}, {"tvdb": "349235"}, {"tvdb": "349236"}]
    assert episodes[0]["title"] == "Pilot"
    assert episodes[1]["file"] == str(realkodi_library.files["episode:Breaking Bad:1:2"])


def test_player_open_with_float_resume_starts_at_40_percent_and_clock_runs_in_real_time(
        kodi, realkodi_library):
    movie = _movie(kodi, "Inception")
    duration = probe_duration(realkodi_library.files["movie:Inception"])
    target = 0.40 * duration
    kodi.jsonrpc("Player.Open", {"item": {"movieid": movie["movieid"]}, "options": {"resume": 40.0}})
    try:
        def playing():
            player = kodi.active_player()
            if player is None:
                return None
            props = kodi.jsonrpc("Player.GetProperties", {
                "playerid": player["playerid"], "properties": ["time", "totaltime", "speed"]})
            return props if props["speed"] == 1 and time_to_seconds(props["time"]) > 1 else None

        first = kodi.wait_for(playing, timeout=30, interval=0.05, what="playback to start")
        start = time_to_seconds(first["time"])
        assert abs(start - target) <= 1.0, "started at %.2f s, wanted %.2f s" % (start, target)
        assert abs(time_to_seconds(first["totaltime"]) - duration) <= 1.0

        # The position holds still until audio and video are up, then runs: measure from there.
        playerid = kodi.active_player()["playerid"]
        pos0 = kodi.wait_for(lambda: _moved_past(kodi.player_seconds(playerid), start + 0.3),
                             timeout=15, interval=0.05, what="the player clock to start")
        wall0 = time.monotonic()
        time.sleep(5.0)
        before = time.monotonic()
        pos1 = kodi.player_seconds(playerid)
        wall1 = (before + time.monotonic()) / 2
        rate = (pos1 - pos0) / (wall1 - wall0)
        assert 0.85 <= rate <= 1.15, "clock ran at %.2fx real time (%.2f -> %.2f s)" % (rate, pos0, pos1)
        kodi.screenshot(SCREENSHOT_DIR / "smoke-playing.png")
    finally:
        player = kodi.active_player()
        if player is not None:
            kodi.jsonrpc("Player.Stop", {"playerid": player["playerid"]})
        kodi.wait_for(lambda: kodi.active_player() is None, timeout=15, what="the player to stop")


def test_our_addon_is_installed_and_enabled_at_boot_without_a_dialog(kodi):
    details = kodi.jsonrpc("Addons.GetAddonDetails", {
        "addonid": ADDON_ID, "properties": ["enabled", "installed", "version", "dependencies"]})["addon"]
    assert details["enabled"] is True
    assert details["installed"] is True
    assert REQUESTS_ADDON_ID in [d["addonid"] for d in details["dependencies"]]
    for other in (REQUESTS_ADDON_ID, PROBE_ADDON_ID):
        assert kodi.jsonrpc("Addons.GetAddonDetails", {
            "addonid": other, "properties": ["enabled"]})["addon"]["enabled"] is True
    dialogs = kodi.jsonrpc("XBMC.GetInfoBooleans", {"booleans": ["Window.IsActive(yesnodialog)"]})
    assert dialogs["Window.IsActive(yesnodialog)"] is False


def test_script_module_requests_imports_inside_kodi_from_the_module_addon(kodi):
    # The host's Kodi gets the test Python's requests; a root's Kodi its Debian python3-requests
    # (the host's needs a newer Python than Kodi 19.1's 3.9), with chardet before 2.26.
    addon_xml = (kodi.addons_dir / REQUESTS_ADDON_ID / "addon.xml").read_text()
    wanted = host_requests.__version__ if kodi.kodi_root.is_host else re.search(
        r'<addon\b[^>]*\bversion="([^"]+)"', addon_xml).group(1)
    result = kodi.run_python(
        "import requests, urllib3, idna, certifi\n"
        "try:\n    import charset_normalizer\nexcept ImportError:\n    import chardet\n"
        "result = {'version': requests.__version__, 'file': requests.__file__}\n"
    )
    assert result["version"] == wanted
    assert "/addons/%s/lib/requests/" % REQUESTS_ADDON_ID in result["file"]
    assert "realkodi-probe:" in kodi.log_text()
    assert '"version": "%s"' % wanted in kodi.log_text()


def test_run_python_reports_an_exception_raised_inside_kodi(kodi):
    from tests.realkodi.harness import KodiError

    with pytest.raises(KodiError, match="ZeroDivisionError"):
        kodi.run_python("result = 1 / 0\n")


def test_screenshot_saves_the_real_screen_as_png(kodi):
    path = kodi.screenshot(SCREENSHOT_DIR / "smoke-home.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 720)
    # Estuary's home screen is not a blank frame: the PNG of a uniform screen is tiny.
    assert len(data) > 20000


def test_two_instances_run_side_by_side_with_separate_homes_ports_and_displays(kodi, kodi_factory):
    other = kodi_factory("B")
    assert other.port != kodi.port and other.display != kodi.display and other.home != kodi.home
    assert other.jsonrpc("JSONRPC.Ping") == "pong" and kodi.jsonrpc("JSONRPC.Ping") == "pong"
    # A's state does not leak into B: a resume point set on A stays on A.
    movie_a = _movie(kodi, "Inception")
    kodi.jsonrpc("VideoLibrary.SetMovieDetails", {"movieid": movie_a["movieid"],
                                                   "resume": {"position": 77.0, "total": 300.0}})
    try:
        def resume_of(inst):
            m = _movie(inst, "Inception")
            return inst.jsonrpc("VideoLibrary.GetMovieDetails", {
                "movieid": m["movieid"], "properties": ["resume"]})["moviedetails"]["resume"]["position"]

        assert resume_of(kodi) == 77
        assert resume_of(other) == 0
    finally:
        kodi.jsonrpc("VideoLibrary.SetMovieDetails",
                     {"movieid": movie_a["movieid"], "resume": {"position": 0}})


def test_jsonrpc_notifyall_reaches_a_notification_listener(kodi):
    with kodi.listen() as events:
        kodi.jsonrpc("JSONRPC.NotifyAll", {"sender": "realkodi", "message": "ping", "data": {"n": 7}})
        note = events.wait_for("Other.ping", timeout=10)
    assert note["params"]["sender"] == "realkodi"
    assert note["params"]["data"] == {"n": 7}


def test_killed_kodi_restarts_on_the_same_home_with_library_settings_and_addon_enabled(kodi_factory):
    other = kodi_factory("C", addon_settings={"poll_interval": "7", "push_enabled": "false"})
    read_settings = (
        "import xbmcaddon\n"
        "addon = xbmcaddon.Addon('%s')\n"
        "result = [addon.getSetting('poll_interval'), addon.getSettingBool('push_enabled')]\n" % ADDON_ID
    )
    assert other.run_python(read_settings) == ["7", False]
    other.kill()
    assert not other.is_running()
    other.restart()
    assert other.jsonrpc("Addons.GetAddonDetails", {
        "addonid": ADDON_ID, "properties": ["enabled"]})["addon"]["enabled"] is True
    assert [m["label"] for m in other.jsonrpc("VideoLibrary.GetMovies")["movies"]] == ["Inception"]
    assert other.run_python(read_settings) == ["7", False]
    assert (other.kodi_home / "temp" / "kodi.old.log").exists()


def test_a_kodi_that_dies_of_a_signal_is_recorded_as_a_crash_with_its_version_and_signal(kodi_factory):
    """What the matrix reports instead of retrying (19.1 crashed in 2 of 14 starts seen): the PID
    the harness holds is kodi.bin's own, also in a root, so its signal shows."""
    other = kodi_factory("D")
    os.kill(other._kodi.pid, signal.SIGSEGV)
    other.wait_for(lambda: not other.is_running(), timeout=30, what="Kodi to die")
    assert other.crashes == ["Kodi %s [D] exited by itself while running: SIGSEGV (-11)" % other.kodi_version]
    other.crashes.clear()  # this one was ours: not one to report in the summary
