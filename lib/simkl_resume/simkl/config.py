"""Where Simkl is and who we are to it: base URL and client id from the environment.

Both entry points read SIMKL_API_URL and SIMKL_CLIENT_ID (see DESIGN.md). Nothing here
imports requests.
"""
import ipaddress
import os
from urllib.parse import urlsplit

from ..core.errors import ConfigError

DEFAULT_API_URL = "https://api.simkl.com"


def _is_loopback(host):
    if not host:
        return False
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_base_url(env=os.environ):
    """The Simkl API base URL without a trailing slash.

    SIMKL_API_URL, default https://api.simkl.com. Plain http is accepted only for loopback
    hosts (127.0.0.0/8, ::1, localhost) - the token must never cross a network in clear -
    and any other scheme is refused: ConfigError with a message saying why.
    """
    raw = (env.get("SIMKL_API_URL") or "").strip()
    if not raw:
        return DEFAULT_API_URL
    url = raw.rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"SIMKL_API_URL {raw!r} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ConfigError(
            f"SIMKL_API_URL {raw!r} must be an https:// URL (http:// only for 127.0.0.1/localhost)"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"SIMKL_API_URL {raw!r} must not carry a query, fragment or credentials")
    if scheme == "http" and not _is_loopback(host):
        raise ConfigError(
            f"SIMKL_API_URL {raw!r} uses plain http on a non-loopback host; "
            "use https:// (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
        )
    return url


def _built_in_client_id():
    """CLIENT_ID from the generated `_build.py` (written by `make zip`), or ''."""
    try:
        from . import _build  # type: ignore  # generated at build time, git-ignored
    except ImportError:
        return ""
    value = getattr(_build, "CLIENT_ID", "")
    return value.strip() if isinstance(value, str) else ""


def client_id(env=os.environ):
    """SIMKL_CLIENT_ID, else the id built into the zip, else '' (sign-in says it is missing)."""
    value = (env.get("SIMKL_CLIENT_ID") or "").strip()
    if value:
        return value
    return _built_in_client_id()
