"""The pull half (simkl_resume.service.pull.PullSync) driven by the real service loop on the fake
Kodi's virtual clock, against the Simkl stand-in over loopback."""
import pytest

from simkl_resume import ADDON_ID
from simkl_resume.context import KEY_ACTIVITIES, KEY_PLAYBACKS, KEY_SYNC_STATUS, AddonContext
from simkl_resume.service.pull import PullSync, _KodiUi
from simkl_resume.simkl.client import SimklClient
from tests._service_rig import FakeKodiSettings, start_service
from tools.simkl_standin import StandIn

INTERVAL = 15 * 60


class RecordingUi:
    """The Kodi side of PullSync, recorded (the kodi.ui-backed one is tested separately)."""

    def __init__(self):
        self.sign_in_notices = 0
        self.refreshes = 0
        self.sleeps = []

    def notify_sign_in_again(self):
        self.sign_in_notices += 1

    def refresh_if_on_screen(self):
        self.refreshes += 1
        return True

    def sleep(self, seconds):
        self.sleeps.append(seconds)


@pytest.fixture
def standin():
    with StandIn() as server:
        yield server


class Rig:
    """A service running PullSync on the fake Kodi's clock, talking to the stand-in."""

    def __init__(self, kodi, standin, tmp_path, rand=lambda: 0.5 / 60, **pull_kwargs):
        self.kodi = kodi
        self.standin = standin
        self.token = standin.add_user(name="Alice", type="pro")
        self.env = {"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "test-client-id"}
        self.logs = []
        self.ctx = AddonContext(str(tmp_path / "profile"), "1.0.0", memory=None, now=kodi.clock.now,
                                log=self.logs.append, env=self.env)
        self.ctx.account.sign_in(self.token, "Alice", "pro")
        self.ui = RecordingUi()
        self.changes = []
        pull_kwargs.setdefault("poll_timeout", (2, 2))
        self.pull = PullSync(self.ctx, on_change=self.changes.append, rand=rand, ui=self.ui,
                             settings=FakeKodiSettings(kodi), **pull_kwargs)
        self.thread = None

    def start_service(self):
        _, self.thread = start_service(self.kodi, [self.pull], workers=[self.pull.worker])
        self.idle()
        return self

    def idle(self):
        assert self.pull.worker.wait_idle(30), "pull worker did not finish"

    def advance(self, seconds):
        self.kodi.clock.advance(seconds)
        self.idle()

    def poll(self):
        """Let exactly one periodic poll happen."""
        self.advance(INTERVAL)

    def requests(self, path):
        return [r for r in self.standin.requests(path) if r["path"] == path]

    def playback_requests(self):
        return self.standin.requests("/sync/playback")

    def cached_playbacks(self):
        return self.ctx.cache.get(KEY_PLAYBACKS)

    def status(self):
        return self.ctx.cache.get(KEY_SYNC_STATUS)

    def other_device(self):
        return SimklClient(self.standin.url, "test-client-id", "other-device", "1.0", token=self.token,
                           retries=0)

    def stop(self):
        self.kodi.abort()
        self.pull.stop()


@pytest.fixture
def make_rig(kodi, standin, tmp_path):
    """make(**Rig options) -> a Rig on this test's fake Kodi and stand-in, stopped at the end."""
    made = []

    def make(**options):
        made.append(Rig(kodi, standin, tmp_path, **options))
        return made[-1]

    yield make
    for r in made:
        r.stop()


@pytest.fixture
def rig(make_rig):
    return make_rig()


def movie_pause(standin, imdb="tt0113277", title="Heat", progress=40.0, ago=60):
    return standin.add_playback(movie={"title": title, "year": 1995, "ids": {"imdb": imdb}},
                                progress=progress, ago=ago)


def episode_pause(standin, tvdb="81189", title="Breaking Bad", season=1, number=2, progress=30.0):
    return standin.add_playback(show={"title": title, "ids": {"tvdb": tvdb}},
                                episode={"season": season, "number": number}, progress=progress, ago=120)


def test_first_poll_after_startup_delay_fills_the_cache_with_one_full_fetch(rig):
    movie_pause(rig.standin)
    episode_pause(rig.standin)
    rig.start_service()
    assert rig.standin.requests() == []
    rig.advance(1)
    assert len(rig.requests("/sync/activities")) == 1
    assert [r["path"] for r in rig.playback_requests()] == ["/sync/playback"]
    cached = rig.cached_playbacks()
    assert sorted(p["type"] for p in cached) == ["episode", "movie"]
    assert rig.ctx.cache.get(KEY_ACTIVITIES) is not None
    assert rig.status()["ok"] is True and rig.status()["error"] == ""
    assert len(rig.changes) == 1 and len(rig.changes[0]) == 2


def test_startup_delay_is_random_within_a_minute(make_rig):
    r = make_rig(rand=lambda: 0.5).start_service()
    r.advance(29)
    assert r.requests("/sync/activities") == []
    r.advance(1)
    assert len(r.requests("/sync/activities")) == 1


def test_idle_day_at_default_interval_makes_one_activities_call_per_poll_and_no_fetch(rig):
    movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)                      # start-up poll fills the cache
    rig.standin.clear_requests()
    rig.ui.refreshes = 0
    polls = 24 * 3600 // INTERVAL
    for n in range(1, polls + 1):
        rig.poll()
        assert len(rig.requests("/sync/activities")) == n
    assert len(rig.standin.requests()) == polls == 96
    assert rig.playback_requests() == []
    assert rig.thread.is_alive()
    assert rig.ui.refreshes == 0


