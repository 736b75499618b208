"""The addon for real: two Kodi 20.1 instances (A and B) on one Simkl account (the stand-in)
hand a paused movie and a paused episode to each other.

The steps run in file order and share the two instances and the stand-in (module scope):
sign-in through /login on both, A pauses the movie at 40 % -> Simkl -> B's resume list ->
B starts it at 40 % of the real duration; the same for an episode; B pauses the episode
elsewhere and A picks that up; a screenshot of B's list in Estuary goes to
build/realkodi-screenshots/handoff-b-resume-list.png.

What each step proves:
- push: the playback the stand-in holds comes only from A's service scrobbling what played;
- pull + menu: B learns of it only through its service (activities -> playbacks -> cache ->
  resume list) when the plugin root asks for a check (Files.GetDirectory, as a remote or a
  skin widget would), and its entry is a playable plugin URL resolved at the right spot.
"""
import json
import os
import re
import struct
import time
from pathlib import Path

import pytest

from tests.realkodi import conftest as rk
from tests.realkodi.harness import ADDON_ID, probe_duration, steps, time_to_seconds

pytestmark = pytest.mark.realkodi

ROOT_URL = "plugin://%s/" % ADDON_ID
LOGIN_URL = "plugin://%s/login" % ADDON_ID
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "build" / "realkodi-screenshots"
SCREENSHOT = SCREENSHOT_DIR / "handoff-b-resume-list.png"

ACCOUNT_TOKEN = "handoff-account-token"
ACCOUNT_NAME = "alice"
MOVIE_IDS = {"imdb": "tt1375666", "tmdb": 27205}
SHOW_IDS = {"tvdb": 81189, "imdb": "tt0903747"}
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "slug": "inception", "imdb": "tt1375666", "tmdb": 27205}},
    {"type": "show", "title": "Breaking Bad", "year": 2008, "runtime": 47,
     "ids": {"simkl": 11121, "slug": "breaking-bad", "imdb": "tt0903747", "tvdb": 81189},
     "episodes": [{"season": 1, "number": n, "title": t} for n, t in
                  ((1, "Pilot"), (2, "Cat's in the Bag..."), (3, "...And the Bag's in the River"))]},
]
WATCHED = re.compile(r"(\d+)% watched")
# Scrobbles need a clip longer than skip_shorter_than (default 5 min; our clips are 300 s).
SETTINGS = {"skip_shorter_than": "0"}

# Kodi starts a resolved item at the keyframe before StartPercent (our clips: one a second),
# and the audio-led clock can read a few tenths earlier still: measured 118.7 s for 119.95 s.
EARLY_TOLERANCE = 1.5   # seconds before the handed-off position
LATE_TOLERANCE = 1.0    # seconds after it
LIST_TIMEOUT = 60.0     # generous: a shared machine (on-open checks: one per 2 s, trailing)
PUSH_TIMEOUT = 30.0     # pause + stop scrobbles, paced at 1 POST/s


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def account(standin):
    steps.seed_account(standin, CATALOG, ACCOUNT_TOKEN, name=ACCOUNT_NAME)
    standin.configure(pin_interval=1)
    return ACCOUNT_TOKEN


@pytest.fixture(scope="module")
def pair(kodi_env, realkodi_library, account):
    """Kodis A and B, started together, shared by every step of this module."""
    kwargs = dict(addon_settings=SETTINGS, **_source())
    # The addon's debug lines (what push queued, what pull decided) in the saved logs.
    with rk._started(kodi_env, realkodi_library, ("A", kwargs), ("B", kwargs),
                     ready=steps.show_debug_log) as (a, b):
        yield a, b


# ----------------------------------------------------------------------------- helpers

def _source():
    """HANDOFF_ADDON_SOURCE=<dir> runs the suite on another copy of the addon (a deliberately
    broken one, to see that the suite notices) without touching the shared working tree."""
    source = os.environ.get("HANDOFF_ADDON_SOURCE")
    return {"addon_source": Path(source)} if source else {}


def _label(kodi, label):
    return kodi.jsonrpc("XBMC.GetInfoLabels", {"labels": [label]})[label]


def _stored_account(kodi):
    path = kodi.addon_data() / "account.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pending_pin(standin, known):
    for pin in standin.state()["pins"]:
        if pin["user_code"] not in known and not pin["approved"] and pin["polls"] >= 2:
            return pin
    return None


def _movie(kodi):
    return kodi.jsonrpc("VideoLibrary.GetMovies", {"properties": ["file"]})["movies"][0]


