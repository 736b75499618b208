"""mirror.ResumeMirror on the fake Kodi: Simkl playbacks -> the library's own resume points."""
import calendar
import json
import time

from tests.fakekodi.library import stream_details
from tests.test_menu_support import build_list, episode_playback, movie_playback, plugin_ctx, store_playbacks

SET_METHODS = ("VideoLibrary.SetMovieDetails", "VideoLibrary.SetEpisodeDetails")


def _stamp(epoch):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))  # Kodi writes local time


def _setup(kodi, playbacks):
    from simkl_resume.service.mirror import ResumeMirror

    ctx = plugin_ctx()
    ctx.now = kodi.clock.now
    store_playbacks(ctx, playbacks)
    build_list(ctx)
    kodi.jsonrpc_calls.clear()
    return ctx, ResumeMirror(ctx)


def _repull(ctx, kodi, playbacks):
    store_playbacks(ctx, playbacks)
    build_list(ctx)
    kodi.jsonrpc_calls.clear()


def _sets(kodi):
    return [(m, p) for m, p in kodi.jsonrpc_calls if m in SET_METHODS]


def _heat(kodi, **kw):
    kw.setdefault("streamdetails", stream_details(6000))
    return kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000, **kw)


HEAT = movie_playback(11, "Heat", 1995, {"imdb": "tt0113277"}, progress=40.0)


def test_simkl_newer_than_lastplayed_sets_the_library_resume_point(kodi):
    mid = _heat(kodi, lastplayed="2020-01-01 10:00:00")
    _ctx, mirror = _setup(kodi, [HEAT])
    assert mirror.sync() == 1
    assert kodi.library.movies[mid]["resume"] == {"position": 2400.0, "total": 6000.0}
    assert _sets(kodi) == [("VideoLibrary.SetMovieDetails",
                            {"movieid": mid, "resume": {"position": 2400.0, "total": 6000.0}})]


def test_local_lastplayed_newer_than_simkl_paused_at_keeps_the_local_point(kodi):
    mid = _heat(kodi, resume=(300, 6000), lastplayed=_stamp(HEAT["paused_epoch"] + 3600))
    _ctx, mirror = _setup(kodi, [HEAT])
    assert mirror.sync() == 0
    assert _sets(kodi) == []
    assert kodi.library.movies[mid]["resume"] == {"position": 300.0, "total": 6000.0}


def test_one_pass_reads_each_item_once_and_a_second_pass_writes_nothing(kodi):
    heat = _heat(kodi)
    kodi.library.add_movie("Alien", 1979, {"imdb": "tt0078748"}, runtime=7000,
                           streamdetails=stream_details(7000))
    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    ep = kodi.library.add_episode(show, 1, 2, runtime=0, duration=1440,
                                  streamdetails={"video": [{"duration": 1440}], "audio": [], "subtitle": []})
    playbacks = [HEAT, movie_playback(12, "Alien", 1979, {"imdb": "tt0078748"}, progress=10.0),
                 episode_playback(13, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 2, progress=50.0)]
    ctx, mirror = _setup(kodi, playbacks)
    assert mirror.sync() == 3
    methods = [m for m, _p in kodi.jsonrpc_calls]
    assert sorted(methods) == sorted(["VideoLibrary.GetMovieDetails"] * 2 + ["VideoLibrary.GetEpisodeDetails"]
                                     + ["VideoLibrary.SetMovieDetails"] * 2
                                     + ["VideoLibrary.SetEpisodeDetails"])
    assert kodi.library.episodes[ep]["resume"] == {"position": 720.0, "total": 1440.0}
    assert kodi.library.movies[heat]["resume"]["position"] == 2400.0
    kodi.jsonrpc_calls.clear()
    assert mirror.sync() == 0
    assert _sets(kodi) == [] and len(kodi.jsonrpc_calls) == 3
    # one playback moves on Simkl: only that item is written
    moved = dict(HEAT, progress=60.0, paused_epoch=HEAT["paused_epoch"] + 100)
    _repull(ctx, kodi, [moved] + playbacks[1:])
    assert mirror.sync() == 1
    assert _sets(kodi) == [("VideoLibrary.SetMovieDetails",
                            {"movieid": heat, "resume": {"position": 3600.0, "total": 6000.0}})]


