"""SimklClient over real loopback sockets against the Simkl stand-in (tools.simkl_standin)."""
import pytest

from simkl_resume.core.errors import (
    AuthRequired,
    BadRequest,
    ConfigError,
    Conflict,
    HttpError,
    MalformedReply,
    NetworkError,
    NotFound,
    RateLimited,
    RequestTimeout,
    ServerError,
    SimklError,
)
from simkl_resume.simkl.client import SimklClient
from tools.simkl_standin import StandIn

TOKEN = "tok-5ecret-abcdef0123456789"
CLIENT_ID = "test-client-id"
INCEPTION = {"type": "movie", "title": "Inception", "year": 2010,
             "ids": {"imdb": "tt1375666", "tmdb": 27205}, "runtime": 148}
BREAKING_BAD = {"type": "show", "title": "Breaking Bad", "year": 2008,
                "ids": {"imdb": "tt0903747", "tvdb": 81189, "tmdb": 1396}, "runtime": 47}


@pytest.fixture
def server():
    # One stand-in per test, not per module: a request that a previous test's client gave up
    # on (the hang tests' 0.3 s read timeout) can reach a shared server late on a loaded
    # machine, land in the next test's request log and take the fault that test injected
    # (seen once under make test: 3 requests for /sync/activities, backoffs [1.0]). A closed
    # server cannot receive it. (~50 ms a test.)
    with StandIn() as standin:
        yield standin


@pytest.fixture
def s(server):
    server.reset()
    server.seed(users=[{"token": TOKEN, "name": "ann", "type": "pro"}], catalog=[INCEPTION, BREAKING_BAD])
    server.clear_requests()
    return server


class Recorder:
    """Injected sleep and log: record instead of waiting or printing."""

    def __init__(self):
        self.sleeps = []
        self.lines = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)

    def log(self, level, message):
        self.lines.append((level, message))


@pytest.fixture
def rec():
    return Recorder()


@pytest.fixture
def make(s, rec):
    clients = []

    def factory(**kw):
        kw.setdefault("token", TOKEN)
        kw.setdefault("timeout", (2, 5))
        kw.setdefault("sleep", rec.sleep)
        kw.setdefault("log", rec.log)
        kw.setdefault("random", lambda: 1.0)
        client = SimklClient(s.url, kw.pop("client_id", CLIENT_ID), "Kodi-Simkl-Resume", "0.1.0", **kw)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(make):
    return make()


def only_request(s, path=None):
    logged = s.requests(path)
    assert len(logged) == 1, logged
    return logged[0]


def header(entry, name):
    for key, value in entry["headers"].items():
        if key.lower() == name.lower():
            return value
    return None


def assert_identifies_app(entry):
    assert entry["query"]["client_id"] == CLIENT_ID
    assert entry["query"]["app-name"] == "kodi-simkl-resume"
    assert entry["query"]["app-version"] == "0.1.0"
    assert header(entry, "User-Agent") == "kodi-simkl-resume/0.1.0"
    assert header(entry, "simkl-api-key") == CLIENT_ID


# ---------------------------------------------------------------------------------------
# endpoints, headers, query parameters


def test_activities_is_a_get_with_app_identity_and_bearer_token(s, client):
    act = client.activities()
    entry = only_request(s)
    assert (entry["method"], entry["path"]) == ("GET", "/sync/activities")
    assert_identifies_app(entry)
    assert header(entry, "Authorization") == "Bearer " + TOKEN
    assert header(entry, "Content-Type") is None
    assert set(act.playback) == {"movies", "tv_shows", "anime"}
    assert all(act.playback.values()) and act.all


def test_activities_playback_moves_after_a_pause_elsewhere(s, client):
    before = client.activities()
    s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40, user=TOKEN)
    after = client.activities()
    assert after.playback["movies"] != before.playback["movies"]
    assert after.playback["tv_shows"] == before.playback["tv_shows"]