def _episode(kodi, season, number):
    episodes = kodi.jsonrpc("VideoLibrary.GetEpisodes",
                            {"properties": ["season", "episode", "file"]})["episodes"]
    return next(e for e in episodes if (e["season"], e["episode"]) == (season, number))


def _playing_props(kodi):
    player = kodi.active_player()
    if player is None:
        return None
    props = kodi.jsonrpc("Player.GetProperties", {
        "playerid": player["playerid"], "properties": ["time", "totaltime", "speed", "percentage"]})
    props["playerid"] = player["playerid"]
    return props


def _wait_playing(kodi, what):
    """Wait until the player runs and its position moved past the first frame."""
    def ready():
        props = _playing_props(kodi)
        if props and props["speed"] == 1 and time_to_seconds(props["time"]) > 1:
            return props
        return None

    return kodi.wait_for(ready, timeout=30, interval=0.05, what=what)


def _open(kodi, item, what):
    """Player.Open and wait for Player.OnAVStart (playing for real, what the service's
    onAVStarted sees), then for the clock to run. Returns the player's properties."""
    with kodi.listen() as events:
        kodi.jsonrpc("Player.Open", {"item": item})
        events.wait_for("Player.OnAVStart", timeout=30)
    return _wait_playing(kodi, what)


def _pause_at(kodi, item, percent, label):
    """Play `item` from the library (or a plugin entry), seek to `percent`, pause, stop.
    Returns the paused position in seconds and the real total time."""
    props = _open(kodi, item, "%s to play" % label)
    playerid = props["playerid"]
    total = time_to_seconds(props["totaltime"])
    kodi.jsonrpc("Player.Seek", {"playerid": playerid, "value": {"percentage": float(percent)}})
    target = total * percent / 100.0
    kodi.wait_for(lambda: abs(kodi.player_seconds(playerid) - target) < 0.6, timeout=15, interval=0.05,
                  what="%s to seek to %.0f %%" % (label, percent))
    kodi.jsonrpc("Player.PlayPause", {"playerid": playerid, "play": False})
    kodi.wait_for(lambda: kodi.jsonrpc("Player.GetProperties", {
        "playerid": playerid, "properties": ["speed"]})["speed"] == 0, timeout=10, what="the pause")
    time.sleep(1.0)  # onPlayBackPaused -> outbox
    paused_at = kodi.player_seconds(playerid)
    steps.stop_player(kodi)
    return paused_at, total


def _held_playback(standin, kind, match, want_progress, label):
    """Wait until the stand-in holds a playback of kind `kind` matching `match` near `want_progress`."""
    deadline = time.monotonic() + PUSH_TIMEOUT
    seen = []
    while True:
        playbacks = standin.state()["playbacks"]
        seen = [(p.get("type"), p.get("progress")) for p in playbacks]
        for p in playbacks:
            if p.get("type") == kind and match(p) and abs(float(p["progress"]) - want_progress) <= 1.0:
                return p
        if time.monotonic() > deadline:
            scrobbles = [(r["path"], r["status"], r.get("body")) for r in standin.requests(path="/scrobble/")]
            raise AssertionError(
                "push: after %.0f s the stand-in holds no %s playback at %.1f +- 1 %% for %s; it holds %r; "
                "scrobbles received: %r" % (PUSH_TIMEOUT, kind, want_progress, label, seen, scrobbles))
        time.sleep(0.5)


def _entry_listed(kodi, standin, label_part, want_progress, what, playback_id=None):
    """Ask B's plugin root until an entry naming `label_part` shows `want_progress` (and plays
    Simkl's playback `playback_id`, when given: a list drawn before the last scrobble still
    offers the playback that scrobble replaced)."""
    deadline = time.monotonic() + LIST_TIMEOUT
    want = "%.0f +- 1 %% watched" % want_progress if want_progress is not None else "any progress"
    labels = []
    while True:
        entries = steps.open_root(kodi)
        labels = [(e.get("label"), e.get("plot")) for e in entries]
        for e in entries:
            if label_part in (e.get("label") or "") and e.get("file", "").startswith(ROOT_URL + "play"):
                if playback_id is not None and not e["file"].endswith("id=%s" % playback_id):
                    continue
                shown = WATCHED.search(e.get("plot") or "")
                if want_progress is None or (shown and abs(int(shown.group(1)) - want_progress) <= 1):
                    return e
        if time.monotonic() > deadline:
            checks = [r["path"] for r in standin.requests(path="/sync/")]
            raise AssertionError(
                "pull: %s's resume list did not list %s at %s within %.0f s; it lists %r; "
                "its Simkl sync requests: %r" % (kodi.name, what, want, LIST_TIMEOUT, labels, checks[-12:]))
        time.sleep(2.0)


