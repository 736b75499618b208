from dataclasses import dataclass
from typing import Any, Dict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simkl_resume.core import errors
from simkl_resume.core.ids import item_key, scrobble_body
from simkl_resume.core.scrobble import (
    AUTH,
    MAX_FAILURES,
    PARK_AFTER,
    BACKOFF_CAP,
    DROP,
    IDLE,
    MIN_DURATION_SECONDS,
    PAUSE,
    PAUSED,
    PLAYING,
    RETRY,
    SCROBBLE_LOCK_DELAY,
    SKIPPED,
    START,
    STOP,
    Pacer,
    PlayerSession,
    ScrobbleAction,
    backoff_delay,
    classify,
    collapse,
    moved_since,
    needs_remote_check,
    newer_remote,
    next_to_send,
    should_park,
)
from simkl_resume.core.model import Activities
from simkl_resume.core.parse import parse_playbacks

MOVIE = {"movie": {"title": "Inception", "year": 2010, "ids": {"imdb": "tt1375666"}}}
EPISODE = {"show": {"title": "Breaking Bad", "ids": {"tvdb": 81189}}, "episode": {"season": 1, "number": 5}}
DURATION = 1000.0  # seconds: progress percent = position / 10


def started(item=MOVIE, duration=DURATION, position=0.0):
    session = PlayerSession()
    actions = session.av_started(item, duration, position)
    assert [(a.action, a.progress) for a in actions] == [(START, position * 100.0 / duration)]
    return session


def summary(actions):
    return [(a.action, a.progress) for a in actions]


# -- state machine ---------------------------------------------------------------------


def test_av_started_sends_start_with_the_current_progress():
    session = PlayerSession()
    actions = session.av_started(MOVIE, DURATION, 420.0)
    assert summary(actions) == [(START, 42.0)]
    assert actions[0].body == dict(MOVIE, progress=42.0)
    assert session.state == PLAYING


def test_start_at_negative_time_is_sent_as_zero_progress():
    assert summary(PlayerSession().av_started(MOVIE, DURATION, -0.099)) == [(START, 0.0)]


def test_pause_sends_pause_at_the_paused_position():
    session = started()
    assert summary(session.paused(250.0)) == [(PAUSE, 25.0)]
    assert session.state == PAUSED


def test_second_pause_in_a_row_sends_nothing():
    session = started()
    session.paused(250.0)
    assert session.paused(250.0) == []


def test_resumed_sends_start():
    session = started()
    session.paused(250.0)
    assert summary(session.resumed(250.0)) == [(START, 25.0)]
    assert session.state == PLAYING


def test_resumed_while_playing_sends_nothing():
    session = started()
    assert session.resumed(100.0) == []


def test_seek_while_playing_sends_start_with_the_new_progress():
    session = started()
    assert summary(session.seeked(600.0)) == [(START, 60.0)]


def test_seek_to_the_progress_already_sent_sends_nothing():
    session = started(position=300.0)
    assert session.seeked(300.0) == []


def test_seek_while_paused_sends_nothing_but_moves_the_position():
    session = started()
    session.paused(200.0)
    assert session.seeked(700.0) == []
    assert summary(session.stopped()) == [(STOP, 70.0)]


def test_seek_while_paused_is_sent_as_a_pause_once_asked_and_only_once():
    session = started()
    session.paused(200.0)
    session.seeked(700.0)
    assert summary(session.paused_moved()) == [(PAUSE, 70.0)]
    assert session.paused_moved() == []


def test_paused_moved_sends_nothing_when_the_position_did_not_move_or_while_playing():
    session = started()
    assert session.paused_moved() == []  # playing
    session.paused(200.0)
    assert session.paused_moved() == []  # the pause already said 20 %


def test_resume_after_seek_while_paused_starts_at_the_new_position():
    session = started()
    session.paused(200.0)
    session.seeked(700.0)
    assert summary(session.resumed(700.0)) == [(START, 70.0)]


