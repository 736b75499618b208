"""The plugin root "Resume from Simkl" (menu.show_root) on the fake Kodi."""
import json
import os
import subprocess
import sys
import textwrap

from simkl_resume.context import KEY_RESUME_LIST, AddonContext
from tests.fakekodi.library import stream_details
from tests.test_menu_support import (
    build_list,
    episode_playback,
    movie_playback,
    plugin_ctx,
    rpc_methods,
    run,
    store_playbacks,
)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _library(kodi):
    # the scraper says 100 min; the file (an extended cut) really is 170 min long
    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000, duration=10200,
                                  streamdetails=stream_details(10200),
                                  art={"poster": "heat-poster.jpg", "fanart": "heat-fanart.jpg"})
    bb = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"},
                               art={"poster": "bb-poster.jpg", "fanart": "bb-fanart.jpg"})
    ep = kodi.library.add_episode(bb, 1, 5, "Gray Matter", art={"thumb": "bb-s01e05.jpg"}, duration=2800)
    return heat, bb, ep


def _playbacks(now):
    return [
        episode_playback(11, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 5, "Gray Matter", progress=42.0,
                         paused_epoch=now - 2 * 3600),
        movie_playback(12, "Unknown Film", 2001, {"imdb": "tt9999999"}, progress=10.0, paused_epoch=now - 60),
        movie_playback(13, "Heat", 1995, {"imdb": "tt0113277"}, progress=25.0, paused_epoch=now - 600),
    ]


def _matched(directory):
    return [i for i in directory.items if i.listitem.getProperty("IsPlayable") == "true"]


def test_not_signed_in_root_offers_sign_in_entry_to_login_route(kodi):
    plugin_ctx(signed_in=False)
    result = run(kodi, "/")
    d = result.directory
    assert d.succeeded
    assert d.labels() == ["Sign in to Simkl"]
    assert d.items[0].url == "plugin://plugin.video.simkl.resume/login"


def test_root_lists_matched_newest_first_then_unmatched_with_library_labels(kodi):
    _library(kodi)
    ctx = plugin_ctx()
    now = ctx.now()
    store_playbacks(ctx, _playbacks(now))
    build_list(ctx)
    d = run(kodi, "/").directory
    assert d.labels() == [
        "Heat (1995)",                              # paused 10 min ago
        "Breaking Bad — S01E05 Gray Matter",        # paused 2 h ago
        "[COLOR grey]Unknown Film (2001)[/COLOR]",  # newest of all, but not in the library: last
    ]


def test_next_profile_of_a_shared_kodi_never_sees_the_previous_ones_list(kodi):
    """Two people, one Kodi, a Kodi profile each (their own addon data, one shared library):
    Window(10000), the cache's memory layer, outlives a profile switch (real Kodi 20.1)."""
    _library(kodi)
    alice = plugin_ctx()
    store_playbacks(alice, _playbacks(alice.now()))
    build_list(alice)
    assert "Heat (1995)" in run(kodi, "/").directory.labels()
    kodi.load_profile("profiles/Bob")
    AddonContext.from_kodi().account.sign_in("bob-token", "bob", "free")
    labels = run(kodi, "/").directory.labels()
    assert not [label for label in labels if "Heat" in label or "Breaking Bad" in label or "Unknown" in label]
    kodi.load_profile(None)
    assert "Heat (1995)" in run(kodi, "/").directory.labels()   # Alice's list is still hers


def test_entry_label2_says_progress_time_left_paused_ago_and_expiry(kodi):
    _library(kodi)
    ctx = plugin_ctx(plan="pro")
    now = ctx.now()
    store_playbacks(ctx, _playbacks(now))
    build_list(ctx)
    d = run(kodi, "/").directory
    episode = d.items[1].listitem
    # no stream details, no resume total: no time left is claimed for the episode
    assert episode.getLabel2() == "42% watched · paused 2 h ago · expires in 29 days"
    movie = d.items[0].listitem
    # the file's real 10200 s (not the scraper's 6000 s runtime), 25 % watched -> 7650 s left
    assert movie.getLabel2() == "25% watched · 2:07:30 left · paused 10 min ago · expires in 29 days"
    assert "25% watched" in movie.getVideoInfoTag().getPlot()


