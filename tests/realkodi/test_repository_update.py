"""The whole release path on real Kodi: a user installs the addon from our repository, and
Kodi's own update mechanism replaces it with a newer release without losing a queued scrobble.

One Kodi WITHOUT our addon or script.module.requests pre-staged, automatic addon updates on
(general.addonupdates 0), and the repository folder (tools/build_repo) served on loopback by
tools/serve_repo, added as a file source as a user does in File manager. The steps run in file
order and share that Kodi:
1. "Install from zip file" (the InstallFromZip dialog, driven with SetFocus + Input.Select like
   a remote; on 19.1 after Yes to its "will not auto-update" warning) installs
   repository.simkl.resume from its zip in the served folder;
2. UpdateAddonRepos fetches the repository; InstallAddon asks "Add-on required ... download?",
   Yes installs plugin.video.simkl.resume AND script.module.requests from our repository (zips
   checked against their .sha256); its service starts;
3. sign-in through /login (the PIN dialog, approved on the stand-in);
4. with Simkl unreachable for scrobbles (the stand-in resets every /scrobble/ connection) a
   movie is paused at 40 % and stopped, an episode stopped at 90 %: the events wait in the outbox;
5. a newer version is built into the same folder; UpdateAddonRepos + auto-update install it;
   Kodi stops the old service and starts the new one (its log says the new version);
6. Simkl reachable again: every queued scrobble reaches the stand-in exactly once, sent by the
   NEW version (its app-version), and the outbox is empty.
"""
import json
import sqlite3
from pathlib import Path

import pytest

from tests._releases import newer_tree
from tests.realkodi import conftest as rk
from tests.realkodi.harness import ADDON_ID, steps
from tests.realkodi.test_handoff import _episode, _movie, _pause_at, _pending_pin, _stored_account
from tools import build_repo, build_zip
from tools.serve_repo import RepoServer

pytestmark = pytest.mark.realkodi

ROOT = Path(__file__).resolve().parents[2]
LOGIN_URL = "plugin://%s/login" % ADDON_ID
SOURCE_NAME = "simkl-repo"
FILE_BROWSER_LIST = 450     # the list control of Kodi's file browser dialog (FileBrowser.xml)
YES_BUTTON = 11             # the Yes button of the yes/no dialog (DialogConfirm.xml on 19.1)
DIALOG_TEXT = "Control.GetLabel(9)"  # the yes/no dialog's text
TOKEN = "repository-update-token"
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "imdb": "tt1375666", "tmdb": 27205}},
    {"type": "show", "title": "Breaking Bad", "year": 2008, "runtime": 47,
     "ids": {"simkl": 11121, "imdb": "tt0903747", "tvdb": 81189}},
]
# Updates, installs and the outbox's retry backoff (5, 10, 20 ... s while Simkl is unreachable)
# take their time on a shared machine: every wait is on a condition, with room to spare.
INSTALL_TIMEOUT = 120.0
DELIVERY_TIMEOUT = 300.0


def _version_after(version):
    parts = version.split(".")
    return ".".join(parts[:-1] + [str(int(parts[-1]) + 1)])


class Release:
    """The repository folder, its server and what was published."""

    def __init__(self, base):
        self.folder = base / "repo"
        self.folder.mkdir()
        self.server = RepoServer(self.folder).start()
        self.base = base
        self.version = build_zip.addon_info(ROOT)["version"]
        self.newer = _version_after(self.version)
        self.requests_dir = None

    def publish(self, tree):
        build_repo.build_repo(self.folder, self.server.url, tree, env={}, requests_source=self.requests_dir,
                              build_dir=self.base, log=lambda message: None)


@pytest.fixture(scope="module")
def account(standin):
    steps.seed_account(standin, CATALOG, TOKEN, plan="free")
    standin.configure(pin_interval=1)
    return TOKEN


