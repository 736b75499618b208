"""The fake Kodi behaves like Kodi 20.1 where the addon depends on it (../shared/kodi-notes.md)."""
import json
import threading

import pytest

from tests.fakekodi import ClockStuck, NotPlaying


def rpc(method, params=None):
    import xbmc
    req = {"jsonrpc": "2.0", "id": 7, "method": method}
    if params is not None:
        req["params"] = params
    return json.loads(xbmc.executeJSONRPC(json.dumps(req)))


def recorder():
    import xbmc

    class Recorder(xbmc.Player):
        def __init__(self):
            xbmc.Player.__init__(self)
            self.events = []

        def _note(self, name, *args):
            try:
                pos = round(self.getTime(), 3)
            except NotPlaying:
                pos = "raises"
            self.events.append((name,) + args + (pos,))

        def onPlayBackStarted(self):
            self._note("started")

        def onAVStarted(self):
            self._note("av")

        def onPlayBackPaused(self):
            self._note("paused")

        def onPlayBackResumed(self):
            self._note("resumed")

        def onPlayBackSeek(self, time, seekOffset):
            self._note("seek", time, seekOffset)

        def onPlayBackStopped(self):
            self._note("stopped")

        def onPlayBackEnded(self):
            self._note("ended")

    return Recorder()


# ------------------------------------------------------------------ player
def test_player_callbacks_come_in_kodi_order_and_get_time_raises_in_on_stopped(kodi):
    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    p = recorder()
    kodi.player.play_movie(movie, at=60)
    kodi.clock.advance(10)
    kodi.player.pause()
    kodi.clock.advance(100)  # paused: the position does not move
    kodi.player.resume()
    kodi.clock.advance(5)
    kodi.player.seek(600)
    kodi.player.stop()
    assert p.events == [
        ("started", 60.0), ("av", 60.0), ("paused", 70.0), ("resumed", 70.0),
        # getTime() inside onPlayBackSeek: still where the seek started (it is under way)
        ("seek", 600000, 525000, 75.0), ("stopped", "raises"),
    ]


def test_get_time_keeps_the_position_from_before_a_seek_until_the_player_has_moved(kodi):
    """[live, Kodi 20.1] getTime() read 1.03 s for 0.6 s after seekTime(120), then 120.0."""
    import xbmc

    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    kodi.player.play_movie(movie, at=60)
    kodi.player.seek(600)
    assert xbmc.Player().getTime() == 60.0 and kodi.player.picture() == 600.0
    kodi.clock.advance(kodi.player.seek_latency)
    assert xbmc.Player().getTime() == 600.0
    kodi.clock.advance(10)
    assert xbmc.Player().getTime() == 610.0


def test_a_pause_right_after_a_seek_still_lands_at_the_seek_target(kodi):
    import xbmc

    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    kodi.player.play_movie(movie, at=60)
    kodi.player.seek(600)
    kodi.player.pause()
    assert xbmc.Player().getTime() == 60.0  # the seek is still under way
    kodi.clock.advance(5)
    assert xbmc.Player().getTime() == 600.0
    kodi.player.resume()
    kodi.clock.advance(2)
    assert xbmc.Player().getTime() == 602.0


def test_callbacks_of_a_busy_service_thread_run_late_and_read_the_player_as_it_is_then(kodi):
    """[live, Kodi 20.1] a service's callbacks run only inside its Kodi waits: while its thread
    cannot run, they queue up (with only their own arguments) and run in order afterwards."""
    import xbmc

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    showid = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    episodeid = kodi.library.add_episode(showid, 1, 2, uniqueid={"tvdb": "349235"}, duration=2800)
    seen = []

    class Service(xbmc.Player):
        def onPlayBackPaused(self):
            seen.append(("paused", self.getPlayingFile(), self.getTime()))

        def onPlayBackSeek(self, time, seekOffset):
            seen.append(("seek", time))

        def onPlayBackStopped(self):
            seen.append(("stopped",))

    def loop():
        player = Service()  # created on this thread: its callbacks run in this thread's waits
        monitor = xbmc.Monitor()
        while not monitor.waitForAbort(1):
            pass
        del player

    kodi.start_thread(loop)
    kodi.player.play_movie(movieid, at=60)
    with kodi.busy():
        kodi.player.seek(2400)
        kodi.clock.advance(2)
        kodi.player.pause()
        kodi.clock.advance(1)
        kodi.player.stop()
        kodi.player.play_episode(episodeid)
        kodi.clock.advance(1)
        assert seen == []  # nothing ran yet
    episode_file = kodi.library.episodes[episodeid]["file"]
    assert seen == [("seek", 2400000), ("paused", episode_file, 1.0), ("stopped",)]


