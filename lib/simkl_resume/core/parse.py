"""Simkl JSON -> plain data (core.model), tolerant of every documented shape variant.

Pure: no Kodi, no HTTP. Every parser either returns data or raises `MalformedReply` with
a short reason; a bare KeyError/TypeError/ValueError/AttributeError never escapes.

Variants accepted (see ../shared/simkl-api.md):
- episode number under `number` or `episode`; container under `show`, `anime` or `movie`;
- anime movies: `type: movie` with the title under `anime` (`anime_type: movie`, no `movie`
  key; also without `type`) are movies (kind anime), matched against the library's movies;
- TVDB numbering of anime episodes as `tvdb_season`/`tvdb_number` or nested
  `episode.tvdb: {season, episode|number}`;
- unknown extra keys anywhere are ignored;
- ids under `simkl` or `simkl_id`, any case, int or string values (normalized: lower-case
  keys, string values, `simkl_id` folded into `simkl`, null/empty/non-scalar dropped);
- `paused_at` with or without milliseconds, `Z` or a numeric offset (normalized to
  `YYYY-MM-DDTHH:MM:SSZ` plus epoch seconds); older replies name it `watched_at`;
- progress as int, float or numeric string; null anywhere;
- activities with `playback` or the older `paused_at` key, null or missing buckets.

Policy for lists of playbacks: the top level must be a list (JSON null counts as an empty
list); one unreadable item is SKIPPED (reported through `on_skip`) and the others are kept,
so one odd item never hides the other 999. If every item of a non-empty list is
unreadable the reply as a whole is treated as garbage (MalformedReply), so a broken reply
can never look like "the account has no playbacks any more".
"""
import calendar
import math
import re
import time
from email.utils import parsedate_tz, mktime_tz
from typing import Any, Callable, Dict, List, Optional

from .errors import MalformedReply
from .ids import number_text, simkl_ids
from .model import (
    BUCKETS,
    EPISODE,
    KIND_ANIME,
    KIND_MOVIE,
    KIND_SHOW,
    LIST_KEYS,
    LIST_TYPE_OF_BUCKET,
    MOVIE,
    Activities,
    Playback,
)


# Playback retention per Simkl plan, in days (free 7, pro 30, vip 90).
RETENTION_DAYS = {"free": 7, "pro": 30, "vip": 90}

_TS_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2}|UTC|GMT)?\s*$"
)
_NUMBER_RE = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")


# ---------------------------------------------------------------------------------------
# small typed readers


def _describe(value):
    return type(value).__name__


def _number_text(value, what):
    """str() of an int or float; an int over 4300 digits is malformed on every Python."""
    text = number_text(value)
    if text is None:
        raise MalformedReply(f"{what} is too long a number")
    return text


def _as_int(value, what):
    """int from an int, an integral float or a digit string; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedReply(f"{what} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return int(value)
        raise MalformedReply(f"{what} is not a whole number")
    if isinstance(value, str):
        if len(value) > 40:
            raise MalformedReply(f"{what} is too long for a number")
        if _INT_RE.match(value):
            return int(value)
        if _NUMBER_RE.match(value):
            number = float(value)
            if number == int(number):
                return int(number)
        raise MalformedReply(f"{what} is not a whole number")
    raise MalformedReply(f"{what} has type {_describe(value)}")


def _as_float(value, what):
    """float from an int, a float or a numeric string; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MalformedReply(f"{what} is a boolean")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range, e.g. 1 followed by 400 zeros
            raise MalformedReply(f"{what} is out of range") from None
    elif isinstance(value, str) and len(value) <= 40 and _NUMBER_RE.match(value):
        number = float(value)
    else:
        raise MalformedReply(f"{what} is not a number ({_describe(value)})")
    if not math.isfinite(number):
        raise MalformedReply(f"{what} is not finite")
    return number


