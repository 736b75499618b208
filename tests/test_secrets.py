"""Secrets and transport security (issue 8, part 6).

- The access token never appears in anything the client logs (its `log` callable, Python
  logging - urllib3 included -, stdout/stderr), nor in exception messages, reprs, bodies or
  formatted tracebacks, across every endpoint and every fault class of the stand-in.
- kodi/log.py's scrubber masks bearer tokens and access_token values in every shape they
  take in our messages (header dicts, JSON, query strings, reprs).
- Plain http is refused for any non-loopback host; TLS verification is never turned off
  anywhere under lib/.
"""
import ast
import ipaddress
import logging
import re
import traceback
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
from simkl_resume.simkl import config
from simkl_resume.simkl.client import SimklClient
from tests._hypothesis_profiles import fuzz
from tools.simkl_standin import StandIn

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib" / "simkl_resume"
TOKEN = "SECRET-tok-9f8e7d6c5b4a3210"
CLIENT_ID = "secrets-client-id"
INCEPTION = {"type": "movie", "title": "Inception", "year": 2010, "ids": {"imdb": "tt1375666"},
             "runtime": 148}
MOVIE_BODY = {"progress": 42.0, "movie": {"ids": {"imdb": "tt1375666"}}}

# fault -> the error class the client must raise for it (None: answered normally / returns)
FAULTS = {
    "500": ServerError, "502": ServerError, "503": ServerError, "429": RateLimited,
    "429-retry-after": RateLimited, "reset": NetworkError, "garbage": MalformedReply,
    "empty": MalformedReply, "html": ServerError, "401": AuthRequired, "400": BadRequest,
    "412": BadRequest, "404": NotFound, "409": Conflict, "418": HttpError, "hang": RequestTimeout,
}


@pytest.fixture(scope="module")
def server():
    with StandIn() as standin:
        yield standin


@pytest.fixture
def s(server):
    server.reset()
    server.seed(users=[{"token": TOKEN, "name": "ann", "type": "pro"}], catalog=[INCEPTION],
                client_ids=[CLIENT_ID])
    return server


class Capture:
    """Every text the client lets out: log lines, exceptions and their tracebacks."""

    def __init__(self):
        self.texts = []
        self.lines = []

    def log(self, level, message):
        self.lines.append(message)
        self.texts.append("%s %s" % (level, message))

    def exception(self, exc):
        self.texts += [str(exc), repr(exc), repr(getattr(exc, "body", None)), repr(exc.__cause__),
                       repr(exc.__context__), "".join(traceback.format_exception(type(exc), exc,
                                                                                  exc.__traceback__))]


def _client(s, capture, token=TOKEN):
    return SimklClient(s.url, CLIENT_ID, "SecretsTest", "1.0", token=token, timeout=(2, 0.3), retries=1,
                       sleep=lambda seconds: None, log=capture.log, max_retry_after=5)


def _endpoints(s):
    """(name, path prefix of its requests, call) for every endpoint of the client."""
    def delete(c):
        playback = s.add_playback(movie={"ids": {"imdb": "tt1375666"}}, progress=40, user=TOKEN)
        return c.delete_playback(playback["id"])

    def pin_poll(c):
        return c.pin_poll(c.pin_start()["user_code"])

    return [
        ("activities", "/sync/activities", lambda c: c.activities()),
        ("playbacks", "/sync/playback", lambda c: c.playbacks()),
        ("playbacks movies", "/sync/playback/movies", lambda c: c.playbacks("movies", limit=5)),
        ("delete", "/sync/playback/", delete),
        ("scrobble start", "/scrobble/start", lambda c: c.scrobble("start", MOVIE_BODY)),
        ("scrobble pause", "/scrobble/pause", lambda c: c.scrobble("pause", MOVIE_BODY)),
        ("scrobble stop", "/scrobble/stop", lambda c: c.scrobble("stop", MOVIE_BODY)),
        ("history", "/sync/history", lambda c: c.add_history({"movies": [{"ids": {"imdb": "tt1375666"}}]})),
        ("pin start", "/oauth/pin", lambda c: c.pin_start()),
        ("pin poll", "/oauth/pin/", pin_poll),
        ("user settings", "/users/settings", lambda c: c.user_settings()),
    ]


def _assert_no_token(texts):
    leaks = [t[:200] for t in texts if TOKEN in t]
    assert not leaks, leaks