def _starts_near(start, target):
    return target - EARLY_TOLERANCE <= start <= target + LATE_TOLERANCE


def _simkl_progress(standin, kind):
    """Progress (%) of the newest playback of `kind` the stand-in holds: where the other
    Kodi paused (A can only pause "about" 40 %: seeks land on keyframes, 1 s apart)."""
    held = [p for p in standin.state()["playbacks"] if p.get("type") == kind]
    assert held, "the stand-in holds no %s playback" % kind
    return float(held[0]["progress"])


def _open_entry_starts_at(kodi, entry, percent, duration, label):
    """Open the entry; (start s, target s = percent of the REAL duration, player props)."""
    props = _open(kodi, {"file": entry["file"]}, "%s from the resume entry" % label)
    start = time_to_seconds(props["time"])
    target = duration * percent / 100.0
    return start, target, props


# ----------------------------------------------------------------------------- the steps

def test_both_kodis_sign_in_to_the_same_account_through_the_login_pin_dialog(pair, standin, account):
    known = set()
    for kodi in pair:
        assert _stored_account(kodi) is None or not _stored_account(kodi).get("token")
        root = _resume_entries_or_error(kodi)
        assert any("Sign in" in (e.get("label") or "") for e in root), root
        # What selecting the root's "Sign in to Simkl" entry does (a non-playable plugin item).
        kodi.run_python("import xbmc\nxbmc.executebuiltin('RunPlugin(%s)')\nresult = True\n" % LOGIN_URL)
        pin = kodi.wait_for(lambda: _pending_pin(standin, known), timeout=30, interval=0.3,
                            what="the PIN dialog to poll Simkl twice")
        known.add(pin["user_code"])
        assert steps.info_bool(kodi, "Window.IsActive(simkl-pin.xml)"), "the PIN dialog is not on screen"
        standin.approve_pin(pin["user_code"], token=account)
        kodi.wait_for(lambda k=kodi: (_stored_account(k) or {}).get("token") == account, timeout=20,
                      what="%s to store the approved token" % kodi.name)
        kodi.wait_for(lambda k=kodi: not steps.info_bool(k, "Window.IsActive(simkl-pin.xml)"), timeout=10,
                      what="the PIN dialog to close itself")
        assert _stored_account(kodi).get("name") == ACCOUNT_NAME
    # Signed in: the root no longer offers a sign-in.
    for kodi in pair:
        labels = [e.get("label") for e in steps.open_root(kodi)]
        assert not any("Sign in" in (lbl or "") for lbl in labels), labels


def _resume_entries_or_error(kodi):
    try:
        return steps.open_root(kodi)
    except Exception as exc:  # noqa: BLE001 - shown in the assertion
        return [{"label": "error: %s" % exc}]


def test_movie_paused_at_40_percent_on_a_is_held_by_simkl_with_the_movie_ids(pair, standin, realkodi_library):
    a, _ = pair
    paused, total = _pause_at(a, {"movieid": _movie(a)["movieid"]}, 40, "A's movie")
    progress = 100.0 * paused / total
    assert abs(progress - 40) <= 1.0, "A paused at %.1f %%" % progress
    held = _held_playback(standin, "movie",
                          lambda p: p["movie"]["ids"].get("imdb") == MOVIE_IDS["imdb"], progress, "Inception")
    assert str(held["movie"]["ids"].get("tmdb")) == str(MOVIE_IDS["tmdb"])
    assert abs(float(held["progress"]) - 40) <= 1.0


def test_b_lists_the_movie_and_its_entry_starts_within_a_second_of_40_percent(
        pair, standin, realkodi_library):
    _, b = pair
    duration = probe_duration(realkodi_library.files["movie:Inception"])
    entry = _entry_listed(b, standin, "Inception", 40, "Inception")
    held = _simkl_progress(standin, "movie")
    assert abs(held - 40) <= 1.0
    start, target, props = _open_entry_starts_at(b, entry, held, duration, "B's Inception")
    try:
        assert _starts_near(start, target), "B started Inception at %.2f s, wanted %.2f s" % (start, target)
        item = b.jsonrpc("Player.GetItem", {"playerid": props["playerid"], "properties": ["file"]})["item"]
        assert item["file"] == str(realkodi_library.files["movie:Inception"])
    finally:
        steps.stop_player(b)