# before_update and release take kodi_version so that each version gets its own: a module
# fixture that does not depend on the parametrised kodi_version is shared by every version. A
# shared server's request log still held 20.1's "GET /addons.xml" when 21.2 began, so step 2
# ran InstallAddon before 21.2 had fetched the repository: Kodi had no such addon to offer and
# asked nothing (the 30 s yes/no timeout of the matrix run), and the 20.1 run's zip downloads
# would have answered the "installed FROM the repository" asserts for 21.2.
@pytest.fixture(scope="module")
def before_update(kodi_version):
    """The scrobble events that waited in the outbox before the update (filled by step 4)."""
    return []


@pytest.fixture(scope="module")
def release(tmp_path_factory, kodi_version):
    rel = Release(tmp_path_factory.mktemp("release"))
    try:
        yield rel
    finally:
        rel.server.stop()


@pytest.fixture(scope="module")
def kodi(kodi_env, realkodi_library, account, release):
    def publish(inst):
        release.requests_dir = inst.requests_module(release.base / "requests")  # built for THIS Kodi
        release.publish(ROOT)

    inst = rk._start("U", kodi_env, realkodi_library, before_start=publish, addon_source=None,
                     preinstall_requests=False, gui_settings={"general.addonupdates": "0"},
                     file_sources={SOURCE_NAME: release.server.url},
                     addon_settings={"skip_shorter_than": "0"})
    # The addon's debug lines (what push queued) in the logs saved when a step fails.
    steps.show_debug_log(inst)
    try:
        yield inst
    finally:
        rk._stop(inst)


# ----------------------------------------------------------------------------- helpers

def _labels(kodi, *names):
    return kodi.jsonrpc("XBMC.GetInfoLabels", {"labels": list(names)})


def _builtin(kodi, command):
    kodi.run_python("import xbmc\nxbmc.executebuiltin(%r)\nresult = True\n" % command)


def _browser_items(kodi):
    """The labels of the file browser's list, '..' first (NumItems does not count '..')."""
    count = int(_labels(kodi, "Container(%d).NumItems" % FILE_BROWSER_LIST)[
        "Container(%d).NumItems" % FILE_BROWSER_LIST] or 0)
    items = []
    for i in range(count + 2):
        key = "Container(%d).ListItemAbsolute(%d).Label" % (FILE_BROWSER_LIST, i)
        label = _labels(kodi, key)[key]
        if not label:
            break
        items.append(label)
    return items


def _choose(kodi, label):
    """Move the file browser's focus to `label` and press OK, as a remote does."""
    items = kodi.wait_for(lambda: (lambda found: found if label in found else None)(_browser_items(kodi)),
                          timeout=30, interval=0.3, what="the file browser to list %r" % label)
    _builtin(kodi, "SetFocus(%d,%d,absolute)" % (FILE_BROWSER_LIST, items.index(label)))
    kodi.wait_for(lambda: _labels(kodi, "ListItem.Label")["ListItem.Label"] == label, timeout=10,
                  what="the focus on %r" % label)
    kodi.jsonrpc("Input.Select")


def _answer_yes(kodi, words, what):
    """Wait for the yes/no dialog whose text holds `words`, then press Yes as a remote does."""
    kodi.wait_for(lambda: words in _labels(kodi, DIALOG_TEXT)[DIALOG_TEXT], timeout=30, what=what)
    _builtin(kodi, "SetFocus(%d)" % YES_BUTTON)
    kodi.jsonrpc("Input.Select")


def _open_install_from_zip(kodi):
    """Add-ons -> Install from zip file. [live 19.1] Kodi 19 first asks (string 36637) "add-ons
    installed from zip (excluding served repositories) will not auto-update ... proceed?": Yes.
    20.1 and 21.2 go straight to the file browser."""
    _builtin(kodi, "InstallFromZip")

    def shown():
        if "will not auto-update" in _labels(kodi, DIALOG_TEXT)[DIALOG_TEXT]:
            return "asks"
        return "browser" if SOURCE_NAME in _browser_items(kodi) else None

    first = kodi.wait_for(shown, timeout=30, interval=0.3, what="the file browser (or 19.1's zip warning)")
    if first == "asks":
        _answer_yes(kodi, "will not auto-update", "Kodi 19's zip warning")
    return first


