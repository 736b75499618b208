"""Two people sharing one Kodi, a Kodi profile each (their own addon data and Simkl account,
one shared library): the next person's "Resume from Simkl" never shows the previous person's
list. Real Kodi keeps Window(10000)'s properties across Profiles.LoadProfile (20.1: a property
the master profile set was still there for the next profile), and the addon keeps its cache's
memory layer there: so its names carry the profile's addon folder (context.from_kodi).
"""
import shutil
import time

import pytest

from tests.realkodi.harness import ADDON_ID, JsonRpcError, steps

pytestmark = pytest.mark.realkodi

ALICE, BOB = "shared-kodi-alice-token", "shared-kodi-bob-token"
MOVIE_IDS = {"imdb": "tt1375666", "tmdb": 27205}
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "slug": "inception", "imdb": "tt1375666", "tmdb": 27205}},
]
LIST_TIMEOUT = 60.0
BOB_WATCH = 8.0   # Bob's root is opened again and again for this long (his service starts meanwhile)

_PROFILE = """    <profile>
        <id>%d</id>
        <name>%s</name>
        <directory pathversion="1">%s</directory>
        <thumbnail pathversion="1"></thumbnail>
        <hasdatabases>%s</hasdatabases>
        <canwritedatabases>true</canwritedatabases>
        <hassources>%s</hassources>
        <canwritesources>true</canwritesources>
        <lockaddonmanager>false</lockaddonmanager>
        <locksettings>0</locksettings>
        <lockfiles>false</lockfiles>
        <lockmusic>false</lockmusic>
        <lockvideo>false</lockvideo>
        <lockpictures>false</lockpictures>
        <lockprograms>false</lockprograms>
        <lockgames>false</lockgames>
        <lockmode>0</lockmode>
        <lockcode></lockcode>
        <lastdate></lastdate>
    </profile>"""


def _two_profiles(inst):
    """Master (Alice) and Bob, whose profile uses the master's library (no own databases): a
    household's usual setup. Each signed in to their own Simkl account."""
    bob = inst.userdata / "profiles" / "Bob"
    bob.mkdir(parents=True, exist_ok=True)
    profiles = "\n".join([_PROFILE % (0, "Master user", "special://masterprofile/", "true", "true"),
                          _PROFILE % (1, "Bob", "profiles/Bob/", "false", "false")])
    (inst.userdata / "profiles.xml").write_text(
        "<profiles>\n    <lastloaded>0</lastloaded>\n    <useloginscreen>false</useloginscreen>\n"
        "    <autologin>-1</autologin>\n    <nextIdProfile>2</nextIdProfile>\n%s\n</profiles>\n" % profiles,
        encoding="utf-8")
    # Bob's own Kodi settings: the same JSON-RPC web server, or this test could not talk to him
    shutil.copy(str(inst.userdata / "guisettings.xml"), str(bob / "guisettings.xml"))
    steps.sign_in(inst, ALICE, "alice")
    steps.sign_in(inst, BOB, "bob", folder=bob / "addon_data" / ADDON_ID)


def _titles(kodi):
    """Labels of one open of the plugin root. Right after a profile switch Kodi 20.1 loads the
    skin twice, and a plugin listing in flight while it unloads the skin fails on Kodi's side
    ("GetDirectory - Error getting plugin://...", JSON-RPC "Invalid params"; no line of ours in
    between; seen once in a clean make test run). A home-screen widget asks again once the skin
    is back; so does the test, visibly, twice at most: a plugin that fails on its own still
    fails the test."""
    for attempt in (1, 2, 3):
        try:
            return [entry.get("label") or "" for entry in steps.open_root(kodi)]
        except JsonRpcError as exc:
            if attempt == 3:
                raise
            print("plugin root open %d failed (%s); opened again" % (attempt, exc))
            time.sleep(0.5)


def test_next_profile_never_sees_the_previous_profiles_resume_list(kodi_factory, standin):
    standin.reset()
    standin.seed(catalog=CATALOG, users=[{"token": ALICE, "name": "alice", "type": "pro"},
                                         {"token": BOB, "name": "bob", "type": "pro"}])
    pause = {"progress": 40, "movie": {"ids": MOVIE_IDS}}
    assert steps.as_other_device(standin, "POST", "/scrobble/pause", pause, token=ALICE,
                                 client_id="alices-phone") == 201
    kodi = kodi_factory("A", before_start=_two_profiles)

    def alice_sees_inception():
        if any("Inception" in title for title in _titles(kodi)):
            return True
        time.sleep(1.0)
        return False

    kodi.wait_for(alice_sees_inception, timeout=LIST_TIMEOUT, interval=0.2,
                  what="Alice's list (master profile) to show Inception")
    bob = _switch_and_open(kodi, "Bob")
    assert not [t for t in bob if "Inception" in t], "Bob's first open shows Alice's list: %r" % (bob,)
    end = time.monotonic() + BOB_WATCH
    while time.monotonic() < end:
        titles = _titles(kodi)
        assert not [t for t in titles if "Inception" in t], "Bob sees Alice's list: %r" % (titles,)
        time.sleep(0.5)
    print("Bob's first open after the switch: %r" % (bob,))


def _switch_and_open(kodi, profile):
    """Profiles.LoadProfile, then the plugin root opened the moment Kodi answers as `profile`
    (as early as a home-screen widget; our service for that profile may not have run yet).
    The titles of that first open."""
    started = steps.service_log_count(kodi, "service started")
    seen = {"answer": "no answer yet", "asked": 0}

    def ask():
        seen["asked"] = time.monotonic()
        try:
            kodi.jsonrpc("Profiles.LoadProfile", {"profile": profile}, timeout=10)
        except Exception:  # noqa: BLE001 - Kodi restarts its web server while it switches
            pass

    def loaded():
        try:
            name = kodi.jsonrpc("XBMC.GetInfoLabels", {"labels": ["System.ProfileName"]},
                                timeout=5)["System.ProfileName"]
        except Exception as exc:  # noqa: BLE001 - the web server of the new profile is not up yet
            seen["answer"] = "no answer (%s)" % (exc,)
            return False
        seen["answer"] = "answers as %r" % (name,)
        if name != profile and time.monotonic() - seen["asked"] > 20:
            # Still the old profile 20 s after the request (a switch takes 1-6 s here): Kodi
            # did not take it. A user presses again; so does the test, visibly. (One make test
            # run on 21.2 timed out here without a kept log: not taken, or no web server after
            # the switch; the message below now tells which.)
            print("Profiles.LoadProfile %r asked again: Kodi %s" % (profile, seen["answer"]))
            ask()
        return name == profile

    ask()
    try:
        kodi.wait_for(loaded, timeout=60, interval=0.05, what="Kodi to load the profile %r" % profile)
    except TimeoutError as exc:
        raise TimeoutError("%s; last: Kodi %s" % (exc, seen["answer"])) from None
    titles = _titles(kodi)
    kodi.wait_for(lambda: steps.service_log_count(kodi, "service started") > started,
                  timeout=30, interval=0.2,
                  what="our service to start for %r" % profile)
    return titles
