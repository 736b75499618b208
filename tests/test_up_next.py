"""Up next behind a real pull (fake Kodi + the Simkl stand-in): another device finishes an
episode, this Kodi's resume list offers the next one from the library (issue 18)."""
import pytest

from tests._service_rig import QuietUi
from tools.simkl_standin import StandIn
from tools.simkl_standin.testing import Api

TOKEN = "upnext-token"
BB_IDS = {"simkl": 11121, "imdb": "tt0903747", "tmdb": 1396, "tvdb": 81189}
CATALOG = [
    {"type": "show", "title": "Breaking Bad", "year": 2008, "ids": BB_IDS, "seasons": {"1": 7, "2": 13}},
    {"type": "show", "title": "The Office", "year": 2005, "ids": {"simkl": 17122, "tvdb": 73244}},
    {"type": "anime", "title": "One Piece", "year": 1999, "absolute": True,
     "ids": {"simkl": 600, "tvdb": 81797, "mal": 21},
     "episodes": [{"season": 1, "number": 149, "tvdb_season": 4, "tvdb_number": 13}]},
]
BB = {"ids": {"tvdb": 81189}}
OFFICE = {"ids": {"tvdb": 73244}}
ONE_PIECE = {"ids": {"mal": 21}}


class Rig:
    def __init__(self, kodi, standin):
        from simkl_resume.context import AddonContext
        from simkl_resume.service.pull import PullSync
        from simkl_resume.service.resume_list import ResumeListBuilder

        self.kodi = kodi
        self.standin = standin
        self.device_a = Api(standin, token=TOKEN)
        lib = kodi.library
        self.bb = lib.add_show("Breaking Bad", 2008, {"tvdb": "81189", "imdb": "tt0903747"},
                               art={"poster": "bb-poster.jpg", "fanart": "bb-fanart.jpg"})
        self.ep = {n: lib.add_episode(self.bb, 1, n, "Episode %d" % n, file="/tv/bb/s01e%02d.mkv" % n,
                                      duration=2820, art={"thumb": "bb-%d.jpg" % n}) for n in range(1, 8)}
        self.office = lib.add_show("The Office", 2005, {"tvdb": "73244"})
        self.office_ep = lib.add_episode(self.office, 1, 2, "Diversity Day", file="/tv/office/s01e02.mkv")
        self.op = lib.add_show("One Piece", 1999, {"tvdb": "81797"})
        self.op_ep = lib.add_episode(self.op, 4, 13, "Luffy", file="/tv/op/s04e13.mkv")
        self.ctx = AddonContext.from_kodi()
        self.ctx.env = {"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "upnext-tests"}
        self.ctx.account.sign_in(TOKEN, "alice", "free")
        self.builder = ResumeListBuilder(self.ctx)
        self.pull = PullSync(self.ctx, on_change=self.builder.playbacks_changed, ui=QuietUi())

    def finish(self, show, season, number, kind="show"):
        """Device A watches an episode to the end (scrobble stop at 95 %)."""
        episode = {"season": season, "number": number}
        reply = self.device_a.scrobble("stop", 95, **{kind: show, "episode": episode})
        assert reply.json()["action"] == "scrobble"

    def check(self):
        self.pull.run_check()

    def menu(self):
        from tests.test_menu_support import run

        return run(self.kodi, "/", handle=1).directory

    def up_next(self):
        return [i for i in self.menu().items if "/play_next?" in i.url]


@pytest.fixture
def rig(kodi):
    with StandIn() as standin:
        standin.add_user(TOKEN, "alice")
        standin.seed(catalog=CATALOG)
        yield Rig(kodi, standin)


def test_episode_finished_on_another_device_offers_the_next_one(rig):
    rig.finish(BB, 1, 5)
    rig.check()
    [item] = rig.up_next()
    label = item.listitem.getLabel()
    assert label.startswith("Breaking Bad — S01E06 Episode 6 · next after S01E05 watched")
    assert item.url.endswith("/play_next?episode=%d" % rig.ep[6])
    assert item.listitem.getProperty("IsPlayable") == "true"
    assert item.listitem.getArt("poster") == "bb-poster.jpg" and item.listitem.getArt("thumb") == "bb-6.jpg"
    tag = item.listitem.getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType()) == (rig.ep[6], "episode")
    assert (tag.getSeason(), tag.getEpisode()) == (1, 6)


def test_up_next_plays_the_library_episode_from_the_start(rig):
    import xbmc

    rig.finish(BB, 1, 5)
    rig.check()
    [item] = rig.up_next()
    assert rig.kodi.play_listitem(item.url)  # what a remote or a home-screen widget does
    rig.kodi.pump()
    assert xbmc.Player().getPlayingFile() == "/tv/bb/s01e06.mkv"
    assert xbmc.Player().getTime() == 0.0
    assert xbmc.Player().getVideoInfoTag().getDbId() == rig.ep[6]