def test_ticks_send_nothing_but_move_the_known_progress():
    session = started()
    assert session.tick(10.0) == []
    assert session.tick(200.0) == []
    assert session.progress == 20.0


def test_no_progress_is_known_outside_a_session():
    session = started()
    session.stopped()
    assert session.progress is None


def test_stopped_uses_the_last_sampled_position():
    # getTime() raises inside onPlayBackStopped: only the last tick is known.
    session = started()
    session.tick(300.0)
    session.tick(450.0)
    assert summary(session.stopped()) == [(STOP, 45.0)]
    assert session.state == IDLE


def test_stop_at_or_above_80_percent_is_sent_as_a_stop_with_that_progress():
    session = started()
    session.tick(850.0)
    actions = session.stopped()
    assert summary(actions) == [(STOP, 85.0)]


def test_ended_stops_at_100():
    session = started()
    session.tick(990.0)
    assert summary(session.ended()) == [(STOP, 100.0)]
    assert session.state == IDLE


def test_stopped_after_ended_sends_nothing_more():
    session = started()
    session.ended()
    assert session.stopped() == []


def test_events_without_a_session_send_nothing():
    session = PlayerSession()
    assert session.paused(10) == session.resumed(10) == session.seeked(10) == []
    assert session.tick(10) == session.stopped() == session.ended() == []


def test_stop_while_paused_sends_stop_at_the_paused_position():
    session = started()
    session.paused(333.0)
    assert summary(session.stopped()) == [(STOP, 33.3)]


def test_pause_resume_pause_at_the_same_spot_sends_each_state_change():
    session = started()
    assert summary(session.paused(100.0) + session.resumed(100.0) + session.paused(100.0)) == [
        (PAUSE, 10.0),
        (START, 10.0),
        (PAUSE, 10.0),
    ]


def test_actions_carry_the_item_key_of_their_item():
    session = PlayerSession()
    [action] = session.av_started(EPISODE, DURATION, 0.0)
    assert action.item_key == item_key(EPISODE)


@pytest.mark.parametrize(
    "item, duration, live, reason",
    [
        (None, DURATION, False, "not identifiable"),
        (MOVIE, DURATION, True, "live"),
        (MOVIE, 0, False, "unknown duration"),
        (MOVIE, None, False, "unknown duration"),
        (MOVIE, MIN_DURATION_SECONDS - 1, False, "too short"),
    ],
)
def test_skipped_playback_sends_nothing_at_all(item, duration, live, reason):
    session = PlayerSession()
    sent = session.av_started(item, duration, 0.0, live=live)
    sent += session.tick(10.0) + session.paused(20.0) + session.resumed(20.0) + session.seeked(30.0)
    sent += session.stopped()
    assert sent == []
    assert session.skip_reason == reason


def test_duration_of_exactly_the_minimum_is_scrobbled():
    assert PlayerSession().av_started(MOVIE, MIN_DURATION_SECONDS, 0.0) != []


def test_minimum_duration_is_configurable():
    session = PlayerSession(min_duration=60)
    assert session.av_started(MOVIE, 90.0, 0.0) != []


def test_skipped_playback_reports_skipped_state_then_next_item_scrobbles_again():
    session = PlayerSession()
    session.av_started(MOVIE, 60.0, 0.0)
    assert session.state == SKIPPED
    assert summary(session.av_started(EPISODE, DURATION, 100.0)) == [(START, 10.0)]


def test_next_playlist_item_stops_the_previous_one_first():
    session = started(MOVIE)
    session.tick(500.0)
    actions = session.av_started(EPISODE, 2000.0, 0.0)
    assert [(a.action, a.item_key, a.progress) for a in actions] == [
        (STOP, item_key(MOVIE), 50.0),
        (START, item_key(EPISODE), 0.0),
    ]


def test_next_playlist_item_that_is_skipped_still_stops_the_previous_one():
    session = started(MOVIE)
    session.tick(500.0)
    assert summary(session.av_started(None, DURATION, 0.0)) == [(STOP, 50.0)]
    assert session.state == SKIPPED