def test_activities_fall_back_to_post_on_405_and_remember_it(s, client):
    s.configure(activities_method="POST-only")
    first = client.activities()
    second = client.activities()
    assert first == second
    assert [e["method"] for e in s.requests("/sync/activities")] == ["GET", "POST", "POST"]
    post = s.requests("/sync/activities")[1]
    assert_identifies_app(post)
    assert header(post, "Authorization") == "Bearer " + TOKEN
    assert header(post, "Content-Type") == "application/json"


def test_activities_fall_back_to_post_on_404(s, client):
    s.fault("404", path="/sync/activities", method="GET")
    client.activities()
    assert [e["method"] for e in s.requests("/sync/activities")] == ["GET", "POST"]


def test_activities_read_the_older_paused_at_key(s, client):
    s.configure(legacy_paused_at_key=True)
    assert all(client.activities().playback.values())


def test_playbacks_lists_movies_and_episodes(s, client):
    s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40, ago=600, user=TOKEN)
    s.add_playback(show={"ids": {"tvdb": 81189}}, episode={"season": 1, "number": 5}, progress=12.5,
                   ago=60, user=TOKEN)
    result = client.playbacks()
    by_type = {pb.type: pb for pb in result}
    assert by_type["movie"].title == "Inception" and by_type["movie"].progress == 40.0
    assert by_type["movie"].ids["imdb"] == "tt1375666"
    episode = by_type["episode"]
    assert (episode.kind, episode.title, episode.season, episode.number) == ("show", "Breaking Bad", 1, 5)
    assert episode.paused_at.endswith("Z") and episode.paused_epoch > by_type["movie"].paused_epoch
    entry = only_request(s)
    assert (entry["method"], entry["path"]) == ("GET", "/sync/playback")
    assert_identifies_app(entry)
    assert header(entry, "Authorization") == "Bearer " + TOKEN


def test_playbacks_narrowed_by_kind_with_filters_in_the_query(s, client):
    s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40, user=TOKEN)
    s.add_playback(show={"ids": {"tvdb": 81189}}, episode={"season": 1, "number": 5}, progress=10, user=TOKEN)
    result = client.playbacks("movies", limit=50, hide_watched=False, date_from="2024-01-01T00:00:00Z",
                              date_to="2099-01-01T00:00:00Z")
    assert [pb.type for pb in result] == ["movie"]
    entry = only_request(s)
    assert entry["path"] == "/sync/playback/movies"
    assert entry["query"]["limit"] == "50"
    assert entry["query"]["hide_watched"] == "false"
    assert entry["query"]["date_from"] == "2024-01-01T00:00:00Z"
    assert entry["query"]["date_to"] == "2099-01-01T00:00:00Z"


def test_playbacks_of_the_apiary_shape_parse_too(s, client):
    s.configure(shape="apiary")
    s.add_playback(show={"ids": {"tvdb": 81189}}, episode={"season": 2, "number": 3}, progress=33, user=TOKEN)
    (pb,) = client.playbacks("episodes")
    assert (pb.season, pb.number, pb.progress) == (2, 3, 33.0)
    assert pb.ids["simkl"]
    assert pb.paused_at.endswith("Z")


def test_playbacks_unknown_kind_is_a_programming_error(client):
    with pytest.raises(ValueError):
        client.playbacks("anime")


def test_delete_playback_true_then_false_once_gone(s, client):
    pb = s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40, user=TOKEN)
    assert client.delete_playback(pb["id"]) is True
    assert client.playbacks() == []
    assert client.delete_playback(pb["id"]) is False
    deletes = s.requests(method="DELETE")
    assert [e["path"] for e in deletes] == ["/sync/playback/%d" % pb["id"]] * 2
    assert header(deletes[0], "Authorization") == "Bearer " + TOKEN


def test_scrobble_pause_saves_a_playback_and_sends_json(s, client):
    body = {"progress": 42.5, "movie": {"ids": {"imdb": "tt1375666"}}}
    reply = client.scrobble("pause", body)
    assert reply["action"] == "pause" and reply["progress"] == 42.5
    entry = only_request(s, "/scrobble")
    assert (entry["method"], entry["path"]) == ("POST", "/scrobble/pause")
    assert entry["body"] == body
    assert header(entry, "Content-Type") == "application/json"
    assert header(entry, "Authorization") == "Bearer " + TOKEN
    assert_identifies_app(entry)
    assert [pb.progress for pb in client.playbacks()] == [42.5]