def test_episode_paused_on_a_is_held_with_show_ids_and_episode_and_b_starts_it_at_40_percent(
        pair, standin, realkodi_library):
    a, b = pair
    paused, total = _pause_at(a, {"episodeid": _episode(a, 1, 2)["episodeid"]}, 40, "A's S01E02")
    progress = 100.0 * paused / total

    def is_s01e02(p):
        return (p["show"]["ids"].get("tvdb") in (81189, "81189")
                and p["episode"].get("season") == 1
                and (p["episode"].get("episode") or p["episode"].get("number")) == 2)

    held = _held_playback(standin, "episode", is_s01e02, progress, "Breaking Bad S01E02")
    assert abs(float(held["progress"]) - 40) <= 1.0
    duration = probe_duration(realkodi_library.files["episode:Breaking Bad:1:2"])
    entry = _entry_listed(b, standin, "Breaking Bad", 40, "Breaking Bad S01E02")
    assert "S01E02" in entry["label"], entry
    start, target, props = _open_entry_starts_at(b, entry, float(held["progress"]), duration, "B's S01E02")
    try:
        assert _starts_near(start, target), "B started S01E02 at %.2f s, wanted %.2f s" % (start, target)
    finally:
        steps.stop_player(b)


def test_b_pauses_the_episode_elsewhere_and_a_resumes_it_there(pair, standin, realkodi_library):
    a, b = pair
    duration = probe_duration(realkodi_library.files["episode:Breaking Bad:1:2"])
    # B's own start and stop of S01E02 in the step before replaced the playback A paused (Simkl
    # drops a playback at a scrobble start; the stop saves a new one): wait for the list to
    # offer that new one, not the one a list drawn in between still shows [seen on Kodi 21.2].
    current = b.wait_for(lambda: next((p for p in standin.state()["playbacks"] if p.get("type") == "episode"),
                                      None), timeout=PUSH_TIMEOUT, what="B's stop of S01E02 held by Simkl")
    entry = _entry_listed(b, standin, "Breaking Bad", None, "Breaking Bad S01E02", playback_id=current["id"])
    paused, total = _pause_at(b, {"file": entry["file"]}, 70, "B's S01E02")
    progress = 100.0 * paused / total
    assert abs(progress - 70) <= 1.0, "B paused at %.1f %%" % progress
    held = _held_playback(standin, "episode", lambda p: p["episode"].get("season") == 1, progress,
                          "Breaking Bad S01E02 (paused on B)")
    progress = float(held["progress"])
    entry_a = _entry_listed(a, standin, "Breaking Bad", 70, "Breaking Bad S01E02 at 70 %")
    start, target, _ = _open_entry_starts_at(a, entry_a, progress, duration, "A's S01E02")
    try:
        assert _starts_near(start, target), "A started S01E02 at %.2f s, wanted %.2f s" % (start, target)
    finally:
        steps.stop_player(a)


def test_screenshot_of_bs_resume_list_in_estuary_shows_the_entries(pair):
    _, b = pair
    # Debug logging draws its overlay (log path, CPU) over the skin: off for the picture.
    b.jsonrpc("Settings.SetSettingValue", {"setting": "debug.showloginfo", "value": False})
    b.jsonrpc("GUI.ActivateWindow", {"window": "videos", "parameters": [ROOT_URL, "return"]})

    seen = {}

    def drawn():
        # What the list holds is asserted by the hand-off tests above; this one proves Estuary
        # draws our folder. At least one entry: on 21.2 under load the list was once drawn while
        # the service still refreshed it after B's own stop (one entry for a moment).
        seen.update(path=_label(b, "Container.FolderPath"), items=_label(b, "Container.NumItems"))
        return (seen["path"].startswith(ROOT_URL) and int(seen["items"] or 0) >= 1
                and not steps.info_bool(b, "Window.IsActive(busydialog)"))

    try:
        b.wait_for(drawn, timeout=60, what="B's resume list to be on screen")
    except TimeoutError as exc:
        raise AssertionError("%s; last seen: %r" % (exc, seen)) from exc
    time.sleep(1.5)  # let the skin finish its fade-in
    path = b.screenshot(SCREENSHOT)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 720)
    assert len(data) > 20000, "the screenshot looks blank (%d bytes)" % len(data)
