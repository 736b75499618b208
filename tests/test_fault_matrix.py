"""Issue 8 part 1: every stand-in fault at every moment the addon talks to Simkl.

One `World` per case: the fake Kodi, the stand-in (its clock linked to Kodi's, see
tests/_service_rig.LinkedStandIn), and the service loop running the REAL components (PullSync,
ResumeListBuilder, ScrobblePush with its ScrobbleSender) on Kodi's virtual clock; plugin
routes (actions.remove, account.login) run on the test thread as a plugin would, beside it.
Client timeouts are short (TIMEOUT) so a hang costs well under a second of real time.

For each fault x moment the outage is injected, the moment happens (at least twice where
the service retries by itself), then Simkl recovers and the moment happens again. Checked:
the service thread and its workers are alive, the cached lists are unchanged by the outage
and readable from a fresh SimpleCache, the stand-in ends in the state the user caused
(nothing lost, nothing doubled in effect) and Kodi showed the expected number (<= 1) of
notifications for the outage. docs/reliability.md section 4 is this table.
"""
import itertools

import pytest

from simkl_resume import ADDON_ID
from simkl_resume.plugin import account as account_mod
from simkl_resume.plugin.actions import remove
from simkl_resume.context import KEY_ACTIVITIES, KEY_PLAYBACKS, KEY_RESUME_LIST, AddonContext
from simkl_resume.kodi.router import PluginCall
from simkl_resume.service.pull import PullSync
from simkl_resume.service.push import ScrobblePush
from simkl_resume.service.sender import ScrobbleSender
from simkl_resume.service.resume_list import ResumeListBuilder
from simkl_resume.store.cache import SimpleCache
from tests._service_rig import FakeKodiSettings, LinkedStandIn, PullUi, start_service

TOKEN = "fault-matrix-token-5f1c2a9e"
NEW_TOKEN = "fault-matrix-token-after-7d3b"
TIMEOUT = (1.0, 0.3)        # connect, read: a hang costs 0.3 s per attempt
HANG = {"hang_seconds": 2.0, "then": "close"}   # past the read timeout, never processed
INTERVAL = 15 * 60
MOVIE_LEN = 6000.0
HEAT = {"type": "movie", "title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277", "tmdb": 949},
        "runtime": 100}
RONIN = {"type": "movie", "title": "Ronin", "year": 1998, "ids": {"imdb": "tt0122690"}, "runtime": 100}

FAULTS = ["500", "502", "503", "429", "429-retry-after", "reset", "hang", "garbage", "empty", "html", "401"]
MOMENTS = ["poll", "fetch", "scrobble", "delete", "sign_in"]


def fault_spec(fault):
    spec = {}
    if fault == "hang":
        spec.update(HANG)
    if fault == "429-retry-after":
        spec["retry_after"] = 2
    return spec


class FastContext(AddonContext):
    """The real context; its clients get short timeouts (also over the routes' own, e.g.
    actions.remove's 10 s read timeout, so "hang" really is a timeout) and a backoff that
    does not sleep (the client's backoff between GET retries is not under test here)."""

    def client(self, token=None, **kwargs):
        kwargs["timeout"] = TIMEOUT
        kwargs["sleep"] = lambda seconds: None
        return super().client(token=token, **kwargs)