def _as_text(value, what):
    """str from a str or a number (a show may be titled 1899); None -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value, what)
    raise MalformedReply(f"{what} has type {_describe(value)}")


def _as_dict(value, what, allow_none=True):
    if value is None and allow_none:
        return None
    if not isinstance(value, dict):
        raise MalformedReply(f"{what} is not an object ({_describe(value)})")
    return value


# ---------------------------------------------------------------------------------------
# timestamps


def parse_timestamp(value):
    """'2024-01-15T10:30:00.000Z' (ms optional, Z or offset) -> ('2024-01-15T10:30:00Z', epoch).

    Works on Python 3.8 (no fromisoformat with 'Z', no dateutil). A timestamp without a
    zone is taken as UTC, which is what Simkl means. Fractions of a second are dropped from
    the string but kept in the epoch.
    """
    if not isinstance(value, str):
        raise MalformedReply(f"timestamp has type {_describe(value)}")
    match = _TS_RE.match(value)
    if not match:
        raise MalformedReply(f"timestamp {value[:40]!r} is not ISO-8601")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    if not (1 <= year and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
            and hour <= 23 and minute <= 59 and second <= 60):
        raise MalformedReply(f"timestamp {value[:40]!r} is out of range")
    second = min(second, 59)  # a leap second is not worth a failure
    offset = 0
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        if zone[0] == "-":
            offset = -offset
    epoch = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset
    tm = time.gmtime(epoch)
    normalized = (
        f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}Z"
    )
    if fraction:
        epoch_f = epoch + float("0." + fraction)
    else:
        epoch_f = float(epoch)
    return normalized, epoch_f


def parse_retry_after(value, now):
    """HTTP Retry-After (delta seconds or an HTTP date) -> seconds to wait (>= 0), or None.

    `now` is the current epoch time (passed in: this module has no clock). Unreadable
    values give None rather than an error: the header is advisory.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if not value:
        return None
    if _NUMBER_RE.match(value):
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    try:
        when = mktime_tz(parsed)
    except (OverflowError, ValueError, TypeError):
        return None
    return max(0.0, float(when) - float(now))


# ---------------------------------------------------------------------------------------
# ids


def normalize_ids(ids):
    """Simkl ids object -> core.ids.simkl_ids form (the one place that decides what an id
    looks like: lower-case known keys, `simkl_id` folded into `simkl`, canonical values,
    unusable or nested values dropped). None -> {}; anything but an object -> MalformedReply."""
    if ids is None:
        return {}
    if not isinstance(ids, dict):
        raise MalformedReply(f"ids is not an object ({_describe(ids)})")
    return simkl_ids(ids)


# ---------------------------------------------------------------------------------------
# playbacks


def parse_playback(item: Any) -> Playback:
    """One item of /sync/playback -> Playback, or MalformedReply with a short reason."""
    item = _as_dict(item, "playback item", allow_none=False)

    if item.get("id") is None:
        raise MalformedReply("playback has no id")
    playback_id = _as_int(item.get("id"), "playback id")

    if item.get("progress") is None:
        raise MalformedReply(f"playback {playback_id} has no progress")
    progress = _as_float(item.get("progress"), "progress")
    if not 0.0 <= progress <= 100.0:
        raise MalformedReply(f"playback {playback_id} progress {progress} is outside 0..100")

    raw_time = item.get("paused_at")
    if raw_time is None:
        raw_time = item.get("watched_at")
    if raw_time is None:
        paused_at, paused_epoch = "", 0.0
    else:
        paused_at, paused_epoch = parse_timestamp(raw_time)

    movie = _as_dict(item.get("movie"), "movie")
    show = _as_dict(item.get("show"), "show")
    anime = _as_dict(item.get("anime"), "anime")
    episode = _as_dict(item.get("episode"), "episode")

    raw_type = item.get("type")
    if raw_type is None:
        if movie is not None and episode is None:
            kind_type = MOVIE
        elif anime is not None and episode is None and _is_anime_movie(anime):
            kind_type = MOVIE
        elif episode is not None and (show is not None or anime is not None):
            kind_type = EPISODE
        else:
            raise MalformedReply(f"playback {playback_id} has no type")
    else:
        if not isinstance(raw_type, str):
            raise MalformedReply(f"playback {playback_id} type has type {_describe(raw_type)}")
        kind_type = raw_type.strip().lower()
        if kind_type not in (MOVIE, EPISODE):
            raise MalformedReply(f"playback {playback_id} has unknown type {raw_type[:20]!r}")

    season = number = tvdb_season = tvdb_number = None
    episode_title = None
    if kind_type == MOVIE:
        if movie is not None:
            container, kind = movie, KIND_MOVIE
        elif anime is not None:  # an anime movie: its title and ids come in the anime object
            container, kind = anime, KIND_ANIME
        else:
            raise MalformedReply(f"movie playback {playback_id} has no movie")
    else:
        if anime is not None:
            container, kind = anime, KIND_ANIME
        elif show is not None:
            container, kind = show, KIND_SHOW
        else:
            raise MalformedReply(f"episode playback {playback_id} has no show or anime")
        if episode is None:
            raise MalformedReply(f"episode playback {playback_id} has no episode")
        season = _as_int(episode.get("season"), "season")
        raw_number = episode.get("number")
        if raw_number is None:
            raw_number = episode.get("episode")
        number = _as_int(raw_number, "episode number")
        episode_title = _as_text(episode.get("title"), "episode title")
        tvdb_season = _lenient_int(episode.get("tvdb_season"))
        tvdb_number = _lenient_int(episode.get("tvdb_number"))
        nested = episode.get("tvdb")
        if isinstance(nested, dict):
            if tvdb_season is None:
                tvdb_season = _lenient_int(nested.get("season"))
            if tvdb_number is None:
                raw = nested.get("episode")
                tvdb_number = _lenient_int(raw if raw is not None else nested.get("number"))

    title = _as_text(container.get("title"), "title") or ""
    year = _lenient_int(container.get("year"))
    ids = normalize_ids(container.get("ids"))

    return Playback(
        id=playback_id,
        progress=progress,
        paused_at=paused_at,
        paused_epoch=paused_epoch,
        type=kind_type,
        kind=kind,
        title=title,
        year=year,
        ids=ids,
        season=season,
        number=number,
        episode_title=episode_title,
        tvdb_season=tvdb_season,
        tvdb_number=tvdb_number,
    )