def test_a_local_resume_point_wins_over_the_start(rig):
    from tests.test_menu_support import run

    rig.kodi.library.set_resume("episode", rig.ep[6], 705.0, 2820.0)
    rig.finish(BB, 1, 5)
    rig.check()
    [item] = rig.up_next()
    assert item.listitem.getVideoInfoTag().getResumeTime() == 705.0
    resolved = run(rig.kodi, item.url, handle=7).resolved
    assert resolved.listitem.getProperty("StartPercent") == "25.0"
    from_start = run(rig.kodi, item.url + "&from_start=1", handle=8).resolved
    assert from_start.succeeded and from_start.listitem.getProperty("StartPercent") == ""


def test_next_episode_missing_from_the_library_is_not_offered(rig):
    rig.finish(BB, 1, 7)  # S01E08 is not in this library
    rig.check()
    assert rig.up_next() == []


def test_next_episode_already_watched_here_is_not_offered(rig):
    rig.kodi.library.episodes[rig.ep[6]]["playcount"] = 1
    rig.finish(BB, 1, 5)
    rig.check()
    assert rig.up_next() == []


def test_next_episode_paused_elsewhere_too_is_offered_once_as_the_paused_entry(rig):
    rig.finish(BB, 1, 5)
    reply = rig.device_a.scrobble("pause", 30, show=BB, episode={"season": 1, "number": 6})
    assert reply.json()["action"] == "pause"
    rig.check()
    assert rig.up_next() == []
    labels = rig.menu().labels()
    assert [label for label in labels if "S01E06" in label] == ["Breaking Bad — S01E06 Episode 6"]


def test_a_show_with_a_paused_and_an_up_next_episode_is_read_from_the_library_once(rig):
    rig.finish(BB, 1, 5)
    reply = rig.device_a.scrobble("pause", 30, show=BB, episode={"season": 1, "number": 3})
    assert reply.json()["action"] == "pause"
    rig.kodi.jsonrpc_calls.clear()
    rig.check()
    [item] = rig.up_next()
    assert item.url.endswith("/play_next?episode=%d" % rig.ep[6])
    assert any("S01E03" in label for label in rig.menu().labels())
    reads = [(m, p.get("tvshowid")) for m, p in rig.kodi.jsonrpc_calls
             if m in ("VideoLibrary.GetEpisodes", "VideoLibrary.GetTVShowDetails")]
    assert sorted(reads) == [("VideoLibrary.GetEpisodes", rig.bb), ("VideoLibrary.GetTVShowDetails", rig.bb)]


def test_next_episode_watched_here_afterwards_leaves_up_next_at_its_library_update(rig):
    rig.finish(BB, 1, 5)
    rig.check()
    assert len(rig.up_next()) == 1
    rig.kodi.library.episodes[rig.ep[6]]["playcount"] = 1  # played to the end on this Kodi
    assert rig.builder.items_changed({("episode", rig.ep[6]): False})  # its VideoLibrary.OnUpdate
    assert rig.up_next() == []


def test_anime_numbered_absolutely_is_left_out_until_simkl_sends_its_tvdb_mapping(rig):
    rig.finish(ONE_PIECE, 1, 147, kind="anime")
    rig.check()  # first, full fetch: no full_anime_seasons, so "E148" cannot be placed
    assert rig.up_next() == []
    rig.finish(ONE_PIECE, 1, 148, kind="anime")
    rig.check()  # the delta (date_from) comes with full_anime_seasons: E149 = TVDB S04E13
    [item] = rig.up_next()
    assert item.url.endswith("episode=%d" % rig.op_ep)
    assert "next after E148" in item.listitem.getLabel()
    [delta] = [r for r in rig.standin.requests("/sync/all-items/anime") if r["query"].get("date_from")]
    assert delta["query"]["extended"] == "full_anime_seasons"


def test_a_show_taken_off_the_watchlist_leaves_up_next(rig):
    rig.finish(BB, 1, 5)
    rig.finish(OFFICE, 1, 1)
    rig.check()
    assert len(rig.up_next()) == 2
    rig.standin.clear_requests()
    rig.standin.list_status(None, show=OFFICE)
    rig.check()
    [item] = rig.up_next()
    assert "Breaking Bad" in item.listitem.getLabel()
    fetched = rig.standin.requests("/sync/all-items/shows")
    assert any(r["query"].get("extended") == "ids_only" for r in fetched)


