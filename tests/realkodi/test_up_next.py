"""Issue 18 on real Kodi: "up next". Kodi A plays Breaking Bad S01E01 to its end; Kodi B, on
the same Simkl account (the stand-in), offers S01E02 in its resume list after ONE open's check,
and selecting the entry plays S01E02 from the start.

A only pushes (pull off) and B only pulls (push off), so every /sync/ request the stand-in logs
comes from B's pull and every scrobble from A's push. The flow is the real one end to end: A's
service scrobbles the stop (>= 80 %: history) -> the stand-in moves tv_shows.watching and
computes next_to_watch "S01E02" from its history -> B's menu open (Files.GetDirectory of the
plugin root, as a remote or a widget) sends the on-open check -> B's service sees the watching
timestamp move, fetches /sync/all-items/shows/watching?date_from=... -> builds the up-next entry
from its library -> the next read of the root lists it.
"""
import time

import pytest

from tests.realkodi import conftest as rk
from tests.realkodi.harness import steps, time_to_seconds

pytestmark = pytest.mark.realkodi

TOKEN = "upnext-account-token"
CATALOG = [
    {"type": "show", "title": "Breaking Bad", "year": 2008, "runtime": 47, "seasons": {"1": 7},
     "ids": {"simkl": 11121, "slug": "breaking-bad", "imdb": "tt0903747", "tvdb": 81189},
     "episodes": [{"season": 1, "number": n, "title": t} for n, t in
                  ((1, "Pilot"), (2, "Cat's in the Bag..."), (3, "...And the Bag's in the River"))]},
]
# Scrobbles need a clip longer than skip_shorter_than (default 5 min; our clips are 300 s).
SETTINGS_A = {"skip_shorter_than": "0", "pull_enabled": "false", "mirror_resume": "false",
              "prompt_on_play": "false"}
SETTINGS_B = {"push_enabled": "false", "poll_interval": "240", "mirror_resume": "false",
              "prompt_on_play": "false"}
PUSH_TIMEOUT = 60.0   # generous: a shared machine
LIST_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def account(standin):
    return steps.seed_account(standin, CATALOG, TOKEN)


@pytest.fixture(scope="module")
def pair(kodi_env, realkodi_library, account):
    def signed_in(kodi):
        steps.sign_in(kodi, account)
        steps.show_debug_log(kodi)

    with rk._started(kodi_env, realkodi_library, ("A", {"addon_settings": SETTINGS_A}),
                     ("B", {"addon_settings": SETTINGS_B}), ready=signed_in) as (a, b):
        yield a, b


def _episode(kodi, season, number):
    reply = kodi.jsonrpc("VideoLibrary.GetEpisodes", {"properties": ["season", "episode", "file"]})
    episodes = reply["episodes"]
    return next(e for e in episodes if (e["season"], e["episode"]) == (season, number))


def _watched_on_simkl(standin):
    return [h for h in standin.state()["history"] if (h["season"], h["number"]) == (1, 1)]


def test_a_watches_s01e01_to_the_end_and_b_offers_s01e02_after_one_open_and_plays_it_from_the_start(
        pair, standin, realkodi_library):
    a, b = pair
    # B's first open: its first check reads the (empty) watching list in full.
    steps.open_root(b)
    b.wait_for(lambda: standin.requests("/sync/all-items/shows/watching"), timeout=LIST_TIMEOUT,
               what="B's first check to read the watching list")

    # A watches S01E01 to the end: open it, jump to 95 %, let it play out.
    playerid = steps.open_item(a, {"episodeid": _episode(a, 1, 1)["episodeid"]}, what="A's player")
    time.sleep(1.0)  # onAVStarted -> A's push has seen the start
    a.jsonrpc("Player.Seek", {"playerid": playerid, "value": {"percentage": 95.0}})
    a.wait_for(lambda: a.active_player() is None, timeout=60, what="S01E01 to play to its end on A")
    a.wait_for(lambda: _watched_on_simkl(standin), timeout=PUSH_TIMEOUT,
               what="A's stop scrobble to mark S01E01 watched on Simkl")
    scrobbles = [(r["path"], r["status"]) for r in standin.requests("/scrobble/")]
    assert ("/scrobble/stop", 201) in scrobbles, scrobbles

    # B: ONE open; its check must bring the up-next entry.
    standin.clear_requests()
    steps.open_root(b)
    delta = b.wait_for(lambda: [r for r in standin.requests("/sync/all-items/shows/watching")
                                if r["query"].get("date_from")],
                       timeout=LIST_TIMEOUT, what="B's check to fetch the changed watching shows")
    sync = [r["path"] for r in standin.requests("/sync/")]
    first_fetch = sync.index(delta[0]["path"])
    assert sync[:first_fetch] == ["/sync/activities"], sync  # one open -> one activities call -> fetch

    def listed():
        for entry in steps.open_root(b):
            if "/play_next?" in (entry.get("file") or ""):
                return entry
        return None

    entry = b.wait_for(listed, timeout=LIST_TIMEOUT, interval=1.0, what="B's list to offer up next")
    want = "Breaking Bad — S01E02 Cat's in the Bag... · next after S01E01 watched"
    assert entry["label"].startswith(want), entry

    # Selecting it (what OK on the entry, or a widget, does): S01E02 from the start.
    s01e02 = _episode(b, 1, 2)
    playerid = steps.open_item(b, {"file": entry["file"]}, what="B's player")
    try:
        item = b.jsonrpc("Player.GetItem", {"playerid": playerid, "properties": ["file"]})["item"]
        assert item["file"] == s01e02["file"] == str(realkodi_library.files["episode:Breaking Bad:1:2"])
        props = b.jsonrpc("Player.GetProperties", {"playerid": playerid, "properties": ["time"]})
        assert time_to_seconds(props["time"]) < 5.0, props  # from the start (not a resume point)
    finally:
        current = b.active_player()
        if current is not None:
            b.jsonrpc("Player.Stop", {"playerid": current["playerid"]})