def _is_anime_movie(anime):
    value = anime.get("anime_type")
    return isinstance(value, str) and value.strip().lower() == "movie"


def _lenient_int(value):
    """For display-only fields (year, tvdb mapping): unreadable -> None instead of an error."""
    try:
        return _as_int(value, "value")
    except MalformedReply:
        return None


def parse_playbacks(data: Any, on_skip: Optional[Callable[[int, str], None]] = None) -> List[Playback]:
    """A /sync/playback reply -> list of Playback in the order Simkl sent them (newest first).

    Top level not a list -> MalformedReply (JSON null -> []). Unreadable items are skipped
    and reported as `on_skip(index, reason)`; if every item of a non-empty list is
    unreadable, MalformedReply.
    """
    if data is None:
        return []
    if not isinstance(data, list):
        raise MalformedReply(f"playback list is not a list ({_describe(data)})")
    result: List[Playback] = []
    first_reason = ""
    for index, item in enumerate(data):
        try:
            result.append(parse_playback(item))
        except MalformedReply as exc:
            if not first_reason:
                first_reason = str(exc)
            if on_skip is not None:
                on_skip(index, str(exc))
    if data and not result:
        raise MalformedReply(f"no readable playback among {len(data)} items ({first_reason})")
    return result


# ---------------------------------------------------------------------------------------
# activities