def test_same_item_announced_again_while_playing_sends_nothing_new():
    session = started(MOVIE, position=100.0)
    assert session.av_started(MOVIE, DURATION, 100.0) == []


def test_same_item_announced_again_while_paused_restarts_it():
    session = started(MOVIE)
    session.paused(100.0)
    assert summary(session.av_started(MOVIE, DURATION, 100.0)) == [(START, 10.0)]


# -- collapse --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: int
    item_key: str
    action: str
    body: Dict[str, Any]


def queue(*events):
    """events: (item, action, progress) -> outbox-like entries with ids 1, 2, ..."""
    return [
        Entry(i, item_key(item), action, scrobble_body(item, progress))
        for i, (item, action, progress) in enumerate(events, 1)
    ]


def ids(entries):
    return [e.id for e in entries]


def test_start_then_pause_collapse_to_a_single_pause():
    to_send, to_drop = collapse(queue((MOVIE, START, 10), (MOVIE, PAUSE, 30)))
    assert [(e.action, e.body["progress"]) for e in to_send] == [(PAUSE, 30.0)]
    assert ids(to_drop) == [1]


def test_stop_below_80_percent_is_a_resumable_pause_after_collapse():
    entries = queue((MOVIE, START, 0), (MOVIE, PAUSE, 20), (MOVIE, START, 20), (MOVIE, STOP, 55))
    to_send, to_drop = collapse(entries)
    assert [(e.action, e.body["progress"]) for e in to_send] == [(STOP, 55.0)]
    assert ids(to_drop) == [1, 2, 3]


def test_stop_at_80_percent_or_more_collapses_to_one_watched_stop():
    to_send, _ = collapse(queue((MOVIE, START, 0), (MOVIE, PAUSE, 40), (MOVIE, START, 40), (MOVIE, STOP, 80)))
    assert [(e.action, e.body["progress"]) for e in to_send] == [(STOP, 80.0)]


def test_last_start_means_still_playing_and_is_sent_alone():
    to_send, to_drop = collapse(queue((MOVIE, START, 0), (MOVIE, PAUSE, 30), (MOVIE, START, 30)))
    assert ids(to_send) == [3]
    assert ids(to_drop) == [1, 2]


def test_pause_after_a_watched_stop_keeps_the_watched_stop_first():
    # Watched to the end, then started again and paused: both the history entry and
    # the new resumable position must reach Simkl, in that order.
    entries = queue((MOVIE, START, 0), (MOVIE, STOP, 100), (MOVIE, START, 0), (MOVIE, PAUSE, 12))
    to_send, to_drop = collapse(entries)
    assert [(e.action, e.body["progress"]) for e in to_send] == [(STOP, 100.0), (PAUSE, 12.0)]
    assert ids(to_drop) == [1, 3]


def test_only_the_last_of_several_watched_stops_is_kept():
    entries = queue((MOVIE, STOP, 90), (MOVIE, STOP, 100), (MOVIE, PAUSE, 5))
    to_send, _ = collapse(entries)
    assert ids(to_send) == [2, 3]


def test_final_watched_stop_drops_earlier_watched_stops():
    to_send, to_drop = collapse(queue((MOVIE, STOP, 100), (MOVIE, START, 0), (MOVIE, STOP, 95)))
    assert ids(to_send) == [3]
    assert ids(to_drop) == [1, 2]


def test_interleaved_items_keep_their_own_last_state():
    entries = queue(
        (MOVIE, START, 0),
        (EPISODE, START, 0),
        (MOVIE, PAUSE, 40),
        (EPISODE, STOP, 90),
        (MOVIE, START, 40),
        (MOVIE, STOP, 60),
    )
    to_send, to_drop = collapse(entries)
    assert [(e.item_key, e.action, e.body["progress"]) for e in to_send] == [
        (item_key(EPISODE), STOP, 90.0),
        (item_key(MOVIE), STOP, 60.0),
    ]
    assert ids(to_drop) == [1, 2, 3, 5]


