"""Fixtures of the real-Kodi suite.

- `realkodi_library` (session): the offline clip library, built once and cached in build/.
- `standin` (module): a Simkl stand-in on 127.0.0.1 (tools.simkl_standin).
- `kodi_factory` (function): `kodi_factory("B", env={...}, library=..., **KodiInstance kwargs)`
  -> a started KodiInstance, stopped after the test; its kodi.log is saved when the test fails.
- `kodi` (module): one started instance "A" with the library scanned and the stand-in's URL
  in SIMKL_API_URL; shared by a module's tests (boot ~5-15 s).
Logs of every live instance go to build/realkodi-logs/<test>-<instance>.* when a test fails
(saved at the failing report, while kodi_factory's instances still run).

Every Kodi version (issue 14): every test here runs once per Kodi version, 19.1 (bullseye root),
20.1 (the host) and 21.2 (trixie root), as parameter `kodi_version` (ids `kodi19.1`, ...), with
no edit to the test: the autouse module-scoped `kodi_version` fixture is parametrised here and
makes it the default version of every KodiInstance started meanwhile (fixtures included).
- KODI_VERSIONS=20.1 (or "19.1,21.2") narrows a run.
- A test (or module, via pytestmark) that is version-specific says which versions and why:
      @pytest.mark.kodi_versions("20.1", "21.2", reason="getUniqueID exists from Kodi 20")
  With no versions it is not parametrised at all (it needs no Kodi, or starts its versions
  itself, as the cross-version hand-off does); the reason is required.
- A test that fails on one version for a known reason says so, strictly (an unexpected pass
  fails too, so the marker goes once the behaviour is fixed):
      @pytest.mark.kodi_xfail("19.1", reason="what Kodi 19.1 does and what the addon then does")
- The terminal summary counts outcomes and time per version and lists every Kodi crash seen:
  crashes are reported, never retried. Kodi itself aborts now and then (a mutex assertion
  after a stop on 20.1/21.2, a segfault on 19.1: seen a few times in a hundred module runs,
  never with a Python traceback of ours): a test that fails while one of its Kodis has died
  on its own is reported as SKIPPED "Kodi crashed" (and so are the later tests of a module
  whose shared Kodi died), with the crash listed in the summary. A Kodi that dies on its own
  while booting (before any step of a test ran) is listed the same way and booted once more
  (_start): the CI run on record lost a whole 19.1 module to one such boot. More than CRASH_BUDGET crashes
  in one run fail the run: that is no longer Kodi's bad luck.
- A missing Kodi root skips its version's tests, except as root (`make test` builds the roots
  first, so a missing one is a failure there).
"""
import contextlib
import os
from collections import defaultdict

import pytest

from tests.realkodi.harness import TEST_CLIENT_ID, KodiInstance, build_library, kodi_available
from tools import kodi_roots
from tools.realkodi import instance as _instance

_LIVE = []  # instances started by fixtures, for log saving
_STATS = []  # (name, version, boot_s, scan_s, cpu_s) for the terminal summary
_CRASHES = []  # (test nodeid, description) of every Kodi exit nobody asked for
_BY_VERSION = defaultdict(lambda: defaultdict(int))  # version -> outcome -> count
_SECONDS = defaultdict(float)  # version -> seconds of setup + call + teardown
CRASH_BUDGET = 6  # more Kodi crashes than this in one run fail it (see the module docstring)


def pytest_configure(config):
    config.addinivalue_line("markers", "realkodi: needs a real Kodi (apt-get install kodi xvfb pulseaudio)")
    config.addinivalue_line(
        "markers", "kodi_versions(*versions, reason): this test runs only on these Kodi versions "
        "(none: not parametrised by version); reason says why it is version-specific")
    config.addinivalue_line(
        "markers", "kodi_xfail(*versions, reason): expected to fail (strict) on these Kodi versions")


def _versions_of(metafunc):
    """The versions a test runs on: KODI_VERSIONS (default all), narrowed by its marker."""
    selected = kodi_roots.selected_versions()
    marks = list(metafunc.definition.iter_markers("kodi_versions"))
    if not marks:
        return selected
    mark = marks[0]  # the closest: a test's own marker wins over its module's
    if not mark.kwargs.get("reason"):
        raise pytest.UsageError("%s: @pytest.mark.kodi_versions needs reason=... (why is it "
                                "version-specific?)" % metafunc.definition.nodeid)
    unknown = [v for v in mark.args if v not in kodi_roots.ALL_VERSIONS]
    if unknown:
        raise pytest.UsageError("%s: unknown Kodi version(s) %s" % (metafunc.definition.nodeid, unknown))
    if not mark.args:
        return None
    return [v for v in selected if v in mark.args]


def pytest_generate_tests(metafunc):
    if "kodi_version" not in metafunc.fixturenames:
        return
    versions = _versions_of(metafunc)
    if versions is None:
        return
    # Module scope: a module's fixtures (its Kodis) start once per version, tests grouped by it.
    metafunc.parametrize("kodi_version", versions, ids=["kodi%s" % v for v in versions], indirect=True,
                         scope="module")


