"""actions.play / play_from_start: resolving a resume entry to the library file at the right spot."""
import json

import pytest

from tests.test_menu_support import (
    build_list,
    dispatch,
    episode_playback,
    movie_playback,
    plugin_ctx,
    run,
    store_playbacks,
)

# simkl_resume.actions imports kodi modules (xbmc*): import it only inside tests, once the fake is in.
MENU_PLAY_PROPERTY = "plugin.video.simkl.resume.menu_play"


@pytest.fixture
def heat(kodi):
    """Heat in the library: runtime says 100 min, the real file lasts 170 min."""
    kodi.plugin_entry = dispatch
    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277", "tmdb": "949"}, runtime=6000,
                                     duration=10200, file="/media/movies/Heat.mkv")
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(7, "Heat", 1995, {"imdb": "tt0113277"}, progress=40.0)])
    build_list(ctx)
    return movieid


def test_play_resolves_to_the_library_file_with_dbid_mediatype_uniqueids_and_start_percent(kodi, heat):
    result = run(kodi, "/play?id=7", handle=5)
    assert result.resolved.succeeded
    li = result.resolved.listitem
    assert li.getPath() == "/media/movies/Heat.mkv"
    tag = li.getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType()) == (heat, "movie")
    assert (tag.getUniqueID("imdb"), tag.getUniqueID("tmdb")) == ("tt0113277", "949")
    assert li.getProperty("StartPercent") == "40.0"
    assert li.getProperty("StartOffset") == ""


def test_playing_an_entry_starts_at_progress_times_the_real_duration(kodi, heat):
    import xbmc

    assert kodi.play_listitem("plugin://plugin.video.simkl.resume/play?id=7")
    kodi.pump()
    assert xbmc.Player().getPlayingFile() == "/media/movies/Heat.mkv"
    # 40 % of the real 10200 s file, not of the library's 6000 s runtime
    assert xbmc.Player().getTime() == pytest.approx(4080.0, abs=1.0)
    assert xbmc.Player().getVideoInfoTag().getDbId() == heat


def test_play_marks_the_playback_as_started_from_the_menu(kodi, heat):
    import xbmcgui

    from simkl_resume.kodi import playing

    assert playing.MENU_PLAY_PROPERTY == MENU_PLAY_PROPERTY

    run(kodi, "/play?id=7", handle=5)
    marker = json.loads(xbmcgui.Window(10000).getProperty(MENU_PLAY_PROPERTY))
    assert {k: marker[k] for k in ("file", "dbid", "type", "playback_id")} == {
        "file": "/media/movies/Heat.mkv", "dbid": heat, "type": "movie", "playback_id": 7}
    assert isinstance(marker["at"], float)


def test_play_from_start_resolves_the_same_file_without_a_start(kodi, heat):
    import xbmc

    result = run(kodi, "/play_from_start?id=7", handle=5)
    li = result.resolved.listitem
    assert result.resolved.succeeded and li.getPath() == "/media/movies/Heat.mkv"
    assert li.getProperty("StartPercent") == ""
    assert li.getVideoInfoTag().getResumeTime() == 0.0
    kodi.play_listitem("plugin://plugin.video.simkl.resume/play_from_start?id=7")
    kodi.pump()
    assert xbmc.Player().getTime() == 0.0


def test_item_removed_from_library_since_gives_a_notification_and_plays_nothing(kodi, heat):
    import xbmcgui

    del kodi.library.movies[heat]
    result = run(kodi, "/play?id=7", handle=5)
    assert result.resolved is not None and result.resolved.succeeded is False
    assert [n["message"] for n in kodi.notifications] == [
        "This item is no longer in the library: nothing was played"]
    assert xbmcgui.Window(10000).getProperty(MENU_PLAY_PROPERTY) == ""
    assert not kodi.play_listitem("plugin://plugin.video.simkl.resume/play?id=7")
    assert not kodi.player.playing


def test_unmatched_entry_does_not_play_and_says_why(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(3, "Nowhere", 2001, {"imdb": "tt7654321"})])
    build_list(ctx)
    result = run(kodi, "/play?id=3", handle=5)
    assert result.resolved.succeeded is False
    assert kodi.notifications[-1]["message"] == "Not in this library"


def test_unknown_playback_id_resolves_to_nothing(kodi, heat):
    result = run(kodi, "/play?id=999", handle=5)
    assert result.resolved.succeeded is False
    assert kodi.notifications[-1]["message"] == "This entry is no longer on Simkl"


def test_episode_play_carries_show_season_and_episode(kodi):
    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    ep = kodi.library.add_episode(show, 1, 5, "Gray Matter", uniqueid={"tvdb": "349236"}, duration=2800)
    ctx = plugin_ctx()
    store_playbacks(ctx, [episode_playback(9, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 5, progress=50.0)])
    build_list(ctx)
    li = run(kodi, "/play?id=9", handle=5).resolved.listitem
    tag = li.getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType(), tag.getSeason(), tag.getEpisode()) == (ep, "episode", 1, 5)
    assert tag.getUniqueID("tvdb") == "349236"
    assert li.getProperty("StartPercent") == "50.0"
    assert li.getPath() == kodi.library.episodes[ep]["file"]
