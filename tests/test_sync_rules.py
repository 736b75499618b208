import pytest

from simkl_resume.core.model import (
    BUCKET_ANIME,
    BUCKET_MOVIES,
    BUCKET_TV,
    EPISODE,
    KIND_MOVIE,
    KIND_SHOW,
    MOVIE,
    Activities,
    Playback,
)
from simkl_resume.core.sync import (
    OpenThrottle,
    PollSchedule,
    decide_fetch,
    merge_playbacks,
    moved_buckets,
    sort_newest_first,
)

T1 = "2024-01-15T10:30:00Z"
T2 = "2024-01-15T11:00:00Z"


def acts(movies=T1, tv=T1, anime=T1, **extra):
    playback = {BUCKET_MOVIES: movies, BUCKET_TV: tv, BUCKET_ANIME: anime}
    playback.update(extra)
    return Activities(all=T2, playback=playback)


# -- what to fetch ---------------------------------------------------------------------


def test_first_run_fetches_both_types():
    plan = decide_fetch(None, acts())
    assert plan.kind is None
    assert plan.types == {MOVIE, EPISODE}


def test_first_run_fetches_everything_even_when_every_timestamp_is_null():
    plan = decide_fetch(None, acts(None, None, None))
    assert plan is not None and plan.kind is None


def test_nothing_moved_fetches_nothing():
    assert decide_fetch(acts(), acts()) is None


def test_account_wide_timestamp_alone_fetches_nothing():
    old = Activities(all=T1, playback=acts().playback)
    new = Activities(all=T2, playback=acts().playback)
    assert decide_fetch(old, new) is None


def test_movie_only_change_fetches_no_episodes():
    plan = decide_fetch(acts(), acts(movies=T2))
    assert plan.kind == "movies"
    assert plan.types == {MOVIE}
    assert plan.moved == (BUCKET_MOVIES,)


def test_tv_change_fetches_episodes_only():
    plan = decide_fetch(acts(), acts(tv=T2))
    assert plan.kind == "episodes"
    assert plan.types == {EPISODE}


def test_anime_change_fetches_episodes_only():
    plan = decide_fetch(acts(), acts(anime=T2))
    assert plan.kind == "episodes"
    assert plan.types == {EPISODE}


def test_tv_and_anime_change_is_still_one_episodes_fetch():
    plan = decide_fetch(acts(), acts(tv=T2, anime=T2))
    assert plan.kind == "episodes"
    assert plan.moved == (BUCKET_TV, BUCKET_ANIME)


def test_movies_and_episodes_change_is_one_unnarrowed_fetch_of_both_types():
    plan = decide_fetch(acts(), acts(movies=T2, anime=T2))
    assert plan.kind is None
    assert plan.types == {MOVIE, EPISODE}


def test_timestamp_that_became_null_counts_as_moved_when_it_was_set():
    assert decide_fetch(acts(), acts(tv=None)).kind == "episodes"


def test_bucket_that_disappeared_counts_as_moved_when_it_was_set():
    fresh = Activities(all=T2, playback={BUCKET_TV: T1, BUCKET_ANIME: T1})
    assert decide_fetch(acts(), fresh).kind == "movies"


def test_bucket_null_before_and_missing_now_has_not_moved():
    stored = acts(movies=None)
    fresh = Activities(all=T2, playback={BUCKET_TV: T1, BUCKET_ANIME: T1})
    assert decide_fetch(stored, fresh) is None


def test_bucket_missing_before_and_null_now_has_not_moved():
    stored = Activities(all=T1, playback={BUCKET_TV: T1, BUCKET_ANIME: T1})
    assert decide_fetch(stored, acts(movies=None)) is None


def test_bucket_set_for_the_first_time_counts_as_moved():
    assert decide_fetch(acts(movies=None), acts(movies=T1)).kind == "movies"


def test_stored_activities_from_an_older_cache_without_playback_dict_fetch_as_moved():
    stored = Activities(all=T1, playback=None)
    assert decide_fetch(stored, acts(movies=None, anime=None)).kind == "episodes"


def test_timestamps_are_compared_as_opaque_strings_even_going_backwards():
    assert decide_fetch(acts(movies=T2), acts(movies=T1)).kind == "movies"


def test_unknown_buckets_are_ignored():
    assert moved_buckets(acts(), acts(music=T2)) == ()


# -- merge -----------------------------------------------------------------------------


def pb(pid, kind_type, epoch, progress=50.0):
    if kind_type == MOVIE:
        return Playback(
            pid, progress, "x", float(epoch), MOVIE, KIND_MOVIE, f"M{pid}", ids={"tmdb": str(pid)}
        )
    return Playback(pid, progress, "x", float(epoch), EPISODE, KIND_SHOW, f"S{pid}", season=1, number=pid)


def ids_of(playbacks):
    return [p.id for p in playbacks]


def test_merge_replaces_fetched_type_and_keeps_the_other():
    cached = [pb(1, MOVIE, 100), pb(2, EPISODE, 200)]
    fetched = [pb(3, EPISODE, 300)]
    assert ids_of(merge_playbacks(cached, fetched, {EPISODE})) == [3, 1]


def test_merge_drops_playbacks_removed_on_the_account():
    cached = [pb(1, MOVIE, 100), pb(2, MOVIE, 200)]
    assert ids_of(merge_playbacks(cached, [pb(2, MOVIE, 200)], {MOVIE})) == [2]


def test_merge_of_an_empty_fetch_empties_that_type_only():
    cached = [pb(1, MOVIE, 100), pb(2, EPISODE, 200)]
    assert ids_of(merge_playbacks(cached, [], {MOVIE})) == [2]


