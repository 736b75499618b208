import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simkl_resume.core.progress import (
    RESUME_END_MARGIN,
    format_clock,
    progress_percent,
    resume_percent,
    resume_position,
    seconds_at,
    time_left,
)


def test_progress_is_position_over_real_duration_in_percent():
    assert progress_percent(1260, 2520) == 50.0


def test_progress_is_rounded_to_two_decimals():
    assert progress_percent(1000, 3000) == 33.33
    assert progress_percent(2000, 3000) == 66.67


def test_progress_clamps_negative_start_time():
    # Kodi's getTime() returns -0.099 right at the start; Simkl rejects negative progress.
    assert progress_percent(-0.099, 2700) == 0.0


def test_progress_clamps_position_past_the_end_to_100():
    assert progress_percent(2710.5, 2700) == 100.0


@pytest.mark.parametrize("duration", [None, 0, 0.0, -5, float("nan"), float("inf"), "abc", True])
def test_progress_is_none_without_a_usable_duration(duration):
    assert progress_percent(100, duration) is None


def test_progress_is_none_without_a_position():
    assert progress_percent(None, 2700) is None
    assert progress_percent(float("nan"), 2700) is None


def test_progress_accepts_numeric_strings_from_json():
    assert progress_percent("90", "180") == 50.0


@given(
    position=st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
    duration=st.floats(min_value=0.001, max_value=1e6, allow_nan=False),
)
def test_progress_is_always_between_0_and_100_with_two_decimals(position, duration):
    pct = progress_percent(position, duration)
    assert 0.0 <= pct <= 100.0
    assert round(pct, 2) == pct


def test_seconds_at_progress_uses_the_duration():
    assert seconds_at(42.0, 3000) == pytest.approx(1260.0)


def test_seconds_at_clamps_progress_outside_0_100():
    assert seconds_at(-3, 3000) == 0.0
    assert seconds_at(140, 3000) == 3000.0


def test_seconds_at_is_none_without_duration_or_progress():
    assert seconds_at(40, 0) is None
    assert seconds_at(None, 3000) is None


def test_time_left_is_the_rest_of_the_duration():
    assert time_left(25.0, 2400) == pytest.approx(1800.0)


def test_time_left_never_goes_negative():
    assert time_left(100.0, 2400) == 0.0
    assert time_left(250.0, 2400) == 0.0


def test_time_left_is_none_without_duration():
    assert time_left(25.0, None) is None


def test_resume_starts_at_progress_times_real_duration():
    assert resume_position(40.0, 300.0) == pytest.approx(120.0)


def test_resume_never_starts_past_the_end_minus_the_margin():
    assert resume_position(99.9, 3000.0) == pytest.approx(3000.0 - RESUME_END_MARGIN)
    assert resume_position(100.0, 3000.0, end_margin=30) == pytest.approx(2970.0)


def test_resume_of_a_file_shorter_than_the_margin_starts_at_zero():
    assert resume_position(50.0, RESUME_END_MARGIN / 2) == 0.0


def test_resume_never_starts_before_zero():
    assert resume_position(-10.0, 3000.0) == 0.0


def test_resume_position_is_none_without_a_real_duration():
    assert resume_position(40.0, 0) is None


def test_resume_percent_is_a_float_even_for_whole_numbers():
    # Kodi silently ignores an INTEGER Player.Open resume option.
    pct = resume_percent(40, 300)
    assert pct == 40.0
    assert isinstance(pct, float)


def test_resume_percent_respects_the_end_margin():
    assert resume_percent(99.9, 1000.0) == pytest.approx(99.0)


def test_resume_percent_without_duration_is_the_clamped_progress():
    assert resume_percent(42.5, None) == 42.5
    assert resume_percent(120, None) == 100.0
    assert isinstance(resume_percent(42, None), float)


def test_resume_percent_is_none_without_progress():
    assert resume_percent(None, 300) is None


@given(
    progress=st.floats(min_value=-50, max_value=150, allow_nan=False),
    duration=st.floats(min_value=0.5, max_value=1e6, allow_nan=False),
)
def test_resume_position_stays_inside_the_file(progress, duration):
    start = resume_position(progress, duration)
    assert 0.0 <= start
    assert start <= max(0.0, duration - RESUME_END_MARGIN) + 1e-9
    assert not math.isnan(start)


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0:00"), (59.9, "0:59"), (2530, "42:10"), (3723, "1:02:03"), (None, "0:00"), (-4, "0:00")],
)
def test_format_clock_reads_like_a_player_clock(seconds, text):
    assert format_clock(seconds) == text
