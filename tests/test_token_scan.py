"""The session-wide token scan (tests/token_scan.py) really finds tokens where it looks."""
import logging

from simkl_resume.store.account import AccountStore
from tests import token_scan
from tools.simkl_standin import StandIn


class _Report:
    def __init__(self, when="call", sections=()):
        self.when = when
        self.sections = list(sections)
        self.outcome = "passed"
        self.longrepr = None


def test_tokens_signed_in_or_given_to_the_stand_in_are_learned(tmp_path):
    AccountStore(str(tmp_path)).sign_in("scan-self-check-signed-in-1", "x")
    with StandIn() as s:
        generated = s.add_user(name="scan")
    assert {"scan-self-check-signed-in-1", generated} <= token_scan.known_tokens()


def test_a_known_token_in_a_kodi_log_fails_the_phase_without_printing_it(kodi):
    import xbmc

    token_scan.register("scan-self-check-kodi-2")
    xbmc.log("oops Bearer scan-self-check-kodi-2", xbmc.LOGINFO)
    report = _Report()
    leaks = token_scan.check_report(report)
    kodi.logs[:] = []                       # clean again, so this test itself passes the scan
    assert [where for where, _ in leaks] == ["Kodi log #0"]
    assert report.outcome == "failed" and "scan-self-check-kodi-2" not in report.longrepr


def test_a_known_token_in_python_logging_or_captured_output_fails_the_phase():
    token_scan.register("scan-self-check-logging-3")
    # straight to the scan's root handler: through a real logger pytest would capture it too
    # and (rightly) fail this test
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, __file__, 1, "GET /x?token=%s",
                               ("scan-self-check-logging-3",), None)
    [h for h in logging.getLogger().handlers if isinstance(h, token_scan._RecordAll)][0].handle(record)
    report = _Report(sections=[("Captured stdout call", "printed scan-self-check-logging-3")])
    leaks = token_scan.check_report(report)
    assert [where for where, _ in leaks] == ["Captured stdout call", "python logging"]


def test_short_or_unknown_strings_are_not_reported():
    token_scan.register("x")
    report = _Report(sections=[("Captured stdout call", "x marks the spot; scan-never-registered-4")])
    assert token_scan.check_report(report) == [] and report.outcome == "passed"