def test_episode_without_any_known_duration_is_not_written(kodi):
    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    ep = kodi.library.add_episode(show, 1, 2, runtime=0)
    _ctx, mirror = _setup(kodi, [episode_playback(13, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 2)])
    assert mirror.sync() == 0
    assert kodi.library.episodes[ep]["resume"]["position"] == 0.0


def test_deleted_playback_clears_only_the_point_this_addon_wrote(kodi):
    heat = _heat(kodi)
    alien = kodi.library.add_movie("Alien", 1979, {"imdb": "tt0078748"}, runtime=7000, resume=(1234, 7000))
    ctx, mirror = _setup(kodi, [HEAT])
    mirror.sync()
    assert json.load(open(mirror.path))["written"]["movie:%d" % heat]["position"] == 2400.0
    _repull(ctx, kodi, [])  # deleted on Simkl
    assert mirror.sync() == 1
    assert _sets(kodi) == [("VideoLibrary.SetMovieDetails",
                            {"movieid": heat, "resume": {"position": 0, "total": 0}})]
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0
    assert kodi.library.movies[alien]["resume"] == {"position": 1234.0, "total": 7000.0}  # never ours
    assert json.load(open(mirror.path))["written"] == {}
    kodi.jsonrpc_calls.clear()
    assert mirror.sync() == 0 and kodi.jsonrpc_calls == []


def test_deleted_playback_keeps_the_point_when_the_user_played_locally_since(kodi):
    heat = _heat(kodi)
    ctx, mirror = _setup(kodi, [HEAT])
    mirror.sync()
    kodi.clock.advance(60)
    kodi.player.play_movie(heat, at=2400)   # "Resume from 40:00" in the library
    kodi.clock.advance(300)
    kodi.player.stop()                      # Kodi saves its own point at 2700 and lastplayed
    assert kodi.library.movies[heat]["resume"]["position"] == 2700.0
    _repull(ctx, kodi, [])
    assert mirror.sync() == 0
    assert _sets(kodi) == []
    assert kodi.library.movies[heat]["resume"]["position"] == 2700.0


def test_point_written_for_a_playback_stays_ours_across_passes_until_deleted(kodi):
    heat = _heat(kodi)
    ctx, mirror = _setup(kodi, [HEAT])
    mirror.sync()
    mirror.sync()
    _repull(ctx, kodi, [])
    assert mirror.sync() == 1
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0


def test_setting_off_writes_nothing(kodi):
    mid = _heat(kodi)
    kodi.set_setting("mirror_resume", False)
    _ctx, mirror = _setup(kodi, [HEAT])
    assert mirror.sync() == 0
    assert kodi.jsonrpc_calls == []
    assert kodi.library.movies[mid]["resume"]["position"] == 0.0


def test_chain_runs_every_subscriber_even_when_one_fails():
    from simkl_resume.service.mirror import chain

    seen = []

    def broken(playbacks):
        raise RuntimeError("boom")

    chain(broken, seen.append)(["p"])
    assert seen == [["p"]]


def _dst_setup(kodi, playback, now):
    """_setup on a fixed timeline (a PRO plan: 30 days of retention)."""
    from simkl_resume.service.mirror import ResumeMirror

    ctx = plugin_ctx(plan="pro")
    ctx.now = lambda: now
    store_playbacks(ctx, [playback])
    build_list(ctx)
    kodi.jsonrpc_calls.clear()
    return ResumeMirror(ctx)


# Berlin: summer time (CEST, +2) ended on 2026-10-25; "now" is 2026-11-10 (CET, +1).
NOVEMBER = calendar.timegm((2026, 11, 10, 12, 0, 0))


def test_summer_lastplayed_is_read_with_summer_time_in_winter(kodi, local_zone):
    # Played here on 2026-10-24 at 12:30 local (CEST) = 10:30 UTC; another device paused it at
    # 10:45 UTC the same day: Simkl is newer. Read with today's +1, the local play would look
    # like 11:30 UTC, newer than Simkl's, and the other device's position would be ignored.
    mid = _heat(kodi, resume=(300, 6000), lastplayed="2026-10-24 12:30:00")
    paused = calendar.timegm((2026, 10, 24, 10, 45, 0))
    mirror = _dst_setup(kodi, movie_playback(11, "Heat", 1995, {"imdb": "tt0113277"}, paused_epoch=paused),
                        NOVEMBER)
    assert mirror.sync() == 1
    assert kodi.library.movies[mid]["resume"] == {"position": 2400.0, "total": 6000.0}


