"""Issue 16 on real Kodi: positions for what other addons play.

Two Kodis on one Simkl account (the stand-in), both with the test-only plugin
tests/testplugin/plugin.video.simkl.testplayer, which plays a local clip (outside the library)
the way other addons do. A (push on) pauses each case at 40 % and stops:
  (a) uniqueids on the ListItem            -> the stand-in holds the movie with those ids;
  (b) only Window(10000) script.trakt.ids  -> the movie named there;
  (c) an episode: its own uniqueids + the show's ids in script.trakt.ids -> the SHOW's ids with
      season/episode, the episode's own ids never sent;
  (d) script.trakt.exclude                 -> nothing sent at all;
  (e) only TMDbHelper.PlayerInfoString     -> the show's ids with season/episode;
  (a) again: Kodi 20.1 then reports the plugin URL as type "unknown" -> still the movie's ids.
B (push off, prompt on) then starts (a) from the test plugin: its prompt offers A's position,
Yes is clicked, and B lands within 1 s of 40 % of the clip's real duration.
Both Kodis are signed in by writing account.json, as /login would (test_mirror does the same).
"""
import json
import shutil
import time
from urllib.parse import urlencode

import pytest

from tests.realkodi.harness import probe_duration, steps, time_to_seconds
from tools.realkodi.addons import TEST_PLAYER_DIR, TEST_PLAYER_ID

pytestmark = pytest.mark.realkodi