def test_collapse_delivers_in_global_insertion_order():
    entries = queue((EPISODE, PAUSE, 10), (MOVIE, PAUSE, 20))
    to_send, to_drop = collapse(entries)
    assert ids(to_send) == [1, 2]
    assert to_drop == []


def test_single_entries_are_sent_as_they_are():
    entries = queue((MOVIE, PAUSE, 33))
    to_send, to_drop = collapse(entries)
    assert to_send[0] is entries[0]
    assert to_drop == []


def test_collapse_of_nothing_is_nothing():
    assert collapse([]) == ([], [])


# -- which entry goes next: order per item, no stall across items ----------------------


@dataclass(frozen=True)
class Waiting:
    id: int
    item_key: str
    next_attempt: float


def test_next_to_send_is_the_first_due_entry_in_insertion_order():
    entries = [Waiting(1, "a", 100.0), Waiting(2, "b", 100.0)]
    assert next_to_send(entries, 100.0) == (entries[0], 100.0)


def test_an_item_waiting_for_a_retry_does_not_hold_back_another_item():
    entries = [Waiting(1, "a", 500.0), Waiting(2, "b", 100.0)]
    assert next_to_send(entries, 100.0) == (entries[1], 100.0)


def test_an_items_later_event_waits_behind_its_own_retrying_first_event():
    # a's first event waits for a retry: a's second event must not overtake it
    entries = [Waiting(1, "a", 500.0), Waiting(2, "a", 100.0)]
    assert next_to_send(entries, 100.0) == (None, 500.0)


def test_nothing_due_tells_when_the_earliest_item_is_due():
    entries = [Waiting(1, "a", 500.0), Waiting(2, "b", 300.0), Waiting(3, "b", 100.0)]
    assert next_to_send(entries, 100.0) == (None, 300.0)
    assert next_to_send([], 100.0) == (None, None)


def test_collapse_returns_the_given_objects_and_partitions_every_entry():
    entries = queue((MOVIE, START, 0), (EPISODE, START, 0), (MOVIE, PAUSE, 20))
    to_send, to_drop = collapse(entries)
    assert sorted(ids(to_send) + ids(to_drop)) == [1, 2, 3]
    assert all(any(e is orig for orig in entries) for e in to_send + to_drop)


event = st.tuples(
    st.sampled_from([MOVIE, EPISODE]), st.sampled_from([START, PAUSE, STOP]), st.integers(0, 100)
)


@given(st.lists(event, max_size=12))
def test_collapse_ends_each_item_in_the_state_of_its_last_event(events):
    entries = queue(*events)
    to_send, to_drop = collapse(entries)
    assert sorted(ids(to_send) + ids(to_drop)) == ids(entries)
    assert ids(to_send) == sorted(ids(to_send))
    for key in {e.item_key for e in entries}:
        mine = [e for e in entries if e.item_key == key]
        sent = [e for e in to_send if e.item_key == key]
        assert sent[-1] is mine[-1]
        assert 1 <= len(sent) <= 2
        if len(sent) == 2:
            assert sent[0].action == STOP and sent[0].body["progress"] >= 80


def test_scrobble_action_can_be_queued_like_an_outbox_entry():
    action = ScrobbleAction(PAUSE, scrobble_body(MOVIE, 25))
    assert action.item_key == item_key(MOVIE)
    assert action.progress == 25.0


# -- delivery policy -------------------------------------------------------------------


def test_unauthorized_stops_sending_and_keeps_events():
    assert classify(errors.AuthRequired(401, "user_token_failed")).kind == AUTH


def test_missing_configuration_stops_sending_and_keeps_events():
    assert classify(errors.ConfigError("no client id")).kind == AUTH


