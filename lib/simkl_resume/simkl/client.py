"""SimklClient: the one place that talks HTTP to Simkl.

One requests.Session per client. Every request carries `client_id`, `app-name`,
`app-version` (query), `User-Agent: name/version` and `simkl-api-key` (headers), and
`Authorization: Bearer` on user endpoints. Every failure surfaces as a `core.errors`
class; the access token never appears in an exception message, a repr or a log line.

Retries: GET and DELETE (idempotent) are retried on 429, 5xx, connection errors and
timeouts, at most `retries` times, with exponential backoff and full jitter
(`random() * min(cap, base * 2**attempt)`), or exactly the server's Retry-After when it
sent one. A Retry-After longer than `max_retry_after` is not waited for here: the
RateLimited error is raised at once so the caller can schedule. POSTs are never retried
here (scrobbles go through the durable outbox, which owns retrying) - except the read-only
POST fallback of /sync/activities and /users/settings.

`log`, when given, is called as `log(level, message)` with level "debug", "info" or
"warning"; the kodi layer routes it to xbmc.log.
"""
import json
import os
import random as _random
import time
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import quote

import requests

from ..core import parse
from ..core.errors import (
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
)
from ..core.model import Activities, Playback
from ..core.scrobble import ACTIONS as SCROBBLE_ACTIONS
from . import config

PLAYBACK_KINDS = (None, "movies", "episodes")
ALL_ITEMS_TYPES = (None, "shows", "movies", "anime")
RETRYABLE = (RateLimited, ServerError, NetworkError)
MAX_BODY_KEPT = 2000


