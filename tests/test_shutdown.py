"""Issue 8 part 3: Kodi kills an add-on that has not exited a few seconds after abort.

The whole service as Kodi starts it (wiring.build_service: pull, resume list, push, mirror,
prompt) runs on the fake Kodi against the stand-in; the poll and the scrobble POST hang
on the stand-in for HANG seconds when Kodi aborts. The service must return at once (its
workers give up waiting for the hung requests) and the undelivered scrobble must still be
in the outbox for the next start.
"""
import time

import pytest

from simkl_resume.service import wiring
from simkl_resume.context import AddonContext
from tests._service_rig import run_service
from tools.simkl_standin import StandIn

TOKEN = "shutdown-token-2b8e41c07f"
HANG = 30.0
# A liveness bound, not a performance one: the requests hang for 30 s, so returning in under
# 5 s proves the service did not wait for them (the design target is 1 s; the slack is for
# a loaded CI machine, where thread scheduling alone can take a while).
RETURN_BOUND = 5.0


@pytest.fixture
def standin():
    with StandIn() as s:
        s.seed(catalog=[{"type": "movie", "title": "Heat", "year": 1995,
                         "ids": {"imdb": "tt0113277", "tmdb": 949}, "runtime": 100}])
        s.add_user(TOKEN, "alice", "pro")
        yield s


def _workers(service):
    for component in service.components:
        for attr in ("worker", "_worker", "sender"):
            worker = getattr(component, attr, None)
            if worker is not None and hasattr(worker, "wait_idle"):
                yield worker


def _wait_in_flight(standin, path, what):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if any(r["path"].startswith(path) and not r.get("done") for r in standin.requests(path)):
            return
        time.sleep(0.02)
    pytest.fail("no %s request in flight: %r" % (what, [(r["method"], r["path"], r.get("done"))
                                                         for r in standin.requests()]))


def test_abort_while_poll_and_scrobble_hang_returns_at_once_and_keeps_the_scrobble(kodi, standin, tmp_path):
    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277", "tmdb": "949"}, duration=6000.0,
                                  runtime=6000)
    ctx = AddonContext(str(tmp_path / "profile"), "1.0.0", memory=None, now=kodi.clock.now,
                       env={"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "shutdown-tests"})
    ctx.account.sign_in(TOKEN, "alice", "pro")
    standin.fault("hang", path="/sync/activities", method="GET", hang_seconds=HANG, then="close", times=100)
    standin.fault("hang", path="/scrobble/", method="POST", hang_seconds=HANG, then="close", times=100)
    service = wiring.build_service(ctx)
    workers = list(_workers(service))
    thread = run_service(kodi, service, workers)

    kodi.player.play_movie(heat)                  # start -> outbox -> sender -> POST hangs
    kodi.clock.advance(2)
    _wait_in_flight(standin, "/scrobble/", "scrobble")
    kodi.clock.advance(61)                        # past the random start-up delay: the poll hangs
    _wait_in_flight(standin, "/sync/activities", "activities")
    assert ctx.outbox.count() == 1

    started = time.monotonic()
    kodi.abort()                                  # returns once the service thread has ended
    thread.join(RETURN_BOUND)
    returned_after = time.monotonic() - started
    assert not thread.is_alive(), "the service is still running %.1f s after abort" % returned_after
    assert returned_after < RETURN_BOUND, returned_after
    # nothing lost: the scrobble that never got its answer is still queued, and nothing
    # half-delivered was taken out of the outbox
    assert ctx.outbox.count() == 1
    assert [e.action for e in ctx.outbox.all()] == ["start"]
    assert not any(r.get("done") for r in standin.requests("/scrobble/"))
    # Kodi would end the process here. In the test the abandoned daemon threads live on:
    # release the hangs and let them finish while the fake Kodi is still installed.
    standin.stop()
    for worker in workers:
        worker._thread.join(10)


def test_built_service_ticks_its_components_on_the_contexts_clock(kodi, tmp_path):
    """Regression: build_service gave the loop time.time while every component schedules on
    ctx.now; on the fake Kodi's clock the first poll never came due (same clock in Kodi)."""
    ctx = AddonContext(str(tmp_path / "profile"), "1.0.0", memory=None, now=lambda: 12345.0)
    service = wiring.build_service(ctx)
    assert service.now() == 12345.0
    kodi.abort()


def test_components_are_stopped_together_not_one_after_the_other():
    """Regression: Service.run stopped components in turn, each allowed a second for a hung
    worker, so two hung workers took 2 s after abort. Both stops must be under way at the
    same time: each waits at a barrier only the other can complete."""
    import threading

    from simkl_resume.service.component import Component
    from simkl_resume.service.loop import Service

    barrier = threading.Barrier(2, timeout=10)   # a guard against hanging, not a time limit
    met = []

    class Stuck(Component):
        def stop(self):
            barrier.wait()
            met.append(self)

    class AbortedMonitor:
        def abortRequested(self):
            return True

    service = Service(AbortedMonitor(), [Stuck(), Stuck()], now=time.time)
    service.run()   # aborted at once: straight to stopping
    assert len(met) == 2


def test_the_service_imports_the_simkl_client_before_any_worker_can(kodi, tmp_path, monkeypatch):
    """Regression (real Kodi 19.1): the pull and sender workers both imported simkl.client
    lazily on their first request; the pull's import got the module half-initialised from the
    sender's ("cannot import name 'SimklClient' from partially initialized module"), so the
    check an open asked for failed. build_service (main thread, before the workers start)
    imports it."""
    import sys

    import simkl_resume.simkl as package

    monkeypatch.setattr(package, "client", package.client)  # the re-import rebinds it: put back after
    monkeypatch.delitem(sys.modules, "simkl_resume.simkl.client")
    ctx = AddonContext(str(tmp_path / "profile"), "1.0.0", memory=None, now=kodi.clock.now)
    wiring.build_service(ctx)
    assert "simkl_resume.simkl.client" in sys.modules
    kodi.abort()
