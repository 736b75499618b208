"""Push in a real household (issue 12, player side), on the fake Kodi taught what real Kodi 20.1
does: Next / Player.Open mid-play fire NO stop for the item left, a killed Kodi sends nothing,
a trailer plays with the movie's info tag, one file can hold two episodes.

Each test: fake Kodi player -> ScrobblePush -> outbox -> sender -> the Simkl stand-in.
"""
import json

import pytest

from simkl_resume.core import scrobble
from tests.fakekodi import FakeKodi, install
from tests.test_push import (  # noqa: F401 - standin is a fixture
    EPISODE_LEN,
    MOVIE_IDS,
    MOVIE_LEN,
    SHOW_IDS,
    TOKEN,
    Harness,
    _seed,
    movie,
    playbacks_of,
    standin,
)

RONIN_IDS = {"imdb": "tt0122690"}


@pytest.fixture
def harness(kodi, standin):  # noqa: F811
    h = Harness(kodi, standin)
    yield h
    h.close()


def sent(harness):
    """(action, title, progress) of every scrobble Simkl accepted, in order."""
    out = []
    for action, body in harness.scrobbles():
        what = body.get("movie") or body.get("show")
        title = what["title"]
        if "episode" in body:
            title += " S%02dE%02d" % (body["episode"]["season"], body["episode"]["number"])
        out.append((action, title, round(body["progress"], 1)))
    return out


def held(standin):  # noqa: F811
    """(title, rounded progress) of every playback Simkl holds."""
    out = []
    for p in standin.state()["playbacks"]:
        title = (p.get("movie") or p.get("show"))["title"]
        if p.get("episode"):
            title += " S%02dE%02d" % (p["episode"]["season"], p["episode"].get("number") or
                                      p["episode"].get("episode"))
        out.append((title, round(p["progress"])))
    return sorted(out)


def two_movies(kodi):
    return movie(kodi), movie(kodi, "Ronin", dict(RONIN_IDS))


# -- 1. item transitions without a stop ---------------------------------------------------------
def test_fake_kodi_fires_no_stop_for_the_item_left_by_next(kodi):
    import xbmc

    class Recorder(xbmc.Player):
        def __init__(self):
            super().__init__()
            self.events = []

        def _ev(self, name):
            self.events.append((name, self.getPlayingFile(), self.getTime()))

        def onPlayBackStarted(self):
            self._ev("started")

        def onAVStarted(self):
            self._ev("av")

        def onPlayBackResumed(self):
            self._ev("resumed")

        def onPlayBackStopped(self):
            self.events.append(("stopped", None))

        def onPlayBackEnded(self):
            self.events.append(("ended", None))

    heat, ronin = two_movies(kodi)
    recorder = Recorder()
    kodi.player.play_playlist([("movie", heat), ("movie", ronin)])
    kodi.clock.advance(60)
    recorder.events.clear()
    kodi.player.next()
    heat_file, ronin_file = kodi.library.movies[heat]["file"], kodi.library.movies[ronin]["file"]
    # The old file's name with the NEW item's time until onPlayBackStarted: a sample taken then
    # is not Heat's position (real Kodi 19.1/20.1 sent Heat's stop at 0 % that way).
    assert recorder.events == [("resumed", heat_file, 0.0), ("started", ronin_file, 0.0),
                               ("av", ronin_file, 0.0)]


def test_next_in_playlist_keeps_previous_position(kodi, harness, standin):  # noqa: F811
    heat, ronin = two_movies(kodi)
    kodi.player.play_playlist([("movie", heat), ("movie", ronin)])
    kodi.clock.advance(0.5 * MOVIE_LEN)
    kodi.player.next()
    harness.run(30)
    harness.deliver()
    assert sent(harness)[-2:] == [("stop", "Heat", 50.0), ("start", "Ronin", 0.0)]
    assert held(standin) == [("Heat", 50)]


