"""Issue 13 item 2: this device's own scrobbles are known. core.own decides; the sender
remembers what it delivered (delivered.py); the list says "paused on this Kodi", the prompt
never offers it as "from another device", the mirror leaves it to Kodi."""
import pytest

from simkl_resume import ADDON_ID
from simkl_resume.core import own
from simkl_resume.core.model import Playback

MOVIE_BODY = {"movie": {"title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277", "tmdb": 949}},
              "progress": 40.0}
EPISODE_BODY = {"show": {"title": "Breaking Bad", "ids": {"tvdb": 81189}},
                "episode": {"season": 1, "number": 2}, "progress": 33.33}


def pb(progress=40.0, paused=1000.0, ids=None, type_="movie", **kw):
    return Playback(id=1, progress=progress, paused_at="", paused_epoch=paused, type=type_,
                    kind="movie" if type_ == "movie" else "show", title="x",
                    ids=ids or {"imdb": "tt0113277"}, **kw)


def events_of(*delivered):
    events = {}
    for body, action, at in delivered:
        events = own.remember(events, own.event_from_body(body, action, at))
    return events


def test_the_playback_this_device_left_is_its_own():
    events = events_of((MOVIE_BODY, "stop", 990.0))
    assert own.own_event(events, pb(40.0, paused=991.0))["action"] == "stop"


def test_another_devices_later_pause_of_the_same_item_is_not_own():
    events = events_of((MOVIE_BODY, "stop", 990.0))
    assert own.own_event(events, pb(62.5, paused=5000.0)) is None


def test_an_older_playback_from_before_this_devices_delivery_is_not_own():
    events = events_of((MOVIE_BODY, "pause", 5000.0))
    assert own.own_event(events, pb(40.0, paused=1000.0)) is None


def test_other_item_and_start_events_are_not_own():
    events = events_of((MOVIE_BODY, "start", 990.0))
    assert events == {}
    events = events_of((MOVIE_BODY, "pause", 990.0))
    assert own.own_event(events, pb(40.0, paused=991.0, ids={"imdb": "tt0000001"})) is None


def test_episode_is_own_by_show_ids_and_numbers_simkl_or_tvdb():
    events = events_of((EPISODE_BODY, "pause", 990.0))
    same = pb(33.33, paused=995.0, ids={"tvdb": "81189"}, type_="episode", season=1, number=2)
    anime = pb(33.33, paused=995.0, ids={"tvdb": "81189"}, type_="episode", season=1, number=14,
               tvdb_season=1, tvdb_number=2)
    other = pb(33.33, paused=995.0, ids={"tvdb": "81189"}, type_="episode", season=1, number=3)
    assert own.own_event(events, same) is not None
    assert own.own_event(events, anime) is not None
    assert own.own_event(events, other) is None


def test_only_the_last_delivery_per_item_counts_and_the_store_is_bounded():
    events = events_of((MOVIE_BODY, "pause", 990.0), (dict(MOVIE_BODY, progress=45.0), "stop", 1200.0))
    assert len(events) == 1
    assert own.own_event(events, pb(40.0, paused=991.0)) is None
    assert own.own_event(events, pb(45.0, paused=1201.0)) is not None
    many = {}
    for n in range(own.MAX_EVENTS + 5):
        body = {"movie": {"ids": {"imdb": "tt%07d" % n}}, "progress": 10}
        many = own.remember(many, own.event_from_body(body, "pause", float(n)))
    assert len(many) == own.MAX_EVENTS
    assert "movie:imdb=tt0000000" not in many


# ------------------------------------------------------------------- one fake Kodi, whole service

