"""The sign-in dialog with the QR code on real Kodi: the XML window opens with the QR image
the vendored segno drew, and OK (Cancel has the focus) or Back closes it without signing in,
deleting the image and ending the polls."""
import json
import time
from pathlib import Path

import pytest

from tests.realkodi.harness import ADDON_ID

pytestmark = pytest.mark.realkodi

LOGIN_URL = "plugin://%s/login" % ADDON_ID
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "build" / "realkodi-screenshots"


def _bool(kodi, condition):
    return kodi.jsonrpc("XBMC.GetInfoBooleans", {"booleans": [condition]})[condition]


def _token(kodi):
    try:
        return json.loads((kodi.addon_data() / "account.json").read_text(encoding="utf-8")).get("token")
    except (OSError, ValueError):
        return None


def _open_sign_in(kodi, standin, known):
    kodi.run_python("import xbmc\nxbmc.executebuiltin('RunPlugin(%s)')\nresult = True\n" % LOGIN_URL)

    def polled_pin():
        for pin in standin.state()["pins"]:
            if pin["user_code"] not in known and not pin["approved"] and pin["polls"] >= 1:
                return pin
        return None
    pin = kodi.wait_for(polled_pin, timeout=30, interval=0.3, what="the PIN dialog to poll Simkl")
    known.add(pin["user_code"])
    kodi.wait_for(lambda: _bool(kodi, "Window.IsActive(simkl-pin.xml)"), timeout=10,
                  what="the XML sign-in dialog")
    return pin


def _polls_of(standin, code):
    return [p for p in standin.state()["pins"] if p["user_code"] == code][0]["polls"]


@pytest.mark.parametrize("key", ["Input.Select", "Input.Back"], ids=["ok_on_cancel", "back"])
def test_sign_in_dialog_shows_the_qr_and_ok_or_back_cancels_it(kodi, standin, key, request):
    known = set(p["user_code"] for p in standin.state()["pins"])
    pin = _open_sign_in(kodi, standin, known)
    qr = kodi.addon_data() / ("pin-qr-%s.png" % pin["user_code"])
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    kodi.screenshot(SCREENSHOT_DIR / ("sign-in-qr-%s.png" % request.node.callspec.id))
    kodi.jsonrpc(key)
    kodi.wait_for(lambda: not _bool(kodi, "Window.IsActive(simkl-pin.xml)"), timeout=10,
                  what="the dialog to close on %s" % key)
    kodi.wait_for(lambda: not qr.exists(), timeout=10, what="the QR image to be deleted")
    polls = _polls_of(standin, pin["user_code"])
    time.sleep(pin.get("interval", 5) + 1)   # a poll would be due by now (not a timing assert)
    assert _polls_of(standin, pin["user_code"]) == polls
    assert not _token(kodi)