def test_scrobble_stop_below_80_percent_leaves_resumable_playback(client):
    client.scrobble("start", {"progress": 1, "show": {"ids": {"tvdb": 81189}},
                              "episode": {"season": 1, "number": 2}})
    reply = client.scrobble("stop", {"progress": 55, "show": {"ids": {"tvdb": 81189}},
                                     "episode": {"season": 1, "number": 2}})
    assert reply["action"] == "pause"
    (pb,) = client.playbacks()
    assert (pb.season, pb.number, pb.progress) == (1, 2, 55.0)


def test_scrobble_stop_at_90_percent_marks_watched_and_a_second_within_the_hour_conflicts(client):
    body = {"progress": 90, "movie": {"ids": {"imdb": "tt1375666"}}}
    assert client.scrobble("stop", body)["action"] == "scrobble"
    assert client.playbacks() == []
    with pytest.raises(Conflict) as info:
        client.scrobble("stop", body)
    assert info.value.status == 409


def test_scrobble_of_an_unknown_item_is_not_found(client):
    with pytest.raises(NotFound):
        client.scrobble("pause", {"progress": 10, "movie": {"ids": {"imdb": "tt0000001"}}})


def test_scrobble_rejects_unknown_action_without_a_request(s, client):
    with pytest.raises(ValueError):
        client.scrobble("checkout", {"progress": 1})
    assert s.requests() == []


def test_add_history_reports_added_items(s, client):
    reply = client.add_history({"movies": [{"ids": {"imdb": "tt1375666"}}]})
    assert isinstance(reply, dict) and "added" in reply
    entry = only_request(s)
    assert (entry["method"], entry["path"]) == ("POST", "/sync/history")
    assert header(entry, "Content-Type") == "application/json"


def test_user_settings_give_name_and_plan(s, client):
    reply = client.user_settings()
    assert reply["user"]["name"] == "ann"
    assert reply["parsed"]["plan"] == "pro" and reply["parsed"]["retention_days"] == 30
    assert header(only_request(s), "Authorization") == "Bearer " + TOKEN


def test_pin_flow_pending_then_ok_then_gone_without_bearer(s, make):
    client = make(token=None)
    start = client.pin_start()
    assert start["user_code"] and start["verification_url"].startswith("https://")
    assert start["interval"] >= 1 and start["expires_in"] > 0
    pending = client.pin_poll(start["user_code"])
    assert pending["result"] == "KO" and not pending["gone"]
    s.approve_pin(start["user_code"], token="tok-new-user", name="bob")
    s.advance(start["interval"])
    ok = client.pin_poll(start["user_code"])
    assert ok == {"result": "OK", "access_token": "tok-new-user"}
    s.advance(start["interval"])
    assert client.pin_poll(start["user_code"])["gone"] is True
    for entry in s.requests("/oauth/pin"):
        assert header(entry, "Authorization") is None
        assert_identifies_app(entry)
    assert s.requests("/oauth/pin")[1]["path"] == "/oauth/pin/" + start["user_code"]


def test_pin_start_sends_redirect(s, make):
    make(token=None).pin_start(redirect="https://example.org/done")
    assert only_request(s)["query"]["redirect"] == "https://example.org/done"


def test_signed_in_token_can_then_read_user_endpoints(s, make):
    client = make(token=None)
    code = client.pin_start()["user_code"]
    s.approve_pin(code, token="tok-fresh", name="carol")
    client.token = client.pin_poll(code)["access_token"]
    assert client.user_settings()["parsed"]["name"] == "carol"


# ---------------------------------------------------------------------------------------
# auth and configuration errors


@pytest.mark.parametrize("call", [
    lambda c: c.activities(), lambda c: c.playbacks(), lambda c: c.delete_playback(5),
    lambda c: c.scrobble("pause", {"progress": 1}), lambda c: c.add_history({}), lambda c: c.user_settings(),
])
def test_user_endpoints_without_token_raise_auth_required_before_any_request(s, make, call):
    with pytest.raises(AuthRequired):
        call(make(token=None))
    assert s.requests() == []