def _addon(kodi, addon_id):
    try:
        return kodi.jsonrpc("Addons.GetAddonDetails", {"addonid": addon_id,
                                                      "properties": ["version", "enabled"]})["addon"]
    except Exception:  # noqa: BLE001 - not installed (yet): JSON-RPC error
        return None


def _installable(kodi, addon_id):
    """The addon as Kodi offers it for install from the repositories it fetched, or None."""
    addons = kodi.jsonrpc("Addons.GetAddons", {"installed": False, "properties": ["version"]}).get("addons")
    return next((a for a in addons or [] if a["addonid"] == addon_id), None)


def _service_started(kodi, version):
    return ("[%s] service started (version %s)" % (ADDON_ID, version)) in kodi.log_text()


def _queued(kodi):
    """The scrobble events waiting in the addon's outbox on disk: [(action, body)]."""
    path = kodi.addon_data() / "outbox.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        rows = conn.execute("SELECT action, body FROM outbox ORDER BY id").fetchall()
    finally:
        conn.close()
    return [(action, json.loads(body)) for action, body in rows]


def _delivered(standin):
    """The scrobbles Simkl accepted: [(action, body)]."""
    return [(r["path"].rsplit("/", 1)[-1], r["body"]) for r in standin.requests(path="/scrobble/")
            if r["status"] == 201]


def _event_key(event):
    return json.dumps(event, sort_keys=True)


def _settled_queue(kodi):
    """The outbox once the sender collapsed it to one event per played item (both stopped)."""
    queued = _queued(kodi)
    kinds = sorted("movie" if "movie" in body else "episode" for _action, body in queued)
    return queued if kinds == ["episode", "movie"] and all(a == "stop" for a, _b in queued) else None


# ----------------------------------------------------------------------------- the steps

def test_the_repository_installs_from_its_zip_through_install_from_zip(kodi, release):
    assert _addon(kodi, ADDON_ID) is None and _addon(kodi, "script.module.requests") is None
    first = _open_install_from_zip(kodi)
    assert first == ("asks" if kodi.kodi_version == "19.1" else "browser"), first
    _choose(kodi, SOURCE_NAME)
    _choose(kodi, "%s-%s.zip" % (build_repo.REPO_ID, build_repo.REPO_VERSION))
    repo = kodi.wait_for(lambda: _addon(kodi, build_repo.REPO_ID), timeout=INSTALL_TIMEOUT,
                         what="repository.simkl.resume to be installed")
    assert repo["enabled"] and repo["version"] == build_repo.REPO_VERSION


def test_the_addon_and_requests_install_from_the_repository(kodi, release):
    _builtin(kodi, "UpdateAddonRepos")
    # InstallAddon asks only about an addon Kodi's addon database already offers: wait until the
    # repository's addons.xml is fetched AND stored (the GET alone comes before the store).
    kodi.wait_for(lambda: (_installable(kodi, ADDON_ID) or {}).get("version") == release.version,
                  timeout=INSTALL_TIMEOUT, what="Kodi to offer %s from the repository" % release.version)
    assert "GET /addons.xml" in release.server.requests
    _builtin(kodi, "InstallAddon(%s)" % ADDON_ID)
    _answer_yes(kodi, "download this add-on", "Kodi to ask whether to download the addon (yes/no dialog)")
    addon = kodi.wait_for(lambda: (lambda a: a if a and a["enabled"] else None)(_addon(kodi, ADDON_ID)),
                          timeout=INSTALL_TIMEOUT, what="the addon to be installed from the repository")
    assert addon["version"] == release.version
    assert _addon(kodi, "script.module.requests")["version"] == build_repo.REQUESTS_VERSION  # ours
    installed = ((ADDON_ID, release.version), ("script.module.requests", build_repo.REQUESTS_VERSION))
    for addon_id, version in installed:
        zip_name = "/%s/%s-%s.zip" % (addon_id, addon_id, version)
        assert "GET " + zip_name in release.server.requests
        assert "GET " + zip_name + ".sha256" in release.server.requests  # checked, as <hashes> asks
    kodi.wait_for(lambda: _service_started(kodi, release.version), timeout=60,
                  what="the installed service to start")


