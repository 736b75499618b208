"""Issue 14: a hand-off between two Kodi versions, a movie and an episode, there and back.

A is Kodi 19.1 (Python 3.9, JSON-RPC 12), B is Kodi 21.2 (Python 3.13, JSON-RPC 13.5), both
signed in to one Simkl account (the stand-in; account.json written before boot, as /login
stores it). For each item: A pauses it at 40 % -> Simkl holds it -> B's resume list offers it
and B starts it at 40 % of the real duration; B pauses it at 70 % -> A's list offers it and A
starts it there. The steps use test_handoff's helpers, so "pause", "held", "listed" and
"starts near" mean exactly what they mean in the same-version hand-off.
"""
import pytest

from tests.realkodi import conftest as rk
from tests.realkodi.harness import probe_duration, steps
from tests.realkodi.test_handoff import (
    CATALOG,
    SETTINGS,
    _entry_listed,
    _episode,
    _held_playback,
    _movie,
    _open_entry_starts_at,
    _pause_at,
    _starts_near,
)
from tools import kodi_roots

pytestmark = [
    pytest.mark.realkodi,
    pytest.mark.kodi_versions(reason="a hand-off between two versions: it starts Kodi 19.1 and 21.2 itself"),
]

A_VERSION, B_VERSION = "19.1", "21.2"
TOKEN = "cross-version-token"
MOVIE = {"label": "Inception", "kind": "movie", "file": "movie:Inception"}
EPISODE = {"label": "Breaking Bad", "kind": "episode", "file": "episode:Breaking Bad:1:2"}


@pytest.fixture(scope="module")
def account(standin):
    return steps.seed_account(standin, CATALOG, TOKEN)


@pytest.fixture(scope="module")
def a_and_b(kodi_env, realkodi_library, account):
    missing = [v for v in (A_VERSION, B_VERSION) if v not in kodi_roots.selected_versions()]
    if missing:
        pytest.skip("KODI_VERSIONS leaves out Kodi %s" % " and ".join(missing))

    def signed_in(kodi):  # account.json before boot, as /login stores it
        steps.sign_in(kodi, account)

    named = [(name, {"kodi_version": version, "addon_settings": SETTINGS, "before_start": signed_in})
             for name, version in (("A19", A_VERSION), ("B21", B_VERSION))]
    with rk._started(kodi_env, realkodi_library, *named) as (a, b):
        yield a, b


def _matches(item):
    if item["kind"] == "movie":
        return lambda p: p.get("movie", {}).get("ids", {}).get("imdb") == "tt1375666"
    return lambda p: (p.get("show", {}).get("ids", {}).get("tvdb") in (81189, "81189")
                      and p.get("episode", {}).get("season") == 1
                      and (p["episode"].get("episode") or p["episode"].get("number")) == 2)


def _hand_over(src, dst, standin, library, item, start_item, percent):
    """src pauses `start_item` at `percent`; dst lists it and starts it there. Returns dst's entry."""
    paused, total = _pause_at(src, start_item, percent, "%s's %s" % (src.name, item["label"]))
    progress = 100.0 * paused / total
    assert abs(progress - percent) <= 1.0, "%s paused at %.1f %%" % (src.name, progress)
    held = _held_playback(standin, item["kind"], _matches(item), progress,
                          "%s paused on Kodi %s" % (item["label"], src.kodi_version))
    held_progress = float(held["progress"])
    entry = _entry_listed(dst, standin, item["label"], round(held_progress),
                          "%s paused on Kodi %s" % (item["label"], src.kodi_version))
    duration = probe_duration(library.files[item["file"]])
    start, target, _ = _open_entry_starts_at(dst, entry, held_progress, duration,
                                             "%s's %s" % (dst.name, item["label"]))
    try:
        assert _starts_near(start, target), "Kodi %s started %s at %.2f s, wanted %.2f s (%.1f %% on %s)" % (
            dst.kodi_version, item["label"], start, target, held_progress, src.kodi_version)
    finally:
        steps.stop_player(dst)
    return entry


@pytest.mark.parametrize("item", [MOVIE, EPISODE], ids=["movie", "episode"])
def test_paused_on_kodi_19_resumes_on_kodi_21_and_paused_there_resumes_back_on_19(
        a_and_b, standin, realkodi_library, item):
    a, b = a_and_b
    if item["kind"] == "movie":
        start_item = {"movieid": _movie(a)["movieid"]}
    else:
        start_item = {"episodeid": _episode(a, 1, 2)["episodeid"]}
    entry_b = _hand_over(a, b, standin, realkodi_library, item, start_item, 40)
    # ... and back: B pauses the same item, played from its resume entry, at 70 %.
    _hand_over(b, a, standin, realkodi_library, item, {"file": entry_b["file"]}, 70)