TOKEN = "other-addons-account-token"
PLUGIN_URL = "plugin://%s/" % TEST_PLAYER_ID
MATRIX = {"imdb": "tt0133093", "tmdb": 603}
INTERSTELLAR = {"imdb": "tt0816692", "tmdb": 157336, "slug": "interstellar"}
GOT = {"tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399, "slug": "game-of-thrones"}
CATALOG = [
    {"type": "movie", "title": "The Matrix", "year": 1999, "runtime": 136, "ids": dict(MATRIX, simkl=1)},
    {"type": "movie", "title": "Interstellar", "year": 2014, "runtime": 169,
     "ids": dict(INTERSTELLAR, simkl=2)},
    {"type": "movie", "title": "Jumanji", "year": 1995, "runtime": 104,
     "ids": {"imdb": "tt0113497", "tmdb": 8844, "simkl": 3}},
    {"type": "show", "title": "Game of Thrones", "year": 2011, "runtime": 55, "ids": dict(GOT, simkl=4),
     "episodes": [{"season": 1, "number": 3, "title": "Lord Snow"},
                  {"season": 2, "number": 1, "title": "The North Remembers"}]},
]
A_SETTINGS = {"skip_shorter_than": "0", "prompt_on_play": "false", "mirror_resume": "false"}
B_SETTINGS = {"push_enabled": "false", "prompt_on_play": "true", "mirror_resume": "false"}
PUSH_TIMEOUT = 40.0     # pause + stop, paced at 1 POST/s, on a shared machine
LIST_TIMEOUT = 60.0
TOLERANCE = 1.0         # issue 16: B lands at 40 % +- 1 s


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def account(standin):
    return steps.seed_account(standin, CATALOG, TOKEN)


@pytest.fixture(scope="module")
def clip(realkodi_library):
    """A clip OUTSIDE the library's source folders (a copy of a library clip): what an addon plays."""
    target = realkodi_library.root / "plugin-clips" / "clip.mkv"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(str(realkodi_library.files["movie:Inception"]), str(target))
    return target


@pytest.fixture(scope="module")
def pair(kodi_env, realkodi_library, account):
    from tests.realkodi import conftest as rk

    def signed_in(kodi):
        steps.sign_in(kodi, account)
        steps.show_debug_log(kodi)

    named = [(name, {"addon_settings": settings, "extra_addons": [TEST_PLAYER_DIR]})
             for name, settings in (("A", A_SETTINGS), ("B", B_SETTINGS))]
    with rk._started(kodi_env, realkodi_library, *named, ready=signed_in) as (a, b):
        yield a, b


# ----------------------------------------------------------------------------- helpers

def _url(case, clip):
    return PLUGIN_URL + "?" + urlencode({"case": case, "file": str(clip)})


def _props(kodi):
    player = kodi.active_player()
    if player is None:
        return None
    props = kodi.jsonrpc("Player.GetProperties", {"playerid": player["playerid"],
                                                  "properties": ["time", "totaltime", "speed"]})
    props["playerid"] = player["playerid"]
    return props


def _play(kodi, case, clip):
    """Player.Open of the test plugin's URL; waits for Player.OnAVStart and a running clock."""
    with kodi.listen() as events:
        kodi.jsonrpc("Player.Open", {"item": {"file": _url(case, clip)}})
        events.wait_for("Player.OnAVStart", timeout=30)

    def running():
        props = _props(kodi)
        return props if props and props["speed"] == 1 and time_to_seconds(props["time"]) > 0.5 else None

    return kodi.wait_for(running, timeout=30, interval=0.05, what="%s to play" % case)


def _pause_at_40_and_stop(kodi, case, clip):
    props = _play(kodi, case, clip)
    playerid, total = props["playerid"], time_to_seconds(props["totaltime"])
    kodi.jsonrpc("Player.Seek", {"playerid": playerid, "value": {"percentage": 40.0}})
    kodi.wait_for(lambda: abs(kodi.player_seconds(playerid) - 0.4 * total) < 0.6, timeout=15, interval=0.05,
                  what="%s to seek to 40 %%" % case)
    kodi.jsonrpc("Player.PlayPause", {"playerid": playerid, "play": False})
    kodi.wait_for(lambda: _props(kodi)["speed"] == 0, timeout=10, what="the pause")
    paused = kodi.player_seconds(playerid)
    time.sleep(1.0)  # onPlayBackPaused -> outbox, then the stop
    steps.stop_player(kodi)
    kodi.jsonrpc("Files.GetDirectory", {"directory": PLUGIN_URL + "clear"})  # the addon cleans up
    return 100.0 * paused / total


def _held(standin, kind, match, progress, what):
    """The stand-in's playback of the item once A's stop for it arrived too (so the next step
    starts with nothing of this one still on its way)."""
    deadline = time.monotonic() + PUSH_TIMEOUT
    while True:
        stopped = [r for r in standin.requests(path="/scrobble/stop") if r["status"] == 201
                   and kind in (r.get("body") or {}) and match(r["body"])]
        for p in standin.state()["playbacks"] if stopped else []:
            if p.get("type") == kind and match(p) and abs(float(p["progress"]) - progress) <= 1.0:
                return p
        if time.monotonic() > deadline:
            sent = [(r["path"], r["status"], r.get("body")) for r in standin.requests(path="/scrobble/")]
            raise AssertionError("%s: no %s playback at %.1f %% after %.0f s; scrobbles: %r"
                                 % (what, kind, progress, PUSH_TIMEOUT, sent[-8:]))
        time.sleep(0.5)


def _scrobble_bodies(standin):
    return [r.get("body") or {} for r in standin.requests(path="/scrobble/")]


def _same_ids(sent, want):
    return {k: str(v) for k, v in (sent or {}).items()} == {k: str(v) for k, v in want.items()}


# ----------------------------------------------------------------------------- the steps

def test_a_uniqueids_on_the_listitem_reach_simkl_with_the_movies_ids(pair, standin, clip):
    a, _ = pair
    progress = _pause_at_40_and_stop(a, "uniqueids", clip)
    assert abs(progress - 40.0) <= 1.0
    held = _held(standin, "movie", lambda p: p["movie"]["ids"].get("imdb") == MATRIX["imdb"], progress,
                 "(a) uniqueids")
    assert str(held["movie"]["ids"].get("tmdb")) == "603"
    bodies = [b for b in _scrobble_bodies(standin) if "movie" in b]
    assert bodies and all(_same_ids(b["movie"]["ids"], MATRIX) for b in bodies), bodies


def test_b_only_script_trakt_ids_reaches_simkl_as_that_movie(pair, standin, clip):
    a, _ = pair
    standin.clear_requests()
    progress = _pause_at_40_and_stop(a, "trakt_ids", clip)
    _held(standin, "movie", lambda p: p["movie"]["ids"].get("imdb") == INTERSTELLAR["imdb"], progress,
          "(b) script.trakt.ids")
    bodies = _scrobble_bodies(standin)
    assert bodies and all(_same_ids(b["movie"]["ids"], INTERSTELLAR) for b in bodies), bodies


def test_c_episode_reaches_simkl_with_its_shows_ids_and_numbers_never_its_own_ids(pair, standin, clip):
    a, _ = pair
    standin.clear_requests()
    progress = _pause_at_40_and_stop(a, "episode", clip)

    def s01e03(p):
        return (str(p["show"]["ids"].get("tvdb")) == "121361" and p["episode"].get("season") == 1
                and (p["episode"].get("number") or p["episode"].get("episode")) == 3)

    _held(standin, "episode", s01e03, progress, "(c) episode")
    bodies = _scrobble_bodies(standin)
    assert bodies and all(_same_ids(b["show"]["ids"], GOT) and b["episode"] == {"season": 1, "number": 3}
                          for b in bodies), bodies
    assert "3436461" not in json.dumps(bodies) and "tt1480055" not in json.dumps(bodies)


def test_d_script_trakt_exclude_sends_nothing(pair, standin, clip):
    a, _ = pair
    standin.clear_requests()
    _pause_at_40_and_stop(a, "exclude", clip)
    a.wait_for(lambda: "script.trakt.exclude" in a.log_text(), timeout=20,
               what="A's service to log that it excluded the item")
    time.sleep(3.0)  # what would have been sent (pause + stop, 1 POST/s) has had its time
    assert _scrobble_bodies(standin) == []
    assert not [p for p in standin.state()["playbacks"] if p.get("type") == "movie"
                and p["movie"]["ids"].get("imdb") == "tt0113497"]


def test_e_tmdbhelper_player_info_string_reaches_simkl_as_the_episode(pair, standin, clip):
    a, _ = pair
    standin.clear_requests()
    progress = _pause_at_40_and_stop(a, "tmdbhelper", clip)

    def s02e01(p):
        return (str(p["show"]["ids"].get("tmdb")) == "1399" and p["episode"].get("season") == 2
                and (p["episode"].get("number") or p["episode"].get("episode")) == 1)

    _held(standin, "episode", s02e01, progress, "(e) TMDbHelper.PlayerInfoString")


def test_a_played_again_is_still_identified_though_player_getitem_then_says_unknown(pair, standin, clip):
    """[live, 19.1 and 20.1] the same plugin URL played again: Player.GetItem has no type, ids
    or title; the player's info tag still has them (on 19 only the default id, getIMDBNumber)."""
    a, _ = pair
    standin.clear_requests()
    props = _play(a, "uniqueids", clip)
    try:
        item = a.jsonrpc("Player.GetItem", {"playerid": props["playerid"],
                                            "properties": ["uniqueid"]})["item"]
        assert item["type"] == "unknown" and not item.get("uniqueid"), item
    finally:
        steps.stop_player(a)
    progress = _pause_at_40_and_stop(a, "uniqueids", clip)
    _held(standin, "movie", lambda p: p["movie"]["ids"].get("imdb") == MATRIX["imdb"], progress,
          "(a) played again")
    bodies = _scrobble_bodies(standin)
    # Kodi 19's tag has no getUniqueID: only the default uniqueid (imdb) is left on a replay
    assert bodies and all(b["movie"]["ids"].get("imdb") == MATRIX["imdb"]
                          and _same_ids(b["movie"]["ids"], {k: MATRIX[k] for k in b["movie"]["ids"]})
                          for b in bodies), bodies


def test_b_starting_a_is_offered_as_position_and_yes_lands_within_a_second_of_40_percent(
        pair, standin, clip):
    _, b = pair
    held = [p for p in standin.state()["playbacks"]
            if p.get("type") == "movie" and p["movie"]["ids"].get("imdb") == MATRIX["imdb"]]
    assert len(held) == 1, held
    target = float(held[0]["progress"]) / 100.0 * probe_duration(clip)

    def listed():  # the menu's on-open check brings A's playbacks into B's resume list
        return any("The Matrix" in (f.get("label") or "") for f in steps.open_root(b))

    b.wait_for(listed, timeout=LIST_TIMEOUT, interval=2.0, what="B's resume list to hold The Matrix")
    props = _play(b, "uniqueids", clip)
    try:
        assert time_to_seconds(props["time"]) < target - 30
        b.wait_for(lambda: steps.info_bool(b, "Window.IsActive(yesnodialog)"), timeout=30, interval=0.1,
                   what="B's resume prompt")
        b.run_python("import xbmc\nxbmc.executebuiltin('SendClick(10100,11)')\nresult = True\n")  # Yes
        b.wait_for(lambda: not steps.info_bool(b, "Window.IsActive(yesnodialog)"), timeout=10,
                   what="the prompt to close")
        playerid = props["playerid"]
        landed = b.wait_for(lambda: _near(b.player_seconds(playerid), target), timeout=10, interval=0.05,
                            what="B to seek to %.1f s" % target)
        assert abs(landed - target) <= TOLERANCE, "B landed at %.2f s, wanted %.2f s" % (landed, target)
    finally:
        steps.stop_player(b)


def _near(position, target):
    return position if position is not None and abs(position - target) <= TOLERANCE else None
