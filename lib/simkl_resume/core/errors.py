"""Typed errors of the Simkl client.

Everything that can go wrong talking to Simkl ends up as one of these, so callers branch
on the class and never see a bare KeyError, TypeError or requests exception.
"""


class SimklError(Exception):
    """Base of every error the client raises."""


class ConfigError(SimklError):
    """The addon is set up wrongly: a non-loopback http base URL, no client id."""


class MalformedReply(SimklError):
    """Simkl answered with something we cannot read: garbage JSON, wrong types, an HTML page."""


class NetworkError(SimklError):
    """No usable answer at all: connection refused or reset, DNS failure, timeout."""


class RequestTimeout(NetworkError):
    """The connect or read timeout ran out."""


class HttpError(SimklError):
    """Simkl answered with an error status. `error` is the envelope's `error` field, if any."""

    status = 0

    def __init__(self, status, error="", message="", body=None):
        super().__init__("HTTP %s %s %s" % (status, error, message))
        self.status = status
        self.error = error or ""
        self.message = message or ""
        self.body = body


class BadRequest(HttpError):
    """400 or 412: a bad request, a bad client id (`client_id_failed`) or the scrobble lock (`RATE_LIMIT`)."""

    @property
    def is_scrobble_lock(self):
        return self.error.upper() == "RATE_LIMIT"


class AuthRequired(HttpError):
    """401: no token, or the token was revoked. The user must sign in again."""


class NotFound(HttpError):
    """404: unknown item or playback."""


class Conflict(HttpError):
    """409: the item was already scrobbled as watched within the last hour."""


class RateLimited(HttpError):
    """429: too many requests. `retry_after` in seconds when the server said so, else None."""

    def __init__(self, status, error="", message="", body=None, retry_after=None):
        super().__init__(status, error, message, body)
        self.retry_after = retry_after


class ServerError(HttpError):
    """5xx: Simkl is having trouble; safe to retry later."""


# Errors after which the same request may succeed later without any change on our side.
TRANSIENT_ERRORS = (NetworkError, RateLimited, ServerError, MalformedReply)