def test_revoked_token_is_auth_required_with_simkl_error_code(s, make):
    with pytest.raises(AuthRequired) as info:
        make(token="tok-revoked").playbacks()
    assert (info.value.status, info.value.error) == (401, "user_token_failed")
    assert len(s.requests()) == 1  # 401 is not retried


def test_missing_client_id_is_a_config_error_before_any_request(s, make):
    with pytest.raises(ConfigError, match="client id"):
        make(client_id="").pin_start()
    assert s.requests() == []


def test_unknown_client_id_is_bad_request_412(s, make):
    s.seed(client_ids=["the-real-one"])
    with pytest.raises(BadRequest) as info:
        make().activities()
    assert (info.value.status, info.value.error) == (412, "client_id_failed")


def test_client_from_env_refuses_plain_http_to_a_non_loopback_host():
    with pytest.raises(ConfigError):
        env = {"SIMKL_API_URL": "http://api.simkl.com", "SIMKL_CLIENT_ID": "x"}
        SimklClient.from_env("app", "1", env=env)


def test_client_from_env_talks_to_the_loopback_stand_in(s):
    env = {"SIMKL_API_URL": s.url + "/", "SIMKL_CLIENT_ID": CLIENT_ID}
    with SimklClient.from_env("App", "2.0", token=TOKEN, env=env) as client:
        client.activities()
    entry = only_request(s)
    assert header(entry, "User-Agent") == "app/2.0" and entry["query"]["client_id"] == CLIENT_ID


# ---------------------------------------------------------------------------------------
# status codes and broken replies -> typed errors


@pytest.mark.parametrize("fault, error_class, status", [
    ("400", BadRequest, 400), ("401", AuthRequired, 401), ("403", HttpError, 403), ("404", NotFound, 404),
    ("409", Conflict, 409), ("412", BadRequest, 412), ("429", RateLimited, 429), ("500", ServerError, 500),
    ("502", ServerError, 502), ("503", ServerError, 503), ("html", ServerError, 502),
])
def test_error_status_becomes_typed_error(s, make, fault, error_class, status):
    s.fault(fault, path="/sync/playback")
    with pytest.raises(error_class) as info:
        make(retries=0).playbacks()
    assert info.value.status == status
    assert type(info.value) is error_class


def test_error_envelope_fields_are_read(s, make):
    s.fault("503", path="/sync/playback")
    with pytest.raises(ServerError) as info:
        make(retries=0).playbacks()
    assert info.value.error == "server_error" and "injected" in info.value.message
    assert isinstance(info.value.body, dict)


def test_html_error_page_is_kept_as_text_body(s, make):
    s.fault("html", path="/sync/playback")
    with pytest.raises(ServerError) as info:
        make(retries=0).playbacks()
    assert info.value.error == "" and "502 Bad Gateway" in info.value.body


def test_injected_400_is_bad_request_but_not_the_scrobble_lock(s, client):
    s.fault("400", path="/scrobble/pause")
    with pytest.raises(BadRequest) as info:
        client.scrobble("pause", {"progress": 10, "movie": {"ids": {"imdb": "tt1375666"}}})
    assert info.value.status == 400 and not info.value.is_scrobble_lock


def test_overlapping_scrobbles_of_one_user_hit_the_scrobble_lock(s, make):
    import threading

    s.configure(scrobble_delay=1)
    body = {"progress": 10, "movie": {"ids": {"imdb": "tt1375666"}}}
    outcomes = []

    def scrobble():
        try:
            outcomes.append(make().scrobble("pause", body)["action"])
        except BadRequest as exc:
            outcomes.append("lock" if exc.is_scrobble_lock else "other 400")

    first = threading.Thread(target=scrobble)
    first.start()
    for _ in range(1000):  # wait until the first one reached the server
        if s.requests("/scrobble"):
            break
        threading.Event().wait(0.01)
    scrobble()
    first.join()
    assert sorted(outcomes) == ["lock", "pause"]


