"""Issue 13 item 8: library changes cost what changed. A VideoLibrary.OnUpdate naming one item
reads that item once and updates the index in place; the resume list is refilled (or, when
what matches what changed, rebuilt from the updated index); a scan or clean rebuilds."""
from simkl_resume.context import KEY_LIBRARY_INDEX, KEY_RESUME_LIST
from tests.fakekodi.library import stream_details
from tests.test_menu_support import episode_playback, movie_playback, plugin_ctx, store_playbacks

WHOLE_LIBRARY = ("VideoLibrary.GetMovies", "VideoLibrary.GetTVShows")


class Rig:
    def __init__(self, kodi, playbacks):
        from simkl_resume.service.resume_list import ResumeListBuilder

        self.kodi = kodi
        self.ctx = plugin_ctx()
        store_playbacks(self.ctx, playbacks)
        self.refreshes = []
        self.builder = ResumeListBuilder(self.ctx, refresh=lambda: self.refreshes.append(True))
        self.builder.playbacks_changed()
        kodi.jsonrpc_calls.clear()

    def notify(self, method, data=None):
        """Kodi's notification, then the worker's part (inline, as the bench does)."""
        self.kodi.jsonrpc_calls.clear()
        self.builder.on_notification("xbmc", method, data)
        self.builder.tick(self.kodi.clock.now())
        self.builder._library_work()
        return [m for m, _p in self.kodi.jsonrpc_calls]

    def entries(self):
        return {e["playback_id"]: e for e in self.ctx.cache.get(KEY_RESUME_LIST)["entries"]}


def _films(kodi, count=30):
    return [kodi.library.add_movie("Film %d" % i, 1990 + i, {"imdb": "tt%07d" % (100 + i)})
            for i in range(count)]


def _update(movieid):
    return {"item": {"id": movieid, "type": "movie"}, "playcount": 1}


def test_update_of_a_movie_not_in_the_list_is_one_call_and_no_whole_library_read(kodi):
    films = _films(kodi)
    rig = Rig(kodi, [movie_playback(1, "Film 3", 1993, {"imdb": "tt0000103"})])
    before = rig.entries()
    kodi.library.movies[films[20]]["playcount"] = 1
    assert rig.notify("VideoLibrary.OnUpdate", _update(films[20])) == ["VideoLibrary.GetMovieDetails"]
    assert rig.entries() == before and rig.refreshes == []
    assert rig.builder.index.builds == 1


def test_a_movie_given_the_right_id_now_matches_without_a_whole_library_read(kodi):
    films = _films(kodi)
    rig = Rig(kodi, [movie_playback(1, "Heat", 1995, {"imdb": "tt0113277"})])
    assert rig.entries()[1]["matched"] is False
    row = kodi.library.movies[films[5]]
    row["title"], row["year"], row["uniqueid"] = "Heat", 1995, {"imdb": "tt0113277"}   # "refresh info"
    calls = rig.notify("VideoLibrary.OnUpdate", _update(films[5]))
    assert calls[0] == "VideoLibrary.GetMovieDetails" and not set(calls) & set(WHOLE_LIBRARY)
    entry = rig.entries()[1]
    assert (entry["matched"], entry["dbid"], entry["title"]) == (True, films[5], "Heat")
    assert rig.refreshes == [True]


def test_playing_a_listed_movie_here_refills_its_entry_from_one_call(kodi):
    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000, duration=10200)
    rig = Rig(kodi, [movie_playback(1, "Heat", 1995, {"imdb": "tt0113277"})])
    assert rig.entries()[1]["duration"] is None          # no stream details, never played
    kodi.player.play_movie(heat)
    kodi.clock.advance(600)
    kodi.player.stop()                                    # Kodi: resume point, lastplayed, OnUpdate
    assert rig.notify("VideoLibrary.OnUpdate", _update(heat)) == ["VideoLibrary.GetMovieDetails"]
    entry = rig.entries()[1]
    assert entry["duration"] == 10200.0 and entry["lastplayed"] == kodi.library.movies[heat]["lastplayed"]
    assert rig.refreshes == [True]