def test_sign_in_through_the_pin_dialog(kodi, standin, account):
    _builtin(kodi, "RunPlugin(%s)" % LOGIN_URL)
    pin = kodi.wait_for(lambda: _pending_pin(standin, set()), timeout=60, interval=0.3,
                        what="the PIN dialog to poll Simkl")
    standin.approve_pin(pin["user_code"], token=account)
    kodi.wait_for(lambda: (_stored_account(kodi) or {}).get("token") == account, timeout=30,
                  what="the approved token to be stored")


def test_scrobbles_wait_in_the_outbox_while_simkl_is_unreachable(kodi, standin, before_update):
    standin.clear_requests()
    standin.fault("reset", path="/scrobble/", method="POST", times=100000)
    paused_at, total = _pause_at(kodi, {"movieid": _movie(kodi)["movieid"]}, 40, "the movie")
    _pause_at(kodi, {"episodeid": _episode(kodi, 1, 2)["episodeid"]}, 90, "S01E02")
    queued = kodi.wait_for(lambda: _settled_queue(kodi), timeout=60,
                           what="one stop per played item to wait in the outbox")
    episode = next(body for _action, body in queued if "episode" in body)
    assert episode["progress"] >= 80, queued  # watched: a stop at 90 %
    # Where the picture was: 0.1.0 once queued 0.00 % here (its late onPlayBackPaused read the
    # episode's getTime(); tests/realkodi/test_push_late_callbacks.py).
    movie = next(body for _action, body in queued if "movie" in body)
    assert abs(movie["progress"] - 100.0 * paused_at / total) <= 1.0, (paused_at, total, queued)
    assert standin.requests(path="/scrobble/"), "nothing tried to reach Simkl"
    assert _delivered(standin) == []
    before_update[:] = queued


def test_kodi_updates_the_addon_from_the_repository_and_the_new_service_runs(kodi, release, tmp_path):
    release.publish(newer_tree(tmp_path / "newer", release.newer))
    _builtin(kodi, "UpdateAddonRepos")
    kodi.wait_for(lambda: (_addon(kodi, ADDON_ID) or {}).get("version") == release.newer,
                  timeout=INSTALL_TIMEOUT, what="Kodi to install %s by itself" % release.newer)
    kodi.wait_for(lambda: _service_started(kodi, release.newer), timeout=60,
                  what="the new version's service to start")
    assert "GET /%s/%s-%s.zip" % (ADDON_ID, ADDON_ID, release.newer) in release.server.requests
    assert _queued(kodi), "the update lost the queued scrobbles"


def test_every_queued_scrobble_reaches_simkl_once_sent_by_the_new_version(kodi, standin, release,
                                                                         before_update):
    assert before_update, "the earlier steps queued nothing"
    standin.clear_faults()
    kodi.wait_for(lambda: not _queued(kodi), timeout=DELIVERY_TIMEOUT, interval=1.0,
                  what="the outbox to be delivered")
    delivered = _delivered(standin)
    assert sorted(map(_event_key, delivered)) == sorted(map(_event_key, before_update))  # each once
    accepted = [r for r in standin.requests(path="/scrobble/") if r["status"] == 201]
    assert {r["query"].get("app-version") for r in accepted} == {release.newer}
