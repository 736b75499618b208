"""The push half end to end: fake Kodi player -> ScrobblePush -> outbox -> sender -> stand-in.

The service loop runs in a fake-Kodi thread on virtual time; the sender is a real thread
talking HTTP to the loopback stand-in. `deliver()` advances virtual time second by second
(the pace of the sender's tick) and waits for each sender run to finish.
"""
import json

import pytest

from simkl_resume.service.sender import ScrobbleSender
from simkl_resume.context import AddonContext
from simkl_resume.core import errors, scrobble
from simkl_resume.core.model import Activities
from simkl_resume.service.push import ScrobblePush
from tests._service_rig import start_service
from tools.simkl_standin import StandIn

MOVIE_IDS = {"imdb": "tt0113277", "tmdb": "949"}
SHOW_IDS = {"tvdb": "81189", "imdb": "tt0903747"}
MOVIE_LEN = 6000.0
EPISODE_LEN = 2800.0
TOKEN = "push-test-token-0123456789"


def _seed(s):
    s.seed(catalog=[
        {"type": "movie", "title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277", "tmdb": 949},
         "runtime": 100},
        {"type": "movie", "title": "Ronin", "year": 1998, "ids": {"imdb": "tt0122690"}, "runtime": 100},
        {"type": "show", "title": "Breaking Bad", "year": 2008,
         "ids": {"tvdb": 81189, "imdb": "tt0903747"}, "runtime": 47},
    ])
    s.add_user(TOKEN, "alice")


@pytest.fixture
def standin():
    with StandIn() as s:
        _seed(s)
        yield s