def test_natural_end_fires_on_playback_ended_not_stopped_and_marks_watched(kodi):
    movie = kodi.library.add_movie("Short", 2020, {"imdb": "tt1"}, runtime=300)
    p = recorder()
    kodi.player.play_movie(movie, at=250)
    kodi.clock.advance(3600)
    assert [e[0] for e in p.events] == ["started", "av", "ended"]
    assert kodi.library.movies[movie]["playcount"] == 1
    assert not kodi.player.playing


def test_player_getters_raise_when_nothing_plays(kodi):
    import xbmc
    p = xbmc.Player()
    assert p.isPlaying() is False
    for getter in (p.getTime, p.getTotalTime, p.getVideoInfoTag, p.getPlayingFile):
        with pytest.raises(RuntimeError):
            getter()


def test_player_info_tag_identifies_library_episode_and_not_a_bare_file(kodi):
    import xbmc
    show = kodi.library.add_show("Lost", 2004, {"tvdb": "73739", "imdb": "tt0411008"})
    ep = kodi.library.add_episode(show, 1, 5, "White Rabbit", runtime=0, duration=2580)
    kodi.player.play_episode(ep)
    tag = xbmc.Player().getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType(), tag.getSeason(), tag.getEpisode()) == (ep, "episode", 1, 5)
    assert tag.getTVShowTitle() == "Lost" and tag.getDuration() == 0  # library runtime 0 ...
    assert xbmc.Player().getTotalTime() == 2580.0                      # ... the file knows better
    kodi.player.play_file("/tmp/home-video.mkv")
    assert xbmc.Player().getVideoInfoTag().getDbId() == -1


def test_kodi_saves_its_own_resume_point_on_stop_past_180_seconds(kodi):
    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000)
    kodi.player.play_movie(movie, at=100)
    kodi.clock.advance(50)
    kodi.player.stop()
    assert kodi.library.movies[movie]["resume"]["position"] == 0.0  # 150 s < ignoresecondsatstart
    kodi.player.play_movie(movie, at=1000)
    kodi.player.stop()
    assert kodi.library.movies[movie]["resume"] == {"position": 1000.0, "total": 6000.0}


# ------------------------------------------------------------------ JSON-RPC
def test_jsonrpc_unknown_method_and_uniqueid_filter_are_errors_like_kodi(kodi):
    assert rpc("Nope.Nothing")["error"]["code"] == -32601
    reply = rpc("VideoLibrary.GetMovies",
                {"filter": {"field": "uniqueid", "operator": "is", "value": "tt1"}})
    assert reply["error"]["code"] == -32602
    assert rpc("VideoLibrary.GetMovies", {"properties": ["nonsense"]})["error"]["code"] == -32602


def test_imdbnumber_is_the_default_uniqueid_not_necessarily_imdb(kodi):
    kodi.library.add_show("Tvdb Show", 2001, {"tvdb": "77777", "imdb": "tt7"}, default_id="tvdb")
    shows = rpc("VideoLibrary.GetTVShows", {"properties": ["imdbnumber", "uniqueid"]})["result"]["tvshows"]
    assert shows[0]["imdbnumber"] == "77777"
    assert shows[0]["uniqueid"] == {"tvdb": "77777", "imdb": "tt7"}


def test_get_episodes_filters_on_show_season_and_episode(kodi):
    a, _ = kodi.library.add_show_with_episodes("A", seasons=2, episodes_per_season=3)
    b, _ = kodi.library.add_show_with_episodes("B", seasons=2, episodes_per_season=3)
    res = rpc("VideoLibrary.GetEpisodes", {"tvshowid": b, "season": 2, "properties": ["showtitle"]})["result"]
    assert [e["showtitle"] for e in res["episodes"]] == ["B"] * 3
    res = rpc("VideoLibrary.GetEpisodes", {"tvshowid": a, "properties": ["season", "episode"], "filter": {
        "and": [{"field": "season", "operator": "is", "value": "2"},
                {"field": "episode", "operator": "is", "value": "3"}]}})["result"]
    assert [(e["season"], e["episode"]) for e in res["episodes"]] == [(2, 3)]