def test_matched_entry_carries_library_art_dbid_uniqueids_resume_point_and_is_playable(kodi):
    heat, _bb, ep = _library(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, _playbacks(ctx.now()))
    build_list(ctx)
    d = run(kodi, "/").directory
    movie, episode = d.items[0], d.items[1]
    assert movie.url == "plugin://plugin.video.simkl.resume/play?id=13"
    assert not movie.isFolder
    li = movie.listitem
    assert li.getProperty("IsPlayable") == "true"
    assert li.getArt("poster") == "heat-poster.jpg"
    tag = li.getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType()) == (heat, "movie")
    assert tag.getUniqueID("imdb") == "tt0113277"
    assert (tag.getResumeTime(), tag.getResumeTimeTotal()) == (2550.0, 10200.0)
    eli = episode.listitem
    assert eli.getArt("thumb") == "bb-s01e05.jpg"
    assert eli.getArt("poster") == "bb-poster.jpg"
    etag = eli.getVideoInfoTag()
    assert (etag.getDbId(), etag.getMediaType(), etag.getSeason(), etag.getEpisode()) == (ep, "episode", 1, 5)
    assert etag.getTVShowTitle() == "Breaking Bad"


def test_unmatched_entry_is_last_greyed_not_playable_and_says_why(kodi):
    _library(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, _playbacks(ctx.now()))
    build_list(ctx)
    last = run(kodi, "/").directory.items[-1].listitem
    assert last.getProperty("IsPlayable") == "false"
    assert last.getLabel().startswith("[COLOR grey]")
    assert last.getLabel2() == "[COLOR grey]Not in this library[/COLOR]"
    assert last.getVideoInfoTag().getDbId() == -1


def test_ambiguous_title_is_listed_as_not_guessed(kodi):
    kodi.library.add_movie("Solaris", 1972)
    kodi.library.add_movie("Solaris", 2002)
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(1, "Solaris", None, {})])
    build_list(ctx)
    only = run(kodi, "/").directory.items[0].listitem
    assert only.getLabel2() == "[COLOR grey]Several library items have this title: not guessed[/COLOR]"


def test_context_menu_offers_play_from_start_remove_and_mark_watched(kodi):
    _library(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, _playbacks(ctx.now()))
    build_list(ctx)
    d = run(kodi, "/").directory
    assert d.items[0].listitem._context_menu() == [
        ("Play from the beginning", "PlayMedia(plugin://plugin.video.simkl.resume/play_from_start?id=13)"),
        ("Remove from Simkl", "RunPlugin(plugin://plugin.video.simkl.resume/remove?id=13)"),
        ("Mark as watched on Simkl", "RunPlugin(plugin://plugin.video.simkl.resume/watched?id=13)"),
    ]
    # nothing to play for an unmatched entry, but it can still be removed or marked watched
    assert [label for label, _a in d.items[-1].listitem._context_menu()] == [
        "Remove from Simkl", "Mark as watched on Simkl"]


def test_root_sets_content_type_and_no_sorting(kodi):
    import xbmcplugin

    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(1, "Heat", 1995, {"imdb": "tt0113277"})])
    build_list(ctx)
    d = run(kodi, "/").directory
    assert d.content == "movies"
    # UNSORTED keeps our order and reads "Sort by: Default" (NONE reads "Sort by: Date")
    assert d.sort_methods == [xbmcplugin.SORT_METHOD_UNSORTED]
    assert d.cache_to_disc is False


def test_root_sort_method_masks_keep_our_label_and_label2_instead_of_title_and_duration(kodi, monkeypatch):
    """Real Kodi redraws labels from the sort method's masks; the defaults ("%T", "%D") showed
    the bare title and the duration. "%L" keeps the label, "%s" reads the Addon.Status
    property, which every entry must carry with its label2 (tests/realkodi/test_resume_list_labels.py)."""
    import xbmcplugin

    calls = []
    real = xbmcplugin.addSortMethod

    def spy(handle, sortMethod, labelMask="", label2Mask=""):
        calls.append((sortMethod, labelMask, label2Mask))
        return real(handle, sortMethod, labelMask, label2Mask)

    monkeypatch.setattr(xbmcplugin, "addSortMethod", spy)
    _library(kodi)
    ctx = plugin_ctx()
    now = ctx.now()
    store_playbacks(ctx, _playbacks(now))
    build_list(ctx)
    d = run(kodi, "/").directory
    assert calls == [(xbmcplugin.SORT_METHOD_UNSORTED, "%L", "%s")]
    assert len(d.items) == 3
    for entry in d.items:
        li = entry.listitem
        assert li.getLabel2()
        assert li.getProperty("Addon.Status") == li.getLabel2()


def test_mixed_movies_and_episodes_use_content_videos(kodi):
    _library(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, _playbacks(ctx.now()))
    build_list(ctx)
    assert run(kodi, "/").directory.content == "videos"


