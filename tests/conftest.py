"""Shared pytest fixtures. Keep each fixture small and documented; add yours below."""
import pytest

from tests._hypothesis_profiles import load_suite_profile
from tests.fakekodi import FakeKodi, install, install_modules, uninstall

# Before any test module (and so any addon module) is imported: `import xbmc` anywhere in the
# test process gets the fake modules, never Kodistubs (see tests/fakekodi/__init__.py).
install_modules()
# Likewise before any test module: Hypothesis tests get no wall-clock deadline (see the module).
load_suite_profile()


@pytest.fixture
def kodi(tmp_path):
    """A fresh fake Kodi 20.1 (tests/fakekodi): xbmc* modules installed for this test only.
    Addon threads still running at the end are aborted; exceptions raised inside Player/Monitor
    callbacks fail the test unless it sets kodi.expect_callback_errors = True."""
    fake = FakeKodi(tmp_path)
    install(fake)
    try:
        yield fake
        if fake.clock.tracked_threads():
            fake.abort()
        if fake.callback_errors and not fake.expect_callback_errors:
            pytest.fail("exception(s) in Kodi callbacks:\n" + "\n".join(fake.callback_errors))
    finally:
        uninstall()


# Central European time with its daylight saving rule (POSIX TZ: no tz database needed).
BERLIN_TZ = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def local_zone():
    """The machine's local zone set to Berlin (CET/CEST) for this test, as a Kodi box in Germany
    has it: Kodi (and the fake Kodi) write `lastplayed` in this local time. Restored after."""
    import os
    import time

    old = os.environ.get("TZ")
    os.environ["TZ"] = BERLIN_TZ
    time.tzset()
    try:
        yield BERLIN_TZ
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def make_standin(kodi):
    """make(rate=1.0, **StandIn options) -> a started stand-in on the fake Kodi's clock
    (tests/_service_rig.LinkedStandIn; PIN interval 2 s and expiry 60 s unless given);
    all are stopped at the end of the test."""
    from tests._service_rig import LinkedStandIn

    made = []

    def make(rate=1.0, **options):
        options.setdefault("pin_interval", 2)
        options.setdefault("pin_expires_in", 60)
        linked = LinkedStandIn(kodi, rate=rate, **options)
        made.append(linked)
        return linked

    yield make
    for linked in made:
        linked.server.stop()


# Issue 8 part 6: no known access token in any log line of the run (tests/token_scan.py).
def pytest_configure(config):
    from tests import token_scan

    token_scan.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    from tests import token_scan

    outcome = yield
    token_scan.check_report(outcome.get_result())