def test_a_library_of_twenty_thousand_items_pages_with_limits(kodi):
    for i in range(20000):
        kodi.library.add_movie("M%d" % i, 2000, {"imdb": "tt%07d" % i})
    res = rpc("VideoLibrary.GetMovies",
              {"properties": ["uniqueid"], "limits": {"start": 19990, "end": 20010}})
    assert res["result"]["limits"] == {"start": 19990, "end": 20000, "total": 20000}
    assert res["result"]["movies"][-1]["uniqueid"] == {"imdb": "tt0019999"}


def test_set_details_resume_position_zero_clears_and_reports_whole_seconds(kodi):
    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    assert rpc("VideoLibrary.SetMovieDetails", {"movieid": movie,
               "resume": {"position": 123.75, "total": 5400.0}})["result"] == "OK"
    details = rpc("VideoLibrary.GetMovieDetails", {"movieid": movie, "properties": ["resume"]})
    assert details["result"]["moviedetails"]["resume"] == {"position": 123.0, "total": 5400.0}
    rpc("VideoLibrary.SetMovieDetails", {"movieid": movie, "resume": {"position": 0, "total": 0}})
    assert kodi.library.movies[movie]["resume"]["position"] == 0.0
    assert [c[0] for c in kodi.jsonrpc_calls].count("VideoLibrary.SetMovieDetails") == 2


def test_player_open_integer_resume_is_silently_ignored_float_is_a_percentage(kodi):
    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=1000, resume=(300, 1000))
    assert rpc("Player.Open", {"item": {"movieid": movie}, "options": {"resume": 40}})["result"] == "OK"
    kodi.pump()
    assert kodi.player.position() == 0.0
    rpc("Player.Open", {"item": {"movieid": movie}, "options": {"resume": 40.0}})
    assert kodi.player.position() == 400.0
    rpc("Player.Open", {"item": {"movieid": movie}, "options": {"resume": True}})
    assert kodi.player.position() == 300.0
    rpc("Player.Open", {"item": {"movieid": movie}})
    assert kodi.player.position() == 0.0


def test_player_seek_replies_with_the_position_before_the_seek(kodi):
    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=1000)
    kodi.player.play_movie(movie, at=100)
    pid = rpc("Player.GetActivePlayers")["result"][0]["playerid"]
    before = rpc("Player.Seek", {"playerid": pid, "value": {"percentage": 50.0}})["result"]
    assert before["time"] == {"hours": 0, "minutes": 1, "seconds": 40, "milliseconds": 0}
    kodi.clock.advance(kodi.player.seek_latency)  # read after it (kodi-notes: JSON-RPC section)
    props = rpc("Player.GetProperties", {"playerid": pid, "properties": ["time", "percentage", "speed"]})
    assert props["result"] == {"time": {"hours": 0, "minutes": 8, "seconds": 20, "milliseconds": 0},
                               "percentage": 50.0, "speed": 1}


def test_player_get_item_gives_uniqueids_of_the_playing_library_item(kodi):
    show = kodi.library.add_show("Lost", 2004, {"tvdb": "73739"})
    ep = kodi.library.add_episode(show, 2, 3, uniqueid={"tvdb": "1111"})
    kodi.player.play_episode(ep)
    item = rpc("Player.GetItem", {"playerid": 1, "properties": ["uniqueid", "tvshowid", "season",
                                                                "episode", "showtitle"]})["result"]["item"]
    assert item == {"id": ep, "type": "episode", "label": "2x03. Episode 3", "uniqueid": {"tvdb": "1111"},
                    "tvshowid": show, "season": 2, "episode": 3, "showtitle": "Lost"}


def test_notify_all_reaches_every_monitor_with_sender_and_other_method(kodi):
    import xbmc

    class M(xbmc.Monitor):
        def __init__(self):
            xbmc.Monitor.__init__(self)
            self.got = []

        def onNotification(self, sender, method, data):
            self.got.append((sender, method, json.loads(data)))

    a, b = M(), M()
    assert rpc("JSONRPC.NotifyAll", {"sender": "plugin.video.simkl.resume", "message": "check",
                                     "data": {"why": "menu"}})["result"] == "OK"
    kodi.pump()
    assert a.got == b.got == [("plugin.video.simkl.resume", "Other.check", {"why": "menu"})]


