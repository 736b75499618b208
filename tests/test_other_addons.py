"""Issue 16 on the fake Kodi: positions for what other addons play.

The test plugin tests/testplugin/plugin.video.simkl.testplayer resolves a local clip the way
other addons do: (a) uniqueids on its ListItem, (b) only Window(10000) script.trakt.ids, (c) an
episode whose ListItem carries the episode's own ids while script.trakt.ids holds the show's,
(d) script.trakt.exclude, (e) only TMDbHelper.PlayerInfoString, (f) nothing at all. The push
half (service loop on virtual time -> outbox -> sender -> stand-in) must scrobble each with the
right ids or not at all, and the plain-play prompt must offer another device's position for (a).
"""
import importlib.util
import json
from pathlib import Path

import pytest

from simkl_resume.context import AddonContext
from simkl_resume.service.push import ScrobblePush
from tests._service_rig import start_service
from tests.test_menu_support import movie_playback
from tests.test_prompt import Harness as Prompt  # the plain-play prompt on the service loop
from tools.simkl_standin import StandIn

PLUGIN_DIR = Path(__file__).resolve().parent / "testplugin" / "plugin.video.simkl.testplayer"
PLUGIN_URL = "plugin://plugin.video.simkl.testplayer/"
CLIP = "/media/plugin clips/clip.mkv"
CLIP_LEN = 3000.0
TOKEN = "other-addons-token-0123456789"
MATRIX = {"imdb": "tt0133093", "tmdb": 603}
INTERSTELLAR = {"imdb": "tt0816692", "tmdb": 157336, "slug": "interstellar"}
GOT = {"tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399, "slug": "game-of-thrones"}
CATALOG = [
    {"type": "movie", "title": "The Matrix", "year": 1999, "ids": dict(MATRIX, simkl=1), "runtime": 136},
    {"type": "movie", "title": "Interstellar", "year": 2014, "ids": dict(INTERSTELLAR, simkl=2),
     "runtime": 169},
    {"type": "movie", "title": "Jumanji", "year": 1995,
     "ids": {"imdb": "tt0113497", "tmdb": 8844, "simkl": 3}, "runtime": 104},
    {"type": "show", "title": "Game of Thrones", "year": 2011, "ids": dict(GOT, simkl=4), "runtime": 55},
]
PAUSED_AGO = 2 * 3600


def _test_player_module():
    spec = importlib.util.spec_from_file_location("simkl_testplayer_default", str(PLUGIN_DIR / "default.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_url(case, file=CLIP):
    from urllib.parse import urlencode

    return PLUGIN_URL + "?" + urlencode({"case": case, "file": file})


def install_test_player(kodi):
    """Kodi runs the test plugin for its URLs (the fake's resolve_plugin_url hook)."""
    module = _test_player_module()
    kodi.file_durations[CLIP] = CLIP_LEN

    def resolve(url):
        run = kodi.run_plugin(url.replace(PLUGIN_URL, "/"), handle=kodi.next_handle(), entry=module.run)
        return run.resolved.listitem if run.resolved is not None and run.resolved.succeeded else None

    for case in module.CASES:
        kodi.plugin_urls[case_url(case)] = resolve
    return module


def clear_properties(kodi, module):
    """What an addon does after its playback: the window properties go."""
    kodi.run_plugin("/clear", handle=kodi.next_handle(), entry=module.run)


@pytest.fixture
def standin():
    with StandIn() as s:
        s.seed(catalog=CATALOG)
        s.add_user(TOKEN, "alice")
        yield s


class Push:
    def __init__(self, kodi, standin):
        self.kodi = kodi
        self.standin = standin
        self.ctx = AddonContext(kodi.profile_dir, "0.1.0", now=kodi.clock.now,
                                env={"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "other-addons"})
        self.ctx.account.sign_in(TOKEN, name="alice", plan="free")
        self.push = ScrobblePush(self.ctx)
        start_service(kodi, [self.push], workers=[self.push.sender])

    def deliver(self, max_seconds=60):
        assert self.push.sender.wait_idle(30)
        for _ in range(int(max_seconds)):
            if self.ctx.outbox.count() == 0:
                return
            self.kodi.clock.advance(1)
            assert self.push.sender.wait_idle(30)
        assert self.ctx.outbox.count() == 0, [e.last_error for e in self.ctx.outbox.all()]

    def pause_at_40_and_stop(self, case):
        self.kodi.player.play_file(case_url(case))
        self.deliver()
        self.kodi.clock.advance(0.4 * CLIP_LEN - self.kodi.player.position())
        self.kodi.player.pause()
        self.deliver()
        self.kodi.player.stop()
        self.deliver()

    def scrobbles(self):
        return [(r["path"].rsplit("/", 1)[-1], r["body"]) for r in self.standin.requests("/scrobble/")
                if r["status"] == 201]


@pytest.fixture
def push(kodi, standin):
    kodi.set_setting("skip_shorter_than", 0)
    p = Push(kodi, standin)
    yield p
    kodi.abort()


def _ids_of(body):
    return (body.get("movie") or body.get("show"))["ids"]


# -- push: each convention scrobbled with the right ids, or not at all -------------------------

def test_a_plugin_movie_with_uniqueids_is_scrobbled_with_them(kodi, push):
    install_test_player(kodi)
    push.pause_at_40_and_stop("uniqueids")
    sent = push.scrobbles()
    assert [a for a, _ in sent] == ["start", "pause", "stop"]
    assert all(b["movie"]["ids"] == MATRIX for _, b in sent)
    assert sent[1][1]["movie"]["title"] == "The Matrix" and abs(sent[1][1]["progress"] - 40.0) <= 0.1


def test_b_only_script_trakt_ids_names_the_movie(kodi, push):
    install_test_player(kodi)
    push.pause_at_40_and_stop("trakt_ids")
    sent = push.scrobbles()
    assert [a for a, _ in sent] == ["start", "pause", "stop"]
    assert all(b["movie"]["ids"] == INTERSTELLAR for _, b in sent)


def test_c_episode_goes_with_its_shows_ids_from_script_trakt_ids_never_its_own(kodi, push):
    install_test_player(kodi)
    push.pause_at_40_and_stop("episode")
    sent = push.scrobbles()
    assert [a for a, _ in sent] == ["start", "pause", "stop"]
    for _, body in sent:
        assert body["show"]["ids"] == GOT and body["episode"] == {"season": 1, "number": 3}
        assert "3436461" not in json.dumps(body) and "tt1480055" not in json.dumps(body)
    held = push.standin.state()["playbacks"]
    assert len(held) == 1 and held[0]["show"]["title"] == "Game of Thrones"


def test_d_item_marked_script_trakt_exclude_sends_nothing(kodi, push):
    install_test_player(kodi)
    push.pause_at_40_and_stop("exclude")
    assert push.scrobbles() == [] and push.ctx.outbox.count() == 0
    assert any("script.trakt.exclude" in m for _, m in kodi.logs)


def test_e_tmdbhelper_player_info_string_names_the_episode_by_its_show(kodi, push):
    install_test_player(kodi)
    push.pause_at_40_and_stop("tmdbhelper")
    sent = push.scrobbles()
    assert [a for a, _ in sent] == ["start", "pause", "stop"]
    assert sent[0][1]["show"]["ids"] == {"tmdb": 1399, "imdb": "tt0944947", "tvdb": 121361}
    assert sent[0][1]["episode"] == {"season": 2, "number": 1}


def test_f_no_ids_and_no_library_match_sends_nothing_and_logs_why(kodi, push):
    install_test_player(kodi)
    push.pause_at_40_and_stop("nothing")
    assert push.scrobbles() == []
    [line] = [m for _, m in kodi.logs if "nothing identifiable" in m]
    assert "no ids" in line and "script.trakt.ids" in line


def test_left_over_script_trakt_ids_are_not_used_once_the_addon_cleared_them(kodi, push):
    module = install_test_player(kodi)
    push.pause_at_40_and_stop("trakt_ids")
    clear_properties(kodi, module)
    push.standin.clear_requests()
    push.pause_at_40_and_stop("nothing")
    assert push.scrobbles() == []


def test_same_plugin_url_played_again_is_still_identified_by_the_info_tag(kodi, push):
    """[live, Kodi 20.1] the replay of a plugin URL: Player.GetItem says only "unknown"."""
    install_test_player(kodi)
    push.pause_at_40_and_stop("uniqueids")
    push.standin.clear_requests()
    push.pause_at_40_and_stop("uniqueids")
    assert [a for a, _ in push.scrobbles()] == ["start", "pause", "stop"]
    assert all(b["movie"]["ids"] == MATRIX for _, b in push.scrobbles())


def test_excluded_library_item_played_through_an_addon_is_not_scrobbled_either(kodi, push):
    import xbmcgui

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, duration=CLIP_LEN, runtime=3000)
    path = kodi.library.movies[movieid]["file"]
    item = xbmcgui.ListItem("Heat", path=path)
    item.getVideoInfoTag().setDbId(movieid)
    item.getVideoInfoTag().setMediaType("movie")
    item.setProperty("script.trakt.exclude", "true")
    kodi.plugin_urls["plugin://plugin.video.other/heat"] = item
    kodi.player.play_file("plugin://plugin.video.other/heat")
    push.deliver()
    kodi.player.stop()
    push.deliver()
    assert push.scrobbles() == []


# -- the prompt: another device's position for (a) ------------------------------------------------

def _matrix_paused_elsewhere(kodi, progress=40.0, ago=PAUSED_AGO):
    return movie_playback(21, "The Matrix", 1999, {"imdb": "tt0133093", "tmdb": "603", "simkl": "1"},
                          progress=progress, paused_epoch=kodi.clock.now() - ago)


def test_prompt_offers_another_devices_position_for_a_plugin_movie_and_yes_seeks_there(kodi):
    install_test_player(kodi)
    h = Prompt(kodi, [_matrix_paused_elsewhere(kodi)])
    kodi.answer("yesno", True)
    kodi.player.play_file(case_url("uniqueids"))
    h.idle()
    [dialog] = h.prompts()
    assert dialog["message"] == "Resume at 20:00 (paused on another device 2 h ago)?"
    assert kodi.player.picture() == pytest.approx(0.4 * CLIP_LEN)
    kodi.abort()


def test_prompt_stays_quiet_when_this_kodi_played_the_url_after_the_other_device_paused(kodi):
    install_test_player(kodi)
    h = Prompt(kodi, [_matrix_paused_elsewhere(kodi)])
    kodi.player.play_file(case_url("uniqueids"))      # prompted once (times out: No)
    h.idle()
    kodi.clock.advance(60)
    kodi.player.stop()                                # Kodi notes lastplayed for the plugin URL
    h.idle()
    kodi.player.play_file(case_url("uniqueids"))
    h.idle()
    assert len(h.prompts()) == 1
    kodi.abort()


def test_prompt_offers_the_episode_by_its_shows_ids_and_numbers_not_another_episode(kodi):
    from tests.test_menu_support import episode_playback

    install_test_player(kodi)
    ids = {"tvdb": "121361", "imdb": "tt0944947"}
    h = Prompt(kodi, [episode_playback(31, "Game of Thrones", 2011, ids, 1, 4, progress=70.0,
                                       paused_epoch=kodi.clock.now() - 60),
                      episode_playback(32, "Game of Thrones", 2011, ids, 1, 3, progress=50.0,
                                       paused_epoch=kodi.clock.now() - 600)])
    kodi.player.play_file(case_url("episode"))     # S01E03
    h.idle()
    [dialog] = h.prompts()
    assert dialog["message"] == "Resume at 25:00 (paused on another device 10 min ago)?"
    kodi.abort()


def test_prompt_never_offers_a_position_for_an_excluded_item(kodi):
    install_test_player(kodi)
    jumanji = movie_playback(22, "Jumanji", 1995, {"imdb": "tt0113497"}, paused_epoch=kodi.clock.now() - 60)
    h = Prompt(kodi, [jumanji])
    kodi.player.play_file(case_url("exclude"))
    h.idle()
    assert h.prompts() == []
    kodi.abort()


# -- the fake Kodi behaves like real Kodi 20.1 here ------------------------------------------------

def test_fake_kodi_replay_of_a_plugin_url_reports_unknown_but_keeps_the_info_tag_and_properties(kodi):
    import xbmc

    install_test_player(kodi)

    def get_item():
        return json.loads(xbmc.executeJSONRPC(json.dumps({
            "jsonrpc": "2.0", "id": 1, "method": "Player.GetItem",
            "params": {"playerid": kodi.player.active_playerid(),
                       "properties": ["uniqueid", "file", "customproperties"]}})))["result"]["item"]

    kodi.player.play_file(case_url("exclude"))
    first = get_item()
    assert first["type"] == "movie" and first["uniqueid"]["imdb"] == "tt0113497" and first["file"] == CLIP
    assert first["customproperties"]["script.trakt.exclude"] == "true"
    kodi.player.stop()
    assert json.loads(xbmc.executeJSONRPC(json.dumps({
        "jsonrpc": "2.0", "id": 2, "method": "Files.GetFileDetails",
        "params": {"file": case_url("exclude"), "media": "video", "properties": ["lastplayed"]}})))[
        "result"]["filedetails"]["lastplayed"]
    kodi.player.play_file(case_url("exclude"))
    again = get_item()
    assert again["type"] == "unknown" and "uniqueid" not in again and again["file"] == case_url("exclude")
    assert again["customproperties"]["script.trakt.exclude"] == "true"
    tag = xbmc.Player().getVideoInfoTag()
    assert (tag.getMediaType(), tag.getUniqueID("imdb")) == ("movie", "tt0113497")
    assert xbmc.getInfoLabel("Player.Filenameandpath") == case_url("exclude")


def test_settings_page_says_which_sources_the_addon_can_track(kodi):
    stype, _default = kodi.setting_defs["tracked_sources"]
    assert stype == "string"
    import xml.etree.ElementTree as ET

    settings_xml = Path(kodi.repo_root) / "resources" / "settings.xml"
    setting = next(el for el in ET.parse(str(settings_xml)).iter("setting")
                   if el.get("id") == "tracked_sources")
    assert setting.find("enable").text == "false"  # information, not an option: Kodi cannot focus it,
    push = next(el for el in ET.parse(str(settings_xml)).iter("setting") if el.get("id") == "push_enabled")
    assert push.get("help") == setting.get("help")  # so the focusable "Send positions" shows the details
    label, help_text = kodi.strings[int(setting.get("label"))], kodi.strings[int(setting.get("help"))]
    assert "library" in label and "ids" in label
    for source in ("library", "unique ids", "script.trakt.ids", "TMDbHelper", "script.trakt.exclude",
                   "show's ids"):
        assert source in help_text, source


def test_our_menus_item_is_not_renamed_by_a_left_over_script_trakt_ids(kodi, push):
    """Kodi 20.1 reports our menu's second play as an "unknown" plugin URL: the menu marker (our
    own library item) comes before another addon's window property left from earlier."""
    import xbmcgui

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277", "tmdb": "949"}, duration=CLIP_LEN,
                                     runtime=3000)
    push.standin.seed(catalog=[{"type": "movie", "title": "Heat", "year": 1995,
                                "ids": {"imdb": "tt0113277", "tmdb": 949, "simkl": 5}, "runtime": 100}])
    home = xbmcgui.Window(10000)
    home.setProperty("script.trakt.ids", json.dumps(INTERSTELLAR))  # never cleared by its addon
    url = "plugin://plugin.video.simkl.resume/play?id=5000000001"

    def menu_play():  # what actions.play writes before each setResolvedUrl
        home.setProperty("plugin.video.simkl.resume.menu_play", json.dumps(
            {"file": kodi.library.movies[movieid]["file"], "dbid": movieid, "type": "movie",
             "playback_id": 5000000001, "at": kodi.clock.now()}))
        kodi.player.play_file(url)

    kodi.plugin_urls[url] = xbmcgui.ListItem("Heat", path=kodi.library.movies[movieid]["file"])
    menu_play()
    kodi.player.stop()
    menu_play()                             # the second play: Player.GetItem says "unknown"
    push.deliver()
    kodi.player.stop()
    push.deliver()
    sent = push.scrobbles()
    assert sent and all(b["movie"]["ids"]["imdb"] == "tt0113277" for _, b in sent), sent


class _Kodi19Tag:
    """Kodi 19's player info tag: no getUniqueID; the default uniqueid in getIMDBNumber."""

    def __init__(self, mediatype, imdbnumber):
        self.mediatype, self.imdbnumber = mediatype, imdbnumber

    def getMediaType(self):
        return self.mediatype

    def getIMDBNumber(self):
        return self.imdbnumber

    def getTitle(self):
        return "The Matrix"


class _Kodi19Player:
    def __init__(self, tag):
        self.tag = tag

    def info_tag(self):
        return self.tag


@pytest.mark.parametrize("imdbnumber, identified", [("tt0133093", True), ("3436461", False)])
def test_kodi_19_replay_is_identified_by_the_tags_imdb_number_only_when_it_is_an_imdb_id(
        kodi, imdbnumber, identified):
    """[live, 19.1] the replayed plugin URL: Player.GetItem says "unknown", the tag has no
    getUniqueID; its IMDBNumber (the default uniqueid) is all that is left."""
    from simkl_resume.core.identity import identify
    from simkl_resume.kodi.sources import observe

    observed = observe(_Kodi19Player(_Kodi19Tag("movie", imdbnumber)), {"type": "unknown", "file": "plugin://x/"})
    found = identify(observed)
    assert (found.item is not None) is identified
    if identified:
        assert found.item.ids == {"imdb": "tt0133093"}