@pytest.fixture(scope="module", autouse=True)
def kodi_version(request):
    """The Kodi version this test runs on (None: not parametrised). Every KodiInstance started
    while it is set gets it unless given kodi_version=... itself."""
    version = getattr(request, "param", None)
    if version is not None and not kodi_available(version):
        message = "Kodi %s is not available at %s" % (version, kodi_roots.root_path(version))
        if version != kodi_roots.HOST_VERSION:
            message += " (make kodi-roots)"
        if os.geteuid() == 0:
            pytest.fail(message, pytrace=False)  # `make test` builds/installs it as root: a real failure
        pytest.skip(message)
    _instance.set_default_version(version)
    try:
        yield version
    finally:
        _instance.set_default_version(None)


@pytest.fixture(autouse=True)
def _instances_match_the_version(request, kodi_version):
    """A fixture that starts a Kodi must depend (directly or through standin/kodi_env/
    realkodi_library) on `kodi_version`, or it would keep one version's Kodi for the next."""
    if kodi_version is None:
        return
    for inst in list(_instance._RUNNING):
        if inst.kodi_version != kodi_version and not inst.explicit_version:
            pytest.fail("[%s] Kodi %s is still running from a fixture set up for another version than this "
                        "test's %s: make that fixture depend on `kodi_version` (or `standin`)"
                        % (inst.name, inst.kodi_version, kodi_version), pytrace=False)


def pytest_collection_modifyitems(config, items):
    for item in items:
        version = _version_of(item)
        for mark in item.iter_markers("kodi_xfail"):
            if not mark.kwargs.get("reason"):
                raise pytest.UsageError("%s: @pytest.mark.kodi_xfail needs reason=..." % item.nodeid)
            if version in mark.args:
                item.add_marker(pytest.mark.xfail(reason="Kodi %s: %s" % (version, mark.kwargs["reason"]),
                                                  strict=True))
    if kodi_available(kodi_roots.HOST_VERSION) or os.geteuid() == 0:
        return  # as root `make test` installs Kodi; a missing Kodi then fails loudly
    skip = pytest.mark.skip(reason="real Kodi not installed (/usr/bin/kodi) and not root to install it")
    for item in items:
        if "realkodi" in item.keywords:
            item.add_marker(skip)


CROSS = "several"  # the summary's row for real-Kodi tests not parametrised by version


def _version_of(item):
    callspec = getattr(item, "callspec", None)
    version = callspec.params.get("kodi_version") if callspec is not None else None
    if version is None and item.get_closest_marker("realkodi") is not None:
        return CROSS  # e.g. the cross-version hand-off: it starts its versions itself
    return version


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and rep.when in ("setup", "call"):
        dead = _crashed_instances()
        if dead:
            rep.outcome = "skipped"
            rep.kodi_crashed = True  # its logs are saved like a failure's
            rep.longrepr = (str(item.path), item.location[1] or 0,
                            "Skipped: Kodi crashed, reported not retried (%s); the test's own failure "
                            "was: %s" % ("; ".join(dead), _first_line(call.excinfo)))
    setattr(item, "rep_" + rep.when, rep)
    if rep.when in ("setup", "call") and (rep.failed or getattr(rep, "kodi_crashed", False)):
        _save_logs(item)
    version = _version_of(item)
    if version is not None:
        _SECONDS[version] += rep.duration
        if rep.when == "call" or (rep.when == "setup" and not rep.passed) or (rep.when == "teardown"
                                                                             and rep.failed):
            outcome_name = "xfailed" if hasattr(rep, "wasxfail") and rep.skipped else (
                "xpassed" if hasattr(rep, "wasxfail") else rep.outcome)
            if rep.when != "call" and rep.failed:
                outcome_name = "error"
            _BY_VERSION[version][outcome_name] += 1
    if rep.when == "call" or not rep.passed:
        for inst in list(_instance._RUNNING):
            inst.is_running()  # notes a crash (an exit nobody asked for)
            _note_crashes(inst, item.nodeid)


def _note_crashes(inst, where):
    """List `inst`'s crashes not listed yet in the summary, seen in `where`."""
    for crash in inst.crashes:
        if not any(c == crash for _, c in _CRASHES):
            _CRASHES.append((where, crash))


def _crashed_instances():
    """Crash notes of the Kodis the current test can reach (fixtures' and still running ones)."""
    notes = []
    for inst in list(_LIVE) + [i for i in list(_instance._RUNNING) if i not in _LIVE]:
        inst.is_running()  # notes an exit nobody asked for
        notes.extend(inst.crashes)
    return notes


def _first_line(excinfo):
    if excinfo is None:
        return "-"
    text = str(excinfo.value).strip().splitlines()
    return "%s: %s" % (excinfo.typename, text[0][:200] if text else "")