def test_no_poll_between_intervals(rig):
    rig.start_service()
    rig.advance(1)
    rig.standin.clear_requests()
    rig.advance(INTERVAL - 5)
    assert rig.standin.requests() == []
    rig.advance(5)
    assert len(rig.requests("/sync/activities")) == 1


def test_new_movie_pause_appears_after_exactly_one_narrowed_fetch(rig):
    episode_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    rig.standin.clear_requests()
    created = movie_pause(rig.standin, progress=42.5)
    rig.poll()
    assert [r["path"] for r in rig.playback_requests()] == ["/sync/playback/movies"]
    cached = {p["id"]: p for p in rig.cached_playbacks()}
    assert cached[created["id"]]["progress"] == 42.5
    assert len(cached) == 2                     # the episode is kept: it was not refetched
    assert rig.ui.refreshes >= 1
    rig.poll()
    assert len(rig.playback_requests()) == 1    # nothing moved since: no second fetch


def test_new_episode_pause_fetches_only_episodes(rig):
    movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    rig.standin.clear_requests()
    episode_pause(rig.standin)
    rig.poll()
    assert [r["path"] for r in rig.playback_requests()] == ["/sync/playback/episodes"]
    assert sorted(p["type"] for p in rig.cached_playbacks()) == ["episode", "movie"]


def test_movie_only_change_fetches_no_episodes(rig):
    movie_pause(rig.standin, progress=10)
    episode_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    rig.standin.clear_requests()
    movie_pause(rig.standin, progress=55)        # same movie paused further on
    rig.poll()
    paths = [r["path"] for r in rig.playback_requests()]
    assert paths == ["/sync/playback/movies"]
    assert not any("episodes" in p for p in paths)
    movies = [p for p in rig.cached_playbacks() if p["type"] == "movie"]
    assert [m["progress"] for m in movies] == [55.0]


def test_deleted_playback_disappears_after_the_next_poll(rig):
    gone = movie_pause(rig.standin, imdb="tt0111161", title="The Shawshank Redemption")
    kept = movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    assert {p["id"] for p in rig.cached_playbacks()} == {gone["id"], kept["id"]}
    with rig.other_device() as other:
        assert other.delete_playback(gone["id"]) is True
    rig.poll()
    assert [p["id"] for p in rig.cached_playbacks()] == [kept["id"]]
    assert [len(change) for change in rig.changes] == [2, 1]


class Ticker:
    """A component ticking every second, as the push half does in the real service (Kodi's
    callbacks run inside the loop's wait and cannot shorten it)."""

    def start(self):
        pass

    def stop(self):
        pass

    def tick(self, now):
        return 1.0

    def on_notification(self, sender, method, data):
        pass

    def on_settings_changed(self):
        pass


