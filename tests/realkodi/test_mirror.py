"""Issue 9 on real Kodi: the native resume mirror writes Kodi's own resume point of a library
movie from a Simkl playback that another device paused, and clears it when the playback is
deleted on Simkl.

One Kodi ("B", signed in by writing account.json as /login would), one stand-in. Another
device is played by this test: it POSTs /scrobble/pause with the movie's ids, as A's push
does. B learns of it only through its service: the plugin's on-open check (JSONRPC.NotifyAll
sender plugin.video.simkl.resume, message "check", exactly what the menu sends) -> activities ->
playbacks -> resume list -> mirror -> VideoLibrary.SetMovieDetails. The test reads the result
with VideoLibrary.GetMovieDetails, as Estuary's "In progress" widgets do.
"""
import json
import time

import pytest

from tests.realkodi import conftest as rk
from tests.realkodi.harness import ADDON_ID, TEST_CLIENT_ID, probe_duration, steps

pytestmark = pytest.mark.realkodi

TOKEN = "mirror-account-token"
MOVIE_IDS = {"imdb": "tt1375666", "tmdb": 27205}
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "slug": "inception", "imdb": "tt1375666", "tmdb": 27205}},
]
# B only receives: its push stays off so nothing it does moves Simkl's playback.
SETTINGS = {"push_enabled": "false", "mirror_resume": "true"}
PULL_TIMEOUT = 40.0      # generous: a shared machine (on-open checks: one per 2 s, trailing)
SECOND_TOLERANCE = 1.0   # issue 9: within 1 s of 40 % of the real duration


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def account(standin):
    return steps.seed_account(standin, CATALOG, TOKEN)


@pytest.fixture(scope="module")
def kodi_b(kodi_env, realkodi_library, account):
    inst = rk._start("B", kodi_env, realkodi_library, addon_settings=SETTINGS)
    try:
        steps.sign_in(inst, account)
        steps.browse_movies(inst)  # B knows the movie's real length (19.1 may not, unbrowsed)
        yield inst
    finally:
        rk._stop(inst)


@pytest.fixture(scope="module")
def kodi_c(kodi_env, realkodi_library, account):
    """A Kodi that has not read the movie's file yet: "extract video information" off while it
    scans, as a 19.1 that has not drawn the movie yet (steps.browse_movies)."""
    inst = rk._start("C", kodi_env, realkodi_library, addon_settings=SETTINGS,
                     gui_settings={"myvideos.extractflags": "false"})
    try:
        steps.sign_in(inst, account)
        yield inst
    finally:
        rk._stop(inst)


# ----------------------------------------------------------------------------- helpers

def _simkl(standin, method, path, body=None):
    """Another device talking to Simkl (the stand-in) with the shared account."""
    return steps.as_other_device(standin, method, path, body, token=TOKEN, client_id=TEST_CLIENT_ID)


def _ask_check(kodi):
    """The menu's on-open check, as menu.py sends it."""
    kodi.jsonrpc("JSONRPC.NotifyAll", {"sender": ADDON_ID, "message": "check", "data": {"source": "test"}})


def _pull_until(kodi, standin, movieid, done, what):
    """Ask B for a check every 2 s (the 2 s throttle postpones the extra ones) until `done(resume)`."""
    deadline = time.monotonic() + PULL_TIMEOUT
    resume = None
    while time.monotonic() < deadline:
        _ask_check(kodi)
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end:
            resume = steps.resume_point(kodi, movieid)
            if done(resume):
                return resume
            time.sleep(0.25)
    syncs = [(r["method"], r["path"], r["status"]) for r in standin.requests(path="/sync/")]
    raise AssertionError("mirror: after %.0f s B's library still reports resume %r (wanted %s); "
                         "B's Simkl sync requests: %r" % (PULL_TIMEOUT, resume, what, syncs[-10:]))


# ----------------------------------------------------------------------------- the steps

