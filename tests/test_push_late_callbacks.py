"""Push when Kodi's callbacks come late or getTime() lags behind a seek (issue 12: whatever
happens on this Kodi, Simkl ends with the position where the picture last was).

Real Kodi 20.1 (tests/realkodi/test_push_late_callbacks.py):
- a service's Player callbacks run only while its main thread is inside a Kodi wait; while it
  cannot run (busy, or another addon holding the GIL) they queue up and run seconds later,
  reading the player as it is THEN - 0.1.0 queued "pause 0.00 %, stop 0.00 %" for a movie paused
  at 40 % because its late onPlayBackPaused read getTime() of the episode played next;
- onPlayBackSeek fires when the seek is asked, and getTime() keeps the position from before the
  seek until the player has moved (0.6 s idle, longer under load).
The fake Kodi does both (kodi.busy(), PlayerState.seek_latency).
"""
import re

import pytest

from tests.test_push import (  # noqa: F401 - standin is a fixture
    EPISODE_LEN,
    MOVIE_LEN,
    SHOW_IDS,
    Harness,
    movie,
    playbacks_of,
    standin,
)

QUEUED = re.compile(r"scrobble: queued (start|pause|stop) (\S+) ([\d.]+)%")


@pytest.fixture
def harness(kodi, standin):  # noqa: F811
    h = Harness(kodi, standin)
    yield h
    h.close()


def queued(kodi, key_part="movie:"):
    """(action, progress) of every event push queued for items whose key has `key_part`."""
    out = []
    for _level, message in kodi.logs:
        found = QUEUED.search(message)
        if found and key_part in found.group(2):
            out.append((found.group(1), round(float(found.group(3)), 1)))
    return out


def episode(kodi):
    showid = kodi.library.add_show("Breaking Bad", 2008, dict(SHOW_IDS), default_id="tvdb")
    return kodi.library.add_episode(showid, 1, 2, uniqueid={"tvdb": "349235"}, duration=EPISODE_LEN)


def held_progress(standin, title):  # noqa: F811
    return [round(p["progress"], 1) for p in playbacks_of(standin, title)]


# -- callbacks that run late -------------------------------------------------------------------
def test_pause_handled_after_the_next_item_started_keeps_the_paused_position(kodi, harness, standin):  # noqa: F811
    """The 0.1.0 failure on real Kodi: seek to 40 %, pause, stop, the next item plays - all while
    the service's thread cannot run. The late pause must not take the next item's getTime()."""
    movieid, episodeid = movie(kodi), episode(kodi)
    kodi.player.play_movie(movieid)
    kodi.clock.advance(3)
    with kodi.busy():
        kodi.player.seek(0.4 * MOVIE_LEN)
        kodi.clock.advance(2)
        kodi.player.pause()
        kodi.clock.advance(1)
        kodi.player.stop()
        kodi.player.play_episode(episodeid)
        kodi.clock.advance(1)
    assert queued(kodi)[-3:] == [("start", 40.0), ("pause", 40.0), ("stop", 40.0)]
    harness.deliver()
    assert held_progress(standin, "Heat") == [40.0]


# -- getTime() behind a seek --------------------------------------------------------------------
def test_sample_taken_while_a_seek_is_under_way_does_not_replace_the_seek_target(kodi, harness,
                                                                                 standin):  # noqa: F811
    """A tick reads getTime() while the seek is under way (where the seek started); the stop
    comes late, when getTime() can no longer be read: the stop is at the target, not there."""
    movieid, episodeid = movie(kodi), episode(kodi)
    kodi.player.seek_latency = 2.5  # a loaded machine: at least two ticks inside the seek
    kodi.player.play_movie(movieid)
    kodi.clock.advance(10)
    kodi.player.seek(0.4 * MOVIE_LEN)
    kodi.clock.advance(2)  # the service ticks: getTime() still says 10-ish s
    with kodi.busy():
        kodi.clock.advance(3)
        kodi.player.stop()
        kodi.player.play_episode(episodeid)
    assert queued(kodi)[-1] == ("stop", 40.0)
    harness.deliver()
    assert held_progress(standin, "Heat") == [40.0]


def test_pause_right_after_a_seek_is_at_the_seek_target(kodi, harness, standin):  # noqa: F811
    """Seek then pause within 100 ms, stop a moment later: getTime() in onPlayBackPaused still
    says where the seek started, but the picture stops at the target."""
    movieid = movie(kodi)
    kodi.player.play_movie(movieid)
    kodi.clock.advance(10)
    kodi.player.seek(0.4 * MOVIE_LEN)
    kodi.clock.advance(0.1)
    kodi.player.pause()
    assert queued(kodi)[-1] == ("pause", 40.0)
    kodi.clock.advance(0.2)
    kodi.player.stop()
    assert queued(kodi)[-1] == ("stop", 40.0)
    harness.deliver()
    assert held_progress(standin, "Heat") == [40.0]


def test_seek_that_kodi_does_not_carry_out_is_corrected_by_the_next_samples(kodi, harness):
    """The target is believed only while the seek can still be under way: when getTime() keeps
    saying the old place (Kodi refused or clamped the seek), the samples win again."""
    import xbmc

    movieid = movie(kodi)
    kodi.player.play_movie(movieid)
    kodi.clock.advance(60)
    # Kodi announces a seek it then does not carry out: the callback alone, the player stays
    kodi._fire_player("onPlayBackSeek", int(0.4 * MOVIE_LEN * 1000), int((0.4 * MOVIE_LEN - 60) * 1000))
    kodi.clock.settle()
    kodi.clock.advance(10)
    kodi.player.pause()
    assert xbmc.Player().getTime() == pytest.approx(70.0)
    assert queued(kodi)[-1] == ("pause", round(100.0 * 70 / MOVIE_LEN, 1))


# -- seeks while paused -------------------------------------------------------------------------
def test_seek_while_paused_reaches_simkl_once_the_position_stays_put(kodi, harness, standin):  # noqa: F811
    """Paused at 10 %, the user seeks (arrow key held: several steps) to 40 % and leaves Kodi
    paused there: one pause at 40 % once it stayed put, nothing per step."""
    movieid = movie(kodi)
    kodi.player.play_movie(movieid, at=0.1 * MOVIE_LEN)
    kodi.player.pause()
    harness.deliver()
    for percent in (20, 30, 40):
        kodi.player.seek(percent / 100.0 * MOVIE_LEN)
        kodi.clock.advance(1)
    assert queued(kodi)[-1] == ("pause", 10.0)  # nothing per step
    harness.run(10)
    assert queued(kodi)[-1] == ("pause", 40.0)
    assert [a for a, _ in queued(kodi)].count("pause") == 2
    harness.deliver()
    assert held_progress(standin, "Heat") == [40.0]