def test_open_inside_the_2s_window_is_checked_when_it_ends_not_dropped(rig, kodi):
    _, rig.thread = start_service(kodi, [rig.pull, Ticker()], workers=[rig.pull.worker])
    rig.idle()
    rig.advance(1)
    rig.standin.clear_requests()
    kodi.send_notification(ADDON_ID, "Other.check", {"reason": "open"})
    rig.idle()
    assert len(rig.requests("/sync/activities")) == 1
    rig.advance(0.5)
    created = movie_pause(rig.standin)          # deleted or paused elsewhere in between
    kodi.send_notification(ADDON_ID, "Other.check", {})
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert len(rig.requests("/sync/activities")) == 1   # inside the window: not yet
    rig.advance(2.5)
    assert len(rig.requests("/sync/activities")) == 2   # trailing, once
    assert [p["id"] for p in rig.cached_playbacks()] == [created["id"]]
    rig.advance(5)
    assert len(rig.requests("/sync/activities")) == 2   # nothing more without an open


def test_on_open_check_fetches_what_moved_so_a_fresh_pause_is_listed_at_once(rig, kodi):
    rig.start_service()
    rig.advance(1)
    created = movie_pause(rig.standin)
    rig.standin.clear_requests()
    rig.ui.refreshes = 0
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert [r["path"] for r in rig.playback_requests()] == ["/sync/playback/movies"]
    assert [p["id"] for p in rig.cached_playbacks()] == [created["id"]]
    assert rig.ui.refreshes == 1


def test_menu_opened_before_the_service_listens_is_checked_when_it_starts(make_rig, kodi):
    """Kodi starting: the home screen's widget runs the plugin before our service's Monitor
    exists, and JSONRPC.NotifyAll reaches only monitors that exist (fake Kodi as real 19.1)."""
    rig = make_rig(rand=lambda: 1.0)                 # the first poll a whole minute after start
    created = movie_pause(rig.standin)               # paused elsewhere while this Kodi was off
    AddonContext(kodi.profile_dir, "1.0.0").account.sign_in(rig.token, "Alice", "pro")
    kodi.run_plugin("/")                             # no monitor yet: its notification is lost
    rig.start_service()
    assert len(rig.requests("/sync/activities")) == 1   # at start, not a minute later
    assert [p["id"] for p in rig.cached_playbacks()] == [created["id"]]
    rig.advance(30)
    assert len(rig.requests("/sync/activities")) == 1   # asked once, checked once
    assert (ADDON_ID + ".check_asked").lower() not in kodi.windows[10000]   # taken


def test_service_start_with_no_menu_opened_waits_for_its_first_poll(make_rig, kodi):
    rig = make_rig(rand=lambda: 1.0)
    rig.start_service()
    rig.advance(30)
    assert rig.requests("/sync/activities") == []
    rig.advance(31)
    assert len(rig.requests("/sync/activities")) == 1


def test_check_from_another_sender_is_ignored(rig, kodi):
    rig.start_service()
    rig.advance(1)
    rig.standin.clear_requests()
    kodi.send_notification("someone.else", "Other.check", {})
    rig.idle()
    assert rig.standin.requests() == []


def test_wake_from_sleep_checks_at_once_and_restarts_the_poll_interval(rig, kodi):
    rig.start_service()
    rig.advance(1)
    rig.advance(100)
    rig.standin.clear_requests()
    kodi.send_notification("xbmc", "System.OnWake", {})
    rig.idle()
    assert len(rig.requests("/sync/activities")) == 1
    rig.advance(INTERVAL - 100)                  # the old schedule's due time: no poll
    assert len(rig.requests("/sync/activities")) == 1
    rig.advance(100)
    assert len(rig.requests("/sync/activities")) == 2


