"""Shared pytest fixtures. Keep each fixture small and documented; add yours below."""
import pytest

from tests.fakekodi import FakeKodi, install, install_modules, uninstall

# Before any test module (and so any addon module) is imported: `import xbmc` anywhere in the
# test process gets the fake modules, never Kodistubs (see tests/fakekodi/__init__.py).
install_modules()


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


# Issue 8 part 6: no known access token in any log line of the run (tests/token_scan.py).
def pytest_configure(config):
    from tests import token_scan

    token_scan.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    from tests import token_scan

    outcome = yield
    token_scan.check_report(outcome.get_result())
