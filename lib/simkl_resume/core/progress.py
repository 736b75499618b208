"""Progress and position maths. Pure functions, no Kodi.

Simkl talks in progress percent (0..100, at most two decimals); Kodi in seconds. Every
conversion goes through here and always uses the REAL duration of the playing file
(`xbmc.Player().getTotalTime()`), never the library `runtime` (0 until stream details
exist, and often rounded to minutes).

API
---
progress_percent(position, duration) -> Optional[float]
    Percent of `duration` reached at `position` (seconds), rounded to 2 decimals and clamped
    to 0..100. `getTime()` may return -0.099 at the very start: that gives 0.0.
    None when duration is None, 0, negative or not a number, or position is None/NaN.
seconds_at(progress, duration) -> Optional[float]
    Seconds into the file at `progress` percent (progress clamped to 0..100).
    None when duration is unusable or progress is None.
time_left(progress, duration) -> Optional[float]
    Seconds remaining after `progress` percent, >= 0. None when duration is unusable.
resume_position(progress, duration, end_margin=RESUME_END_MARGIN) -> Optional[float]
    Where to start a resume, in seconds: progress x duration, never below 0 and never past
    `duration - end_margin` (so a 99.9 % playback does not start on the last frame and end
    at once). A file no longer than the margin starts at 0. None when duration is unusable.
resume_percent(progress, duration, end_margin=RESUME_END_MARGIN) -> Optional[float]
    The same start expressed as percent of duration (a float, for `Player.Open`
    `options.resume` and the ListItem property `StartPercent`, which want a percentage:
    an INTEGER resume option is ignored by Kodi, so this always returns a float).
    With no usable duration the progress itself (clamped, float) is returned.
format_clock(seconds) -> str
    "42:10", "1:02:03" ("0:00" for None/negative): for labels like "Resume at 42:10".
"""

import math
from typing import Optional

# Seconds kept before the end of the file when resuming.
RESUME_END_MARGIN = 10.0
PROGRESS_DECIMALS = 2


def positive_seconds(duration: object) -> Optional[float]:
    """float(duration) when it is a positive finite number of seconds, else None."""
    if duration is None or isinstance(duration, bool):
        return None
    try:
        value = float(duration)
    except (TypeError, ValueError):
        return None
    if math.isnan(value) or math.isinf(value) or value <= 0:
        return None
    return value


def number_or_none(value: object) -> Optional[float]:
    """float(value), or None for None, booleans, NaN and anything float() refuses."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(result):
        return None
    return result


def clamp_progress(progress: float) -> float:
    """`progress` clamped to 0..100 and rounded to two decimals."""
    return round(min(100.0, max(0.0, float(progress))), PROGRESS_DECIMALS)


def progress_percent(position: object, duration: object) -> Optional[float]:
    total = positive_seconds(duration)
    pos = number_or_none(position)
    if total is None or pos is None:
        return None
    return clamp_progress(pos * 100.0 / total)


def seconds_at(progress: object, duration: object) -> Optional[float]:
    total = positive_seconds(duration)
    pct = number_or_none(progress)
    if total is None or pct is None:
        return None
    return min(100.0, max(0.0, pct)) * total / 100.0


def time_left(progress: object, duration: object) -> Optional[float]:
    total = positive_seconds(duration)
    done = seconds_at(progress, duration)
    if total is None or done is None:
        return None
    return max(0.0, total - done)


def resume_position(
    progress: object, duration: object, end_margin: float = RESUME_END_MARGIN
) -> Optional[float]:
    total = positive_seconds(duration)
    target = seconds_at(progress, duration)
    if total is None or target is None:
        return None
    latest = total - max(0.0, end_margin)
    if latest <= 0:
        return 0.0
    return max(0.0, min(target, latest))


def resume_percent(
    progress: object, duration: object, end_margin: float = RESUME_END_MARGIN
) -> Optional[float]:
    pct = number_or_none(progress)
    if pct is None:
        return None
    total = positive_seconds(duration)
    start = resume_position(pct, duration, end_margin)
    if total is None or start is None:
        return float(clamp_progress(pct))
    return float(round(start * 100.0 / total, PROGRESS_DECIMALS))


def format_clock(seconds: object) -> str:
    value = number_or_none(seconds)
    if value is None or value < 0 or math.isinf(value):
        value = 0.0
    whole = int(value)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
