"""Stand-in faults, request log, control API over HTTP, and the standalone command."""
import json
import os
import subprocess
import sys

import pytest
import requests

from tools.simkl_standin import StandIn
from tools.simkl_standin.testing import INCEPTION, SEED, TOKEN, Api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def standin():
    with StandIn(seed=SEED) as server:
        yield server


@pytest.fixture
def api(standin):
    client = Api(standin)
    yield client
    client.session.close()


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_server_error_fault_is_served_times_then_the_real_answer(standin, api, status):
    standin.fault(status, path="/sync/activities", times=2)
    assert [api.get("/sync/activities").status_code for _ in range(3)] == [int(status), int(status), 200]


def test_429_fault_without_retry_after(standin, api):
    standin.fault("429", path="/sync/playback")
    reply = api.get("/sync/playback")
    assert reply.status_code == 429
    assert "Retry-After" not in reply.headers


def test_429_fault_with_retry_after(standin, api):
    standin.fault("429-retry-after", path="/sync/playback", retry_after=7)
    reply = api.get("/sync/playback")
    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == "7"


def test_401_fault_says_user_token_failed(standin, api):
    standin.fault("401", path="/sync/")
    reply = api.get("/sync/activities")
    assert reply.status_code == 401
    assert reply.json()["error"] == "user_token_failed"