def test_the_copy_played_here_becomes_the_one_the_entry_plays(kodi):
    hd = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, file="/hd/Heat.mkv",
                                streamdetails=stream_details(6000))
    uhd = kodi.library.add_copy("movie", hd, "/4k/Heat.mkv", duration=6600)
    rig = Rig(kodi, [movie_playback(1, "Heat", 1995, {"imdb": "tt0113277"})])
    assert rig.entries()[1]["dbid"] == hd
    kodi.player.play_movie(uhd)
    kodi.clock.advance(600)
    kodi.player.stop()
    assert rig.notify("VideoLibrary.OnUpdate", _update(uhd)) == ["VideoLibrary.GetMovieDetails"]
    assert (rig.entries()[1]["dbid"], rig.entries()[1]["file"]) == (uhd, "/4k/Heat.mkv")


def test_a_show_renamed_renames_its_episode_entries_with_one_call(kodi):
    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"}, art={"poster": "old.jpg"})
    kodi.library.add_episode(show, 1, 2)
    rig = Rig(kodi, [episode_playback(2, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 2)])
    kodi.library.tvshows[show]["title"] = "Breaking Bad (2008)"
    kodi.library.tvshows[show]["art"] = {"poster": "new.jpg"}
    assert rig.notify("VideoLibrary.OnUpdate", {"item": {"id": show, "type": "tvshow"}}) == [
        "VideoLibrary.GetTVShowDetails"]
    entry = rig.entries()[2]
    assert entry["show_title"] == "Breaking Bad (2008)" and entry["art"]["tvshow.poster"] == "new.jpg"


def test_removed_listed_movie_leaves_the_list_and_scan_rebuilds_the_whole_index(kodi):
    films = _films(kodi, 5)
    rig = Rig(kodi, [movie_playback(1, "Film 3", 1993, {"imdb": "tt0000103"})])
    del kodi.library.movies[films[3]]
    calls = rig.notify("VideoLibrary.OnRemove", {"id": films[3], "type": "movie"})
    assert not set(calls) & set(WHOLE_LIBRARY)
    assert rig.entries()[1]["matched"] is False
    calls = rig.notify("VideoLibrary.OnScanFinished")
    assert set(WHOLE_LIBRARY) <= set(calls) and rig.builder.index.builds == 2


def test_index_updated_in_place_is_not_left_stale_in_the_cache_and_is_stored_at_stop(kodi):
    films = _films(kodi, 5)
    rig = Rig(kodi, [movie_playback(1, "Film 3", 1993, {"imdb": "tt0000103"})])
    assert rig.ctx.cache.get(KEY_LIBRARY_INDEX) is not None
    kodi.library.movies[films[1]]["uniqueid"] = {"imdb": "tt0999999"}
    rig.notify("VideoLibrary.OnUpdate", _update(films[1]))
    assert rig.ctx.cache.get(KEY_LIBRARY_INDEX) is None      # a killed Kodi rebuilds, never stale
    rig.builder.stop()
    stored = rig.ctx.cache.get(KEY_LIBRARY_INDEX)
    assert stored["movies"]["ids"]["imdb"]["tt0999999"] == [films[1]]
    assert "tt0000101" not in stored["movies"]["ids"]["imdb"]


def test_many_updates_in_one_window_rebuild_once(kodi):
    from simkl_resume.service.resume_list import MAX_INCREMENTAL

    films = _films(kodi, MAX_INCREMENTAL + 5)
    rig = Rig(kodi, [movie_playback(1, "Film 3", 1993, {"imdb": "tt0000103"})])
    kodi.jsonrpc_calls.clear()
    for movieid in films:
        rig.builder.on_notification("xbmc", "VideoLibrary.OnUpdate", _update(movieid))
    rig.builder._library_work()
    methods = [m for m, _p in kodi.jsonrpc_calls]
    assert methods.count("VideoLibrary.GetMovieDetails") <= 2 and set(WHOLE_LIBRARY) <= set(methods)
