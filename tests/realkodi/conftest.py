"""Fixtures of the real-Kodi suite.

- `realkodi_library` (session): the offline clip library, built once and cached in build/.
- `standin` (module): a Simkl stand-in on 127.0.0.1 (tools.simkl_standin).
- `kodi_factory` (function): `kodi_factory("B", env={...}, library=..., **KodiInstance kwargs)`
  -> a started KodiInstance, stopped after the test; its kodi.log is saved when the test fails.
- `kodi` (module): one started instance "A" with the library scanned and the stand-in's URL
  in SIMKL_API_URL; shared by a module's tests (boot ~5-15 s).
Logs of every live instance go to build/realkodi-logs/<test>-<instance>.* when a test fails.
"""
import os

import pytest

from tests.realkodi.harness import TEST_CLIENT_ID, KodiInstance, build_library, kodi_available

_LIVE = []  # instances started by fixtures, for log saving
_STATS = []  # (name, boot_s, scan_s, cpu_s) for the terminal summary


def pytest_configure(config):
    config.addinivalue_line("markers", "realkodi: needs a real Kodi (apt-get install kodi xvfb pulseaudio)")


def pytest_collection_modifyitems(config, items):
    if kodi_available() or os.geteuid() == 0:
        return  # as root `make test` installs Kodi; a missing Kodi then fails loudly
    skip = pytest.mark.skip(reason="real Kodi not installed (/usr/bin/kodi) and not root to install it")
    for item in items:
        if "realkodi" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(autouse=True)
def _save_realkodi_logs_on_failure(request):
    yield
    failed = any(getattr(getattr(request.node, "rep_" + w, None), "failed", False) for w in ("setup", "call"))
    if failed:
        label = request.node.nodeid.split("::", 1)[-1]
        for inst in list(_LIVE):
            inst.save_log("%s-%s" % (label, inst.name))


def _start(name, env, library, **kwargs):
    inst = KodiInstance(name, env=env, library=library, **kwargs)
    inst.start()
    _LIVE.append(inst)
    return inst


def _stop(inst):
    _STATS.append((inst.name, inst.boot_seconds, inst.scan_seconds, inst.cpu_seconds()))
    if inst in _LIVE:
        _LIVE.remove(inst)
    inst.stop()


def pytest_terminal_summary(terminalreporter):
    if not _STATS:
        return
    terminalreporter.section("real Kodi instances")
    for name, boot, scan, cpu in _STATS:
        terminalreporter.write_line(
            "%-10s boot %5.1f s  scan %5s s  kodi cpu %6.1f s" % (
                name, boot or 0.0, "%.1f" % scan if scan is not None else "-", cpu))


@pytest.fixture(scope="session")
def realkodi_library():
    return build_library()


@pytest.fixture(scope="module")
def standin():
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