def test_hang_fault_outlasts_the_client_timeout(standin, api):
    standin.fault("hang", path="/sync/activities", hang_seconds=2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get("/sync/activities", timeout=0.2)
    assert api.get("/sync/activities").status_code == 200  # consumed: the next one is answered


def test_hang_then_close_drops_the_connection_without_reply(standin, api):
    standin.fault("hang", path="/sync/activities", hang_seconds=0.1, then="close")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("/sync/activities")


def test_reset_fault_drops_the_connection(standin, api):
    standin.fault("reset", path="/scrobble/pause")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.scrobble("pause", 10, movie=INCEPTION)
    assert api.playbacks() == []  # nothing was processed
    assert api.scrobble("pause", 10, movie=INCEPTION).status_code == 201


def test_reset_fault_on_a_reused_keep_alive_connection(standin, api):
    assert api.get("/sync/activities").status_code == 200
    standin.fault("reset", path="/sync/activities")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("/sync/activities")


def test_garbage_fault_is_unparseable_json(standin, api):
    standin.fault("garbage", path="/sync/playback")
    reply = api.get("/sync/playback")
    assert reply.status_code == 200
    with pytest.raises(ValueError):
        reply.json()


def test_empty_fault_has_an_empty_body(standin, api):
    standin.fault("empty", path="/sync/activities")
    reply = api.get("/sync/activities")
    assert reply.status_code == 200
    assert reply.content == b""


def test_html_fault_is_an_html_error_page(standin, api):
    standin.fault("html", path="/sync/activities")
    reply = api.get("/sync/activities")
    assert reply.status_code == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.text.startswith("<!DOCTYPE html>")


def test_faults_match_method_and_path_prefix_and_are_consumed_in_order(standin, api):
    standin.fault("503", path="/sync/playback", method="DELETE")
    standin.fault("502", path="/sync/")
    standin.fault("500", path="/sync/")
    assert api.get("/users/settings").status_code == 200  # no fault for this path
    assert api.get("/sync/playback").status_code == 502  # the DELETE-only fault is skipped
    assert api.delete("/sync/playback/1").status_code == 503
    assert api.get("/sync/activities").status_code == 500
    assert api.get("/sync/activities").status_code == 200


def test_faults_come_before_client_id_and_token_checks(standin, api):
    standin.fault("503", path="/sync/activities")
    assert api.get("/sync/activities", client_id="", token="").status_code == 503


def test_request_log_records_method_path_query_headers_body_and_status(standin, api):
    api.scrobble("pause", 10, movie=INCEPTION)
    [entry] = standin.requests(path="/scrobble/")
    assert entry["method"] == "POST"
    assert entry["path"] == "/scrobble/pause"
    assert entry["query"] == {"client_id": api.client_id}
    assert entry["headers"]["Authorization"] == "Bearer " + TOKEN
    assert entry["headers"]["User-Agent"] == "standin-tests/1.0"
    assert entry["body"] == {"progress": 10, "movie": INCEPTION}
    assert entry["status"] == 201
    assert isinstance(entry["time"], float)


def test_request_log_filters_by_method_and_clears(standin, api):
    api.get("/sync/activities")
    api.post("/sync/activities")
    assert [e["method"] for e in standin.requests("/sync/activities")] == ["GET", "POST"]
    assert len(standin.requests(method="POST")) == 1
    standin.clear_requests()
    assert standin.requests() == []


def test_request_log_marks_faulted_requests(standin, api):
    standin.fault("reset", path="/sync/activities")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("/sync/activities")
    [entry] = standin.requests()
    assert entry["fault"] == "reset" and entry["status"] is None and entry["done"] is True


def test_unknown_fault_name_is_refused(standin):
    with pytest.raises(ValueError):
        standin.fault("explode")


def test_unknown_option_is_refused(standin):
    with pytest.raises(ValueError):
        standin.configure(no_such_option=True)


# ------------------------------------------------------------------------------ control API over HTTP

def test_control_api_seeds_faults_logs_and_resets_over_http(standin):
    control = standin.url + "/_control/"
    with requests.Session() as http:
        assert http.post(control + "reset").status_code == 200
        assert http.post(control + "seed", json={"users": [{"token": "t1", "name": "zoe", "type": "pro"}],
                                                 "catalog": SEED["catalog"]}).status_code == 200
        assert http.post(control + "playbacks", json={"user": "t1", "movie": INCEPTION,
                                                      "progress": 25}).status_code == 200
        fault = {"match": {"method": "GET", "path": "/sync/playback"}, "fault": "503", "times": 1}
        assert http.post(control + "faults", json=fault).status_code == 200
        client = Api(standin, token="t1")
        assert client.get("/sync/playback").status_code == 503
        assert [p["progress"] for p in client.playbacks()] == [25]
        log = http.get(control + "requests").json()
        assert [e["status"] for e in log] == [503, 200]
        assert http.delete(control + "requests").json() == {"ok": True}
        assert http.get(control + "requests").json() == []
        state = http.get(control + "state").json()
        assert [p["user"] for p in state["playbacks"]] == ["zoe"]
        assert set(state) >= {"playbacks", "history", "activities", "pins"}
        before = http.get(control + "clock").json()["now"]
        after = http.post(control + "clock", json={"advance": 3600}).json()["now"]
        assert after - before >= 3600
        assert http.post(control + "config", json={"shape": "apiary"}).json()["shape"] == "apiary"
        assert http.post(control + "config", json={"bogus": 1}).status_code == 400
        http.post(control + "reset")
        assert http.get(control + "state").json()["playbacks"] == []
        client.session.close()


def test_control_requests_are_not_logged_nor_faulted(standin):
    standin.fault("500", path="/")
    with requests.Session() as http:
        assert http.get(standin.url + "/_control/state").status_code == 200
    assert standin.requests() == []


# ------------------------------------------------------------------------------ standalone

def test_command_line_serves_the_demo_seed(tmp_path):
    seed = os.path.join(ROOT, "tools", "simkl_standin", "demo_seed.json")
    proc = subprocess.Popen([sys.executable, "-m", "tools.simkl_standin", "--port", "0", "--seed", seed],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.split()[-1]
        reply = requests.get(url + "/sync/playback", params={"client_id": "demo"},
                             headers={"Authorization": "Bearer demo-token"}, timeout=5)
        assert reply.status_code == 200
        playbacks = reply.json()
        assert len(playbacks) >= 3
        assert {"movie", "episode"} == {p["type"] for p in playbacks}
        with open(seed, encoding="utf-8") as handle:
            assert any(u["token"] == "demo-token" for u in json.load(handle)["users"])
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


def test_status_override_turns_html_fault_into_a_200_maintenance_page(standin, api):
    standin.fault("html", path="/sync/activities", status=200)
    reply = api.get("/sync/activities")
    assert reply.status_code == 200
    assert "html" in reply.headers["Content-Type"]