@pytest.mark.parametrize("fault", ["500", "503", "garbage", "empty", "html"])
def test_server_errors_and_malformed_replies_keep_the_cache_and_the_service(rig, fault):
    movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    before = rig.cached_playbacks()
    activities = rig.ctx.cache.get(KEY_ACTIVITIES)
    last_ok = rig.status()["last_ok_at"]
    movie_pause(rig.standin, progress=77)
    rig.standin.fault(fault, path="/sync/playback", times=10)
    rig.poll()
    assert rig.cached_playbacks() == before
    assert rig.ctx.cache.get(KEY_ACTIVITIES) == activities   # timestamps not advanced
    status = rig.status()
    assert status["ok"] is False and status["error"] and status["last_ok_at"] == last_ok
    assert rig.thread.is_alive()
    rig.standin.clear_faults()
    rig.poll()                                   # the move is picked up once Simkl works again
    assert [p["progress"] for p in rig.cached_playbacks()] == [77.0]
    assert rig.status()["ok"] is True


def test_activities_500_with_retries_sleeps_through_kodi_then_gives_up(rig):
    movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    before = rig.cached_playbacks()
    rig.standin.fault("500", path="/sync/activities", times=10)
    rig.standin.clear_requests()
    rig.poll()
    assert len(rig.requests("/sync/activities")) == 1 + rig.pull.poll_retries
    assert len(rig.ui.sleeps) == rig.pull.poll_retries    # backoff went through ui.sleep
    assert rig.cached_playbacks() == before
    assert rig.status()["error"] == "server"


def test_offline_poll_keeps_the_cache_and_says_offline_since_last_success(make_rig, standin):
    r = make_rig()
    movie_pause(standin)
    r.start_service()
    r.advance(1)
    before = r.cached_playbacks()
    last_ok = r.status()["last_ok_at"]
    standin.stop()                              # connection refused from now on
    r.poll()
    status = r.status()
    assert status["checked_at"] > last_ok   # when exactly: the worker runs while time moves on
    assert {k: v for k, v in status.items() if k != "checked_at"} == {
        "ok": False, "last_ok_at": last_ok, "error": "offline"}
    assert r.cached_playbacks() == before
    assert r.thread.is_alive()
    r.poll()
    assert r.status()["error"] == "offline" and r.thread.is_alive()


def test_timeout_during_a_poll_keeps_the_cache(make_rig, standin):
    r = make_rig(poll_timeout=(1, 0.3), poll_retries=0)
    movie_pause(standin)
    r.start_service()
    r.advance(1)
    before = r.cached_playbacks()
    standin.fault("hang", path="/sync/activities", hang_seconds=3)
    r.poll()
    assert r.status()["ok"] is False and r.status()["error"] == "timeout"
    assert r.cached_playbacks() == before
    assert r.thread.is_alive()


def test_401_signs_out_once_notifies_once_and_stops_calling_until_sign_in(rig, kodi):
    movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    before = rig.cached_playbacks()
    rig.standin.fault("401", path="/sync/activities", times=100)
    rig.standin.clear_requests()
    rig.poll()
    assert len(rig.requests("/sync/activities")) == 1
    assert rig.ctx.account.token is None
    assert rig.ctx.account.load().get("signed_out_reason") == "revoked"
    assert rig.ui.sign_in_notices == 1
    assert rig.status()["error"] == "signed_out"
    for _ in range(4):
        rig.poll()
    kodi.send_notification(ADDON_ID, "Other.check", {})
    kodi.send_notification("xbmc", "System.OnWake", {})
    rig.idle()
    assert len(rig.standin.requests()) == 1
    assert rig.ui.sign_in_notices == 1
    assert rig.cached_playbacks() == before
    # The plugin's sign-in stores a token: calls resume.
    rig.standin.clear_faults()
    rig.ctx.account.sign_in(rig.token, "Alice", "pro")
    rig.advance(11)
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert len(rig.requests("/sync/activities")) == 2
    assert rig.status()["ok"] is True


def test_not_signed_in_makes_no_calls(rig, kodi):
    rig.ctx.account.sign_out("user")
    rig.start_service()
    rig.advance(1)
    rig.poll()
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert rig.standin.requests() == []


def test_pull_disabled_makes_no_calls_and_reenabling_resumes_polls(rig, kodi):
    kodi.set_setting("pull_enabled", False)
    rig.start_service()
    rig.advance(1)
    rig.poll()
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert rig.standin.requests() == []
    kodi.change_setting("pull_enabled", True)
    rig.poll()
    assert len(rig.requests("/sync/activities")) == 1


