"""What real Kodi (Estuary, Videos window) draws for the resume list: our label and label2.

Kodi redraws every label of a plugin directory from the label masks of its sort method; with
addSortMethod's defaults ("%T", "%D") Kodi 20.1 showed the bare title ("Inception", "Cat's in
the Bag...") and the duration ("05:00"), and SORT_METHOD_NONE read "Sort by: Date"
(kodi/listing.py has the masks that keep ours). This reads the labels as the skin has them
(XBMC.GetInfoLabels on the container), not as the plugin set them.
"""
import os
import time
from pathlib import Path

import pytest

from tests.realkodi import conftest as rk
from tests.realkodi.harness import ADDON_ID, steps

pytestmark = pytest.mark.realkodi

ROOT_URL = "plugin://%s/" % ADDON_ID
TOKEN = "labels-account-token"
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "slug": "inception", "imdb": "tt1375666", "tmdb": 27205}},
    {"type": "show", "title": "Breaking Bad", "year": 2008, "runtime": 47,
     "ids": {"simkl": 11121, "slug": "breaking-bad", "imdb": "tt0903747", "tvdb": 81189},
     "episodes": [{"season": 1, "number": 2, "title": "Cat's in the Bag..."}]},
]
MOVIE_LABEL = "Inception (2010)"
EPISODE_LABEL = "Breaking Bad — S01E02 Cat's in the Bag..."


def _labels(kodi, names):
    return kodi.jsonrpc("XBMC.GetInfoLabels", {"labels": list(names)})


def _source():
    """HANDOFF_ADDON_SOURCE=<dir>: run on another copy of the addon (as test_handoff.py does),
    e.g. the one before the fix, to see this test fail."""
    source = os.environ.get("HANDOFF_ADDON_SOURCE")
    return {"addon_source": Path(source)} if source else {}


@pytest.fixture(scope="module")
def kodi_signed_in(kodi_env, standin, realkodi_library):
    steps.seed_account(standin, CATALOG, TOKEN)
    standin.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40.0, ago=600, user=TOKEN)
    standin.add_playback(show={"ids": {"tvdb": 81189}}, episode={"season": 1, "number": 2},
                         progress=70.0, ago=7200, user=TOKEN)
    # What /login stores (store/account.py): signed in before Kodi starts, no PIN dialog.
    inst = rk._start("labels", kodi_env, realkodi_library, addon_settings={"skip_shorter_than": "0"},
                     before_start=lambda kodi: steps.sign_in(kodi, TOKEN), **_source())
    try:
        yield inst
    finally:
        rk._stop(inst)


def _open_list(kodi, want, timeout=60.0):
    """ActivateWindow(Videos, root, return) until the list is drawn with `want` entries (the
    first draw can come from an empty cache; the on-open check then fills it)."""
    deadline = time.monotonic() + timeout
    while True:
        kodi.jsonrpc("GUI.ActivateWindow", {"window": "videos", "parameters": [ROOT_URL, "return"]})

        def drawn():
            got = _labels(kodi, ["Container.FolderPath", "Container.NumItems"])
            return (got["Container.FolderPath"].startswith(ROOT_URL)
                    and int(got["Container.NumItems"] or 0) >= want
                    and not steps.info_bool(kodi, "Window.IsActive(busydialog)"))

        try:
            return kodi.wait_for(drawn, timeout=10, interval=0.3, what="the resume list")
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


def test_resume_list_in_estuary_shows_our_labels_and_label2_not_title_and_duration(kodi_signed_in):
    kodi = kodi_signed_in
    _open_list(kodi, want=2)
    n = int(_labels(kodi, ["Container.NumItems"])["Container.NumItems"])
    drawn = []
    for i in range(1, n + 1):
        keys = ["Container.ListItemAbsolute(%d).Label" % i, "Container.ListItemAbsolute(%d).Label2" % i]
        got = _labels(kodi, keys)
        drawn.append((got[keys[0]], got[keys[1]]))
    by_label = dict(drawn)
    assert MOVIE_LABEL in by_label, "labels on screen: %r" % drawn
    assert EPISODE_LABEL in by_label, "labels on screen: %r" % drawn
    assert by_label[MOVIE_LABEL].startswith("40% watched"), by_label[MOVIE_LABEL]
    assert by_label[EPISODE_LABEL].startswith("70% watched"), by_label[EPISODE_LABEL]
    # the focused row too, as the skin's list control reads it
    kodi.jsonrpc("Input.Down")
    focused = _labels(kodi, ["Container.ListItem(0).Label", "Container.ListItem(0).Label2"])
    assert focused["Container.ListItem(0).Label"] in by_label, focused
    assert "%" in focused["Container.ListItem(0).Label2"], focused
    assert _labels(kodi, ["Container.SortMethod"])["Container.SortMethod"] == "Default"