def test_movie_paused_at_40_percent_elsewhere_becomes_kodis_own_resume_point_on_b(
        kodi_b, standin, realkodi_library):
    movieid = steps.movie_id(kodi_b)
    assert steps.resume_point(kodi_b, movieid)["position"] == 0, "B's movie already has a resume point"
    duration = probe_duration(realkodi_library.files["movie:Inception"])
    assert _simkl(standin, "POST", "/scrobble/pause", {"progress": 40, "movie": {"ids": MOVIE_IDS}}) == 201
    held = [p for p in standin.state()["playbacks"] if p.get("type") == "movie"]
    assert [float(p["progress"]) for p in held] == [40.0]

    resume = _pull_until(kodi_b, standin, movieid, lambda r: r["position"] > 0, "a position near 40 %")
    target = 0.40 * duration
    assert abs(resume["position"] - target) <= SECOND_TOLERANCE, (
        "B's resume point is %.2f s, 40 %% of the real %.2f s is %.2f s"
        % (resume["position"], duration, target))
    assert abs(resume["total"] - duration) <= 1.0, resume
    written = json.loads((kodi_b.addon_data() / "mirror.json").read_text(encoding="utf-8"))["written"]
    assert list(written) == ["movie:%d" % movieid], written


def test_playback_deleted_on_simkl_clears_the_resume_point_b_wrote(kodi_b, standin):
    movieid = steps.movie_id(kodi_b)
    assert steps.resume_point(kodi_b, movieid)["position"] > 0, "the previous step left no resume point"
    held = [p for p in standin.state()["playbacks"] if p.get("type") == "movie"]
    assert len(held) == 1
    assert _simkl(standin, "DELETE", "/sync/playback/%d" % int(held[0]["id"])) == 204
    assert standin.state()["playbacks"] == []

    resume = _pull_until(kodi_b, standin, movieid, lambda r: r["position"] == 0, "position 0")
    assert resume["position"] == 0

    def written():
        return json.loads((kodi_b.addon_data() / "mirror.json").read_text(encoding="utf-8"))["written"]

    # the pass stores its provenance once all its writes are done: a moment after the clear
    kodi_b.wait_for(lambda: written() == {}, timeout=10, interval=0.1,
                    what="mirror.json to forget the cleared point (it holds %r)" % (written(),))


def test_movie_kodi_reads_only_after_the_pull_gets_its_resume_point_without_a_new_change_on_simkl(
        kodi_c, standin, realkodi_library):
    c = kodi_c
    movieid = steps.movie_id(c)
    details = c.jsonrpc("VideoLibrary.GetMovieDetails", {"movieid": movieid, "properties": ["streamdetails"]})
    assert not details["moviedetails"]["streamdetails"].get("video"), "C read the movie's length at scan"
    duration = probe_duration(realkodi_library.files["movie:Inception"])
    assert _simkl(standin, "POST", "/scrobble/pause", {"progress": 40, "movie": {"ids": MOVIE_IDS}}) == 201
    # C opens the menu (again every 2 s, as _pull_until does: a check sent while C's service
    # is still starting is not seen): the pull fetches the pause, the mirror has no length
    left_alone = "movie:%d (no_duration)" % movieid
    deadline = time.monotonic() + PULL_TIMEOUT
    while left_alone not in c.log_text():
        assert time.monotonic() < deadline, "C's mirror never left the movie alone for want of its length"
        _ask_check(c)
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end and left_alone not in c.log_text():
            time.sleep(0.25)
    assert steps.resume_point(c, movieid)["position"] == 0

    # the user turns extraction on and opens Movies: Kodi reads the file; Simkl does not move
    c.jsonrpc("Settings.SetSettingValue", {"setting": "myvideos.extractflags", "value": True})
    steps.browse_movies(c)
    resume = c.wait_for(lambda: (lambda r: r if r["position"] > 0 else None)(steps.resume_point(c, movieid)),
                        timeout=75, interval=0.5, what="C's mirror to retry once Kodi knows the length")
    assert abs(resume["position"] - 0.40 * duration) <= SECOND_TOLERANCE, (resume, duration)
