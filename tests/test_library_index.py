"""kodi/library.py (JSON-RPC reads, cached index) and the ResumeListBuilder component."""
import pytest

from simkl_resume.context import KEY_LIBRARY_INDEX, KEY_RESUME_LIST
from tests.test_menu_support import build_list, episode_playback, movie_playback, plugin_ctx, rpc_methods
from tests.test_menu_support import store_playbacks


def _index(ctx):
    from simkl_resume.kodi.library import CachedLibraryIndex

    return CachedLibraryIndex(ctx.cache)


def test_index_is_built_with_one_getmovies_and_one_gettvshows_call_carrying_uniqueid(kodi):
    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    ctx = plugin_ctx()
    index = _index(ctx).get()
    assert rpc_methods(kodi) == ["VideoLibrary.GetMovies", "VideoLibrary.GetTVShows"]
    assert all("uniqueid" in p["properties"] for _m, p in kodi.jsonrpc_calls)
    assert index.movies.ids["imdb"]["tt0113277"] == [1]
    assert ctx.cache.get(KEY_LIBRARY_INDEX) == index.to_dict()


def test_warm_index_comes_from_the_cache_without_jsonrpc(kodi):
    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    ctx = plugin_ctx()
    built = _index(ctx).get()
    kodi.jsonrpc_calls.clear()
    again = _index(plugin_ctx()).get()  # another run (e.g. the plugin) with the same cache
    assert kodi.jsonrpc_calls == []
    assert again.to_dict() == built.to_dict()


def test_unusable_cached_index_is_rebuilt(kodi):
    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    ctx = plugin_ctx()
    ctx.cache.set(KEY_LIBRARY_INDEX, {"v": 999})
    index = _index(ctx)
    assert index.get().movies.ids["imdb"]["tt0113277"] == [1]
    assert index.builds == 1


@pytest.mark.parametrize("method, data", [
    ("VideoLibrary.OnUpdate", {"item": {"id": 1, "type": "movie"}, "added": True, "transaction": True}),
    ("VideoLibrary.OnUpdate", {"id": 1, "type": "movie"}),
    ("VideoLibrary.OnUpdate", {"item": {"id": 4, "type": "episode"}}),
    ("VideoLibrary.OnRemove", {"id": 2, "type": "tvshow"}),
    ("VideoLibrary.OnScanFinished", None),
    ("VideoLibrary.OnCleanFinished", None),
])
def test_library_notifications_count_as_library_changes(method, data):
    from simkl_resume.kodi.library import is_library_change

    assert is_library_change(method, data)


@pytest.mark.parametrize("method, data", [
    ("Player.OnPause", {"item": {"id": 1, "type": "movie"}}),
    ("VideoLibrary.OnUpdate", {"item": {"id": 3, "type": "song"}}),
    ("Other.check", {}),
    ("System.OnWake", None),
])
def test_other_notifications_leave_the_index_alone(method, data):
    from simkl_resume.kodi.library import is_library_change

    assert not is_library_change(method, data)


@pytest.mark.parametrize("data, expected", [
    ({"item": {"id": 7, "type": "movie"}, "added": True}, ("movie", 7)),
    ({"id": 8, "type": "episode"}, ("episode", 8)),
    ({"item": "junk"}, None),
    ("junk", None),
])
def test_updated_item_reads_both_onupdate_shapes(data, expected):
    from simkl_resume.kodi.library import updated_item

    assert updated_item(data) == expected


def test_episodes_are_fetched_only_for_shows_a_playback_needs(kodi):
    wanted = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    kodi.library.add_episode(wanted, 1, 5)
    for i in range(20):
        other = kodi.library.add_show("Other %d" % i, 2000, {"tvdb": str(1000 + i)})
        kodi.library.add_episode(other, 1, 1)
    ctx = plugin_ctx()
    store_playbacks(ctx, [episode_playback(1, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 5)])
    build_list(ctx)
    episode_calls = [p for m, p in kodi.jsonrpc_calls if m == "VideoLibrary.GetEpisodes"]
    assert [p["tvshowid"] for p in episode_calls] == [wanted]
    assert ctx.cache.get(KEY_RESUME_LIST)["entries"][0]["matched"] is True


