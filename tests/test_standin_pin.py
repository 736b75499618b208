"""The stand-in's PIN sign-in follows Simkl's documented device flow."""
import pytest

from tools.simkl_standin import StandIn
from tools.simkl_standin.testing import Api


@pytest.fixture
def standin():
    with StandIn(pin_interval=1, pin_expires_in=30) as server:
        yield server


@pytest.fixture
def api(standin):
    client = Api(standin, token="")
    yield client
    client.session.close()


def start(api):
    reply = api.get("/oauth/pin")
    assert reply.status_code == 200
    return reply.json()


def poll(api, code):
    reply = api.get("/oauth/pin/" + code)
    assert reply.status_code == 200
    return reply.json()


def test_pin_start_has_the_documented_shape(api):
    body = start(api)
    assert body["result"] == "OK"
    assert body["verification_url"] == body["verification_uri"] == "https://simkl.com/pin/"
    assert body["interval"] == 1
    assert body["expires_in"] == 30
    assert body["device_code"] and body["user_code"].isalnum()


def test_pin_start_needs_a_client_id_but_no_token(api):
    assert api.get("/oauth/pin", client_id="").status_code == 412


def test_pending_code_says_authorization_pending(api):
    code = start(api)["user_code"]
    assert poll(api, code) == {"result": "KO", "message": "Authorization pending"}


def test_polling_faster_than_interval_says_slow_down(standin, api):
    code = start(api)["user_code"]
    poll(api, code)
    assert poll(api, code) == {"result": "KO", "message": "Slow down"}
    standin.advance(1)
    assert poll(api, code)["message"] == "Authorization pending"


def test_approved_code_gives_a_working_token_once_then_is_gone(standin, api):
    code = start(api)["user_code"]
    poll(api, code)
    standin.approve_pin(code, name="dave", type="vip")
    standin.advance(1)
    body = poll(api, code)
    assert body["result"] == "OK"
    token = body["access_token"]
    settings = api.get("/users/settings", token=token).json()
    assert settings["user"]["name"] == "dave"
    assert settings["account"]["type"] == "vip"
    standin.advance(1)
    gone = poll(api, code)
    assert "device_code" in gone and gone["user_code"] != code


def test_approve_after_polls_approves_on_the_nth_poll(standin, api):
    standin.configure(approve_after_polls=3)
    code = start(api)["user_code"]
    answers = []
    for _ in range(3):
        answers.append(poll(api, code)["result"])
        standin.advance(1)
    assert answers == ["KO", "KO", "OK"]


def test_control_endpoint_approves_a_code_for_an_existing_user(standin, api):
    standin.add_user("erin-token", "erin")
    code = start(api)["user_code"]
    reply = api.session.post(standin.url + "/_control/pin", json={"approve": code, "token": "erin-token"})
    assert reply.status_code == 200
    assert poll(api, code) == {"result": "OK", "access_token": "erin-token"}


def test_control_endpoint_sets_approve_after_polls(standin, api):
    api.session.post(standin.url + "/_control/pin", json={"approve_after_polls": 1})
    code = start(api)["user_code"]
    assert poll(api, code)["result"] == "OK"


def test_expired_code_is_answered_with_a_new_code(standin, api):
    code = start(api)["user_code"]
    standin.advance(31)
    body = poll(api, code)
    assert body["result"] == "OK" and "device_code" in body
    assert body["user_code"] != code


def test_unknown_code_is_answered_with_a_new_code_in_step_one_shape(api):
    body = poll(api, "NOPE1")
    assert set(body) >= {"result", "device_code", "user_code", "verification_url", "expires_in", "interval"}
    assert body["user_code"] != "NOPE1"
    # and that new code is a real pending code
    assert poll(api, body["user_code"])["message"] == "Authorization pending"


def test_state_lists_pending_pins_without_tokens(standin, api):
    code = start(api)["user_code"]
    poll(api, code)
    [pin] = standin.state()["pins"]
    assert pin["user_code"] == code and pin["polls"] == 1 and pin["approved"] is False
    assert "access_token" not in pin and "approved_token" not in pin