class World:
    def __init__(self, kodi, linked, tmp_path):
        self.kodi = kodi
        self.linked = linked
        self.s = linked.server
        self.s.seed(catalog=[HEAT, RONIN])
        self.s.add_user(TOKEN, "alice", "pro")
        self.s.add_user(NEW_TOKEN, "alice2", "pro")
        self.heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277", "tmdb": "949"},
                                           duration=MOVIE_LEN, runtime=int(MOVIE_LEN))
        kodi.library.add_movie("Ronin", 1998, {"imdb": "tt0122690"}, duration=MOVIE_LEN,
                               runtime=int(MOVIE_LEN))
        self.logs = []
        self.profile = str(tmp_path / "profile")
        env = {"SIMKL_API_URL": self.s.url, "SIMKL_CLIENT_ID": "fault-matrix"}
        self.ctx = FastContext(self.profile, "1.0.0", memory=None, now=kodi.clock.now,
                               log=self.logs.append, env=env)
        self.ctx.account.sign_in(TOKEN, "alice", "pro")
        self.resume_list = ResumeListBuilder(self.ctx)
        self.pull = PullSync(self.ctx, on_change=self.resume_list.playbacks_changed, rand=lambda: 0.5 / 60,
                             ui=PullUi(), settings=FakeKodiSettings(kodi), poll_timeout=TIMEOUT,
                             quick_timeout=TIMEOUT, poll_retries=1)
        # Real-time gap between POSTs: the stand-in does not enforce Simkl's 1 POST/s in real
        # seconds (post_rate_limit 0), and the Kodi-clock pacer still runs: skip the real wait.
        ticks = itertools.count(0, 100)
        self.sender = ScrobbleSender(self.ctx, real_clock=lambda: float(next(ticks)))
        self.push = ScrobblePush(self.ctx, sender=self.sender)
        self.components = [self.pull, self.resume_list, self.push]
        self.service_thread = None

    # -- running ------------------------------------------------------------------------
    def start(self):
        _, self.service_thread = start_service(self.kodi, self.components, workers=self.workers())
        self.advance(1)  # first poll (start-up delay 0.5 s): the cache gets its first content

    def workers(self):
        return (self.pull.worker, self.resume_list._worker, self.sender)

    def idle(self):
        for worker in self.workers():
            assert worker.wait_idle(30), "%s did not finish" % worker.name

    def advance(self, seconds, step=None):
        if step is None:
            self.kodi.clock.advance(seconds)
            self.idle()
            return
        for _ in range(int(seconds / step)):
            self.kodi.clock.advance(step)
            self.idle()

    def poll(self):
        self.advance(INTERVAL)

    def alive(self):
        threads = [self.service_thread] + [worker._thread for worker in self.workers()]
        return all(t is not None and t.is_alive() for t in threads)

    # -- what is cached -------------------------------------------------------------------
    def cached(self):
        return {key: self.ctx.cache.get(key) for key in (KEY_PLAYBACKS, KEY_ACTIVITIES, KEY_RESUME_LIST)}

    def cached_from_disk(self):
        """The same keys read by a fresh SimpleCache on the file: the database is readable."""
        fresh = SimpleCache(self.ctx.cache.db_path, log=self.logs.append)
        try:
            return {key: fresh.get(key) for key in (KEY_PLAYBACKS, KEY_ACTIVITIES, KEY_RESUME_LIST)}
        finally:
            fresh.close()

    def cached_ids(self):
        return sorted(p["id"] for p in self.ctx.cache.get(KEY_PLAYBACKS) or [])

    # -- Simkl's side ---------------------------------------------------------------------
    def fault(self, fault, path, method, times):
        self.s.fault(fault, path=path, method=method, times=times, **fault_spec(fault))

    def simkl_playbacks(self, title):
        return [p for p in self.s.state()["playbacks"] if (p.get("movie") or {}).get("title") == title]

    def remove(self, playback_id):
        return remove(PluginCall("/remove", {"id": str(playback_id)}, -1), ctx=self.ctx)


@pytest.fixture
def world(kodi, tmp_path, monkeypatch):
    monkeypatch.setattr(account_mod, "REQUEST_TIMEOUT", TIMEOUT)
    linked = LinkedStandIn(kodi, pin_interval=2, pin_expires_in=60)
    w = World(kodi, linked, tmp_path)
    try:
        yield w
    finally:
        kodi.abort()
        for component in w.components:
            component.stop()
        linked.server.stop()