def test_previous_in_playlist_keeps_the_position_of_the_item_left(kodi, harness, standin):  # noqa: F811
    heat, ronin = two_movies(kodi)
    kodi.player.play_playlist([("movie", heat), ("movie", ronin)])
    kodi.clock.advance(0.1 * MOVIE_LEN)
    kodi.player.next()
    kodi.clock.advance(2)                 # Kodi's "previous" goes back only in the first 3 s
    kodi.player.previous()
    kodi.clock.advance(0.3 * MOVIE_LEN)
    kodi.player.stop()
    harness.deliver()
    assert held(standin) == [("Heat", 30), ("Ronin", 0)]


def test_player_open_mid_play_keeps_the_previous_items_position(kodi, harness, standin):  # noqa: F811
    import xbmc

    heat, ronin = two_movies(kodi)
    kodi.player.play_movie(heat)
    kodi.clock.advance(0.42 * MOVIE_LEN)
    # A widget or a remote opens another library item while Heat plays: no stop for Heat.
    xbmc.executeJSONRPC(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "Player.Open",
                                    "params": {"item": {"movieid": ronin}}}))
    kodi.clock.settle()
    kodi.clock.advance(0.2 * MOVIE_LEN)
    kodi.player.pause()
    harness.deliver()
    assert held(standin) == [("Heat", 42), ("Ronin", 20)]
    assert ("stop", "Heat", 42.0) in sent(harness)


def test_next_past_80_percent_marks_the_item_left_watched(kodi, harness, standin):  # noqa: F811
    heat, ronin = two_movies(kodi)
    kodi.player.play_playlist([("movie", heat), ("movie", ronin)], at=0.85 * MOVIE_LEN)
    kodi.clock.advance(0.05 * MOVIE_LEN)
    kodi.player.next()
    harness.deliver()
    assert ("stop", "Heat", 90.0) in sent(harness)
    assert [h["title"] for h in standin.state()["history"]] == ["Heat"]
    assert held(standin) == []  # Ronin only started


def test_playlist_advancing_at_the_end_sends_the_finished_item_as_watched(kodi, harness, standin):  # noqa: F811
    heat, ronin = two_movies(kodi)
    kodi.player.play_playlist([("movie", heat), ("movie", ronin)], at=MOVIE_LEN - 20)
    kodi.clock.advance(30)
    kodi.clock.advance(0.25 * MOVIE_LEN)
    kodi.player.pause()
    harness.deliver()
    assert ("stop", "Heat", 100.0) in sent(harness)
    assert [h["title"] for h in standin.state()["history"]] == ["Heat"]
    assert held(standin) == [("Ronin", 25)]


def test_menu_started_item_left_by_next_gets_its_own_position_in_the_library(kodi, harness, standin):  # noqa: F811
    import xbmcgui

    heat, ronin = two_movies(kodi)
    heat_file = kodi.library.movies[heat]["file"]
    xbmcgui.Window(10000).setProperty("plugin.video.simkl.resume.menu_play", json.dumps(
        {"file": heat_file, "dbid": heat, "type": "movie", "playback_id": 7, "at": kodi.clock.now()}))
    kodi.player.play_playlist([heat_file, ("movie", ronin)])
    kodi.clock.advance(0.6 * MOVIE_LEN)
    kodi.player.next()
    resume = kodi.library.movies[heat]["resume"]
    assert abs(resume["position"] - 0.6 * MOVIE_LEN) <= 2
    harness.deliver()
    assert ("Heat", 60) in held(standin)


# -- 2. power cut while watching ----------------------------------------------------------------
def _restart(tmp_path, standin, library):  # noqa: F811
    """Kodi comes back on the same profile after a kill: a new fake Kodi, the same library."""
    kodi = install(FakeKodi(tmp_path))
    library(kodi)
    return kodi, Harness(kodi, standin, signed_in=False)