def _short(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SimklClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        app_name: str,
        app_version: str,
        token: Optional[str] = None,
        timeout=(5, 20),
        retries: int = 3,
        sleep: Callable[[float], Any] = time.sleep,
        session=None,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.time,
        log: Optional[Callable[[str, str], Any]] = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_retry_after: float = 60.0,
    ):
        self.base_url = (base_url or "").rstrip("/")
        self.client_id = (client_id or "").strip()
        self.app_name = (app_name or "").strip().lower()
        self.app_version = (app_version or "").strip()
        self._token = token or None
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self._sleep = sleep
        self._random = random
        self._clock = clock
        self._log_fn = log
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self._session = session if session is not None else requests.Session()
        # Remembered for the client's lifetime once the GET form was refused (404/405).
        self._post_only = set()

    @classmethod
    def from_env(cls, app_name, app_version, token=None, env=os.environ, **kwargs):
        """A client for SIMKL_API_URL / SIMKL_CLIENT_ID (or the defaults); ConfigError if invalid."""
        base_url = config.api_base_url(env)
        return cls(base_url, config.client_id(env), app_name, app_version, token=token, **kwargs)

    # ------------------------------------------------------------------ token, lifetime

    @property
    def token(self) -> Optional[str]:
        return self._token

    @token.setter
    def token(self, value: Optional[str]):
        self._token = value or None

    @property
    def signed_in(self) -> bool:
        return bool(self._token)

    def __repr__(self):
        token = "<set>" if self._token else None
        return f"SimklClient({self.base_url!r}, app={self.app_name}/{self.app_version}, token={token})"

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------------ endpoints

    def activities(self, timeout=None, retries=None) -> Activities:
        """GET /sync/activities (POST when this Simkl refuses GET with 404/405)."""
        data = self._get_or_post("/sync/activities", timeout=timeout, retries=retries)
        return parse.parse_activities(data)

    def playbacks(self, kind=None, limit=None, hide_watched=None, date_from=None, date_to=None,
                  timeout=None, retries=None) -> List[Playback]:
        """GET /sync/playback[/movies|/episodes]. Unreadable items are skipped (and logged)."""
        if kind not in PLAYBACK_KINDS:
            raise ValueError("kind must be None, 'movies' or 'episodes'")
        params: Dict[str, str] = {}
        if limit is not None:
            params["limit"] = str(int(limit))
        if hide_watched is not None:
            params["hide_watched"] = "true" if hide_watched else "false"
        if date_from:
            params["date_from"] = str(date_from)
        if date_to:
            params["date_to"] = str(date_to)
        path = "/sync/playback" + ("/" + kind if kind else "")
        data = self._request("GET", path, params=params, auth=True, timeout=timeout, retries=retries)

        def skipped(index, reason):
            self._log("warning", f"GET {path}: skipped playback #{index}: {reason}")

        return parse.parse_playbacks(data, on_skip=skipped)

    def all_items(self, list_type=None, status=None, date_from=None, extended=None,
                  timeout=None, retries=None) -> Any:
        """GET /sync/all-items[/{type}[/{status}]] (the watchlist), Simkl's JSON as is (null for
        an empty list): core.upnext parses it. Simkl's rules: only after /sync/activities said
        the list moved, and after the first full fetch always with `date_from`."""
        if list_type not in ALL_ITEMS_TYPES or (status is not None and list_type is None):
            raise ValueError("list_type must be None, 'shows', 'movies' or 'anime' (status needs one)")
        path = "/sync/all-items" + "".join("/" + part for part in (list_type, status) if part)
        params: Dict[str, str] = {}
        if date_from:
            params["date_from"] = str(date_from)
        if extended:
            params["extended"] = str(extended)
        return self._request("GET", path, params=params, auth=True, timeout=timeout, retries=retries)

    def delete_playback(self, playback_id, timeout=None, retries=None) -> bool:
        """DELETE /sync/playback/{id}: True when deleted, False when Simkl no longer had it (404)."""
        path = f"/sync/playback/{self._playback_id(playback_id)}"
        try:
            data = self._request("DELETE", path, auth=True, empty_ok=True, timeout=timeout, retries=retries)
        except NotFound:
            return False
        if isinstance(data, dict) and data.get("deleted") is False:
            return False
        return True

    def scrobble(self, action: str, body: Dict[str, Any], timeout=None) -> Dict[str, Any]:
        """POST /scrobble/{start|pause|stop}; never retried here. Returns the parsed reply
        (`action` tells what Simkl did: "pause" = playback saved, "scrobble" = watched)."""
        if action not in SCROBBLE_ACTIONS:
            raise ValueError("scrobble action must be start, pause or stop")
        data = self._request("POST", "/scrobble/" + action, body=body, auth=True, timeout=timeout)
        return parse.parse_scrobble(data)

    def add_history(self, body: Dict[str, Any], timeout=None) -> Dict[str, Any]:
        """POST /sync/history (mark as watched); never retried here."""
        data = self._request("POST", "/sync/history", body=body, auth=True, timeout=timeout)
        if not isinstance(data, dict):
            raise MalformedReply("POST /sync/history: reply is not an object")
        return data

    def pin_start(self, redirect=None, timeout=None, retries=None) -> Dict[str, Any]:
        """GET /oauth/pin -> {device_code, user_code, verification_url, expires_in, interval}."""
        params = {"redirect": redirect} if redirect else None
        data = self._request("GET", "/oauth/pin", params=params, timeout=timeout, retries=retries)
        return parse.parse_pin_start(data)

    def pin_poll(self, user_code: str, timeout=None, retries=None) -> Dict[str, Any]:
        """GET /oauth/pin/{user_code} -> see core.parse.parse_pin_poll (OK/KO, slow_down, gone)."""
        if not isinstance(user_code, str) or not user_code.strip():
            raise ValueError("user_code must be a non-empty string")
        path = "/oauth/pin/" + quote(user_code.strip(), safe="")
        data = self._request("GET", path, timeout=timeout, retries=retries)
        return parse.parse_pin_poll(data)

    def user_settings(self, timeout=None, retries=None) -> Dict[str, Any]:
        """/users/settings (GET, POST when refused) -> the reply dict as Simkl sent it, plus
        `parsed`: {name, plan, account_id, timezone, retention_days} (core.parse)."""
        data = self._get_or_post("/users/settings", timeout=timeout, retries=retries)
        parsed = parse.parse_user_settings(data)
        result = dict(data)
        result["parsed"] = parsed
        return result

    # ------------------------------------------------------------------ plumbing

    @staticmethod
    def _playback_id(playback_id):
        if isinstance(playback_id, bool):
            raise ValueError("playback id must be an integer")
        try:
            value = int(playback_id)
        except (TypeError, ValueError):
            raise ValueError("playback id must be an integer") from None
        if value < 0 or str(value) != str(playback_id).strip():
            raise ValueError("playback id must be a non-negative integer")
        return value

    def _get_or_post(self, path, timeout=None, retries=None):
        if path not in self._post_only:
            try:
                return self._request("GET", path, auth=True, timeout=timeout, retries=retries)
            except HttpError as exc:
                if exc.status not in (404, 405):
                    raise
                self._log("info", f"GET {path} refused with {exc.status}; using POST from now on")
                self._post_only.add(path)
        return self._request("POST", path, body={}, auth=True, idempotent=True, timeout=timeout,
                             retries=retries)

    def _log(self, level, message):
        if self._log_fn is not None:
            try:
                self._log_fn(level, message)
            except Exception:  # noqa: S110 - logging must never break a request
                pass

    def _request(self, method, path, params=None, body=None, auth=False, idempotent=None, empty_ok=False,
                 timeout=None, retries=None):
        """One API call with retries; returns the decoded JSON (None for an allowed empty reply)."""
        if not self.client_id:
            raise ConfigError("no Simkl client id: set SIMKL_CLIENT_ID or build the addon with one")
        if not self.base_url:
            raise ConfigError("no Simkl API URL")
        if auth and not self._token:
            raise AuthRequired(401, "no_token", "not signed in to Simkl")
        if idempotent is None:
            idempotent = method in ("GET", "DELETE")
        allowed = (self.retries if retries is None else max(0, int(retries))) if idempotent else 0
        attempt = 0
        while True:
            try:
                return self._once(method, path, params, body, auth, empty_ok, timeout)
            except RETRYABLE as exc:
                if attempt >= allowed:
                    raise
                delay = self._delay(attempt, exc)
                if delay is None:
                    raise
                attempt += 1
                self._log("info", f"{method} {path}: {_short(exc, 80)}; retry {attempt}/{allowed} "
                                  f"in {delay:.1f}s")
                self._sleep(delay)

    def _delay(self, attempt, exc):
        """Seconds to wait before retry number attempt+1, or None to give up now."""
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return float(retry_after)
        return self._random() * min(self.backoff_cap, self.backoff_base * (2 ** attempt))

    def _headers(self, auth, has_body):
        headers = {
            "User-Agent": f"{self.app_name}/{self.app_version}",
            "simkl-api-key": self.client_id,
            "Accept": "application/json",
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = "Bearer " + self._token
        return headers

    def _once(self, method, path, params, body, auth, empty_ok, timeout):
        query = {"client_id": self.client_id, "app-name": self.app_name, "app-version": self.app_version}
        if params:
            query.update(params)
        data = None
        if body is not None:
            try:
                data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            except (TypeError, ValueError):
                raise ValueError(f"{method} {path}: body is not JSON-serializable") from None
        what = f"{method} {path}"
        try:
            response = self._session.request(
                method, self.base_url + path, params=query, data=data,
                headers=self._headers(auth, data is not None),
                timeout=self.timeout if timeout is None else timeout,
            )
        except requests.exceptions.Timeout:
            raise RequestTimeout(f"{what}: timed out") from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"{what}: {type(exc).__name__}") from None
        try:
            status = response.status_code
            content = response.content or b""
            headers = response.headers
        except requests.exceptions.Timeout:
            raise RequestTimeout(f"{what}: timed out reading the reply") from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"{what}: {type(exc).__name__} reading the reply") from None
        self._log("debug", f"{what} -> {status} ({len(content)} bytes)")

        if 200 <= status < 300:
            if status == 204 or not content.strip():
                if empty_ok:
                    return None
                raise MalformedReply(f"{what}: empty reply (HTTP {status})")
            try:
                return json.loads(content.decode("utf-8"))
            except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
                kind = (headers.get("Content-Type") or "unknown type").split(";")[0]
                raise MalformedReply(f"{what}: reply is not JSON ({kind})") from None
        raise self._http_error(status, content, headers)

    def _http_error(self, status, content, headers):
        text = content.decode("utf-8", "replace")
        body: Any = text[:MAX_BODY_KEPT]
        error = message = ""
        try:
            decoded = json.loads(text) if text.strip() else None
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, dict):
            body = decoded
            error = decoded.get("error")
            message = decoded.get("message")
            error = error if isinstance(error, str) else ""
            message = _short(message) if isinstance(message, str) else ""
        elif decoded is not None:
            body = decoded
        if status in (400, 412):
            return BadRequest(status, error, message, body)
        if status == 401:
            return AuthRequired(status, error, message, body)
        if status == 404:
            return NotFound(status, error, message, body)
        if status == 409:
            return Conflict(status, error, message, body)
        if status == 429:
            retry_after = parse.parse_retry_after(headers.get("Retry-After"), self._clock())
            return RateLimited(status, error, message, body, retry_after=retry_after)
        if status >= 500:
            return ServerError(status, error, message, body)
        return HttpError(status, error, message, body)