def _ronin(world, progress=30.0):
    return world.s.add_playback(movie={"title": "Ronin", "year": 1998, "ids": {"imdb": "tt0122690"}},
                                progress=progress, ago=600, user=TOKEN)


# ---------------------------------------------------------------------------- the moments
# Each returns the number of notifications the outage should have shown (0 or 1).

def during_poll(w, fault):
    """Two periodic polls while /sync/activities fails; then the next poll works."""
    w.fault(fault, "/sync/activities", "GET", times=100)
    w.poll()
    w.poll()
    expected = {"signed_out": fault == "401"}
    return expected


def during_fetch(w, fault):
    """A playback moved; the fetch fails at two polls; the next poll fetches it."""
    _ronin(w, progress=55.0)
    w.fault(fault, "/sync/playback", "GET", times=100)
    w.poll()
    w.poll()
    return {"signed_out": fault == "401"}


def _recover_pull(w, expected):
    w.s.clear_faults()
    if expected["signed_out"]:
        assert w.ctx.account.token is None            # a 401 signs out, once
        w.ctx.account.sign_in(TOKEN, "alice", "pro")   # the user signs in again
    w.poll()
    return [p["progress"] for p in w.ctx.cache.get(KEY_PLAYBACKS)]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("moment", ["poll", "fetch"])
def test_pull_outage_keeps_cache_and_service_and_notifies_at_most_once(world, moment, fault):
    w = world
    kodi = w.kodi
    _ronin(w)
    w.start()
    before = w.cached()
    assert before[KEY_PLAYBACKS] and before[KEY_RESUME_LIST]["entries"]
    expected = (during_poll if moment == "poll" else during_fetch)(w, fault)

    assert w.alive()
    assert w.cached() == before and w.cached_from_disk() == before
    assert len(kodi.notifications) == (1 if expected["signed_out"] else 0)
    progress = _recover_pull(w, expected)
    assert progress == ([30.0] if moment == "poll" else [55.0])
    assert w.alive() and w.cached_from_disk() == w.cached()
    assert len(kodi.notifications) == (1 if expected["signed_out"] else 0)


@pytest.mark.parametrize("fault", FAULTS)
def test_scrobble_outage_loses_and_doubles_nothing(world, fault):
    """Play Heat, stop at 40 % while /scrobble/ fails twice; once Simkl answers (after a new
    sign-in for 401, which signs this Kodi out and says so once) Simkl holds exactly one
    Heat playback at 40 %, no history, and the outbox is empty."""
    w = world
    kodi = w.kodi
    _ronin(w)
    w.start()
    before = w.cached()
    # Twice: the start and its retry fail. A revoked token (401) is refused until the user
    # signs in again; the stand-in cannot tell tokens apart in a fault, so once.
    w.fault(fault, "/scrobble/", "POST", times=1 if fault == "401" else 2)
    kodi.player.play_movie(w.heat)
    w.advance(2400, step=60)                     # 40 % of 6000 s
    kodi.player.stop()
    w.advance(60, step=1)
    statuses = [r["status"] for r in w.s.requests("/scrobble/")]
    assert statuses[:1] != [201]                 # the fault was really met
    if fault == "401":
        assert w.ctx.outbox.count() >= 1         # kept while the token is refused
        assert w.ctx.account.token is None       # the 401 signed this Kodi out
        # Signing in again may bring the SAME token back (Simkl's tokens do not expire): the
        # queued events must go out with it.
        w.ctx.account.sign_in(TOKEN, "alice", "pro")
        w.kodi.send_notification(ADDON_ID, "Other.check")   # what /login does after signing in
        w.advance(30, step=1)
    for _ in range(600):                          # retry delays grow (5 s, 10 s, ...)
        if w.ctx.outbox.count() == 0:
            break
        w.advance(1)
    assert w.ctx.outbox.count() == 0, [e.last_error for e in w.ctx.outbox.all()]
    held = w.simkl_playbacks("Heat")
    assert len(held) == 1 and abs(held[0]["progress"] - 40.0) <= 1.0, held
    assert not any((h.get("movie") or {}).get("title") == "Heat" for h in w.s.state()["history"])
    assert w.alive()
    assert w.cached_from_disk() == w.cached()
    assert [p["id"] for p in before[KEY_PLAYBACKS]][0] in w.cached_ids()   # Ronin still listed
    assert len(kodi.notifications) == (1 if fault == "401" else 0)   # told once, only for 401