def test_paused_before_a_summer_local_play_keeps_the_local_point(kodi, local_zone):
    mid = _heat(kodi, resume=(300, 6000), lastplayed="2026-10-24 12:30:00")
    paused = calendar.timegm((2026, 10, 24, 10, 15, 0))   # 12:15 CEST: before the local play
    mirror = _dst_setup(kodi, movie_playback(11, "Heat", 1995, {"imdb": "tt0113277"}, paused_epoch=paused),
                        NOVEMBER)
    assert mirror.sync() == 0
    assert kodi.library.movies[mid]["resume"]["position"] == 300.0


def test_scraper_runtime_alone_is_no_duration_the_item_is_left_alone(kodi):
    mid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)  # no stream details
    _ctx, mirror = _setup(kodi, [HEAT])
    assert mirror.sync() == 0
    assert kodi.library.movies[mid]["resume"]["position"] == 0.0


def test_expired_playback_is_not_mirrored_and_the_point_written_for_it_is_cleared(kodi):
    heat = _heat(kodi)
    ctx, mirror = _setup(kodi, [HEAT])
    assert mirror.sync() == 1
    # the same playback, now past the free plan's 7 days (Simkl has not dropped it yet)
    ctx.now = lambda: HEAT["paused_epoch"] + 7 * 86400 + 60
    assert mirror.sync() == 1
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0


# ----------------------------------------------------------------------------- a length read late

def _running_mirror(kodi, playbacks):
    """The mirror as the service runs it: its component on the loop, its worker, Kodi's clock."""
    from tests._service_rig import start_service

    ctx, mirror = _setup(kodi, playbacks)
    start_service(kodi, [mirror], workers=[mirror._worker])
    _settle(kodi, mirror, 1)
    return ctx, mirror


def _settle(kodi, mirror, seconds):
    for _ in range(int(seconds)):
        kodi.clock.advance(1)
        assert mirror._worker.wait_idle(10)


def test_item_kodi_has_not_read_yet_is_mirrored_once_kodi_knows_its_length(kodi):
    from simkl_resume.service.loop import MAX_WAIT
    from simkl_resume.service.mirror import RETRY_DELAYS

    # Kodi 19.1, a movie scanned moments ago: no resume total, no stream details until Kodi
    # reads the file (its list item drawn). Simkl's playbacks do not move again, so only the
    # mirror's own retry brings the position to Kodi.
    mid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    _ctx, mirror = _running_mirror(kodi, [HEAT])
    assert kodi.library.movies[mid]["resume"]["position"] == 0.0
    assert mirror.last_skipped == [("movie:%d" % mid, "no_duration")]

    kodi.library.read_file("movie", mid)
    _settle(kodi, mirror, RETRY_DELAYS[0] + MAX_WAIT)  # the loop sees the retry at its next tick
    assert kodi.library.movies[mid]["resume"] == {"position": 2400.0, "total": 6000.0}
    assert mirror.last_skipped == []


def test_item_without_a_length_is_retried_a_few_times_then_left_for_the_next_change(kodi):
    from simkl_resume.service.mirror import RETRY_DELAYS

    mid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    _ctx, mirror = _running_mirror(kodi, [HEAT])
    _settle(kodi, mirror, sum(RETRY_DELAYS) + 3600)
    reads = [p for m, p in kodi.jsonrpc_calls if m == "VideoLibrary.GetMovieDetails"]
    assert len(reads) == 1 + len(RETRY_DELAYS)   # the first pass, then one per delay: no more
    assert kodi.library.movies[mid]["resume"]["position"] == 0.0

    # the menu opens later, after Kodi read the file: the mirror looks again at once
    kodi.library.read_file("movie", mid)
    kodi.send_notification("plugin.video.simkl.resume", "Other.check", {})
    _settle(kodi, mirror, 1)
    assert kodi.library.movies[mid]["resume"] == {"position": 2400.0, "total": 6000.0}