def test_killed_while_playing_keeps_the_position_on_simkl_and_in_the_library(tmp_path, kodi, standin):  # noqa: F811
    first = Harness(kodi, standin)
    standin.fault("hang", path="/scrobble/", method="POST", times=1000, hang_seconds=2, then="close")

    def library(k):
        return movie(k)

    heat = library(kodi)
    kodi.player.play_movie(heat)
    kodi.clock.advance(5)
    kodi.player.seek(0.4 * MOVIE_LEN)
    first.run(47)                       # plays on; every request hangs, nothing reaches Simkl
    truth = kodi.player.position()
    kodi.kill()                         # power cut: no stop, no bookmark
    assert standin.state()["playbacks"] == []
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0

    standin.clear_faults()
    kodi2, second = _restart(tmp_path, standin, library)
    try:
        second.deliver()
        (playback,) = standin.state()["playbacks"]
        lost = truth - playback["progress"] / 100.0 * MOVIE_LEN
        assert playback["movie"]["title"] == "Heat" and 0 <= lost <= 30, lost
        assert sent(second)[-1][0] == "pause"           # never a dangling start
        resume = kodi2.library.movies[heat]["resume"]
        assert 0 <= truth - resume["position"] <= 30 and resume["total"] == MOVIE_LEN
        assert "Kodi stopped while" in kodi2.log_text()
        assert not (tmp_path / "kodi-home").joinpath(
            "userdata", "addon_data", "plugin.video.simkl.resume", "playing.json").exists()
    finally:
        second.close()


def _heat_started_then_killed(kodi, standin, play_for):  # noqa: F811
    """Heat played from 30 %, its start delivered, `play_for` s more, then Kodi killed: the
    actions Simkl accepted, the position at the kill, Kodi's clock at the kill."""
    first = Harness(kodi, standin)
    kodi.player.play_movie(movie(kodi), at=0.3 * MOVIE_LEN)
    first.deliver()
    first.run(play_for)
    accepted = [a for a, _, _ in sent(first)]
    truth, killed_at = kodi.player.position(), kodi.clock.now()
    kodi.kill()
    return accepted, truth, killed_at


def test_killed_after_the_start_was_delivered_replaces_it_with_a_pause(tmp_path, kodi, standin):  # noqa: F811
    accepted, truth, _ = _heat_started_then_killed(kodi, standin, 60)
    assert accepted == ["start"]   # Simkl: "watching", no saved position
    kodi2, second = _restart(tmp_path, standin, movie)
    try:
        second.deliver()
        assert sent(second)[-1][:2] == ("pause", "Heat")
        (playback,) = standin.state()["playbacks"]
        assert 0 <= truth - playback["progress"] / 100.0 * MOVIE_LEN <= 30
    finally:
        second.close()


def test_killed_and_back_within_seconds_keeps_a_newer_position_another_device_saved_meanwhile(
        tmp_path, kodi, make_standin):
    """A crash with an automatic restart (LibreELEC's kodi.service, a TV box's watchdog) is back
    in seconds: the recovery pause is younger than the sender's 30 s staleness rule, yet it
    waited across the restart. The bedroom Kodi paused the same film after the last checkpoint:
    its position is newer and stays (real Kodi 20.1: a recovery pause 2 s after the restart
    replaced another device's newer 70 %)."""
    server = make_standin().server
    _seed(server)
    _, _, killed_at = _heat_started_then_killed(kodi, server, 20)
    server.set_now(killed_at + 5)                         # the bedroom Kodi, 5 s after the crash
    server.add_playback({"movie": {"ids": dict(MOVIE_IDS)}, "progress": 70.0, "user": TOKEN})
    server.set_now(killed_at + 10)                        # this Kodi is back 10 s after the crash
    kodi2 = install(FakeKodi(tmp_path, start_time=killed_at + 10))
    movie(kodi2)
    second = Harness(kodi2, server, signed_in=False)
    try:
        second.deliver()
        assert held(server) == [("Heat", 70)]              # the newer position stays
        assert [a for a, _, _ in sent(second)] == ["start"]  # the first Kodi's start only
        assert "Simkl holds a newer position" in kodi2.log_text()
        assert "Kodi stopped while" in kodi2.log_text()    # the recovery pause was made, not sent
    finally:
        second.close()