def test_newest_watched_show_comes_first_after_the_paused_entries(rig):
    rig.finish(BB, 1, 5)
    rig.standin.advance(60)
    rig.finish(OFFICE, 1, 1)
    rig.device_a.scrobble("pause", 40, show=BB, episode={"season": 1, "number": 2})
    rig.check()
    labels = rig.menu().labels()
    assert labels[0] == "Breaking Bad — S01E02 Episode 2"
    assert labels[1].startswith("The Office — S01E02 Diversity Day · next after S01E01")
    assert labels[2].startswith("Breaking Bad — S01E06 Episode 6 · next after S01E05")


def test_first_fetch_is_full_then_date_from_and_idle_is_one_activities_call(rig):
    rig.check()
    first = rig.standin.requests("/sync/all-items")
    assert sorted(r["path"] for r in first) == ["/sync/all-items/anime/watching",
                                                "/sync/all-items/shows/watching"]
    assert all("date_from" not in r["query"] for r in first)
    saved = rig.standin.state()["activities"]["alice"]["tv_shows"]["watching"]
    rig.finish(BB, 1, 5)
    rig.standin.clear_requests()
    rig.check()
    [delta] = rig.standin.requests("/sync/all-items")
    assert (delta["path"], delta["query"]["date_from"]) == ("/sync/all-items/shows/watching", saved)
    rig.standin.clear_requests()
    rig.check()
    rig.check()
    assert [r["path"] for r in rig.standin.requests()] == ["/sync/activities", "/sync/activities"]


def test_setting_off_asks_simkl_for_nothing_and_lists_no_up_next(rig):
    rig.kodi.set_setting("up_next", False)
    rig.finish(BB, 1, 5)
    rig.check()
    assert rig.standin.requests("/sync/all-items") == []
    assert rig.up_next() == []


def test_turning_the_setting_off_hides_up_next_at_the_next_open(rig):
    rig.finish(BB, 1, 5)
    rig.check()
    assert len(rig.up_next()) == 1
    rig.kodi.set_setting("up_next", False)
    assert not rig.builder.list_is_current()  # the menu's check makes the service rebuild it
    rig.builder.playbacks_changed()
    assert rig.up_next() == []


def test_shows_last_watched_before_the_window_are_not_offered(rig):
    rig.kodi.set_setting("up_next_days", 1)
    rig.standin.advance(-2 * 86400)
    rig.finish(BB, 1, 5)  # two days ago
    rig.standin.advance(2 * 86400)
    rig.finish(OFFICE, 1, 1)  # now
    rig.check()
    assert [i.listitem.getLabel().split(" — ")[0] for i in rig.up_next()] == ["The Office"]


def test_a_watchlist_fetch_failure_keeps_the_playbacks_and_asks_again_next_time(rig):
    rig.finish(BB, 1, 5)
    rig.standin.fault("500", path="/sync/all-items", times=10)
    rig.check()
    assert rig.up_next() == []
    assert rig.ctx.cache.get("sync_status")["ok"]
    rig.standin.clear_faults()
    rig.check()
    assert len(rig.up_next()) == 1


def test_signing_out_forgets_the_watching_list_and_the_next_account_fetches_its_own_in_full(rig):
    from simkl_resume.plugin.account import forget_account_data
    from simkl_resume.context import KEY_UP_NEXT

    rig.finish(BB, 1, 5)
    rig.check()
    assert rig.ctx.cache.get(KEY_UP_NEXT) is not None
    forget_account_data(rig.ctx, resume_points=False)
    assert rig.ctx.cache.get(KEY_UP_NEXT) is None
    rig.standin.clear_requests()
    rig.check()
    assert all("date_from" not in r["query"] for r in rig.standin.requests("/sync/all-items"))
    assert len(rig.standin.requests("/sync/all-items")) == 2


def test_an_up_next_play_reported_as_our_plugin_url_still_matches_the_menu_marker(rig):
    """Kodi 20.1 reports a second menu play as our plugin URL (type unknown): the push side then
    identifies it through the marker, whose id the /play_next URL carries (see test_push)."""
    import json

    import xbmcgui

    from simkl_resume.kodi import playing
    from tests.test_menu_support import run

    rig.finish(BB, 1, 5)
    rig.check()
    [item] = rig.up_next()
    run(rig.kodi, item.url, handle=9)
    marker = json.loads(xbmcgui.Window(10000).getProperty(playing.MENU_PLAY_PROPERTY))
    assert (marker["dbid"], marker["type"], marker["file"]) == (rig.ep[6], "episode", "/tv/bb/s01e06.mkv")
    assert playing.marker_matches(marker, [item.url])
    assert playing.marker_matches(marker, [item.url + "&from_start=1"])
    other = "plugin://plugin.video.simkl.resume/play_next?episode=%d" % rig.ep[7]
    assert not playing.marker_matches(marker, [other])