class Household:
    """One fake Kodi running push, pull, resume list, mirror and prompt against a stand-in whose
    clock follows the fake Kodi's."""

    def __init__(self, kodi, linked):
        from simkl_resume.context import AddonContext
        from simkl_resume.service.mirror import ResumeMirror, chain
        from simkl_resume.service.prompt import PlayPrompt
        from simkl_resume.service.pull import PullSync
        from simkl_resume.service.push import ScrobblePush
        from simkl_resume.service.resume_list import ResumeListBuilder
        from tests._service_rig import FakeKodiSettings, QuietUi, start_service

        self.kodi = kodi
        self.standin = linked.server
        self.standin.seed(catalog=[{"type": "movie", "title": "Heat", "year": 1995,
                                    "ids": {"imdb": "tt0113277", "tmdb": 949}, "runtime": 100}])
        self.token = self.standin.add_user("household-token", "alice", type="pro")
        self.ctx = AddonContext(kodi.profile_dir, "0.1.0", now=kodi.clock.now,
                                env={"SIMKL_API_URL": self.standin.url, "SIMKL_CLIENT_ID": "household"})
        self.ctx.account.sign_in(self.token, "alice", "pro")
        self.builder = ResumeListBuilder(self.ctx)
        self.mirror = ResumeMirror(self.ctx)
        self.pull = PullSync(self.ctx, on_change=chain(self.builder.playbacks_changed,
                                                       self.mirror.playbacks_changed),
                             ui=QuietUi(), settings=FakeKodiSettings(kodi))
        self.push = ScrobblePush(self.ctx)
        self.prompt = PlayPrompt(self.ctx)
        self.workers = [self.push.sender, self.pull.worker, self.builder._worker, self.mirror._worker,
                        self.prompt.worker]
        start_service(kodi, [self.pull, self.builder, self.push, self.mirror, self.prompt],
                      workers=self.workers)
        self.idle()

    def idle(self):
        self.kodi.clock.settle()
        for worker in self.workers:
            assert worker.wait_idle(30), worker.name

    def run(self, seconds):
        for _ in range(int(seconds)):
            self.kodi.clock.advance(1)
            self.idle()

    def open_menu(self):
        self.kodi.send_notification(ADDON_ID, "Other.check", {"source": "menu"})
        self.run(3)

    def entries(self):
        from simkl_resume.resume_cache import load_resume_list

        return (load_resume_list(self.ctx.cache) or {}).get("entries") or []

    def prompts(self):
        return [d for d in self.kodi.dialogs if d["type"] == "yesno"]


@pytest.fixture
def household(kodi, make_standin):
    h = Household(kodi, make_standin())
    yield h
    kodi.abort()


def test_local_stop_at_40_percent_then_play_from_beginning_here_gives_no_prompt(kodi, household):
    from simkl_resume.plugin.menu import entry_details
    from tests.fakekodi.library import stream_details

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277", "tmdb": "949"}, runtime=6000,
                                     streamdetails=stream_details(6000))
    kodi.player.play_movie(movieid)
    household.run(2400)
    kodi.player.stop()                      # 40 %: Kodi keeps its own point, push sends the stop
    household.run(5)
    [held] = household.standin.state()["playbacks"]
    assert held["progress"] == pytest.approx(40.0, abs=0.1)
    household.run(30)                       # Simkl's paused_at is later than Kodi's lastplayed
    household.open_menu()
    [entry] = household.entries()
    assert entry["own"] is True
    assert "paused on this Kodi" in " · ".join(entry_details(entry, kodi.clock.now()))
    assert household.mirror.last_writes == []
    kodi.player.play_movie(movieid, at=0)   # "Play from beginning"
    household.run(5)
    assert household.prompts() == []
    assert household.prompt.shown == []


def test_another_devices_pause_after_this_ones_is_offered_again(kodi, household):
    from simkl_resume.core.ids import body_ids

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    kodi.player.play_movie(movieid)
    household.run(2400)
    kodi.player.stop()
    household.run(40)
    household.standin.add_playback(movie={"title": "Heat", "year": 1995,
                                          "ids": body_ids({"imdb": "tt0113277"})}, progress=60.0)
    household.open_menu()
    [entry] = household.entries()
    assert entry["own"] is False and entry["progress"] == 60.0
    kodi.player.play_movie(movieid, at=0)
    household.run(5)
    [dialog] = household.prompts()
    assert "another device" in dialog["message"]