# ------------------------------------------------------------------ clock and threads
def test_service_loop_in_a_thread_wakes_exactly_at_virtual_deadlines(kodi):
    import xbmc
    wakes = []

    def service():
        monitor = xbmc.Monitor()
        while not monitor.waitForAbort(15):
            wakes.append(kodi.clock.now() - start)

    start = kodi.clock.now()
    thread = kodi.start_thread(service)
    kodi.clock.advance(14)
    assert wakes == []
    kodi.clock.advance(47)
    assert wakes == [15.0, 30.0, 45.0, 60.0]
    kodi.abort()
    assert not thread.is_alive()


def test_threads_started_by_the_service_are_waited_for_too(kodi):
    import xbmc
    sent = []

    def sender():
        monitor = xbmc.Monitor()
        while not monitor.waitForAbort(1):
            sent.append(kodi.clock.now() - start)

    def service():
        threading.Thread(target=sender, daemon=True).start()
        xbmc.Monitor().waitForAbort()

    start = kodi.clock.now()
    kodi.start_thread(service)
    kodi.clock.advance(3)
    assert sent == [1.0, 2.0, 3.0]


def test_callbacks_run_in_the_thread_that_created_the_player(kodi):
    import xbmc
    seen = []

    class P(xbmc.Player):
        def onAVStarted(self):
            seen.append(threading.current_thread().name)

    def service():
        P()  # noqa: F841 - kept alive by the frame while it waits
        player = P()
        xbmc.Monitor().waitForAbort()
        del player

    kodi.start_thread(service, name="service-main")
    kodi.player.play_file("/tmp/a.mkv")
    assert seen and set(seen) == {"service-main"}


def test_wait_for_abort_without_timeout_in_the_test_thread_refuses_to_hang(kodi):
    import xbmc
    assert xbmc.Monitor().waitForAbort(5) is False
    with pytest.raises(ClockStuck):
        xbmc.Monitor().waitForAbort()


def test_exception_in_a_callback_is_logged_like_kodi_and_recorded(kodi):
    import xbmc
    kodi.expect_callback_errors = True

    class Bad(xbmc.Player):
        def onAVStarted(self):
            raise ValueError("boom")

    b = Bad()  # noqa: F841
    kodi.player.play_file("/tmp/a.mkv")
    assert "ValueError: boom" in kodi.callback_errors[0]
    assert "boom" in kodi.log_text()


# ------------------------------------------------------------------ window, settings, plugin
def test_home_window_properties_are_shared_and_survive_plugin_runs(kodi):
    import xbmcgui

    def route(argv):
        xbmcgui.Window(10000).setProperty("Seen", argv[2])

    xbmcgui.Window(10000).setProperty("a.key", "v")
    kodi.run_plugin("/?x=1", entry=route)
    assert xbmcgui.Window(10000).getProperty("A.KEY") == "v"      # keys are case-insensitive
    assert xbmcgui.Window(10000).getProperty("seen") == "?x=1"
    xbmcgui.Window(10000).clearProperty("a.key")
    assert xbmcgui.Window(10000).getProperty("a.key") == ""


def test_settings_defaults_come_from_settings_xml_and_setting_fires_on_settings_changed(kodi):
    import xbmc
    import xbmcaddon
    changed = []

    class M(xbmc.Monitor):
        def onSettingsChanged(self):
            changed.append(True)

    m = M()  # noqa: F841
    addon = xbmcaddon.Addon()
    assert addon.getSettingInt("poll_interval") == 15
    assert addon.getSettingBool("pull_enabled") is True and addon.getSetting("pull_enabled") == "true"
    with pytest.raises(TypeError):
        addon.getSettingInt("pull_enabled")
    addon.setSettingInt("poll_interval", 30)
    kodi.pump()
    assert addon.getSettingInt("poll_interval") == 30 and changed == [True]


def test_addon_info_and_profile_are_special_paths_translated_to_a_tmp_dir(kodi, tmp_path):
    import xbmcaddon
    import xbmcvfs
    addon = xbmcaddon.Addon()
    assert addon.getAddonInfo("version") == "0.1.0"
    assert addon.getAddonInfo("profile") == "special://profile/addon_data/plugin.video.simkl.resume/"
    assert xbmcvfs.translatePath(addon.getAddonInfo("profile")).startswith(str(tmp_path))
    assert addon.getLocalizedString(30000) == "Resume from Simkl"