def test_poll_interval_setting_is_followed(kodi, make_rig):
    kodi.set_setting("poll_interval", 30)
    r = make_rig().start_service()
    r.advance(1)
    r.advance(INTERVAL)
    assert len(r.requests("/sync/activities")) == 1
    r.advance(INTERVAL)
    assert len(r.requests("/sync/activities")) == 2
    kodi.change_setting("poll_interval", 5)
    r.advance(5 * 60)
    assert len(r.requests("/sync/activities")) == 3


def test_access_token_never_reaches_the_log(rig, kodi):
    movie_pause(rig.standin)
    rig.standin.fault("401", path="/sync/activities")
    rig.start_service()
    rig.advance(1)
    text = "\n".join(rig.logs) + kodi.log_text()
    assert rig.token not in text
    assert "401" in text


# ---------------------------------------------------------------------- Kodi UI (kodi/ui.py)

@pytest.fixture
def kodi_rig(make_rig):
    """A Rig whose PullSync uses the real kodi.ui (notifications, Container.Refresh)."""
    r = make_rig()
    r.pull.ui = _KodiUi()
    return r


def test_401_shows_one_localized_notification_in_kodi(kodi_rig, kodi):
    kodi_rig.standin.fault("401", path="/sync/activities", times=100)
    kodi_rig.start_service()
    kodi_rig.advance(1)
    kodi_rig.poll()
    kodi_rig.poll()
    assert [n["message"] for n in kodi.notifications] == [
        "Simkl signed this Kodi out. Open Resume from Simkl and choose Sign in to Simkl to connect again."]
    assert kodi.notifications[0]["heading"] == "Resume from Simkl"


def test_changed_list_refreshes_our_folder_when_it_is_on_screen(kodi_rig, kodi):
    kodi.container_path = "plugin://%s/" % ADDON_ID
    kodi_rig.start_service()
    kodi_rig.advance(1)
    refreshes = kodi.container_refreshes
    movie_pause(kodi_rig.standin)
    kodi_rig.poll()
    assert kodi.container_refreshes == refreshes + 1
    kodi_rig.poll()                               # nothing moved: no refresh
    assert kodi.container_refreshes == refreshes + 1


def test_changed_list_does_not_touch_other_folders(kodi_rig, kodi):
    kodi.container_path = "videodb://movies/titles/"
    kodi_rig.start_service()
    kodi_rig.advance(1)
    movie_pause(kodi_rig.standin)
    kodi_rig.poll()
    assert kodi.container_refreshes == 0
    assert len(kodi_rig.cached_playbacks()) == 1


def test_plan_is_read_again_when_the_settings_activity_moves_and_the_list_follows(rig, kodi):
    movie_pause(rig.standin)
    rig.start_service()
    rig.advance(1)
    assert len(rig.requests("/users/settings")) == 1     # first check: nothing stored yet
    assert len(rig.changes) == 1
    rig.ctx.account.update_profile(rig.token, "Alice", "free")   # what an old sign-in left
    rig.standin.clear_requests()
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert rig.requests("/users/settings") == []         # settings did not move: not read
    rig.standin.set_plan(rig.token, "vip")                # upgraded on simkl.com
    rig.advance(3)
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert len(rig.requests("/users/settings")) == 1
    assert rig.ctx.account.load()["plan"] == "vip" and rig.ctx.account.retention_days() == 90
    assert len(rig.changes) == 2                          # same playbacks, new expiry: rebuilt
    assert rig.playback_requests() == []


def test_failed_settings_read_keeps_the_sync_and_is_retried_next_check(rig, kodi):
    rig.start_service()
    rig.advance(1)
    rig.standin.set_plan(rig.token, "vip")
    rig.standin.fault("500", path="/users/settings", times=1)
    rig.advance(3)
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert rig.status()["ok"]
    assert rig.ctx.account.load()["plan"] == "pro"
    rig.advance(3)
    kodi.send_notification(ADDON_ID, "Other.check", {})
    rig.idle()
    assert rig.ctx.account.load()["plan"] == "vip"