def test_root_asks_the_service_for_a_check_with_notifyall(kodi):
    import xbmc

    received = []

    class Listener(xbmc.Monitor):
        def onNotification(self, sender, method, data):
            received.append((sender, method))

    listener = Listener()
    ctx = plugin_ctx()
    store_playbacks(ctx, [])
    build_list(ctx)
    kodi.jsonrpc_calls.clear()
    run(kodi, "/")
    assert rpc_methods(kodi) == ["JSONRPC.NotifyAll"]
    params = kodi.jsonrpc_calls[0][1]
    assert (params["sender"], params["message"]) == ("plugin.video.simkl.resume", "check")
    kodi.pump()
    assert received == [("plugin.video.simkl.resume", "Other.check")]
    del listener


def test_empty_list_says_nothing_is_paused(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, [])
    build_list(ctx)
    d = run(kodi, "/").directory
    assert d.labels() == ["[COLOR grey]Nothing paused on Simkl[/COLOR]"]
    assert d.succeeded


def test_offline_shows_cached_list_under_an_offline_since_line(kodi):
    import time

    _library(kodi)
    ctx = plugin_ctx()
    now = ctx.now()
    last_ok = now - 3 * 3600
    store_playbacks(ctx, _playbacks(now), status={"ok": False, "checked_at": now, "last_ok_at": last_ok,
                                                   "error": "offline"})
    build_list(ctx)
    d = run(kodi, "/").directory
    since = time.strftime("%Y-%m-%d %H:%M", time.localtime(last_ok))
    assert d.labels()[0] == "[COLOR grey]Simkl offline since %s: showing the saved list[/COLOR]" % since
    assert d.labels()[1:] == ["Heat (1995)", "Breaking Bad — S01E05 Gray Matter",
                              "[COLOR grey]Unknown Film (2001)[/COLOR]"]
    assert d.items[0].listitem.getProperty("IsPlayable") == "false"


def test_good_sync_status_shows_no_offline_line(kodi):
    _library(kodi)
    ctx = plugin_ctx()
    now = ctx.now()
    store_playbacks(ctx, _playbacks(now), status={"ok": True, "checked_at": now, "last_ok_at": now,
                                                   "error": ""})
    build_list(ctx)
    assert run(kodi, "/").directory.labels()[0] == "Heat (1995)"


def test_stale_resume_list_is_drawn_as_cached_and_the_services_check_rebuilds_and_refreshes_it(kodi):
    from simkl_resume.service.resume_list import ResumeListBuilder

    _library(kodi)
    ctx = plugin_ctx()
    store_playbacks(ctx, _playbacks(ctx.now())[:1])
    build_list(ctx)
    # PullSync stored new playbacks, but no builder ran (yet)
    store_playbacks(ctx, _playbacks(ctx.now()))
    kodi.jsonrpc_calls.clear()
    d = run(kodi, "/").directory
    # the plugin never rebuilds (that costs JSON-RPC calls per needed show): it draws the cache
    assert len(d.items) == 1
    assert rpc_methods(kodi) == ["JSONRPC.NotifyAll"]
    # ... and the service, seeing the menu's check, finds the list stale, rebuilds, refreshes
    refreshed = []
    builder = ResumeListBuilder(ctx, refresh=lambda: refreshed.append(True))
    builder.start()
    try:
        builder.tick(0.0)  # the start-up check
        assert builder._worker.wait_idle(10)
        assert refreshed == [True]
        builder.on_notification("plugin.video.simkl.resume", "Other.check", {"source": "menu"})
        builder.tick(1.0)
        assert builder._worker.wait_idle(10)
        assert refreshed == [True]  # already current: no second rebuild, no refresh
    finally:
        builder.stop()
    d = run(kodi, "/").directory
    assert len(d.items) == 3
    assert ctx.cache.get(KEY_RESUME_LIST)["entries"][0]["playback_id"] == 13


def test_kodi_19_gets_resume_point_as_properties_and_setinfo(kodi):
    from simkl_resume.kodi import listing

    kodi.info_labels["system.buildversion"] = "19.1 (19.1.0) Git:20210509-85e05228b4"
    listing._major.clear()
    try:
        heat, _bb, _ep = _library(kodi)
        ctx = plugin_ctx()
        store_playbacks(ctx, _playbacks(ctx.now()))
        build_list(ctx)
        li = run(kodi, "/").directory.items[0].listitem
        assert li.getProperty("ResumeTime") == "2550.000"
        assert li.getProperty("TotalTime") == "10200.000"
        assert li.getVideoInfoTag().getDbId() == heat
    finally:
        listing._major.clear()