class Harness:
    def __init__(self, kodi, standin, signed_in=True):
        self.kodi = kodi
        self.standin = standin
        self.ctx = AddonContext(kodi.profile_dir, "0.1.0", now=kodi.clock.now,
                                env={"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "push-tests"})
        if signed_in:
            self.ctx.account.sign_in(TOKEN, name="alice", plan="free", account_id=standin.account_id(TOKEN))
        self.push = ScrobblePush(self.ctx)
        start_service(kodi, [self.push], workers=[self.push.sender])

    def idle(self):
        assert self.push.sender.wait_idle(30), "sender did not finish a run"

    def deliver(self, max_seconds=60, account=None):
        """Advance virtual time until the outbox (of `account`, default all) is empty (one
        sender run per second)."""
        self.idle()
        for _ in range(int(max_seconds)):
            if self.ctx.outbox.count(account) == 0:
                return
            self.kodi.clock.advance(1)
            self.idle()
        assert self.ctx.outbox.count(account) == 0, [e.last_error for e in self.ctx.outbox.all(account)]

    def run(self, seconds):
        """Let `seconds` of virtual time pass, one second at a time, letting the sender work."""
        for _ in range(int(seconds)):
            self.kodi.clock.advance(1)
            self.idle()

    def settle_setting(self, setting_id, seconds=10):
        """The setting's value once it stopped changing for 3 s (at most `seconds` s)."""
        value, same = self.kodi.get_setting(setting_id), 0
        for _ in range(seconds):
            self.run(1)
            same = same + 1 if self.kodi.get_setting(setting_id) == value else 0
            value = self.kodi.get_setting(setting_id)
            if same >= 3:
                break
        return value

    def truth(self, duration):
        return 100.0 * self.kodi.player.picture() / duration

    def scrobbles(self):
        return [(r["path"].rsplit("/", 1)[-1], r["body"]) for r in self.standin.requests("/scrobble/")
                if r["status"] == 201]

    def close(self):
        self.kodi.abort()


@pytest.fixture
def harness(kodi, standin):
    h = Harness(kodi, standin)
    yield h
    h.close()


def movie(kodi, title="Heat", uniqueid=None, duration=MOVIE_LEN, **kw):
    return kodi.library.add_movie(title, 1995, uniqueid or dict(MOVIE_IDS), duration=duration,
                                  runtime=int(duration), **kw)


def playbacks_of(standin, title):
    return [p for p in standin.state()["playbacks"]
            if (p.get("movie") or p.get("show") or {}).get("title") == title]


# -- the user's story ---------------------------------------------------------------------------
def test_play_pause_resume_seek_stop_at_40_percent_sends_exactly_those_scrobbles(kodi, harness, standin):
    movieid = movie(kodi)
    truths = []
    kodi.player.play_movie(movieid)
    truths.append(("start", 0.0))
    harness.deliver()
    kodi.clock.advance(600 - kodi.clock.now() % 1 - 3)  # play to about 10 %
    kodi.player.pause()
    truths.append(("pause", harness.truth(MOVIE_LEN)))
    harness.deliver()
    kodi.clock.advance(7)
    kodi.player.resume()
    truths.append(("start", harness.truth(MOVIE_LEN)))
    harness.deliver()
    kodi.clock.advance(300)
    kodi.player.seek(2100)  # 35 %
    truths.append(("start", harness.truth(MOVIE_LEN)))
    harness.deliver()
    kodi.clock.advance(2400 - kodi.player.picture())  # 40 %
    truths.append(("stop", harness.truth(MOVIE_LEN)))
    kodi.player.stop()
    harness.deliver()

    sent = harness.scrobbles()
    assert [action for action, _ in sent] == [action for action, _ in truths]
    for (action, body), (_, truth) in zip(sent, truths):
        assert body["movie"]["ids"] == {"imdb": "tt0113277", "tmdb": 949}
        assert abs(body["progress"] - truth) <= 0.5, (action, body["progress"], truth)
    assert len(standin.requests("/scrobble/")) == len(truths)  # nothing failed, nothing repeated
    held = playbacks_of(standin, "Heat")
    assert len(held) == 1 and abs(held[0]["progress"] - 40.0) <= 0.5


def test_stop_at_85_percent_marks_watched_and_leaves_no_playback(kodi, harness, standin):
    movieid = movie(kodi)
    kodi.player.play_movie(movieid, at=0.84 * MOVIE_LEN)
    harness.deliver()
    kodi.clock.advance(0.01 * MOVIE_LEN)
    kodi.player.stop()
    harness.deliver()
    assert [a for a, _ in harness.scrobbles()] == ["start", "stop"]
    assert abs(harness.scrobbles()[-1][1]["progress"] - 85.0) <= 0.5
    assert playbacks_of(standin, "Heat") == []
    assert [h["title"] for h in standin.state()["history"]] == ["Heat"]


def test_episode_scrobble_carries_the_shows_ids_and_season_episode(kodi, harness, standin):
    showid = kodi.library.add_show("Breaking Bad", 2008, dict(SHOW_IDS), default_id="tvdb")
    epid = kodi.library.add_episode(showid, 2, 3, uniqueid={"tvdb": "999999"}, duration=EPISODE_LEN)
    kodi.player.play_episode(epid)
    kodi.clock.advance(0.3 * EPISODE_LEN)
    kodi.player.pause()
    harness.deliver()
    (_, start), (_, pause) = harness.scrobbles()
    assert pause["show"]["ids"] == {"tvdb": 81189, "imdb": "tt0903747"}
    assert pause["episode"] == {"season": 2, "number": 3}
    assert "movie" not in pause
    assert abs(pause["progress"] - 30.0) <= 0.5
    held = playbacks_of(standin, "Breaking Bad")
    assert len(held) == 1 and held[0]["episode"]["season"] == 2


@pytest.mark.parametrize("file", [None, "/media/tv/Breaking Bad/S02E03E04.mkv"], ids=["one", "multi-episode"])
def test_library_episode_start_reads_its_show_from_kodi_once(kodi, harness, standin, file):
    showid = kodi.library.add_show("Breaking Bad", 2008, dict(SHOW_IDS), default_id="tvdb")
    epid = kodi.library.add_episode(showid, 2, 3, file=file, duration=EPISODE_LEN)
    if file:
        kodi.library.add_episode(showid, 2, 4, file=file, duration=EPISODE_LEN)
    kodi.player.play_episode(epid)
    harness.deliver()
    assert [a for a, _ in harness.scrobbles()] == ["start"]
    assert [c[0] for c in kodi.jsonrpc_calls].count("VideoLibrary.GetTVShowDetails") == 1


def test_natural_end_sends_stop_at_100(kodi, harness, standin):
    movieid = movie(kodi, duration=600.0)
    kodi.player.play_movie(movieid, at=590)
    harness.deliver()
    kodi.clock.advance(15)
    harness.deliver()
    assert [(a, b["progress"]) for a, b in harness.scrobbles()] == [("start", 98.33), ("stop", 100.0)]


# -- offline, faults, pacing --------------------------------------------------------------------
def _post_times(standin):
    return [r["time"] for r in standin.requests("/scrobble/", method="POST")]


def assert_at_most_one_post_per_second(standin):
    times = _post_times(standin)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= 0.9 for gap in gaps), gaps


def test_thirty_minutes_offline_loses_nothing_and_ends_in_the_users_last_state(kodi, harness, standin):
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    showid = kodi.library.add_show("Breaking Bad", 2008, dict(SHOW_IDS))
    ep = kodi.library.add_episode(showid, 1, 1, duration=EPISODE_LEN)
    standin.fault("503", path="/scrobble/", method="POST", times=10)
    standin.fault("reset", path="/scrobble/", method="POST", times=1000)

    kodi.player.play_movie(heat)                     # Heat: pause 10 %, resume, stop 30 %
    harness.run(600)
    kodi.player.pause()
    harness.run(60)
    kodi.player.resume()
    harness.run(1200)
    kodi.player.stop()
    kodi.player.play_episode(ep)                     # episode watched to 85 %
    kodi.clock.advance(0.85 * EPISODE_LEN)
    kodi.player.stop()
    kodi.player.play_movie(ronin)                    # Ronin: pause 5 %, resume, pause 8 %
    harness.run(300)
    kodi.player.pause()
    harness.run(10)
    kodi.player.resume()
    harness.run(180)
    kodi.player.pause()
    harness.run(30)
    assert standin.state()["playbacks"] == [] and standin.state()["history"] == []
    assert harness.ctx.outbox.count() >= 3  # still queued, not lost

    standin.clear_faults()                            # Simkl is back
    harness.deliver(max_seconds=20 * 60)

    delivered = [(a, b.get("movie", b.get("show"))["title"], b["progress"]) for a, b in harness.scrobbles()]
    expected = [("stop", "Heat"), ("stop", "Breaking Bad"), ("pause", "Ronin")]
    assert [(a, t) for a, t, _ in delivered] == expected
    assert abs(delivered[0][2] - 30.0) <= 0.5 and delivered[1][2] >= 85.0
    assert abs(delivered[2][2] - 8.0) <= 0.5
    state = standin.state()
    assert sorted((p["movie"]["title"], round(p["progress"])) for p in state["playbacks"]) == [
        ("Heat", 30), ("Ronin", 8)]
    assert [h["title"] for h in state["history"]] == ["Breaking Bad"]
    assert_at_most_one_post_per_second(standin)


# -- newest wins on the way out ------------------------------------------------------------------
@pytest.fixture
def linked_harness(kodi, make_standin):
    """The harness against a stand-in whose clock follows Kodi's (times compare)."""
    linked = make_standin()
    _seed(linked.server)
    h = Harness(kodi, linked.server)
    yield h
    h.close()


def _other_device_pauses(standin, progress, ids=None):
    """Another Kodi (or the Simkl app) of the same account saves a position now (through the
    stand-in's control API: this Kodi's own POSTs are faulted)."""
    ids = ids or {"imdb": "tt0113277"}
    standin.add_playback({"movie": {"ids": ids}, "progress": progress, "user": TOKEN})


@pytest.mark.parametrize("last_event", ["pause", "start"])
def test_event_queued_offline_is_not_sent_over_a_newer_position_from_another_device(kodi, linked_harness,
                                                                                    last_event):
    harness, standin = linked_harness, linked_harness.standin
    heat = movie(kodi)
    standin.fault("reset", path="/scrobble/", method="POST", times=1000)
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)   # offline: Heat at 20 %
    if last_event == "pause":
        kodi.player.pause()
    harness.run(120)
    _other_device_pauses(standin, 60.0)    # meanwhile the bedroom Kodi: 60 %
    harness.run(60)
    standin.clear_faults()
    harness.deliver(max_seconds=20 * 60)

    held = playbacks_of(standin, "Heat")
    assert [round(p["progress"]) for p in held] == [60]     # the newer position stays
    assert [r for r in standin.requests("/scrobble/") if r["status"] == 201] == []
    assert "Simkl holds a newer position" in kodi.log_text()
    assert [r["path"] for r in standin.requests("/sync/playback")] == ["/sync/playback/movies"]