def test_429_without_retry_after_has_none(s, make):
    s.fault("429", path="/sync/activities")
    with pytest.raises(RateLimited) as info:
        make(retries=0).activities()
    assert info.value.retry_after is None


def test_429_retry_after_seconds_are_read(s, make):
    s.fault("429-retry-after", path="/sync/activities", retry_after=7)
    with pytest.raises(RateLimited) as info:
        make(retries=0).activities()
    assert info.value.retry_after == 7.0


@pytest.mark.parametrize("fault, status", [("garbage", 200), ("empty", 200), ("html", 200)])
def test_unreadable_success_reply_is_malformed(s, make, fault, status):
    s.fault(fault, path="/sync/playback", status=status)
    with pytest.raises(MalformedReply):
        make().playbacks()
    assert len(s.requests()) == 1  # a broken reply is not retried by the client


def test_empty_success_reply_to_delete_counts_as_deleted(s, client):
    s.fault("empty", path="/sync/playback/77")
    assert client.delete_playback(77) is True


def test_connection_reset_is_network_error(s, make):
    s.fault("reset", path="/sync/activities")
    with pytest.raises(NetworkError) as info:
        make(retries=0).activities()
    assert not isinstance(info.value, RequestTimeout)


def test_hang_past_read_timeout_is_request_timeout(s, make):
    s.fault("hang", path="/sync/activities", hang_seconds=5)
    with pytest.raises(RequestTimeout):
        make(timeout=(2, 0.3), retries=0).activities()


def test_per_call_timeout_overrides_the_client_default(s, make):
    s.fault("hang", path="/sync/activities", hang_seconds=5)
    client = make(timeout=(5, 30))
    with pytest.raises(RequestTimeout):
        client.activities(timeout=(1, 0.3), retries=0)


def test_connection_refused_is_network_error(rec):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = SimklClient(f"http://127.0.0.1:{port}", CLIENT_ID, "app", "1", token=TOKEN, sleep=rec.sleep)
    with pytest.raises(NetworkError):
        client.activities()
    assert len(rec.sleeps) == 3


# ---------------------------------------------------------------------------------------
# retries


def test_get_is_retried_on_5xx_with_exponential_backoff_then_succeeds(s, make, rec):
    s.fault("503", path="/sync/activities", times=2)
    make(retries=3).activities()
    assert len(s.requests("/sync/activities")) == 3
    assert rec.sleeps == [1.0, 2.0]


def test_get_gives_up_after_retries_with_full_jitter(s, make, rec):
    s.fault("500", path="/sync/playback", times=10)
    draws = iter([0.5, 0.25, 0.1])
    with pytest.raises(ServerError):
        make(retries=3, random=lambda: next(draws)).playbacks()
    assert len(s.requests()) == 4
    assert rec.sleeps == [0.5 * 1, 0.25 * 2, 0.1 * 4]


def test_backoff_is_capped(s, make, rec):
    s.fault("502", path="/sync/playback", times=10)
    with pytest.raises(ServerError):
        make(retries=5, backoff_base=2.0, backoff_cap=5.0).playbacks()
    assert rec.sleeps == [2.0, 4.0, 5.0, 5.0, 5.0]


def test_429_retry_after_is_honoured_before_retrying(s, make, rec):
    s.fault("429-retry-after", path="/sync/activities", retry_after=7)
    make().activities()
    assert rec.sleeps == [7.0]
    assert len(s.requests()) == 2


def test_429_without_retry_after_backs_off(s, make, rec):
    s.fault("429", path="/sync/activities", times=1)
    make().activities()
    assert rec.sleeps == [1.0]


def test_retry_after_longer_than_allowed_is_raised_at_once(s, make, rec):
    s.fault("429-retry-after", path="/sync/activities", retry_after=3600)
    with pytest.raises(RateLimited) as info:
        make(max_retry_after=60).activities()
    assert info.value.retry_after == 3600.0
    assert rec.sleeps == [] and len(s.requests()) == 1


def test_connection_reset_and_timeout_are_retried_for_gets(s, make, rec):
    s.fault("reset", path="/sync/playback", times=1)
    s.fault("hang", path="/sync/playback", times=1, hang_seconds=5)
    assert make(timeout=(2, 0.3)).playbacks() == []
    assert len(s.requests()) == 3 and len(rec.sleeps) == 2


