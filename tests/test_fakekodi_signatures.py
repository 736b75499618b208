"""The fake Kodi offers nothing Kodi does not: every public function, class and method of
tests/fakekodi's xbmc* modules exists in Kodistubs (pinned in requirements-dev) with
compatible parameters."""
import types

import pytest

from tests.fakekodi import _stubs, signatures
from tests.fakekodi import xbmc as fake_xbmc
from tests.fakekodi import xbmcaddon as fake_xbmcaddon
from tests.fakekodi import xbmcgui as fake_xbmcgui
from tests.fakekodi import xbmcplugin as fake_xbmcplugin
from tests.fakekodi import xbmcvfs as fake_xbmcvfs

FAKES = {"xbmc": fake_xbmc, "xbmcgui": fake_xbmcgui, "xbmcplugin": fake_xbmcplugin,
         "xbmcaddon": fake_xbmcaddon, "xbmcvfs": fake_xbmcvfs}


def test_kodistubs_is_the_pinned_version():
    from importlib.metadata import version
    assert version("Kodistubs") == "21.0.0"


@pytest.mark.parametrize("name", sorted(FAKES))
def test_fake_module_matches_kodistubs_signatures(name):
    assert signatures.check_module(FAKES[name], _stubs.load(name)) == []


def test_fake_modules_offer_the_api_the_addon_relies_on():
    # guard against the check above passing because a fake module is empty
    assert callable(fake_xbmc.Player.getTime) and callable(fake_xbmc.Monitor.waitForAbort)
    assert callable(fake_xbmcgui.ListItem.getVideoInfoTag) and callable(fake_xbmcplugin.setResolvedUrl)
    assert callable(fake_xbmcaddon.Addon.getSettingInt) and callable(fake_xbmcvfs.translatePath)
    assert not hasattr(fake_xbmc, "LOGNOTICE") and not hasattr(fake_xbmc, "translatePath")


def _module(name, **members):
    mod = types.ModuleType(name)
    for k, v in members.items():
        setattr(mod, k, v)
    return mod


def test_checker_reports_a_misspelled_method():
    class Player:
        def getTim(self):  # Kodi's is getTime
            return 0.0

    problems = signatures.check_module(_module("fake", Player=Player), _stubs.load("xbmc"))
    assert problems == ["xbmc.Player.getTim: not in Kodistubs"]


def test_checker_reports_a_renamed_or_reordered_parameter():
    class Monitor:
        def waitForAbort(self, seconds=-1):  # Kodi's parameter is `timeout`
            return False

    def log(level, msg):  # swapped
        pass

    problems = signatures.check_module(_module("fake", Monitor=Monitor, log=log), _stubs.load("xbmc"))
    assert len(problems) == 2
    assert any("waitForAbort" in p and "timeout" in p for p in problems)
    assert any(p.startswith("xbmc.log: parameters ['level', 'msg']") for p in problems)


def test_checker_reports_a_missing_default_and_an_unknown_function():
    def executebuiltin(function, wait):  # Kodi: wait=False
        pass

    def translatePath(path):  # gone from xbmc on Kodi 20
        return path

    problems = signatures.check_module(_module("fake", executebuiltin=executebuiltin,
                                               translatePath=translatePath), _stubs.load("xbmc"))
    assert any("executebuiltin" in p and "default" in p for p in problems)
    assert any("translatePath: not in Kodistubs" in p for p in problems)
