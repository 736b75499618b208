"""core.scrobble: multi-episode files, the length rule and the checkpoint snapshot (issue 12)."""
import json

from simkl_resume.core.scrobble import PAUSE, PAUSED, START, STOP, Part, PlayerSession, episode_parts
from simkl_resume.store.checkpoint import PlayingCheckpoint

SHOW = {"title": "Breaking Bad", "ids": {"tvdb": 81189}}
E1 = {"show": SHOW, "episode": {"season": 1, "number": 1}}
E2 = {"show": SHOW, "episode": {"season": 1, "number": 2}}
MOVIE = {"movie": {"title": "Heat", "ids": {"imdb": "tt0113277"}}}


def summary(actions):
    return [(a.action, a.body["episode"]["number"], a.progress) for a in actions]


def test_episode_parts_split_in_proportion_to_known_runtimes_else_equally():
    assert episode_parts([(E1, 1200), (E2, 2400)], 3000.0) == [Part(E1, 0.0, 1000.0),
                                                               Part(E2, 1000.0, 3000.0)]
    assert episode_parts([(E1, 0), (E2, 2400)], 3000.0) == [Part(E1, 0.0, 1500.0), Part(E2, 1500.0, 3000.0)]
    assert episode_parts([(E1, 10), (E2, 10)], 0) == []


def test_position_in_the_first_part_goes_to_the_first_episode():
    session = PlayerSession()
    parts = episode_parts([(E1, 0), (E2, 0)], 2000.0)
    assert summary(session.av_started(E1, 2000.0, 0.0, library_file=True, parts=parts)) == [(START, 1, 0.0)]
    assert summary(session.paused(500.0)) == [(PAUSE, 1, 50.0)]


def test_crossing_into_the_second_part_marks_the_first_watched_and_starts_the_second():
    session = PlayerSession()
    session.av_started(E1, 2000.0, 900.0, library_file=True, parts=episode_parts([(E1, 0), (E2, 0)], 2000.0))
    assert summary(session.tick(1100.0)) == [(STOP, 1, 100.0), (START, 2, 10.0)]
    assert summary(session.paused(1500.0)) == [(PAUSE, 2, 50.0)]
    assert summary(session.stopped()) == [(STOP, 2, 50.0)]


def test_seeking_back_into_the_first_part_stops_the_second_at_its_progress():
    session = PlayerSession()
    session.av_started(E1, 2000.0, 1400.0, library_file=True, parts=episode_parts([(E1, 0), (E2, 0)], 2000.0))
    assert summary(session.seeked(200.0)) == [(STOP, 2, 40.0), (START, 1, 20.0)]


def test_seek_across_parts_while_paused_only_closes_the_part_left():
    session = PlayerSession()
    session.av_started(E1, 2000.0, 100.0, library_file=True, parts=episode_parts([(E1, 0), (E2, 0)], 2000.0))
    session.paused(100.0)
    assert summary(session.seeked(1500.0)) == [(STOP, 1, 100.0)]
    assert session.state == PAUSED
    assert summary(session.resumed(1500.0)) == [(START, 2, 50.0)]


def test_a_library_file_is_sent_whatever_its_length_a_short_other_file_is_not():
    assert PlayerSession().av_started(MOVIE, 60.0, 0.0, library_file=True) != []
    session = PlayerSession()
    assert session.av_started(MOVIE, 60.0, 0.0) == [] and session.skip_reason == "too short"


def test_a_trailer_or_extra_is_never_sent_even_when_long():
    session = PlayerSession()
    assert session.av_started(MOVIE, 7200.0, 0.0, extra=True) == []
    assert session.skip_reason == "trailer or extra"


def test_snapshot_holds_the_item_on_screen_with_its_progress():
    session = PlayerSession()
    assert session.snapshot() is None
    session.av_started(E1, 2000.0, 1500.0, library_file=True, parts=episode_parts([(E1, 0), (E2, 0)], 2000.0))
    snap = session.snapshot()
    assert snap["body"] == dict(E2, progress=50.0)
    assert snap["position"] == 1500.0 and snap["duration"] == 2000.0
    session.stopped()
    assert session.snapshot() is None


def test_checkpoint_file_has_a_version_and_a_newer_one_is_left_alone(tmp_path):
    logs = []
    store = PlayingCheckpoint(str(tmp_path / "playing.json"), log=logs.append)
    assert store.load() is None
    store.save({"body": dict(MOVIE, progress=40.0), "position": 2400.0})
    assert json.loads((tmp_path / "playing.json").read_text())["v"] == 1
    assert store.load()["position"] == 2400.0
    (tmp_path / "playing.json").write_text(json.dumps({"v": 2, "playing": {"body": {}}}))
    assert store.load() is None and "newer" in logs[-1]          # a downgrade: kept aside
    (tmp_path / "playing.json").write_text("{half a fi")
    assert store.load() is None and "damaged" in logs[-1]
    store.clear()
    store.clear()
    assert not (tmp_path / "playing.json").exists()
