"""Issue 13 item 4: every copy counts. A film or an episode the library holds twice (4K and
1080p, two editions, two sources): the list entry plays the copy last played on this Kodi
(else the first), the mirror and the prompt apply to every copy."""
import pytest

from tests.fakekodi.library import stream_details
from tests.test_menu_support import build_list, episode_playback, movie_playback, plugin_ctx, store_playbacks

HEAT = {"imdb": "tt0113277", "tmdb": "949"}


def _two_heats(kodi):
    """The 1080p copy (100 min) and the 4K extended cut (110 min) of one film."""
    hd = kodi.library.add_movie("Heat", 1995, dict(HEAT), runtime=6000, file="/media/hd/Heat.mkv",
                                streamdetails=stream_details(6000))
    uhd = kodi.library.add_copy("movie", hd, "/media/4k/Heat.mkv", duration=6600,
                                streamdetails=stream_details(6600, 3840, 2160))
    return hd, uhd


def _entry(ctx):
    from simkl_resume.resume_cache import load_resume_list

    [entry] = load_resume_list(ctx.cache)["entries"]
    return entry


def test_fake_kodi_holds_two_copies_with_their_own_files_and_resume_points(kodi):
    hd, uhd = _two_heats(kodi)
    movies = kodi.jsonrpc.handle('{"jsonrpc": "2.0", "id": 1, "method": "VideoLibrary.GetMovies", '
                                 '"params": {"properties": ["uniqueid", "file"]}}')
    import json
    listed = json.loads(movies)["result"]["movies"]
    assert [(m["movieid"], m["uniqueid"]["imdb"], m["file"]) for m in listed] == [
        (hd, "tt0113277", "/media/hd/Heat.mkv"), (uhd, "tt0113277", "/media/4k/Heat.mkv")]
    kodi.player.play_movie(uhd)
    kodi.clock.advance(600)
    kodi.player.stop()
    assert kodi.library.movies[uhd]["resume"]["position"] == 600.0 and kodi.library.movies[uhd]["lastplayed"]
    assert kodi.library.movies[hd]["resume"]["position"] == 0.0 and not kodi.library.movies[hd]["lastplayed"]


def test_entry_plays_the_first_copy_when_none_was_played_here(kodi):
    hd, uhd = _two_heats(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(11, "Heat", 1995, HEAT)])
    build_list(ctx)
    entry = _entry(ctx)
    assert (entry["dbid"], entry["file"], entry["copies"]) == (hd, "/media/hd/Heat.mkv", [hd, uhd])


def test_entry_plays_the_copy_last_played_on_this_kodi(kodi):
    hd, uhd = _two_heats(kodi)
    kodi.player.play_movie(hd)
    kodi.clock.advance(300)
    kodi.player.stop()
    kodi.clock.advance(3600)
    kodi.player.play_movie(uhd)          # the 4K copy, later
    kodi.clock.advance(300)
    kodi.player.stop()
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(11, "Heat", 1995, HEAT, paused_epoch=kodi.clock.now() + 60)])
    build_list(ctx)
    entry = _entry(ctx)
    assert (entry["dbid"], entry["file"]) == (uhd, "/media/4k/Heat.mkv")
    assert entry["duration"] == 6600.0   # that copy's real length (its time left, its resume point)


def test_mirror_writes_every_copy_with_its_own_length(kodi):
    from simkl_resume.service.mirror import ResumeMirror

    hd, uhd = _two_heats(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(11, "Heat", 1995, HEAT, progress=40.0)])
    build_list(ctx)
    mirror = ResumeMirror(ctx)
    assert mirror.sync() == 2
    assert kodi.library.movies[hd]["resume"] == {"position": 2400.0, "total": 6000.0}
    assert kodi.library.movies[uhd]["resume"] == {"position": 2640.0, "total": 6600.0}
    store_playbacks(ctx, [])             # deleted on Simkl: both points were ours, both cleared
    build_list(ctx)
    assert mirror.sync() == 2
    assert kodi.library.movies[hd]["resume"]["position"] == 0.0
    assert kodi.library.movies[uhd]["resume"]["position"] == 0.0


def test_prompt_offers_the_position_on_the_copy_not_listed_too(kodi):
    from tests.test_prompt import Harness

    hd, uhd = _two_heats(kodi)
    h = Harness(kodi, [movie_playback(11, "Heat", 1995, HEAT, progress=40.0,
                                      paused_epoch=kodi.clock.now() - 600)])
    assert _entry(h.ctx)["dbid"] == hd
    kodi.answer("yesno", True)
    kodi.player.play_movie(uhd, at=0)
    h.idle()
    [dialog] = h.prompts()
    assert dialog["message"].startswith("Resume at 44:00")   # 40 % of the 4K cut's 110 min
    assert kodi.player.picture() == pytest.approx(2640.0)


def test_episode_copies_in_the_same_show_are_all_mirrored(kodi):
    from simkl_resume.service.mirror import ResumeMirror

    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    first = kodi.library.add_episode(show, 1, 2, file="/media/tv/a/S01E02.mkv", duration=2800,
                                     streamdetails=stream_details(2800))
    second = kodi.library.add_copy("episode", first, "/media/tv/b/S01E02.mkv", duration=2900,
                                   streamdetails=stream_details(2900))
    ctx = plugin_ctx()
    store_playbacks(ctx, [episode_playback(13, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 2, progress=50.0)])
    build_list(ctx)
    assert _entry(ctx)["copies"] == [first, second]
    assert ResumeMirror(ctx).sync() == 2
    assert kodi.library.episodes[first]["resume"]["position"] == 1400.0
    assert kodi.library.episodes[second]["resume"]["position"] == 1450.0