def test_details_of_an_item_removed_from_the_library_is_none(kodi):
    from simkl_resume.kodi.library import KodiLibrary

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, file="/m/heat.mkv")
    library = KodiLibrary()
    assert library.details("movie", movieid)["file"] == "/m/heat.mkv"
    del kodi.library.movies[movieid]
    assert library.details("movie", movieid) is None


def test_resume_entry_holds_what_the_menu_draws(kodi):
    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277", "tmdb": "949"}, runtime=6000,
                                  file="/m/heat.mkv", art={"poster": "p.jpg"})
    ctx = plugin_ctx(plan="vip")
    store_playbacks(ctx, [movie_playback(5, "HEAT", 1995, {"imdb": "tt0113277"}, progress=12.5,
                                         paused_epoch=1700000000.0)])
    assert build_list(ctx) is True
    entry = ctx.cache.get(KEY_RESUME_LIST)["entries"][0]
    assert {k: entry[k] for k in ("playback_id", "matched", "reason", "mediatype", "dbid", "file", "art",
                                   "uniqueids", "runtime", "progress", "paused_epoch", "expires_epoch",
                                   "title", "year")} == {
        "playback_id": 5, "matched": True, "reason": None, "mediatype": "movie", "dbid": heat,
        "file": "/m/heat.mkv", "art": {"poster": "p.jpg"}, "uniqueids": {"imdb": "tt0113277", "tmdb": "949"},
        "runtime": 6000, "progress": 12.5, "paused_epoch": 1700000000.0,
        "expires_epoch": 1700000000.0 + 90 * 86400, "title": "Heat", "year": 1995}


def test_rebuild_with_the_same_playbacks_reports_no_change(kodi):
    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(5, "Heat", 1995, {"imdb": "tt0113277"})])
    assert build_list(ctx) is True
    assert build_list(ctx) is False


def test_pullsync_on_change_callback_accepts_the_playback_list(kodi):
    from simkl_resume.core.model import Playback
    from simkl_resume.service.resume_list import ResumeListBuilder

    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    ctx = plugin_ctx()
    raw = [movie_playback(5, "Heat", 1995, {"imdb": "tt0113277"})]
    store_playbacks(ctx, raw)
    builder = ResumeListBuilder(ctx)
    assert builder.playbacks_changed([Playback.from_dict(p) for p in raw]) is True
    assert ctx.cache.get(KEY_RESUME_LIST)["entries"][0]["matched"] is True


def test_library_update_rebuilds_index_once_after_debounce_and_the_new_movie_matches(kodi):
    from simkl_resume.service.resume_list import ResumeListBuilder

    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(5, "Heat", 1995, {"imdb": "tt0113277"})])
    refreshed = []
    builder = ResumeListBuilder(ctx, debounce=3.0, refresh=lambda: refreshed.append(True))
    builder.start()
    try:
        builder.playbacks_changed()
        assert ctx.cache.get(KEY_RESUME_LIST)["entries"][0]["matched"] is False
        assert builder.index.builds == 1
        # a scan adds the movie: several notifications, one rebuild after the debounce
        movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
        builder.on_notification("xbmc", "VideoLibrary.OnUpdate", {"item": {"id": movieid, "type": "movie"},
                                                                  "added": True})
        builder.on_notification("xbmc", "VideoLibrary.OnScanFinished", None)
        now = 1000.0
        assert builder.tick(now) == pytest.approx(3.0)
        assert builder.tick(now + 1) == pytest.approx(2.0)
        assert builder.tick(now + 3) is None
        assert builder._worker.wait_idle(10)
        assert builder.index.builds == 2
        entry = ctx.cache.get(KEY_RESUME_LIST)["entries"][0]
        assert (entry["matched"], entry["dbid"]) == (True, movieid)
        assert refreshed == [True]
        assert builder.tick(now + 10) is None
    finally:
        builder.stop()


def test_no_library_notification_means_no_rebuild(kodi):
    from simkl_resume.service.resume_list import ResumeListBuilder

    ctx = plugin_ctx()
    builder = ResumeListBuilder(ctx)
    builder.on_notification("xbmc", "Player.OnPause", {"item": {"id": 1, "type": "movie"}})
    assert builder.tick(0.0) is None