def test_run_plugin_passes_kodi_argv_and_captures_the_directory(kodi):
    import xbmcgui
    import xbmcplugin
    seen = []

    def route(argv):
        seen.append(argv)
        handle = int(argv[1])
        item = xbmcgui.ListItem("Heat (1995)")
        item.setProperty("IsPlayable", "true")
        xbmcplugin.addDirectoryItem(handle, argv[0] + "play?id=1", item, False)
        xbmcplugin.setContent(handle, "movies")
        xbmcplugin.endOfDirectory(handle)

    run = kodi.run_plugin("/list?page=2", handle=7, entry=route)
    assert seen == [["plugin://plugin.video.simkl.resume/list", "7", "?page=2", "resume:false"]]
    assert run.directory.succeeded is True and run.directory.content == "movies"
    assert run.directory.labels() == ["Heat (1995)"]
    assert kodi.container_path == "plugin://plugin.video.simkl.resume/list?page=2"


def test_playing_a_plugin_url_uses_the_resolved_item_start_percent_and_player_zero(kodi):
    import xbmcgui
    movie = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=1000)
    url = "plugin://plugin.video.simkl.resume/play?movie=1"
    item = xbmcgui.ListItem(path=kodi.library.movies[movie]["file"])
    item.setProperty("StartPercent", "40")
    tag = item.getVideoInfoTag()
    tag.setDbId(movie)
    tag.setMediaType("movie")
    kodi.plugin_urls[url] = item
    assert rpc("Player.Open", {"item": {"file": url}})["result"] == "OK"
    assert kodi.player.position() == 400.0
    assert rpc("Player.GetActivePlayers")["result"][0]["playerid"] == 0
    assert rpc("Player.GetItem", {"playerid": 0})["result"]["item"]["id"] == movie


def test_files_get_directory_on_a_failing_route_is_invalid_params(kodi):
    def route(argv):
        raise RuntimeError("boom")

    kodi.plugin_entry = route
    reply = rpc("Files.GetDirectory", {"directory": "plugin://plugin.video.simkl.resume/"})
    assert reply["error"]["code"] == -32602


def test_dialogs_are_scripted_and_recorded(kodi):
    import xbmcgui
    kodi.answer("yesno", True)
    assert xbmcgui.Dialog().yesno("Resume?", "at 42:10") is True
    assert xbmcgui.Dialog().yesno("Again?", "unscripted") is False
    xbmcgui.Dialog().notification("Simkl", "Signed in")
    kodi.progress_cancel_after = 2
    dp = xbmcgui.DialogProgress()
    dp.create("Sign in", "code ABCD")
    dp.update(10)
    assert dp.iscanceled() is False
    dp.update(20)
    assert dp.iscanceled() is True
    assert [d["type"] for d in kodi.dialogs] == ["yesno", "yesno", "progress"]
    assert kodi.notifications[0]["message"] == "Signed in"


def test_kodi_20_apis_that_are_gone_are_gone(kodi):
    import xbmc
    import xbmcgui
    assert not hasattr(xbmc, "translatePath") and not hasattr(xbmc, "LOGNOTICE")
    xbmcgui.ListItem("x").setInfo("video", {"title": "x"})
    assert "deprecated" in kodi.log_text()


def test_player_getitem_describes_a_file_outside_the_library(kodi):
    import json

    import xbmc

    kodi.player.play_file("/media/home video.mkv")
    kodi.pump()
    reply = json.loads(xbmc.executeJSONRPC(json.dumps({
        "jsonrpc": "2.0", "id": 1, "method": "Player.GetItem",
        "params": {"playerid": 1, "properties": ["uniqueid", "file", "season", "plot"]}})))
    item = reply["result"]["item"]
    assert item["file"] == "/media/home video.mkv"
    assert item["type"] == "unknown" and item["plot"] == ""


def test_player_stop_writes_lastplayed_in_local_time_and_the_files_stream_details(kodi, local_zone):
    import time as _t

    mid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000, duration=10200)
    assert not kodi.library.movies[mid].get("streamdetails")   # not read yet
    kodi.player.play_movie(mid)
    kodi.clock.advance(600)
    kodi.player.stop()
    row = kodi.library.movies[mid]
    assert row["lastplayed"] == _t.strftime("%Y-%m-%d %H:%M:%S", _t.localtime(kodi.clock.now()))
    assert row["streamdetails"]["video"][0]["duration"] == 10200