def test_client_id_refused_412_keeps_events_instead_of_dropping_them():
    # a build without a (valid) client id must not lose the user's scrobbles
    assert classify(errors.BadRequest(412, "client_id_failed")).kind == AUTH
    assert classify(errors.HttpError(412, "client_id_failed")).kind == AUTH


def test_scrobble_lock_retries_after_about_20_seconds():
    verdict = classify(errors.BadRequest(400, "RATE_LIMIT"), attempt=1)
    assert (verdict.kind, verdict.delay) == (RETRY, SCROBBLE_LOCK_DELAY)
    assert 15 <= SCROBBLE_LOCK_DELAY <= 30


def test_scrobble_lock_is_recognised_whatever_the_case():
    assert classify(errors.BadRequest(400, "rate_limit")).kind == RETRY


def test_rate_limited_honours_retry_after():
    verdict = classify(errors.RateLimited(429, retry_after=42), attempt=1)
    assert (verdict.kind, verdict.delay) == (RETRY, 42.0)


def test_rate_limited_with_zero_retry_after_still_waits_the_pacing_gap():
    assert classify(errors.RateLimited(429, retry_after=0)).delay == 1.0


def test_rate_limited_without_retry_after_backs_off():
    verdict = classify(errors.RateLimited(429), attempt=3)
    assert (verdict.kind, verdict.delay) == (RETRY, backoff_delay(3))


@pytest.mark.parametrize(
    "error",
    [
        errors.NotFound(404, "id_err"),
        errors.Conflict(409, "", "", {"watched_at": "x", "expires_at": "y"}),
        errors.BadRequest(400, "bad_request"),
        errors.HttpError(403, "forbidden"),
    ],
)
def test_permanent_refusals_are_dropped(error):
    assert classify(error).kind == DROP


@pytest.mark.parametrize(
    "error",
    [
        errors.ServerError(503),
        errors.HttpError(502),
        errors.NetworkError("refused"),
        errors.RequestTimeout("read"),
        errors.MalformedReply("html"),
        RuntimeError("our own bug"),
    ],
)
def test_transient_failures_are_retried_with_backoff(error):
    verdict = classify(error, attempt=2)
    assert (verdict.kind, verdict.delay) == (RETRY, backoff_delay(2))


@pytest.mark.parametrize("error", [errors.ServerError(503), errors.MalformedReply("html"),
                                   RuntimeError("bug")])
def test_failures_that_may_be_about_one_item_hold_back_only_that_item(error):
    assert classify(error).hold_all is False


@pytest.mark.parametrize("error", [errors.RateLimited(429), errors.RateLimited(429, retry_after=5),
                                   errors.BadRequest(400, "RATE_LIMIT"), errors.NetworkError("refused"),
                                   errors.RequestTimeout("read")])
def test_rate_limits_and_no_answer_at_all_hold_back_the_whole_account(error):
    assert classify(error).hold_all is True


def test_backoff_doubles_per_attempt():
    assert [backoff_delay(n, base=5, cap=1000) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]


def test_backoff_is_capped():
    assert backoff_delay(50) == BACKOFF_CAP
    assert backoff_delay(10**6) == BACKOFF_CAP


def test_backoff_of_attempt_zero_or_less_is_the_base():
    assert backoff_delay(0, base=5) == backoff_delay(-3, base=5) == 5.0


def test_backoff_jitter_adds_at_most_a_quarter_and_respects_the_cap():
    assert backoff_delay(2, base=5, cap=1000, rand=lambda: 1.0) == 12.5
    assert backoff_delay(2, base=5, cap=1000, rand=lambda: 0.0) == 10.0
    assert backoff_delay(30, base=5, cap=1000, rand=lambda: 1.0) == 1000.0


# -- pacing ----------------------------------------------------------------------------


def test_first_post_goes_at_once():
    assert Pacer().wait(100.0) == 0.0


def test_posts_are_at_least_one_second_apart():
    pacer = Pacer()
    pacer.sent(100.0)
    assert pacer.wait(100.0) == 1.0
    assert pacer.wait(100.4) == pytest.approx(0.6)
    assert pacer.wait(101.0) == 0.0