def test_root_with_20000_items_and_1000_playbacks_makes_at_most_3_jsonrpc_calls_when_warm(kodi):
    lib = kodi.library
    movies = {}
    for i in range(15000):
        movies[i] = lib.add_movie("Film %d" % i, 1950 + i % 70, {"imdb": "tt%07d" % (1000000 + i)})
    shows = {}
    for i in range(1000):
        shows[i] = lib.add_show("Series %d" % i, 1990 + i % 30, {"tvdb": str(300000 + i)})
    for i in range(4000):
        lib.add_episode(shows[i % 1000], 1 + i // 1000, 1)
    ctx = plugin_ctx()
    now = ctx.now()
    playbacks, expected_matched, expected_unmatched = [], [], []
    for n in range(1000):
        pid = 5000 + n
        paused = now - n * 60
        if n % 10 == 9:  # not in this library
            playbacks.append(movie_playback(pid, "Missing %d" % n, 2000, {"imdb": "tt%07d" % (9000000 + n)},
                                            paused_epoch=paused))
            expected_unmatched.append(pid)
        elif n % 2:
            playbacks.append(episode_playback(pid, "Series %d" % n, None, {"tvdb": str(300000 + n)},
                                              1 + n % 4, 1, paused_epoch=paused))
            expected_matched.append(pid)
        else:
            playbacks.append(movie_playback(pid, "Film %d" % n, None, {"imdb": "tt%07d" % (1000000 + n)},
                                            paused_epoch=paused))
            expected_matched.append(pid)
    store_playbacks(ctx, playbacks)
    build_list(ctx)  # the service: index + list (warm from here on)
    items, url, opens = [], "/", 0
    while url is not None:  # page by page, as the user presses "Next page"
        kodi.jsonrpc_calls.clear()
        d = run(kodi, url).directory
        opens += 1
        assert len(kodi.jsonrpc_calls) <= 3
        assert rpc_methods(kodi) == ["JSONRPC.NotifyAll"]
        url = d.items[-1].url if d.items[-1].isFolder else None
        items.extend(i for i in d.items if not i.isFolder)
    assert opens == 20  # 50 entries a page
    ids = [int(item.url.rsplit("=", 1)[1]) for item in items]
    assert ids == expected_matched + expected_unmatched
    assert [i.listitem.getProperty("IsPlayable") for i in items] == (
        ["true"] * len(expected_matched) + ["false"] * len(expected_unmatched))


_NO_REQUESTS_SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path[:0] = [%(lib)r, %(repo)r]
    from tests.fakekodi import FakeKodi, install
    kodi = install(FakeKodi(%(tmp)r))
    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    from tests.test_menu_support import build_list, movie_playback, plugin_ctx, run, store_playbacks
    ctx = plugin_ctx()
    store_playbacks(ctx, [movie_playback(1, "Heat", 1995, {"imdb": "tt0113277"})])
    build_list(ctx)
    assert "requests" not in sys.modules, "set-up imported requests"
    d = run(kodi, "/").directory
    print(json.dumps({"labels": d.labels(), "requests": "requests" in sys.modules}))
""")


def test_menu_path_never_imports_requests(tmp_path):
    script = _NO_REQUESTS_SCRIPT % {"lib": os.path.join(REPO, "lib"), "repo": REPO, "tmp": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"labels": ["Heat (1995)"], "requests": False}


def test_expired_playback_is_hidden_and_expires_today_only_while_it_has_not(kodi):
    _library(kodi)
    ctx = plugin_ctx(plan="free")   # 7 days
    now = ctx.now()
    store_playbacks(ctx, [
        movie_playback(13, "Heat", 1995, {"imdb": "tt0113277"}, progress=25.0,
                       paused_epoch=now - 7 * 86400 - 60),                       # expired a minute ago
        episode_playback(11, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 5, "Gray Matter", progress=42.0,
                         paused_epoch=now - 7 * 86400 + 1800),                   # 30 min left
    ])
    build_list(ctx)
    d = run(kodi, "/").directory
    assert d.labels() == ["Breaking Bad — S01E05 Gray Matter"]
    assert d.items[0].listitem.getLabel2().endswith("expires today")


def test_anime_movie_from_simkl_is_listed_and_playable_as_the_library_movie(kodi):
    from simkl_resume.core.parse import parse_playback

    movieid = kodi.library.add_movie("Your Name.", 2016, {"tmdb": "372058"},
                                     streamdetails=stream_details(6400))
    ctx = plugin_ctx()
    now = ctx.now()
    reply = {"id": 77, "progress": "25.5", "paused_at": time_iso(now - 120), "type": "movie",
             "anime": {"title": "Kimi no Na wa.", "year": 2016, "anime_type": "movie",
                       "ids": {"simkl": "40190", "mal": "32281", "tmdb": "372058", "zap2it": "x"}},
             "extra_key": {"nested": True}}
    store_playbacks(ctx, [parse_playback(reply).to_dict()])
    build_list(ctx)
    d = run(kodi, "/").directory
    assert d.labels() == ["Your Name. (2016)"]
    tag = d.items[0].listitem.getVideoInfoTag()
    assert (tag.getDbId(), tag.getMediaType()) == (movieid, "movie")


def time_iso(epoch):
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
