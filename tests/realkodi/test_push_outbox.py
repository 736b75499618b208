"""The outbox on real Kodi (issue 12, items 4 and 7): what waits is said on the settings page,
and a re-sign-in of the same account keeps the queue.

One Kodi (A), steps in file order, sharing A and the stand-in:
1. sign-in through /login (the PIN dialog, approved on the stand-in): account.json holds
   Simkl's account id and the queue key "id:<account id>" (not the display name);
2. Simkl unreachable for scrobbles (the stand-in resets every /scrobble/ connection): the movie
   is paused at 40 % and stopped; the service writes "1 position waiting to be sent" into the
   read-only `queue_status` setting (read back through Kodi's own xbmcaddon);
3. Simkl answers the next scrobble with 401: A is signed out, the event stays queued;
4. the same account signs in again (a new token): the event is delivered with the NEW token,
   Simkl holds the movie at 40 %, and `queue_status` is empty again.
"""
import pytest

from tests.realkodi import conftest as rk
from tests.realkodi.harness import ADDON_ID, steps
from tests.realkodi.test_handoff import _movie, _pause_at, _pending_pin, _stored_account

pytestmark = pytest.mark.realkodi

LOGIN_URL = "plugin://%s/login" % ADDON_ID
TOKEN = "outbox-account-token-1"
NEW_TOKEN = "outbox-account-token-2"
CATALOG = [
    {"type": "movie", "title": "Inception", "year": 2010, "runtime": 148,
     "ids": {"simkl": 67890, "imdb": "tt1375666", "tmdb": 27205}},
]
# The outbox's backoff (5, 10, 20 ... s while Simkl is unreachable) and a shared machine:
# every wait is on a condition, with room to spare.
DELIVERY_TIMEOUT = 240.0


@pytest.fixture(scope="module")
def account(standin):
    steps.seed_account(standin, CATALOG, TOKEN, plan="free")
    standin.configure(pin_interval=1)
    return TOKEN


@pytest.fixture(scope="module")
def kodi(kodi_env, realkodi_library, account):
    inst = rk._start("A", kodi_env, realkodi_library)
    try:
        steps.show_debug_log(inst)
        yield inst
    finally:
        rk._stop(inst)


def _queue_status(kodi):
    """The settings page's "Waiting to be sent" line, as Kodi's own xbmcaddon reads it."""
    return kodi.run_python("import xbmcaddon\nresult = xbmcaddon.Addon(%r).getSettingString('queue_status')\n"
                           % ADDON_ID)


def _sign_in(kodi, standin, token, known):
    kodi.run_python("import xbmc\nxbmc.executebuiltin('RunPlugin(%s)')\nresult = True\n" % LOGIN_URL)
    pin = kodi.wait_for(lambda: _pending_pin(standin, known), timeout=30, interval=0.3,
                        what="the PIN dialog to poll Simkl twice")
    known.add(pin["user_code"])
    standin.approve_pin(pin["user_code"], token=token)
    kodi.wait_for(lambda: (_stored_account(kodi) or {}).get("token") == token, timeout=20,
                  what="the approved token to be stored")
    kodi.wait_for(lambda: not steps.info_bool(kodi, "Window.IsActive(simkl-pin.xml)"), timeout=10,
                  what="the PIN dialog to close itself")


KNOWN_PINS = set()


def test_sign_in_files_the_queue_under_simkls_account_id(kodi, standin, account):
    _sign_in(kodi, standin, account, KNOWN_PINS)
    stored = _stored_account(kodi)
    account_id = standin.account_id(account)
    assert (stored["account_id"], stored["queue"]) == (account_id, "id:%d" % account_id)
    assert stored["name"] == "alice"


def test_settings_page_says_a_position_waits_while_simkl_is_unreachable(kodi, standin, account):
    standin.fault("reset", path="/scrobble/", method="POST", times=100000)
    _pause_at(kodi, {"movieid": _movie(kodi)["movieid"]}, 40, "the movie")
    status = kodi.wait_for(lambda: _queue_status(kodi) or None, timeout=60, interval=1.0,
                           what="the settings page to say what waits")
    assert status == "1 position waiting to be sent"
    assert [p for p in standin.state()["playbacks"]] == []


def test_a_401_signs_out_and_keeps_the_queued_position(kodi, standin, account):
    standin.clear_faults()
    standin.fault("401", path="/scrobble/", method="POST", times=1)
    kodi.wait_for(lambda: not (_stored_account(kodi) or {}).get("token"), timeout=DELIVERY_TIMEOUT,
                  interval=1.0, what="the 401 to sign A out")
    stored = _stored_account(kodi)
    assert stored["signed_out_reason"] == "revoked"
    assert stored["queue"] == "id:%d" % standin.account_id(account)
    assert _queue_status(kodi) == "1 position waiting to be sent"
    assert standin.state()["playbacks"] == []


def test_the_same_account_signing_in_again_gets_the_queued_position_delivered(kodi, standin, account):
    standin.add_token(account, NEW_TOKEN)          # the same Simkl account, a new sign-in
    _sign_in(kodi, standin, NEW_TOKEN, KNOWN_PINS)

    def held():
        playbacks = standin.state()["playbacks"]
        return playbacks if playbacks else None

    (playback,) = kodi.wait_for(held, timeout=DELIVERY_TIMEOUT, interval=1.0,
                                what="the queued pause to reach Simkl")
    assert playback["movie"]["title"] == "Inception" and abs(playback["progress"] - 40.0) <= 1.0
    delivered = [r for r in standin.requests("/scrobble/") if r["status"] == 201]
    assert delivered and all(r["headers"]["Authorization"] == "Bearer " + NEW_TOKEN for r in delivered)
    kodi.wait_for(lambda: _queue_status(kodi) == "", timeout=60, interval=1.0,
                  what="the settings page to say nothing waits")