def test_delete_is_retried_because_it_is_idempotent(s, client, rec):
    pb = s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40, user=TOKEN)
    s.fault("503", path="/sync/playback/", method="DELETE", times=1)
    assert client.delete_playback(pb["id"]) is True
    assert len(s.requests(method="DELETE")) == 2


@pytest.mark.parametrize("fault", ["500", "503", "429", "reset"])
def test_scrobble_post_is_never_retried_by_the_client(s, client, rec, fault):
    s.fault(fault, path="/scrobble/pause", times=5)
    with pytest.raises(SimklError):
        client.scrobble("pause", {"progress": 10, "movie": {"ids": {"imdb": "tt1375666"}}})
    assert len(s.requests("/scrobble")) == 1 and rec.sleeps == []


def test_history_post_is_never_retried_by_the_client(s, client, rec):
    s.fault("502", path="/sync/history", times=5)
    with pytest.raises(ServerError):
        client.add_history({"movies": [{"ids": {"imdb": "tt1375666"}}]})
    assert len(s.requests()) == 1 and rec.sleeps == []


def test_4xx_other_than_429_is_not_retried(s, make, rec):
    s.fault("404", path="/sync/playback", times=5)
    with pytest.raises(NotFound):
        make().playbacks()
    assert len(s.requests()) == 1 and rec.sleeps == []


def test_per_call_retries_override(s, client, rec):
    s.fault("500", path="/sync/activities", times=5)
    with pytest.raises(ServerError):
        client.activities(retries=0)
    assert len(s.requests()) == 1


def test_retries_are_logged(s, make, rec):
    s.fault("503", path="/sync/activities", times=1)
    make().activities()
    assert any("retry 1/3" in line for _, line in rec.lines)


# ---------------------------------------------------------------------------------------
# the token never leaks


def test_token_never_appears_in_errors_reprs_or_logs(s, make, rec):
    client = make()
    failures = []
    for fault in ["401", "500", "garbage", "reset", "html", "429"]:
        s.fault(fault, path="/sync/playback", times=10)
        try:
            client.playbacks()
        except SimklError as exc:
            failures.append(exc)
        s.clear_faults()
    s.fault("hang", path="/sync/playback", hang_seconds=5)
    try:
        client.playbacks(timeout=(1, 0.2), retries=0)
    except SimklError as exc:
        failures.append(exc)
    assert len(failures) == 7
    texts = [repr(client), str(client)] + [line for _, line in rec.lines]
    for exc in failures:
        texts += [str(exc), repr(exc), repr(getattr(exc, "body", ""))]
        texts += [repr(exc.__cause__), repr(exc.__context__)]
    assert rec.lines
    assert not [t for t in texts if TOKEN in t]
    assert "<set>" in repr(client)


def test_retry_after_as_http_date_is_read_against_the_clock(s, make, rec):
    s.fault("429-retry-after", path="/sync/activities", retry_after="Wed, 21 Oct 2015 07:28:30 GMT")
    make(clock=lambda: 1445412480.0).activities()  # 07:28:00 GMT
    assert rec.sleeps == [30.0]


def test_user_settings_fall_back_to_post_when_get_is_refused(s, client):
    s.fault("405", path="/users/settings", method="GET")
    assert client.user_settings()["parsed"]["name"] == "ann"
    assert client.user_settings()["parsed"]["plan"] == "pro"
    assert [e["method"] for e in s.requests("/users/settings")] == ["GET", "POST", "POST"]


def test_one_unreadable_playback_is_skipped_and_logged_while_the_rest_are_kept(s, client, rec):
    s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=150, user=TOKEN)  # impossible progress
    s.add_playback(show={"ids": {"tvdb": 81189}}, episode={"season": 1, "number": 1}, progress=20, user=TOKEN)
    assert [pb.title for pb in client.playbacks()] == ["Breaking Bad"]
    assert [line for level, line in rec.lines if level == "warning" and "skipped playback" in line]