def test_event_queued_offline_is_sent_over_an_older_position_from_another_device(kodi, linked_harness):
    harness, standin = linked_harness, linked_harness.standin
    heat = movie(kodi)
    _other_device_pauses(standin, 60.0)    # the bedroom Kodi paused first
    harness.run(60)
    standin.fault("reset", path="/scrobble/", method="POST", times=1000)
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)   # then this Kodi, offline: 20 %
    kodi.player.pause()
    harness.run(120)
    standin.clear_faults()
    harness.deliver(max_seconds=20 * 60)

    assert [round(p["progress"]) for p in playbacks_of(standin, "Heat")] == [20]
    assert "newer position" not in kodi.log_text()


def test_a_newer_position_of_another_item_does_not_stop_the_queued_event(kodi, linked_harness):
    harness, standin = linked_harness, linked_harness.standin
    heat = movie(kodi)
    standin.fault("reset", path="/scrobble/", method="POST", times=1000)
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)
    kodi.player.pause()
    harness.run(120)
    _other_device_pauses(standin, 60.0, ids={"imdb": "tt0122690"})  # Ronin, not Heat
    standin.clear_faults()
    harness.deliver(max_seconds=20 * 60)
    held = sorted((p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"])
    assert held == [("Heat", 20), ("Ronin", 60)]


def test_an_event_sent_at_once_costs_no_extra_request(kodi, linked_harness):
    harness, standin = linked_harness, linked_harness.standin
    kodi.player.play_movie(movie(kodi), at=0.2 * MOVIE_LEN)
    harness.idle()  # the start went out (else it is collapsed into the pause: one POST, no check)
    kodi.player.pause()
    harness.deliver()
    assert {r["path"] for r in standin.requests()} <= {"/scrobble/start", "/scrobble/pause"}  # no GET


def test_a_failed_newer_position_check_keeps_the_event_for_later_instead_of_sending_blind(kodi,
                                                                                         linked_harness):
    harness, standin = linked_harness, linked_harness.standin
    heat = movie(kodi)
    standin.fault("reset", path="/scrobble/", method="POST", times=1000)
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)
    kodi.player.pause()
    harness.run(60)
    standin.clear_faults()
    standin.fault("503", path="/sync/activities", method="GET", times=2)
    standin.clear_requests()
    harness.deliver(max_seconds=20 * 60)
    assert [round(p["progress"]) for p in playbacks_of(standin, "Heat")] == [20]
    assert [(r["path"], r["status"]) for r in standin.requests()] == [
        ("/sync/activities", 503), ("/sync/activities", 503), ("/sync/activities", 200),
        ("/scrobble/pause", 201)]  # sent only after a good check


def test_429_and_scrobble_lock_are_retried_later_not_dropped(kodi, harness, standin):
    movieid = movie(kodi)
    standin.fault("429", path="/scrobble/", method="POST", times=1)
    lock = standin.app.state.users[TOKEN].scrobble_lock
    kodi.player.play_movie(movieid)
    harness.run(3)
    assert [r["status"] for r in standin.requests("/scrobble/")] == [429]
    lock.acquire()  # another device of this user is scrobbling: 400 RATE_LIMIT
    try:
        harness.run(int(scrobble.backoff_delay(1)) + 1)
        assert [r["status"] for r in standin.requests("/scrobble/")] == [429, 400]
        assert harness.ctx.outbox.count() == 1  # kept for a later try, not dropped
    finally:
        lock.release()
    harness.deliver()
    statuses = [r["status"] for r in standin.requests("/scrobble/")]
    assert statuses[:2] == [429, 400] and statuses[-1] == 201 and set(statuses[2:-1]) <= {400}
    assert_at_most_one_post_per_second(standin)


def test_one_item_failing_with_5xx_does_not_hold_back_other_items(kodi, harness, standin):
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    standin.fault("503", path="/scrobble/", method="POST", times=1000, body="tt0113277")
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)
    kodi.player.pause()
    kodi.player.stop()
    kodi.player.play_movie(ronin, at=0.3 * MOVIE_LEN)
    kodi.player.pause()
    harness.run(8)
    held = [(p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"]]
    assert held == [("Ronin", 30)]
    assert [e.item_key for e in harness.ctx.outbox.all()] == ["movie:imdb=tt0113277"]  # Heat kept
    standin.clear_faults()
    harness.deliver(max_seconds=120)
    held = sorted((p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"])
    assert held == [("Heat", 20), ("Ronin", 30)]
    assert_at_most_one_post_per_second(standin)


def test_an_item_failing_for_a_day_is_parked_and_the_settings_page_says_so(kodi, harness, standin,
                                                                          monkeypatch):
    # The fake Kodi's service loop ticks every virtual second: a real day would take minutes
    # here, so the caps shrink (the real ones: test_an_event_failing_for_a_day_is_parked_...).
    monkeypatch.setattr(scrobble, "MAX_FAILURES", 4)
    monkeypatch.setattr(scrobble, "PARK_AFTER", 120.0)
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    standin.fault("503", path="/scrobble/", method="POST", times=100000, body="tt0113277")
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)
    kodi.player.pause()
    kodi.player.stop()
    harness.run(3)
    for _ in range(400):                               # jump from one retry to the next
        if not harness.ctx.outbox.count():
            break
        due = harness.push.sender.next_due
        harness.kodi.clock.advance(max(1.0, (due or 0) - kodi.clock.now()))
        harness.idle()
    assert harness.ctx.outbox.count() == 0
    (parked,) = harness.ctx.outbox.parked(harness.ctx.account.queue_key)
    assert parked.item_key == "movie:imdb=tt0113277" and parked.failures >= scrobble.MAX_FAILURES - 1
    assert harness.settle_setting("queue_status") == "1 set aside after failing for a day (see the log)"
    assert "parked: kept on disk, not sent again" in kodi.log_text()
    posts = len(standin.requests("/scrobble/"))
    kodi.player.play_movie(ronin, at=0.3 * MOVIE_LEN)   # the queue goes on
    kodi.player.pause()
    harness.deliver()
    held = [(p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"]]
    assert held == [("Ronin", 30)]
    later = {r["body"]["movie"]["ids"]["imdb"] for r in standin.requests("/scrobble/")[posts:]}
    assert later == {"tt0122690"}                       # Heat is never tried again


def test_settings_page_shows_how_many_positions_wait_to_be_sent(kodi, harness, standin):
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    assert kodi.get_setting("queue_status") == ""
    standin.fault("reset", path="/scrobble/", method="POST", times=1000)
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)
    kodi.player.stop()
    assert harness.settle_setting("queue_status") == "1 position waiting to be sent"
    kodi.player.play_movie(ronin, at=0.3 * MOVIE_LEN)
    kodi.player.pause()
    assert harness.settle_setting("queue_status") == "2 positions waiting to be sent"
    standin.clear_faults()
    harness.deliver(max_seconds=120)
    assert harness.settle_setting("queue_status") == ""


def test_refused_scrobble_is_dropped_and_the_next_one_still_goes(kodi, harness, standin):
    unknown = movie(kodi, "Unknown", {"imdb": "tt9999999"})
    heat = movie(kodi)
    kodi.player.play_movie(unknown)
    harness.deliver()
    kodi.player.play_movie(heat)
    harness.deliver()
    statuses = [(r["status"], r["body"]["movie"]["ids"]["imdb"]) for r in standin.requests("/scrobble/")]
    assert statuses[0] == (404, "tt9999999")
    assert (201, "tt0113277") in statuses
    assert "refused for good" in kodi.log_text()


def _sign_in_through_the_plugin(kodi, harness, token):
    """What /login does once the PIN is approved (account._signed_in): /users/settings for the
    name, plan and account id (may fail), store the sign-in, ask the service for a check."""
    from simkl_resume.plugin import account as account_routes
    from simkl_resume.kodi import ui

    client = harness.ctx.client(token=token)
    account_routes._signed_in(harness.ctx, ui, client, token)
    kodi.pump()


def test_revoked_token_keeps_events_until_the_same_account_signs_in_again(kodi, harness, standin):
    movieid = movie(kodi)
    standin.fault("401", path="/scrobble/", method="POST", times=1)
    kodi.player.play_movie(movieid)
    harness.run(30)
    assert [r["status"] for r in standin.requests("/scrobble/")] == [401]
    assert harness.ctx.outbox.count() == 1
    assert harness.ctx.account.token is None  # the 401 signed this Kodi out...
    assert len(kodi.notifications) == 1       # ...and said so, once
    kodi.player.pause()                       # still queued, under the account's id
    harness.run(2)
    assert {e.account for e in harness.ctx.outbox.all()} == {"id:%d" % standin.account_id(TOKEN)}
    _sign_in_through_the_plugin(kodi, harness, standin.add_token(TOKEN, "new-token-abcdef"))
    assert harness.ctx.account.queue_key == "id:%d" % standin.account_id(TOKEN)
    harness.run(15)
    harness.deliver()
    assert [r["status"] for r in standin.requests("/scrobble/")] == [401, 201]
    assert standin.requests("/scrobble/")[-1]["headers"]["Authorization"] == "Bearer new-token-abcdef"
    assert [round(p["progress"]) for p in playbacks_of(standin, "Heat")] == [0]
    assert TOKEN not in kodi.log_text() and "new-token-abcdef" not in kodi.log_text()


def _heat_stopped_through_a_401(kodi, harness, standin):
    """Heat played to 40 % and stopped; its first POST got a 401: this Kodi is signed out
    and Heat's stop is kept under the account's id. Returns (heat, ronin) library ids."""
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    standin.fault("401", path="/scrobble/", method="POST", times=1)
    kodi.player.play_movie(heat, at=0.4 * MOVIE_LEN)
    kodi.player.pause()
    kodi.player.stop()
    harness.run(5)
    return heat, ronin


def test_users_settings_failing_at_sign_in_is_retried_and_strands_nothing(kodi, harness, standin):
    _, ronin = _heat_stopped_through_a_401(kodi, harness, standin)  # Heat's stop kept under id:N
    assert harness.ctx.account.token is None and harness.ctx.outbox.count() == 1
    standin.fault("503", path="/users/settings", times=4)  # the sign-in's and the first retries
    _sign_in_through_the_plugin(kodi, harness, standin.add_token(TOKEN, "new-token-abcdef"))
    provisional = harness.ctx.account.queue_key
    assert provisional.startswith("signin:") and harness.ctx.account.load()["account_id"] is None
    kodi.player.play_movie(ronin, at=0.3 * MOVIE_LEN)  # queued under the provisional key: sent
    kodi.player.pause()
    harness.run(10)
    held = [(p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"]]
    assert held == [("Ronin", 30)]
    assert harness.ctx.outbox.count("id:%d" % standin.account_id(TOKEN)) == 1   # Heat waits for the id
    harness.run(int(4 * 60))                     # /users/settings retried every 60 s, then answers
    assert harness.ctx.account.queue_key == "id:%d" % standin.account_id(TOKEN)
    harness.deliver()
    held = sorted((p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"])
    assert held == [("Heat", 40), ("Ronin", 30)] and harness.ctx.outbox.all() == []
    assert not [n for n in kodi.notifications if "another Simkl account" in n["message"]]  # same account
    settings_calls = [r["status"] for r in standin.requests("/users/settings")]
    assert settings_calls[:4] == [503] * 4 and settings_calls[-1] == 200 and len(settings_calls) <= 6


def test_events_of_another_account_are_never_sent_with_the_new_token_and_said_once(kodi, harness, standin):
    _, ronin = _heat_stopped_through_a_401(kodi, harness, standin)  # alice: Heat's stop kept for her
    bob = standin.add_user("bob-token-0123456789", "bob")
    _sign_in_through_the_plugin(kodi, harness, bob)
    assert harness.ctx.account.queue_key == "id:%d" % standin.account_id(bob)
    kodi.player.play_movie(ronin, at=0.3 * MOVIE_LEN)
    kodi.player.pause()
    harness.run(30)
    harness.deliver(account=harness.ctx.account.queue_key)
    bobs = [r for r in standin.requests("/scrobble/") if r["headers"]["Authorization"] == "Bearer " + bob]
    assert {r["body"]["movie"]["ids"]["imdb"] for r in bobs} == {"tt0122690"}   # never alice's Heat
    assert [e.account for e in harness.ctx.outbox.all()] == ["id:%d" % standin.account_id(TOKEN)]
    told = [n for n in kodi.notifications if "another Simkl account" in n["message"]]
    assert len(told) == 1 and told[0]["message"].startswith("1 positions")
    restarted = ScrobbleSender(harness.ctx, log=lambda level, message: None)  # a Kodi restart's sender
    restarted.work()
    harness.run(30)
    assert len([n for n in kodi.notifications if "another Simkl account" in n["message"]]) == 1
    _sign_in_through_the_plugin(kodi, harness, standin.add_token(TOKEN, "alice-again-0123456789"))
    harness.run(5)
    harness.deliver()                             # alice's Heat goes, with alice's token
    last = standin.requests("/scrobble/")[-1]
    assert last["headers"]["Authorization"] == "Bearer alice-again-0123456789"
    assert last["body"]["movie"]["ids"]["imdb"] == "tt0113277"
    assert [round(p["progress"]) for p in playbacks_of(standin, "Heat")] == [40]


def test_client_id_refusal_keeps_events(kodi, harness, standin):
    movieid = movie(kodi)
    standin.fault("412", path="/scrobble/", method="POST", times=1)
    kodi.player.play_movie(movieid)
    harness.run(30)
    assert [r["status"] for r in standin.requests("/scrobble/")] == [412]
    assert harness.ctx.outbox.count() == 1


# -- the disk refuses inside a player callback ----------------------------------------------------
def _outbox_connection(harness):
    """The outbox's live SQLite connection (opened by a first read)."""
    harness.ctx.outbox.count()
    return harness.ctx.outbox._db._conn


def _read_only(harness):
    # What SQLite answers on a read-only profile: "attempt to write a readonly database".
    conn = _outbox_connection(harness)
    conn.execute("PRAGMA query_only=1")
    return lambda: conn.execute("PRAGMA query_only=0")


def _disk_full(harness):
    # A real SQLITE_FULL ("database or disk is full"): the file may not grow by one page more,
    # and what is left of the last pages is filled with another account's padding.
    import sqlite3

    conn = _outbox_connection(harness)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute("PRAGMA max_page_count=%d" % (pages + 2))
    for pad in (2000, 200, 20, 1):
        try:
            while True:
                harness.ctx.outbox.add("padding", "padding", "pause", {"pad": "x" * pad})
        except sqlite3.OperationalError as exc:
            assert "full" in str(exc)

    def repair():
        conn.execute("PRAGMA max_page_count=1000000")
        harness.ctx.outbox.drop([e.id for e in harness.ctx.outbox.all("padding")])

    return repair


@pytest.mark.parametrize("break_disk", [_read_only, _disk_full], ids=["read-only", "disk-full"])
def test_disk_error_in_a_player_callback_keeps_events_in_memory_and_tells_once(kodi, harness, standin,
                                                                              break_disk):
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    repair = break_disk(harness)
    kodi.player.play_movie(heat, at=0.2 * MOVIE_LEN)
    kodi.clock.advance(60)
    kodi.player.pause()
    kodi.player.stop()
    kodi.player.play_movie(ronin, at=0.5 * MOVIE_LEN)
    kodi.player.pause()
    harness.run(20)
    assert not kodi.callback_errors                   # nothing escaped into Kodi's callbacks
    assert harness.ctx.outbox.all(harness.ctx.account.queue_key) == []
    assert standin.requests("/scrobble/") == []
    assert len(harness.push._unwritten) >= 2          # kept in memory, in order
    told = [n for n in kodi.notifications if "Cannot write" in n["message"]]
    assert len(told) == 1
    assert harness.push.session.state == scrobble.PAUSED  # the service goes on

    repair()
    harness.run(6)
    assert harness.push._unwritten == []
    harness.deliver(max_seconds=60)
    held = sorted((p["movie"]["title"], round(p["progress"], 1)) for p in standin.state()["playbacks"])
    assert held == [("Heat", 21.0), ("Ronin", 50.0)]
    assert len([n for n in kodi.notifications if "Cannot write" in n["message"]]) == 1
    assert "kept in memory" in kodi.log_text() and "can be written again" in kodi.log_text()


# -- what is (not) sent -------------------------------------------------------------------------
def test_nothing_identifiable_sends_nothing_and_logs_one_debug_line(kodi, harness, standin):
    movieid = movie(kodi, "Home video", uniqueid={"custom": "home-0001"})
    kodi.player.play_movie(movieid)
    harness.run(3)
    kodi.player.stop()
    harness.run(3)
    assert harness.ctx.outbox.count() == 0 and standin.requests("/scrobble/") == []
    lines = [m for lvl, m in kodi.logs if "nothing identifiable" in m]
    assert len(lines) == 1 and [lvl for lvl, m in kodi.logs if "nothing identifiable" in m] == [0]


def test_push_turned_off_queues_nothing(kodi, harness, standin):
    kodi.change_setting("push_enabled", False)
    kodi.player.play_movie(movie(kodi))
    harness.run(3)
    kodi.player.stop()
    harness.run(3)
    assert harness.ctx.outbox.count() == 0 and standin.requests("/scrobble/") == []
    kodi.change_setting("push_enabled", True)
    kodi.player.play_movie(movie(kodi, "Ronin", {"imdb": "tt0122690"}))
    harness.deliver()
    assert [a for a, _ in harness.scrobbles()] == ["start"]


def test_non_library_files_shorter_than_the_setting_are_skipped(kodi, harness, standin):
    import xbmcgui

    path = "/downloads/heat-clip.mkv"
    kodi.file_durations[path] = 150.0
    item = xbmcgui.ListItem("Heat", path=path)
    item.getVideoInfoTag().setMediaType("movie")
    item.getVideoInfoTag().setUniqueIDs({"imdb": "tt0113277"})
    kodi.player.play_file(path, item)
    harness.run(3)
    kodi.player.stop()
    harness.run(3)
    assert harness.ctx.outbox.count() == 0
    assert "skipped (too short)" in kodi.log_text()
    kodi.change_setting("skip_shorter_than", 0)
    kodi.player.play_file(path, item)
    harness.deliver()
    assert [a for a, _ in harness.scrobbles()] == ["start"]


def test_live_tv_is_skipped(kodi, harness, standin):
    import xbmcgui

    item = xbmcgui.ListItem("Channel 1", path="pvr://channels/tv/All/1.pvr")
    tag = item.getVideoInfoTag()
    tag.setMediaType("movie")
    tag.setUniqueIDs({"imdb": "tt0113277"})
    kodi.player.play_file("pvr://channels/tv/All/1.pvr", item)
    harness.run(3)
    kodi.player.stop()
    harness.run(3)
    assert harness.ctx.outbox.count() == 0 and standin.requests("/scrobble/") == []


def test_not_signed_in_queues_nothing(kodi, standin):
    h = Harness(kodi, standin, signed_in=False)
    try:
        kodi.player.play_movie(movie(kodi))
        h.run(3)
        assert h.ctx.outbox.count() == 0 and standin.requests("/scrobble/") == []
    finally:
        h.close()


def test_non_library_file_is_identified_by_its_info_tag(kodi, harness, standin):
    import xbmcgui

    path = "/downloads/heat.mkv"
    kodi.file_durations[path] = MOVIE_LEN
    item = xbmcgui.ListItem("Heat", path=path)
    tag = item.getVideoInfoTag()
    tag.setMediaType("movie")
    tag.setUniqueIDs({"imdb": "tt0113277"})
    kodi.player.play_file(path, item)
    harness.deliver()
    (action, body), = harness.scrobbles()
    assert action == "start" and body["movie"]["ids"]["imdb"] == "tt0113277"


def test_active_player_id_is_asked_not_assumed(kodi, harness, standin):
    kodi.player.video_playerid = 7
    kodi.player.play_movie(movie(kodi))
    harness.deliver()
    assert [a for a, _ in harness.scrobbles()] == ["start"]
    assert ("Player.GetItem", ) == tuple(m for m, p in kodi.jsonrpc_calls if m == "Player.GetItem")[:1]
    assert all(p.get("playerid") == 7 for m, p in kodi.jsonrpc_calls if m == "Player.GetItem")


# -- menu-started playback ----------------------------------------------------------------------
def _play_from_menu(kodi, movieid, file):
    import xbmcgui

    url = "plugin://plugin.video.simkl.resume/play?playback_id=1"
    item = xbmcgui.ListItem("Heat", path=file)
    tag = item.getVideoInfoTag()
    tag.setDbId(movieid)
    tag.setMediaType("movie")
    tag.setUniqueIDs({"imdb": "tt0113277"})
    kodi.plugin_urls[url] = item
    xbmcgui.Window(10000).setProperty("plugin.video.simkl.resume.menu_play", json.dumps(
        {"file": file, "dbid": movieid, "type": "movie", "playback_id": 1, "at": kodi.clock.now()}))
    kodi.player.play_file(url)


def test_menu_started_stop_writes_resume_point_to_library_item(kodi, harness, standin):
    import xbmcgui

    movieid = movie(kodi)
    file = kodi.library.movies[movieid]["file"]
    _play_from_menu(kodi, movieid, file)
    kodi.clock.advance(0.4 * MOVIE_LEN)
    kodi.player.stop()
    resume = kodi.library.movies[movieid]["resume"]
    assert abs(resume["position"] - 0.4 * MOVIE_LEN) <= 2 and resume["total"] == MOVIE_LEN
    assert xbmcgui.Window(10000).getProperty("plugin.video.simkl.resume.menu_play") == ""
    harness.deliver()


def test_menu_started_stop_past_80_percent_marks_library_item_watched(kodi, harness, standin):
    movieid = movie(kodi, resume=(100.0, MOVIE_LEN))
    file = kodi.library.movies[movieid]["file"]
    _play_from_menu(kodi, movieid, file)
    kodi.clock.advance(0.9 * MOVIE_LEN)
    kodi.player.stop()
    row = kodi.library.movies[movieid]
    assert row["playcount"] == 1 and row["resume"]["position"] == 0.0
    harness.deliver()


def test_marker_for_another_file_is_left_alone(kodi, harness, standin):
    import xbmcgui

    movieid = movie(kodi)
    xbmcgui.Window(10000).setProperty("plugin.video.simkl.resume.menu_play",
                                      json.dumps({"file": "/other.mkv", "dbid": 99, "type": "movie"}))
    kodi.player.play_movie(movieid)
    kodi.player.stop()
    assert xbmcgui.Window(10000).getProperty("plugin.video.simkl.resume.menu_play") != ""
    harness.deliver()


MARKER = "plugin.video.simkl.resume.menu_play"


def _mark_menu_play(kodi, kind, dbid, file, playback_id):
    """What actions.play writes just before setResolvedUrl."""
    import xbmcgui

    marker = {"file": file, "dbid": dbid, "type": kind, "playback_id": playback_id, "at": kodi.clock.now()}
    xbmcgui.Window(10000).setProperty(MARKER, json.dumps(marker))
    return marker


def _play_unknown_plugin_url(kodi, url, duration, at):
    """What real Kodi 20.1 does when it plays a second entry of our menu (or reopens one after a
    stop): the player reports type "unknown", dbid -1, no ids, and the plugin URL as the file.
    Player.GetItem answers with what real Kodi answered (tests/realkodi, repro of step 5); the
    fake's own GetItem raises for a non-library item (reported to its owner)."""
    from tests.fakekodi.player import PlayingItem as KodiPlaying

    def get_item(params):
        return {"item": {"episode": -1, "file": url, "imdbnumber": "", "label": "Heat", "season": -1,
                         "showtitle": "", "title": "", "tvshowid": -1, "type": "unknown", "year": 0}}

    kodi.jsonrpc.methods["Player.GetItem"] = get_item
    kodi.player.start(KodiPlaying(url, duration, label="Heat", from_plugin=True), at)
    kodi.clock.settle()


def _window_marker():
    import xbmcgui

    text = xbmcgui.Window(10000).getProperty(MARKER)
    return json.loads(text) if text else None


def test_second_menu_play_reported_as_unknown_plugin_url_is_identified_through_the_marker(
        kodi, harness, standin):
    movieid = movie(kodi)
    file = kodi.library.movies[movieid]["file"]
    url = "plugin://plugin.video.simkl.resume/play?id=5000000001"
    _mark_menu_play(kodi, "movie", movieid, file, 5000000001)
    _play_unknown_plugin_url(kodi, url, MOVIE_LEN, at=0.3 * MOVIE_LEN)
    import xbmc

    tag = xbmc.Player().getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType()) == (-1, "") and xbmc.Player().getPlayingFile() == url
    kodi.clock.advance(0.1 * MOVIE_LEN)
    kodi.player.pause()
    harness.deliver()
    kodi.player.stop()
    harness.deliver()
    sent = harness.scrobbles()
    assert [a for a, _ in sent] == ["start", "pause", "stop"]
    assert all(b["movie"]["ids"] == {"imdb": "tt0113277", "tmdb": 949} for _, b in sent)
    assert abs(sent[-1][1]["progress"] - 40.0) <= 0.5
    held = playbacks_of(standin, "Heat")
    assert len(held) == 1 and abs(held[0]["progress"] - 40.0) <= 0.5
    resume = kodi.library.movies[movieid]["resume"]
    assert abs(resume["position"] - 0.4 * MOVIE_LEN) <= 2 and _window_marker() is None
    assert not [m for _, m in kodi.logs if "nothing identifiable" in m]


def test_unknown_plugin_url_of_another_playback_than_the_marker_is_not_identified(kodi, harness, standin):
    movieid = movie(kodi)
    marker = _mark_menu_play(kodi, "movie", movieid, kodi.library.movies[movieid]["file"], 111)
    _play_unknown_plugin_url(kodi, "plugin://plugin.video.simkl.resume/play?id=222", MOVIE_LEN, at=60)
    kodi.player.stop()
    harness.run(3)
    assert harness.ctx.outbox.count() == 0 and standin.requests("/scrobble/") == []
    assert _window_marker() == marker  # not ours to clear


def test_late_stop_of_the_previous_menu_play_keeps_the_next_items_marker(kodi, harness, standin):
    heat = movie(kodi)
    ronin = movie(kodi, "Ronin", {"imdb": "tt0122690"})
    heat_file = kodi.library.movies[heat]["file"]
    ronin_file = kodi.library.movies[ronin]["file"]
    _mark_menu_play(kodi, "movie", heat, heat_file, 1)
    kodi.player.play_file(heat_file)
    kodi.clock.advance(0.3 * MOVIE_LEN)
    # The user picks Ronin in our menu while Heat plays: the plugin marks Ronin BEFORE the
    # service sees Heat's stop (the stop, start and AV start callbacks are all still queued).
    second = _mark_menu_play(kodi, "movie", ronin, ronin_file, 2)
    kodi.player.start(kodi.player.file_item(ronin_file), 0.5 * MOVIE_LEN)
    kodi.clock.settle()
    assert _window_marker() == second
    assert abs(kodi.library.movies[heat]["resume"]["position"] - 0.3 * MOVIE_LEN) <= 2
    kodi.clock.advance(0.1 * MOVIE_LEN)
    kodi.player.stop()
    assert abs(kodi.library.movies[ronin]["resume"]["position"] - 0.6 * MOVIE_LEN) <= 2
    assert _window_marker() is None
    harness.deliver()
    held = sorted((p["movie"]["title"], round(p["progress"])) for p in standin.state()["playbacks"])
    assert held == [("Heat", 30), ("Ronin", 60)]


def test_stop_delivered_after_the_same_file_started_again_is_ignored(kodi, harness, standin):
    heat = movie(kodi)
    kodi.player.play_movie(heat)
    kodi.clock.advance(600)
    harness.push.on_stopped()  # a stop Kodi delivered late, while the file plays again
    harness.run(3)
    harness.deliver()
    assert [a for a, _ in harness.scrobbles()] == ["start"]
    assert harness.push.session.state == scrobble.PLAYING


# -- sender unit behaviour (no Kodi player) -----------------------------------------------------
class FakeClient:
    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.sent = []

    def scrobble(self, action, body):
        self.sent.append((action, body["progress"]))
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, BaseException):
            raise outcome
        return {"action": action}

    def activities(self, retries=None):  # the newest-wins check of an event that waited: nothing moved
        return Activities(all=None, playback={})


class FakeCtx(AddonContext):
    def __init__(self, tmp_path, client, clock):
        super().__init__(str(tmp_path), "0.1.0", now=clock)
        self._fake_client = client

    def client(self, token=None, **kwargs):
        return self._fake_client


def _entry(ctx, action, progress, imdb="tt0113277"):
    body = {"movie": {"ids": {"imdb": imdb}}, "progress": progress}
    ctx.outbox.add(ctx.account.queue_key, "movie:imdb=" + imdb, action, body)


def test_sender_sends_one_entry_per_run_in_order_after_collapsing(tmp_path):
    now = [1000.0]
    client = FakeClient([])
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "start", 0)
    _entry(ctx, "pause", 10, imdb="tt0122690")
    _entry(ctx, "pause", 20)
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    sender.work()
    assert client.sent == [("pause", 10)]  # the start of tt0113277 was superseded by its pause
    assert sender.next_due == 1001.0
    sender.work()
    assert client.sent == [("pause", 10)]  # paced: not due yet
    now[0] = 1001.0
    sender.work()
    assert client.sent == [("pause", 10), ("pause", 20)] and ctx.outbox.count() == 0


def test_an_items_failing_event_does_not_hold_back_the_next_item(tmp_path):
    now = [1000.0]
    client = FakeClient([errors.ServerError(503)])
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "pause", 10)
    _entry(ctx, "pause", 20, imdb="tt0122690")
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    sender.work()
    assert sender.next_due == 1001.0  # the pacing gap only: the other item may go next
    now[0] = 1001.0
    sender.work()
    assert client.sent == [("pause", 10), ("pause", 20)]
    assert [e.item_key for e in ctx.outbox.all()] == ["movie:imdb=tt0113277"]
    now[0] = 1002.0
    sender.work()
    assert len(client.sent) == 2 and sender.next_due == 1000.0 + scrobble.backoff_delay(1)
    now[0] = sender.next_due
    sender.work()
    assert client.sent[-1] == ("pause", 10) and ctx.outbox.count() == 0


def test_an_items_later_event_waits_behind_its_own_failed_first_event(tmp_path):
    now = [1000.0]
    client = FakeClient([errors.ServerError(503)])
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "stop", 100)  # watched: kept before the pause by collapse
    _entry(ctx, "pause", 5)
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    sender.work()
    now[0] += 2
    sender.work()
    assert client.sent == [("stop", 100)]  # the pause does not overtake the waiting stop
    now[0] = sender.next_due
    sender.work()
    now[0] += 1
    sender.work()
    assert client.sent == [("stop", 100), ("stop", 100), ("pause", 5)]


def _run_sender(sender, now, until, max_runs=1000):
    """Run the sender, jumping the clock to each due time, until `until()` or max_runs."""
    for _ in range(max_runs):
        if until():
            return
        sender.work()
        now[0] = max(now[0] + 1, sender.next_due or now[0] + 1)
    raise AssertionError("sender never got there")


def _failing_for_heat(label, exc):
    """A FakeClient whose scrobbles of Heat (tt0113277) always raise `exc`, noted as (label,
    progress) in `sent`; every other item is accepted."""
    class FailingForHeat(FakeClient):
        def scrobble(self, action, body):
            if body["movie"]["ids"]["imdb"] == "tt0113277":
                self.sent.append((label, body["progress"]))
                raise exc
            return super().scrobble(action, body)

    return FailingForHeat([])


def test_an_event_failing_for_a_day_is_parked_kept_on_disk_and_others_go_on(tmp_path):
    now = [1000.0]

    client = _failing_for_heat("503", errors.ServerError(503))
    logs = []
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "pause", 10)
    sender = ScrobbleSender(ctx, log=lambda level, msg: logs.append(msg), real_clock=lambda: now[0] * 10)
    _run_sender(sender, now, lambda: ctx.outbox.all() == [])
    (parked,) = ctx.outbox.parked()
    assert parked.failures >= scrobble.MAX_FAILURES - 1 and parked.body["progress"] == 10
    assert parked.parked_at - parked.first_failure >= scrobble.PARK_AFTER
    assert len(client.sent) >= scrobble.MAX_FAILURES and "ServerError" in parked.last_error
    (line,) = [m for m in logs if "parked" in m]
    assert line.startswith("scrobble: pause movie:imdb=tt0113277 10.00% failed")
    sender.work()
    assert (sender.waiting, sender.parked) == (0, 1)
    tries = len(client.sent)
    _entry(ctx, "pause", 20, imdb="tt0122690")      # another item still goes
    now[0] += 3600
    _run_sender(sender, now, lambda: ctx.outbox.count() == 0)
    assert client.sent[tries:] == [("pause", 20)]   # the parked one is never tried again


def test_a_week_offline_parks_nothing(tmp_path):
    now = [1000.0]
    client = FakeClient([errors.NetworkError("offline")] * 10000)
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "pause", 10)
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    _run_sender(sender, now, lambda: now[0] > 1000 + 7 * 86400)
    (entry,) = ctx.outbox.all()
    assert entry.attempts > scrobble.MAX_FAILURES and entry.failures == 0 and ctx.outbox.parked() == []


def test_an_unknown_account_id_wakes_the_sender_only_while_other_accounts_events_wait(tmp_path):
    now = [1000.0]

    class NoSettings(FakeClient):
        def user_settings(self, retries=None):
            self.sent.append(("settings", None))
            raise errors.ServerError(503)

    client = NoSettings([])
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok")                     # /users/settings failed at sign-in
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    sender.work()
    assert client.sent == [("settings", None)] and sender.next_due is None  # idle: asks nothing more
    ctx.outbox.add("id:51", "movie:imdb=tt0113277", "pause", {"movie": {"ids": {"imdb": "tt0113277"}},
                                                              "progress": 10})  # kept through a 401
    now[0] += 60
    sender.work()
    assert len(client.sent) == 2 and sender.next_due == now[0] + 120  # doubling: 60, 120, ...
    now[0] = sender.next_due
    sender.work()
    assert len(client.sent) == 3 and sender.next_due == now[0] + 240


def test_a_rate_limit_holds_back_every_item(tmp_path):
    now = [1000.0]
    client = FakeClient([errors.RateLimited(429, retry_after=30)])
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "pause", 10)
    _entry(ctx, "pause", 20, imdb="tt0122690")
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    sender.work()
    assert sender.next_due == 1030.0
    now[0] = 1010.0
    sender.work()
    assert len(client.sent) == 1


def test_an_unexpected_exception_for_one_item_does_not_stall_the_others(tmp_path):
    now = [1000.0]

    client = _failing_for_heat("bug", TypeError("our own bug with this body"))
    ctx = FakeCtx(tmp_path, client, lambda: now[0])
    ctx.account.sign_in("tok", name="alice", account_id=51)
    _entry(ctx, "pause", 10)
    _entry(ctx, "pause", 20, imdb="tt0122690")
    _entry(ctx, "pause", 30, imdb="tt0133093")
    sender = ScrobbleSender(ctx, log=lambda level, msg: None, real_clock=lambda: now[0] * 10)
    for _ in range(5):
        sender.work()
        now[0] += 1
    assert client.sent == [("bug", 10), ("pause", 20), ("pause", 30)]
    assert [e.item_key for e in ctx.outbox.all()] == ["movie:imdb=tt0113277"]
    assert "TypeError" in ctx.outbox.all()[0].last_error