def test_hold_until_delays_the_next_post():
    pacer = Pacer()
    pacer.sent(100.0)
    pacer.hold_until(120.0)
    assert pacer.wait(101.0) == pytest.approx(19.0)


def test_a_post_during_a_hold_does_not_shorten_it():
    pacer = Pacer()
    pacer.hold_until(120.0)
    pacer.sent(100.0)
    assert pacer.wait(110.0) == pytest.approx(10.0)


# -- newest wins on the way out --------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    created: float
    body: Dict[str, Any]


T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
MOVIE_BODY = scrobble_body(MOVIE, 20.0)


def _activities(movies=None, tv=None, anime=None):
    return Activities(all=None, playback={"movies": movies, "tv_shows": tv, "anime": anime})


def _simkl_pause(paused_at, progress=60.0, imdb="tt1375666"):
    return parse_playbacks([{"id": 1, "progress": progress, "paused_at": paused_at, "type": "movie",
                             "movie": {"title": "Inception", "ids": {"imdb": imdb, "simkl": 5}}}])[0]


def test_only_an_event_that_waited_is_checked_against_simkl():
    assert not needs_remote_check(Queued(T0, MOVIE_BODY), T0 + 30)
    assert needs_remote_check(Queued(T0, MOVIE_BODY), T0 + 31)


def test_an_event_from_before_the_senders_start_is_checked_however_young():
    assert needs_remote_check(Queued(T0, MOVIE_BODY), T0 + 5, started=T0 + 3)       # waited across a restart
    assert not needs_remote_check(Queued(T0 + 3, MOVIE_BODY), T0 + 5, started=T0 + 3)
    assert not needs_remote_check(Queued(T0, MOVIE_BODY), T0 + 5, started=None)


def test_an_item_bucket_that_moved_after_the_event_was_queued_means_look_closer():
    assert moved_since(_activities(movies="2023-11-14T22:13:21Z"), MOVIE_BODY, T0)
    assert not moved_since(_activities(movies="2023-11-14T22:13:20Z"), MOVIE_BODY, T0)
    assert not moved_since(_activities(tv="2030-01-01T00:00:00Z"), MOVIE_BODY, T0)  # another bucket
    assert not moved_since(_activities(), MOVIE_BODY, T0)


def test_an_episode_sent_as_show_looks_at_the_anime_bucket_too():
    body = scrobble_body(EPISODE, 20.0)
    assert moved_since(_activities(anime="2030-01-01T00:00:00Z"), body, T0)


def test_an_unreadable_activity_timestamp_counts_as_moved():
    assert moved_since(_activities(movies="yesterday"), MOVIE_BODY, T0)


def test_a_position_saved_after_the_event_was_queued_supersedes_it_and_an_older_one_does_not():
    newer = _simkl_pause("2023-11-14T22:13:21Z")
    assert newer_remote(MOVIE_BODY, T0, [newer]) is newer
    assert newer_remote(MOVIE_BODY, T0, [_simkl_pause("2023-11-14T22:13:20Z")]) is None  # equal: not newer
    assert newer_remote(MOVIE_BODY, T0, [_simkl_pause("2023-11-14T22:13:21Z", imdb="tt0000001")]) is None


# -- parking ---------------------------------------------------------------------------


def test_an_event_is_parked_only_after_enough_own_failures_over_enough_time():
    assert should_park(MAX_FAILURES, T0, T0 + PARK_AFTER)
    assert not should_park(MAX_FAILURES - 1, T0, T0 + 10 * PARK_AFTER)   # not enough failures
    assert not should_park(10 * MAX_FAILURES, T0, T0 + PARK_AFTER - 1)  # a short outage
    assert not should_park(MAX_FAILURES, None, T0 + 10 * PARK_AFTER)


def test_parking_waits_at_least_a_day_and_ten_failures():
    assert (MAX_FAILURES, PARK_AFTER) == (10, 86400.0)