def test_token_never_appears_in_logs_errors_or_tracebacks_for_any_endpoint_and_fault(s, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # urllib3 and requests log every request at DEBUG
    capture = Capture()
    client = _client(s, capture)
    outcomes = {}
    for name, path, call in _endpoints(s):
        call(client)  # the happy path first
        for fault in FAULTS:
            s.clear_faults()
            # (pin poll's path "/oauth/pin/" leaves its preceding pin_start unfaulted)
            s.fault(fault, path=path, times=10, hang_seconds=3, retry_after=1)
            try:
                call(client)
            except SimklError as exc:
                capture.exception(exc)
                outcomes[(name, fault)] = type(exc)
            else:
                outcomes[(name, fault)] = None
        s.clear_faults()
    # every fault really happened and ended as its typed error, except the documented
    # non-errors: DELETE of an unknown playback (404) is "already gone", and DELETE accepts
    # an empty 200
    wrong = {key: got for key, got in outcomes.items()
             if not (got is not None and issubclass(got, FAULTS[key[1]]))
             and not (key in (("delete", "404"), ("delete", "empty")) and got is None)}
    assert not wrong
    # the token did travel - in the Authorization header, and nowhere else in any request
    user_requests = [e for e in s.requests() if e["path"].startswith(("/sync", "/scrobble", "/users"))]
    assert user_requests and all(
        {k.lower(): v for k, v in e["headers"].items()}.get("authorization") == "Bearer " + TOKEN
        for e in user_requests)
    assert not [e for e in s.requests() if TOKEN in repr(e["query"]) + e["path"]]
    out, err = capsys.readouterr()
    assert capture.lines and caplog.records
    _assert_no_token(capture.texts + [repr(client), str(client), out, err]
                     + [r.getMessage() for r in caplog.records])


def test_sign_in_returns_the_new_token_but_never_logs_it(s, caplog):
    caplog.set_level(logging.DEBUG)
    capture = Capture()
    client = _client(s, capture, token=None)
    start = client.pin_start()
    assert client.pin_poll(start["user_code"])["result"] == "KO"
    s.approve_pin(start["user_code"], token=TOKEN, name="ann")
    s.advance(start["interval"] + 1)  # poll no faster than Simkl asks
    assert client.pin_poll(start["user_code"]) == {"result": "OK", "access_token": TOKEN}
    client.token = TOKEN
    assert client.user_settings()["parsed"]["name"] == "ann"
    assert client.signed_in and "<set>" in repr(client)
    assert capture.lines
    _assert_no_token(capture.texts + [repr(client)] + [r.getMessage() for r in caplog.records])


# ---------------------------------------------------------------------------------------
# kodi/log.py scrubber

TOKENS = st.text(st.sampled_from("ABCDEFabcdef0123456789-_.~+/="), min_size=12, max_size=64).filter(
    lambda t: t.strip("=") and not t.lower().startswith("bearer"))
SHAPES = [
    "Authorization: Bearer {t}",
    "authorization: bearer {t}",
    "{{'Authorization': 'Bearer {t}', 'simkl-api-key': 'x'}}",
    '{{"Authorization": "Bearer {t}"}}',
    '{{"result": "OK", "access_token": "{t}"}}',
    "{{'result': 'OK', 'access_token': '{t}'}}",
    '{{"access_token" : "{t}"}}',
    "https://api.simkl.com/oauth?access_token={t}&client_id=x",
    "access_token={t}",
    "token={t}",
    "Token: {t}",
    "headers={{'Authorization': 'Bearer {t}'}} body=None",
    "HttpError(401, 'user_token_failed', 'Bearer {t} rejected')",
]


@fuzz(300)
@given(TOKENS, st.sampled_from(SHAPES), st.sampled_from(["", " ", "GET /sync/playback failed: ", "\n", "x"]))
def test_log_scrubber_masks_bearer_tokens_and_access_token_values(kodi, token, shape, noise):
    # (kodi: kodi/log.py imports xbmc at import time - never import it without the fake)
    from simkl_resume.kodi.log import scrub

    text = noise + shape.format(t=token) + noise
    assert token not in scrub(text)


def test_kodi_log_writes_masked_lines_into_the_kodi_log(kodi):
    from simkl_resume.kodi import log

    log.warning("GET /sync/playback failed; headers {'Authorization': 'Bearer %s'}" % TOKEN)
    log.debug('PIN reply {"result": "OK", "access_token": "%s"}' % TOKEN)
    log.log("https://api.simkl.com/x?access_token=%s&client_id=y" % TOKEN, log.ERROR)
    text = "\n".join(str(entry) for entry in kodi.logs)
    assert text.count("***") >= 3
    _assert_no_token([text])


def test_log_scrubber_masks_tokens_inside_escaped_json(kodi):
    import json

    from simkl_resume.kodi.log import scrub

    assert TOKEN not in scrub(json.dumps(json.dumps({"access_token": TOKEN})))


# ---------------------------------------------------------------------------------------
# plain http only on loopback; TLS verification never off

NON_LOOPBACK_HOSTS = st.one_of(
    st.ip_addresses(v=4).filter(lambda ip: not ip.is_loopback).map(str),
    st.ip_addresses(v=6).filter(lambda ip: not ip.is_loopback).map(lambda ip: "[%s]" % ip),
    st.from_regex(r"\A[a-z][a-z0-9-]{0,10}(\.[a-z0-9-]{1,10}){0,3}\Z").filter(
        lambda h: h != "localhost" and not h.endswith(".localhost")),
    st.sampled_from(["127.0.0.1.nip.io", "localhost.example.com", "0.0.0.0", "[::ffff:8.8.8.8]",
                     "2130706433", "0x7f000001", "127.1", "localhost.", "api.simkl.com"]),
)


@fuzz(300)
@given(NON_LOOPBACK_HOSTS, st.sampled_from(["", ":80", ":8765", ":443"]),
       st.sampled_from(["", "/", "/api"]), st.sampled_from(["http", "HTTP", "Http"]))
def test_plain_http_to_any_non_loopback_host_is_refused(host, port, path, scheme):
    url = "%s://%s%s%s" % (scheme, host, port, path)
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return
    except ValueError:
        pass
    with pytest.raises(ConfigError):
        config.api_base_url({"SIMKL_API_URL": url})
    with pytest.raises(ConfigError):
        SimklClient.from_env("app", "1", token=TOKEN, env={"SIMKL_API_URL": url, "SIMKL_CLIENT_ID": "x"})


def test_credentials_in_the_url_cannot_smuggle_a_remote_host_past_the_loopback_rule():
    for url in ("http://127.0.0.1@evil.example.com", "http://127.0.0.1:80@evil.example.com/",
                "http://evil.example.com#@127.0.0.1", "http://evil.example.com?x=127.0.0.1"):
        with pytest.raises(ConfigError):
            config.api_base_url({"SIMKL_API_URL": url})


INSECURE_PATTERNS = [
    re.compile(r"verify\s*=\s*(False|0|None)\b"),
    re.compile(r"disable_warnings"),
    re.compile(r"InsecureRequestWarning"),
    re.compile(r"CERT_NONE"),
    re.compile(r"_create_unverified_context"),
    re.compile(r"check_hostname\s*=\s*False"),
    re.compile(r"PYTHONHTTPSVERIFY|CURL_CA_BUNDLE|REQUESTS_CA_BUNDLE"),
]


def _insecure_findings(source, name="<source>"):
    """Lines of `source` that turn TLS verification off (regex), plus any `verify=` keyword or
    `.verify =` assignment whose value is not the constant True (AST)."""
    findings = ["%s:%d: %s" % (name, n, line.strip()) for n, line in enumerate(source.splitlines(), 1)
                if any(p.search(line) for p in INSECURE_PATTERNS)]
    for node in ast.walk(ast.parse(source)):
        values = []
        if isinstance(node, ast.Call):
            values = [k.value for k in node.keywords if k.arg == "verify"]
        elif isinstance(node, ast.Assign):
            values = [node.value for t in node.targets if isinstance(t, ast.Attribute) and t.attr == "verify"]
        for value in values:
            if not (isinstance(value, ast.Constant) and value.value is True):
                findings.append("%s:%d: verify set to %s" % (name, node.lineno, ast.dump(value)))
    return findings


def test_insecure_tls_scanner_catches_the_usual_ways_of_turning_verification_off():
    bad = [
        "requests.get(url, verify=False)",
        "session.verify = False",
        "s.request('GET', u, verify=flag)",
        "import urllib3\nurllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)",
        "ctx = ssl._create_unverified_context()",
        "ctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE",
    ]
    assert all(_insecure_findings(snippet) for snippet in bad)
    assert not _insecure_findings("session.request('GET', url, timeout=(5, 20))\nverify_ok = 1")


def test_no_code_under_lib_turns_tls_verification_off():
    files = sorted(LIB.rglob("*.py"))
    assert len(files) > 10
    findings = []
    for path in files:
        findings += _insecure_findings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not findings


def test_the_client_session_verifies_tls():
    with SimklClient("https://api.simkl.com", CLIENT_ID, "app", "1", token=TOKEN) as client:
        assert client._session.verify is True