def _timestamp_text(value, what):
    """Activities timestamps are opaque: str kept as is, numbers as text, null -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value, what)
    raise MalformedReply(f"{what} has type {_describe(value)}")


def parse_activities(data: Any) -> Activities:
    """A /sync/activities reply -> Activities(all, {bucket: playback timestamp or None}).

    Reads each bucket's `playback`, or the older `paused_at` name when `playback` is absent
    or null. Missing and null buckets give None; every BUCKETS key is always present.
    `settings.all` -> Activities.settings (None when absent or unreadable).
    """
    data = _as_dict(data, "activities", allow_none=False)
    everything = _timestamp_text(data.get("all"), "activities all")
    playback: Dict[str, Optional[str]] = {}
    lists: Dict[str, Dict[str, Optional[str]]] = {}
    for bucket in BUCKETS:
        section = _as_dict(data.get(bucket), f"activities {bucket}")
        if bucket in LIST_TYPE_OF_BUCKET:
            lists[bucket] = {key: _lenient_timestamp((section or {}).get(key)) for key in LIST_KEYS}
        if section is None:
            playback[bucket] = None
            continue
        value = section.get("playback")
        if value is None:
            value = section.get("paused_at")
        playback[bucket] = _timestamp_text(value, f"{bucket} playback")
    settings = data.get("settings")
    settings_all = (_lenient_timestamp(settings.get("all")) if isinstance(settings, dict)
                    else None)
    return Activities(all=everything, playback=playback, settings=settings_all, lists=lists)


def _lenient_timestamp(value):
    """`settings.all` (a hint to re-read the plan) and the watchlist timestamps (they gate up
    next, never the playbacks): an odd value is None, not an error."""
    try:
        return _timestamp_text(value, "timestamp")
    except MalformedReply:
        return None


# ---------------------------------------------------------------------------------------
# scrobble, PIN, user settings


def parse_scrobble(data: Any) -> Dict[str, Any]:
    """A /scrobble/* 201 reply -> the reply dict with `id` (int or None), `action`
    (lower-case str, "" when absent) and `progress` (float or None) normalized.

    `action` tells what Simkl did: stop < 80 % answers "pause" (a playback was saved),
    stop >= 80 % answers "scrobble" (history, no playback).
    """
    data = _as_dict(data, "scrobble reply", allow_none=False)
    result = dict(data)
    result["id"] = _as_int(data.get("id"), "scrobble id")
    action = _as_text(data.get("action"), "scrobble action")
    result["action"] = (action or "").strip().lower()
    result["progress"] = _as_float(data.get("progress"), "scrobble progress")
    return result


def parse_pin_start(data: Any) -> Dict[str, Any]:
    """GET /oauth/pin -> {device_code, user_code, verification_url, expires_in, interval}.

    `verification_uri` (newer docs) is accepted for `verification_url`. expires_in
    defaults to 900 s and interval to 5 s when absent; interval is at least 1 s.
    """
    data = _as_dict(data, "PIN reply", allow_none=False)
    result = _as_text(data.get("result"), "PIN result")
    if result is not None and result.strip().upper() == "KO":
        raise MalformedReply("PIN request refused: %s" % (_as_text(data.get("message"), "message") or "KO"))
    user_code = _as_text(data.get("user_code"), "user_code")
    if not user_code:
        raise MalformedReply("PIN reply has no user_code")
    url = data.get("verification_url")
    if url is None:
        url = data.get("verification_uri")
    url = _as_text(url, "verification_url")
    if not url:
        raise MalformedReply("PIN reply has no verification_url")
    expires_in = _as_int(data.get("expires_in"), "expires_in")
    interval = _as_int(data.get("interval"), "interval")
    return {
        "device_code": _as_text(data.get("device_code"), "device_code") or "",
        "user_code": user_code,
        "verification_url": url,
        "expires_in": 900 if expires_in is None or expires_in <= 0 else expires_in,
        "interval": 5 if interval is None else max(1, interval),
    }


def parse_pin_poll(data: Any) -> Dict[str, Any]:
    """GET /oauth/pin/{code} -> one of
    {"result": "OK", "access_token": token}
    {"result": "KO", "message": str, "slow_down": bool, "gone": False}   keep polling
    {"result": "KO", "message": "gone", "slow_down": False, "gone": True} stop: code expired
    or already used (newer Simkl answers a fresh step-1 reply, recognised by `device_code`).
    """
    data = _as_dict(data, "PIN poll reply", allow_none=False)
    result = (_as_text(data.get("result"), "PIN result") or "").strip().upper()
    token = data.get("access_token")
    if result == "OK" and token is not None:
        if not isinstance(token, str) or not token.strip():
            raise MalformedReply("PIN reply has an unusable access_token")
        return {"result": "OK", "access_token": token.strip()}
    if result == "OK" and data.get("device_code") is None:
        raise MalformedReply("PIN reply says OK without an access_token")
    if data.get("device_code") is not None:
        return {"result": "KO", "message": "gone", "slow_down": False, "gone": True}
    if result == "KO":
        message = _as_text(data.get("message"), "PIN message") or ""
        return {
            "result": "KO",
            "message": message,
            "slow_down": "slow" in message.lower(),
            "gone": False,
        }
    raise MalformedReply("PIN reply has no result")


def parse_user_settings(data: Any) -> Dict[str, Any]:
    """/users/settings -> {"name": str, "plan": "free"|"pro"|"vip"|..., "account_id": int|None,
    "timezone": str, "retention_days": int}. Unknown plans get the free retention (7 days).
    """
    data = _as_dict(data, "user settings", allow_none=False)
    user = _as_dict(data.get("user"), "user") or {}
    account = _as_dict(data.get("account"), "account") or {}
    plan = (_as_text(account.get("type"), "account type") or "").strip().lower()
    return {
        "name": _as_text(user.get("name"), "user name") or "",
        "plan": plan,
        "account_id": _lenient_int(account.get("id")),
        "timezone": _as_text(account.get("timezone"), "timezone") or "",
        "retention_days": RETENTION_DAYS.get(plan, RETENTION_DAYS["free"]),
    }