def test_checkpoint_is_written_at_most_every_few_seconds_and_cleared_by_a_stop(kodi, harness):
    heat = movie(kodi)
    path = harness.ctx.checkpoint.path
    kodi.player.play_movie(heat)
    saved = []
    for _ in range(60):
        harness.run(1)
        record = harness.ctx.checkpoint.load()
        saved.append(record["at"] if record else None)
    writes = sorted(set(saved))
    assert len(writes) <= 60 / 10.0 + 1          # a local write every 10 s of play, not every second
    assert all(b - a <= 10.0 for a, b in zip(writes, writes[1:]))
    kodi.player.pause()
    assert harness.ctx.checkpoint.load()["state"] == scrobble.PAUSED
    kodi.player.stop()
    import os

    assert not os.path.exists(path)


# -- 5. length is not identity ------------------------------------------------------------------
def test_short_library_episode_is_scrobbled_whatever_its_length(kodi, harness, standin):  # noqa: F811
    showid = kodi.library.add_show("Breaking Bad", 2008, dict(SHOW_IDS))
    short = kodi.library.add_episode(showid, 1, 1, duration=240.0)   # a 4-minute episode
    kodi.player.play_episode(short)
    kodi.clock.advance(96)
    kodi.player.pause()
    harness.deliver()
    assert held(standin) == [("Breaking Bad S01E01", 40)]


def test_trailer_with_the_movies_tag_and_dbid_is_not_scrobbled(kodi, harness, standin):  # noqa: F811
    import xbmc

    heat = movie(kodi, trailer="/media/movies/Heat (1995)/Heat-trailer.mkv")
    kodi.player.play_trailer(heat, duration=400.0)   # longer than the threshold: length is no help
    tag = xbmc.Player().getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType()) == (heat, "movie")   # what Kodi hands us
    kodi.clock.advance(400)                         # played to its end
    harness.run(3)
    assert harness.ctx.outbox.count() == 0 and standin.requests("/scrobble/") == []
    assert "skipped (trailer or extra)" in kodi.log_text()
    kodi.player.play_trailer(heat, path="/media/movies/Heat (1995)/Extras/Making of.mkv", duration=900)
    kodi.player.stop()
    harness.run(3)
    assert standin.requests("/scrobble/") == []
    kodi.player.play_movie(heat)                    # the movie itself still is
    harness.deliver()
    assert sent(harness) == [("start", "Heat", 0.0)]


# -- 6. multi-episode files ---------------------------------------------------------------------
def test_multi_episode_file_sends_progress_to_the_episode_the_position_is_in(kodi, harness, standin):  # noqa: F811
    showid = kodi.library.add_show("Breaking Bad", 2008, dict(SHOW_IDS))
    both = "/media/tv/Breaking Bad/S01E01E02.mkv"
    e1 = kodi.library.add_episode(showid, 1, 1, file=both, duration=2 * EPISODE_LEN)
    kodi.library.add_episode(showid, 1, 2, file=both, duration=2 * EPISODE_LEN)
    kodi.player.play_episode(e1)
    kodi.clock.advance(0.5 * EPISODE_LEN)          # half of the first episode
    kodi.player.pause()
    harness.deliver()
    assert held(standin) == [("Breaking Bad S01E01", 50)]
    kodi.player.resume()
    kodi.clock.advance(EPISODE_LEN)                # now half into the second one
    harness.run(2)
    kodi.player.pause()
    harness.deliver()
    assert ("stop", "Breaking Bad S01E01", 100.0) in sent(harness)
    assert [h["title"] for h in standin.state()["history"]] == ["Breaking Bad"]
    assert held(standin) == [("Breaking Bad S01E02", 50)]
    kodi.player.stop()
    harness.deliver()
    assert held(standin) == [("Breaking Bad S01E02", 50)]


YT = "plugin://plugin.video.youtube/play/?video_id="


