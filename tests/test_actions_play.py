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

# simkl_resume.plugin.actions imports kodi modules (xbmc*): import it only inside tests, once the fake is in.
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


@pytest.fixture
def kodi_21(kodi):
    """The fake as Kodi 21.2, which truncates StartPercent to a whole percent [live]."""
    from simkl_resume.kodi import listing

    kodi.info_labels["system.buildversion"] = "21.2 (21.2.0) Git:20241220-2a18d1b9a4"
    listing._major.clear()
    yield kodi
    listing._major.clear()


def _heat_at(kodi, progress, **streams):
    kodi.plugin_entry = dispatch
    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000, duration=10200,
                                     file="/media/movies/Heat.mkv", **streams)
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(7, "Heat", 1995, {"imdb": "tt0113277"}, progress=progress)])
    build_list(ctx)
    return movieid


def test_on_kodi_21_an_entry_starts_at_the_exact_percent_of_the_real_length_through_a_resume_point(kodi_21):
    import xbmc

    from tests.fakekodi.library import stream_details

    _heat_at(kodi_21, 39.98, streamdetails=stream_details(10200))
    li = run(kodi_21, "/play?id=7", handle=5).resolved.listitem
    assert li.getProperty("StartPercent") == ""
    assert li.getVideoInfoTag().getResumeTime() == pytest.approx(0.3998 * 10200)
    assert kodi_21.play_listitem("plugin://plugin.video.simkl.resume/play?id=7")
    kodi_21.pump()
    # StartPercent would have started at 39 %: 102 s early
    assert xbmc.Player().getTime() == pytest.approx(0.3998 * 10200, abs=1.0)


def test_on_kodi_21_without_a_known_real_length_the_entry_keeps_start_percent(kodi_21):
    _heat_at(kodi_21, 39.98)  # never played, no stream details: only the runtime, which is not the file's
    li = run(kodi_21, "/play?id=7", handle=5).resolved.listitem
    assert li.getProperty("StartPercent") == "39.98"
    assert li.getVideoInfoTag().getResumeTime() == 0


def test_fake_kodi_21_truncates_start_percent_to_a_whole_percent_as_real_kodi_21_2_does(kodi_21):
    import xbmc
    import xbmcgui

    kodi_21.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, duration=10200,
                              file="/media/movies/Heat.mkv")
    li = xbmcgui.ListItem(path="/media/movies/Heat.mkv")
    li.setProperty("StartPercent", "39.98")
    assert kodi_21.play_listitem("/media/movies/Heat.mkv", li)
    kodi_21.pump()
    assert xbmc.Player().getTime() == pytest.approx(0.39 * 10200, abs=1.0)