def test_merge_takes_the_fresh_progress_of_a_known_playback():
    cached = [pb(1, MOVIE, 100, progress=10.0)]
    merged = merge_playbacks(cached, [pb(1, MOVIE, 150, progress=60.0)], {MOVIE})
    assert [(p.id, p.progress) for p in merged] == [(1, 60.0)]


def test_merge_ignores_fetched_playbacks_of_a_type_it_was_not_asked_to_replace():
    cached = [pb(1, EPISODE, 100)]
    merged = merge_playbacks(cached, [pb(2, MOVIE, 300), pb(3, EPISODE, 200)], {EPISODE})
    assert ids_of(merged) == [3]


def test_unnarrowed_merge_replaces_everything():
    cached = [pb(1, MOVIE, 100), pb(2, EPISODE, 200)]
    fetched = [pb(3, MOVIE, 50), pb(4, EPISODE, 400)]
    assert ids_of(merge_playbacks(cached, fetched, {MOVIE, EPISODE})) == [4, 3]


def test_merge_orders_newest_first_by_paused_at():
    fetched = [pb(1, EPISODE, 100), pb(2, EPISODE, 300), pb(3, EPISODE, 200)]
    cached = [pb(9, MOVIE, 250)]
    assert ids_of(merge_playbacks(cached, fetched, {EPISODE})) == [2, 9, 3, 1]


def test_sort_newest_first_breaks_ties_by_id_for_a_stable_menu():
    assert ids_of(sort_newest_first([pb(1, MOVIE, 100), pb(5, MOVIE, 100), pb(3, MOVIE, 100)])) == [5, 3, 1]


def test_merge_keeps_one_entry_per_playback_id():
    fetched = [pb(1, MOVIE, 100), pb(1, MOVIE, 100)]
    assert ids_of(merge_playbacks([], fetched, {MOVIE})) == [1]


# -- poll scheduling -------------------------------------------------------------------


def test_first_poll_waits_a_random_part_of_the_startup_jitter():
    schedule = PollSchedule(interval=900, now=1000.0, rand=lambda: 0.5, startup_jitter=60)
    assert schedule.next_at == pytest.approx(1030.0)


def test_first_poll_is_immediate_when_random_gives_zero():
    schedule = PollSchedule(interval=900, now=1000.0, rand=lambda: 0.0)
    assert schedule.due(1000.0)


def test_startup_jitter_never_exceeds_the_interval():
    schedule = PollSchedule(interval=20, now=0.0, rand=lambda: 1.0, startup_jitter=60)
    assert schedule.next_at == pytest.approx(20.0)


def test_poll_is_not_due_before_its_time():
    schedule = PollSchedule(interval=900, now=0.0, rand=lambda: 1.0, startup_jitter=60)
    assert not schedule.due(59.9)
    assert schedule.due(60.0)
    assert schedule.seconds_until(30.0) == pytest.approx(30.0)
    assert schedule.seconds_until(100.0) == 0.0


def test_next_poll_is_one_interval_after_the_last_check():
    schedule = PollSchedule(interval=900, now=0.0, rand=lambda: 0.0)
    schedule.done(10.0)
    assert schedule.next_at == pytest.approx(910.0)
    assert not schedule.due(909.0)
    assert schedule.due(910.0)


def test_shorter_interval_setting_polls_at_once_when_already_overdue():
    schedule = PollSchedule(interval=3600, now=0.0, rand=lambda: 0.0)
    schedule.done(0.0)
    schedule.set_interval(300, now=1000.0)
    assert schedule.due(1000.0)


def test_longer_interval_setting_moves_the_next_poll_later():
    schedule = PollSchedule(interval=300, now=0.0, rand=lambda: 0.0)
    schedule.done(0.0)
    schedule.set_interval(3600, now=100.0)
    assert schedule.next_at == pytest.approx(3600.0)


def test_interval_setting_before_the_first_poll_keeps_the_startup_jitter():
    schedule = PollSchedule(interval=900, now=0.0, rand=lambda: 0.5, startup_jitter=60)
    schedule.set_interval(1800, now=1.0)
    assert schedule.next_at == pytest.approx(30.0)


# -- on-open throttle ------------------------------------------------------------------


def test_menu_open_check_runs_the_first_time():
    assert OpenThrottle().allow(1000.0)


def test_menu_open_checks_are_limited_to_one_per_2_seconds():
    throttle = OpenThrottle()
    assert throttle.allow(1000.0)
    assert not throttle.allow(1001.0)
    assert not throttle.allow(1001.9)
    assert throttle.allow(1002.0)


def test_open_inside_the_window_runs_trailing_when_the_window_ends():
    throttle = OpenThrottle(min_gap=2)
    assert throttle.allow(0.0)
    assert throttle.seconds_until(0.5) is None
    assert not throttle.allow(0.5)
    assert not throttle.allow(1.5)          # several opens in the window: one trailing check
    assert throttle.seconds_until(1.5) == pytest.approx(0.5)
    assert not throttle.take_due(1.9)
    assert throttle.take_due(2.0)
    assert not throttle.take_due(2.1)       # once
    assert throttle.seconds_until(2.1) is None
    assert not throttle.allow(3.0)          # the trailing check opened a new window
    assert throttle.take_due(4.0)


def test_refused_open_check_does_not_extend_the_throttle():
    throttle = OpenThrottle(min_gap=10)
    throttle.allow(0.0)
    throttle.allow(9.0)
    assert throttle.allow(10.0)


def test_clock_going_backwards_does_not_block_open_checks():
    throttle = OpenThrottle()
    throttle.allow(1000.0)
    assert throttle.allow(500.0)