@pytest.mark.parametrize("path, trailer, extra", [
    ("/m/Heat (1995)/Heat (1995)-trailer.mkv", "", True),
    ("/m/Heat (1995)/Extras/Making of.mkv", "", True),
    ("/m/Heat (1995)/featurettes/Shootout.mkv", "", True),
    (YT + "abc", YT + "abc", True),
    ("/tv/Trailer Park Boys/S01E01.mkv", "", False),
    ("/m/The Trailer (2010)/The Trailer (2010).mkv", "", False),
    ("/m/Extraction (2020)/Extraction (2020).mkv", "", False),
    (YT + "other", YT + "abc", False),
])
def test_trailers_and_extras_are_recognised_by_their_file_not_their_title(kodi, path, trailer, extra):
    from simkl_resume.kodi.playing import is_extra

    assert is_extra(path, trailer) is extra


# -- the switch race, callback by callback (what real Kodi 21.2 once did) -----------------------
class _Sender:
    next_due = None
    parked = 0
    waiting = 0

    def start(self):
        pass

    def stop(self, timeout=1.0):
        pass

    def wake(self):
        pass

    def take_due(self, now):
        return False


class _Player:
    """A scripted xbmc.Player as kodi/player.PushPlayer wraps it."""

    def __init__(self):
        self.file, self.time, self.total = "", None, MOVIE_LEN

    def sample_time(self):
        return self.time

    def total_time(self):
        return self.total

    def playing_file(self):
        return self.file

    def info_tag(self):
        return None


class _Settings:
    def get_bool(self, setting_id):
        return True

    def get_int(self, setting_id):
        return 0

    def set_str(self, setting_id, value):
        pass


class _Library:
    def read_menu_marker(self):
        return None


def test_a_tick_between_kodis_resume_and_started_callbacks_does_not_move_the_item_left(tmp_path):
    """Real Kodi 21.2: Next fired onPlayBackResumed; a service tick ran before onPlayBackStarted
    was delivered and read the NEXT item's time while getPlayingFile() still named the old file;
    a second tick agreed with it. The item left must still stop at its own position."""
    from simkl_resume.context import AddonContext
    from simkl_resume.core.ids import PlayingItem
    from simkl_resume.kodi.playing import NowPlaying
    from simkl_resume.service.push import ScrobblePush

    now = [1000.0]
    ctx = AddonContext(str(tmp_path), "0.1.0", now=lambda: now[0])
    ctx.account.sign_in("tok-switch-race", name="alice")
    player = _Player()
    playing = {}

    def identify(_player):
        title, ids = playing["item"]
        item = PlayingItem.from_kodi({"type": "movie", "title": title, "year": 1995, "uniqueid": ids})
        return NowPlaying(item, False, player.file, "movie", 1, "library", "", True)

    push = ScrobblePush(ctx, player_factory=lambda handler: player, identify=identify, settings=_Settings(),
                        library=_Library(), sender=_Sender(), log=lambda level, message: None)
    push.start()
    player.file, player.time, playing["item"] = "/m/heat.mkv", 0.0, ("Heat", dict(MOVIE_IDS))
    push.on_playback_started()
    push.on_av_started()
    for second in range(1, 3001):                     # Heat plays to 50 %
        now[0] += 1.0
        player.time = float(second)
        push.tick(now[0])
    push.on_resumed()                                 # Kodi switches to Ronin: no stop for Heat
    for delay in (0.1, 0.6, 1.2, 2.0, 2.9):           # ticks while getPlayingFile() is stale
        player.time = delay
        push.tick(now[0] + delay)
    now[0] += 3.0
    push.on_playback_started()
    player.file, player.time, playing["item"] = "/m/ronin.mkv", 3.0, ("Ronin", dict(RONIN_IDS))
    push.on_av_started()
    queued = [(e.action, e.body["movie"]["title"], e.body["progress"]) for e in ctx.outbox.all()]
    assert ("stop", "Heat", 50.0) in queued, queued
    assert queued[-1][:2] == ("start", "Ronin")