def pytest_sessionfinish(session, exitstatus):
    if len(_CRASHES) > CRASH_BUDGET and session.exitstatus == 0:
        session.exitstatus = 1  # too many to be Kodi's own rare aborts (listed in the summary)


def _save_logs(item):
    """Logs of every Kodi the test can reach, saved while they still run: at the report, not in
    a fixture's teardown (kodi_factory stops its instances before an autouse fixture's teardown
    would have run, so a failing kodi_factory test used to leave no log)."""
    label = item.nodeid.split("::", 1)[-1]
    for inst in list(_LIVE) + [i for i in list(_instance._RUNNING) if i not in _LIVE]:
        inst.save_log("%s-%s" % (label, inst.name))


def _start(name, env, library, before_start=None, **kwargs):
    """A started KodiInstance whose logs are saved when the test fails (stop it with _stop).
    `before_start(inst)` runs on the prepared sandbox before Kodi boots (e.g. sign it in)."""
    for attempt in (1, 2):
        inst = KodiInstance(name, env=env, library=library, **kwargs)
        if before_start is not None:
            inst.prepare()
            before_start(inst)
        try:
            inst.start()
        except Exception:
            # Kodi dying on its own before the test did anything (a boot abort of Kodi itself,
            # seen on 19.1 under load) is listed as a crash and that Kodi is booted once more;
            # a second death, or any other start failure, fails the fixture as before.
            if not inst.crashes or attempt == 2:
                _note_crashes(inst, "(starting %s)" % name)
                raise
            _note_crashes(inst, "(starting %s, booted again)" % name)
            continue
        _LIVE.append(inst)
        return inst


@contextlib.contextmanager
def _started(env, library, *named, ready=None):
    """Kodis started in turn, `named` = (name, KodiInstance kwargs) each, `ready(inst)` run
    after each start (sign it in...); the list of them. All stopped after, also when a later
    start fails. A module's pair fixture: `with _started(...) as (a, b): yield a, b`."""
    started = []
    try:
        for name, kwargs in named:
            inst = _start(name, env, library, **kwargs)
            started.append(inst)
            if ready is not None:
                ready(inst)
        yield started
    finally:
        for inst in started:
            _stop(inst)


def _stop(inst):
    _STATS.append((inst.name, inst.kodi_version, inst.boot_seconds, inst.scan_seconds, inst.cpu_seconds()))
    if inst in _LIVE:
        _LIVE.remove(inst)
    inst.stop()
    _note_crashes(inst, "(stopping %s)" % inst.name)  # also a crash while quitting


def pytest_terminal_summary(terminalreporter):
    if _BY_VERSION:
        terminalreporter.section("real Kodi suite per version")
        for version in kodi_roots.ALL_VERSIONS + (CROSS,):
            if version not in _BY_VERSION:
                continue
            counts = ", ".join("%d %s" % (n, k) for k, n in sorted(_BY_VERSION[version].items()))
            if version == CROSS:
                terminalreporter.write_line("Kodi versions together (cross-version tests): %s in %.0f s" % (
                    counts, _SECONDS[version]))
                continue
            root = kodi_roots.kodi_root(version)
            terminalreporter.write_line("Kodi %-5s (Python %-6s %s): %s in %.0f s" % (
                version, root.python or "?", "host" if root.is_host else root.path, counts,
                _SECONDS[version]))
    if _CRASHES:
        terminalreporter.section("real Kodi crashes (reported, not retried)")
        if len(_CRASHES) > CRASH_BUDGET:
            terminalreporter.write_line("%d crashes: more than the %d this suite accepts from Kodi itself: "
                                        "FAILED" % (len(_CRASHES), CRASH_BUDGET))
        for nodeid, crash in _CRASHES:
            terminalreporter.write_line("%s  in %s" % (crash, nodeid))
    if not _STATS:
        return
    terminalreporter.section("real Kodi instances")
    for name, version, boot, scan, cpu in _STATS:
        terminalreporter.write_line(
            "%-10s Kodi %-5s boot %5.1f s  scan %5s s  kodi cpu %6.1f s" % (
                name, version, boot or 0.0, "%.1f" % scan if scan is not None else "-", cpu))


@pytest.fixture(scope="module")
def realkodi_library(kodi_version):
    """Per module and version (built once, then from the cache in build/): fixtures using it
    start their Kodis again for each version."""
    return build_library()


@pytest.fixture(scope="module")
def standin(kodi_version):
    from tools.simkl_standin import StandIn

    s = StandIn()
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def kodi_env(standin):
    return {"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": TEST_CLIENT_ID}


@pytest.fixture(scope="module")
def kodi(kodi_env, realkodi_library):
    inst = _start("A", kodi_env, realkodi_library)
    try:
        yield inst
    finally:
        _stop(inst)


@pytest.fixture
def kodi_factory(kodi_env, realkodi_library):
    started = []

    def make(name, env=None, library=realkodi_library, **kwargs):
        inst = _start(name, dict(kodi_env, **(env or {})), library, **kwargs)
        started.append(inst)
        return inst

    yield make
    for inst in started:
        _stop(inst)