@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "empty"])
def test_delete_outage_changes_nothing_says_so_once_and_the_retry_deletes(world, fault):
    w = world
    kodi = w.kodi
    ronin = _ronin(w)
    w.start()
    before = w.cached()
    w.fault(fault, "/sync/playback/", "DELETE", times=100)
    assert w.remove(ronin["id"]) is False
    assert w.alive()
    assert w.cached() == before and w.cached_from_disk() == before
    assert [p["id"] for p in w.simkl_playbacks("Ronin")] == [ronin["id"]]
    assert len(kodi.notifications) == 1
    w.s.clear_faults()
    assert w.remove(ronin["id"]) is True
    assert w.simkl_playbacks("Ronin") == [] and w.cached_ids() == []
    assert w.cached_from_disk() == w.cached()
    assert w.alive()


def test_empty_200_to_a_delete_counts_as_deleted_by_contract(world):
    """The client accepts an empty 200/204 to DELETE as success (docs/architecture.md), so a
    proxy answering an empty 200 WITHOUT forwarding makes the entry leave the local list
    while Simkl keeps it: it comes back with the next fetch of that kind. Pinned so the
    table in docs/reliability.md stays true."""
    w = world
    kodi = w.kodi
    ronin = _ronin(w)
    w.start()
    w.fault("empty", "/sync/playback/", "DELETE", times=100)
    assert w.remove(ronin["id"]) is True
    assert w.cached_ids() == [] and w.cached_from_disk() == w.cached()
    assert [p["id"] for p in w.simkl_playbacks("Ronin")] == [ronin["id"]]
    assert len(kodi.notifications) == 1
    assert w.alive()


def _login(w):
    from tests.test_login import run_login

    run_login(w.ctx)


SIGN_IN_CASES = [("pin_start", f) for f in FAULTS] + [("pin_poll", f) for f in FAULTS]


@pytest.mark.parametrize("step,fault", SIGN_IN_CASES)
def test_sign_in_outage_tells_once_and_the_next_sign_in_works(world, step, fault):
    """pin_start failing (both tries) or pin_poll failing for good (3 polls): one message,
    no token stored, the service untouched; with Simkl back the same route signs in."""
    w = world
    kodi = w.kodi
    _ronin(w)
    w.start()
    before = w.cached()
    w.ctx.account.sign_out("user")
    w.s.configure(approve_after_polls=2)
    if step == "pin_start":
        w.fault(fault, "/oauth/pin", "GET", times=100)
    else:
        w.fault(fault, "/oauth/pin/", "GET", times=100)
    _login(w)
    assert w.ctx.account.token is None
    assert w.alive()
    assert len(kodi.notifications) == 1, kodi.notifications
    assert w.cached() == before and w.cached_from_disk() == before
    w.s.clear_faults()
    _login(w)
    assert w.ctx.account.token is not None
    assert len(kodi.notifications) == 2          # "signed in as ..."
    assert w.alive()


@pytest.mark.parametrize("fault", ["500", "reset", "hang", "garbage", "429-retry-after"])
def test_one_failed_pin_poll_does_not_end_the_sign_in(world, fault):
    w = world
    kodi = w.kodi
    w.start()
    w.ctx.account.sign_out("user")
    w.s.configure(approve_after_polls=2)
    w.fault(fault, "/oauth/pin/", "GET", times=1)
    _login(w)
    assert w.ctx.account.token is not None
    assert len(kodi.notifications) == 1           # only "signed in as ..."
    assert w.alive()
