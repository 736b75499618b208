"""The menu drawn from the cache only: pages, no list yet, the service's check, warm imports."""
import json
import os
import subprocess
import sys
import textwrap

from simkl_resume.context import KEY_RESUME_LIST
from simkl_resume.resume_cache import KEY_MENU_PAGE, PAGE_SIZE, load_menu_page
from tests.test_menu_support import build_list, movie_playback, plugin_ctx, rpc_methods, run, store_playbacks

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON_ID = "plugin.video.simkl.resume"


def _films(kodi, ctx, count, missing_every=0):
    """`count` playbacks of films in the library (every `missing_every`-th not in it), newest first."""
    now = ctx.now()
    playbacks = []
    for n in range(count):
        imdb = "tt%07d" % (1000000 + n)
        if missing_every and n % missing_every == missing_every - 1:
            imdb = "tt%07d" % (9000000 + n)
        else:
            kodi.library.add_movie("Film %d" % n, 2000, {"imdb": imdb})
        playbacks.append(movie_playback(100 + n, "Film %d" % n, 2000, {"imdb": imdb},
                                        paused_epoch=now - n * 60))
    return playbacks


def _ids(directory):
    return [int(i.url.rsplit("=", 1)[1]) for i in directory.items if "/play?" in i.url]


def test_long_list_shows_first_page_then_a_next_page_folder(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, PAGE_SIZE * 2 + 5))
    build_list(ctx)
    first = run(kodi, "/").directory
    assert _ids(first) == list(range(100, 100 + PAGE_SIZE))
    more = first.items[-1]
    assert more.isFolder
    assert more.url == "plugin://plugin.video.simkl.resume/?page=2"
    assert more.listitem.getLabel() == "Next page (2/3)"
    second = run(kodi, more.url).directory
    assert _ids(second) == list(range(100 + PAGE_SIZE, 100 + 2 * PAGE_SIZE))
    assert second.items[-1].url == "plugin://plugin.video.simkl.resume/?page=3"
    last = run(kodi, second.items[-1].url).directory
    assert not last.items[-1].isFolder
    assert _ids(last) == list(range(100 + 2 * PAGE_SIZE, 100 + 2 * PAGE_SIZE + 5))


def test_unmatched_entries_come_after_every_matched_entry_across_pages(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, PAGE_SIZE + 10, missing_every=2))
    build_list(ctx)
    pages = [run(kodi, "/").directory, run(kodi, "/?page=2").directory]
    playable = [i.listitem.getProperty("IsPlayable") for d in pages for i in d.items if not i.isFolder]
    assert playable == sorted(playable, reverse=True)  # all "true" before any "false"
    assert playable.count("true") == (PAGE_SIZE + 10) // 2


def test_offline_line_is_drawn_on_the_first_page_only(kodi):
    ctx = plugin_ctx()
    now = ctx.now()
    store_playbacks(ctx, _films(kodi, ctx, PAGE_SIZE + 1),
                    status={"ok": False, "checked_at": now, "last_ok_at": now - 3600, "error": "offline"})
    build_list(ctx)
    first = run(kodi, "/").directory.labels()
    second = run(kodi, "/?page=2").directory.labels()
    assert first[0].startswith("[COLOR grey]Simkl offline since")
    assert len(first) == 1 + PAGE_SIZE + 1  # offline line, a page, "Next page"
    assert len(second) == 1 and not second[0].startswith("[COLOR grey]Simkl offline")


def test_page_past_the_end_shows_the_last_page(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, 3))
    build_list(ctx)
    # e.g. "Next page" of a longer list still in Kodi's history after the list got shorter
    assert _ids(run(kodi, "/?page=4").directory) == [100, 101, 102]


def test_no_list_in_cache_draws_an_updating_line_with_one_jsonrpc_call_and_no_library_reads(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, 30))  # PullSync fetched, nobody built the list yet
    kodi.jsonrpc_calls.clear()
    d = run(kodi, "/").directory
    assert d.succeeded
    assert d.labels() == ["[COLOR grey]Updating the list from Simkl…[/COLOR]"]
    assert rpc_methods(kodi) == ["JSONRPC.NotifyAll"]
    assert ctx.cache.get(KEY_RESUME_LIST) is None


def test_service_builds_a_missing_list_when_the_menu_asks_and_refreshes_the_menu(kodi):
    from simkl_resume.service.resume_list import ResumeListBuilder

    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, 3))
    refreshed = []
    builder = ResumeListBuilder(ctx, refresh=lambda: refreshed.append(True))
    builder._worker.start()  # start() would also check at start-up; here only the menu asks
    try:
        assert builder.tick(0.0) is None and builder._worker.wait_idle(10)
        assert ctx.cache.get(KEY_RESUME_LIST) is None
        run(kodi, "/")  # draws "updating" and sends the check
        kodi.pump()
        builder.on_notification(ADDON_ID, "Other.check", {"source": "menu"})
        builder.tick(1.0)
        assert builder._worker.wait_idle(10)
    finally:
        builder.stop()
    assert refreshed == [True]
    assert _ids(run(kodi, "/").directory) == [100, 101, 102]


def test_service_builds_nothing_on_the_check_before_any_playbacks_were_fetched(kodi):
    from simkl_resume.service.resume_list import ResumeListBuilder

    ctx = plugin_ctx()
    refreshed = []
    builder = ResumeListBuilder(ctx, refresh=lambda: refreshed.append(True))
    builder.start()
    try:
        builder.on_notification(ADDON_ID, "Other.check", {"source": "menu"})
        builder.tick(0.0)
        assert builder._worker.wait_idle(10)
    finally:
        builder.stop()
    assert refreshed == [] and builder.builds == 0
    assert rpc_methods(kodi) == []  # not even the library index


def test_a_shorter_list_deletes_the_menu_pages_of_the_longer_one(kodi):
    ctx = plugin_ctx()
    playbacks = _films(kodi, ctx, PAGE_SIZE * 2 + 1)
    store_playbacks(ctx, playbacks)
    build_list(ctx)
    assert load_menu_page(ctx.cache, 3)["pages"] == 3
    store_playbacks(ctx, playbacks[:2])
    build_list(ctx)
    assert load_menu_page(ctx.cache, 1)["pages"] == 1
    assert ctx.cache.get(KEY_MENU_PAGE % 2) is None and ctx.cache.get(KEY_MENU_PAGE % 3) is None


def test_list_stored_without_menu_pages_is_paged_by_the_plugin(kodi):
    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, PAGE_SIZE + 2))
    build_list(ctx)
    for n in (1, 2):  # as an older version left it: the list only
        ctx.cache.delete(KEY_MENU_PAGE % n)
    first = run(kodi, "/").directory
    assert len(_ids(first)) == PAGE_SIZE and first.items[-1].isFolder
    assert _ids(run(kodi, "/?page=2").directory) == [100 + PAGE_SIZE, 101 + PAGE_SIZE]


def test_removing_an_entry_rewrites_the_menu_page(kodi):
    from simkl_resume.resume_cache import drop_playback

    ctx = plugin_ctx()
    store_playbacks(ctx, _films(kodi, ctx, 3))
    build_list(ctx)
    drop_playback(ctx.cache, 101)
    assert _ids(run(kodi, "/").directory) == [100, 102]


_PREPARE = textwrap.dedent("""
    import json, sys
    sys.path[:0] = [%(lib)r, %(repo)r]
    from tests.fakekodi import FakeKodi, install
    kodi = install(FakeKodi(%(tmp)r))
    kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
    from tests.test_menu_support import build_list, movie_playback, plugin_ctx, store_playbacks
    ctx = plugin_ctx()
    now = ctx.now()
    store_playbacks(ctx, [movie_playback(1, "Heat", 1995, {"imdb": "tt0113277"})],
                    status={"ok": True, "checked_at": now, "last_ok_at": now, "error": ""})
    build_list(ctx)
    json.dump(dict(kodi.windows[10000]), open(%(window)r, "w"))
""")

# A new interpreter, as Kodi starts the plugin: Window(10000) filled by the service (above).
_MENU = textwrap.dedent("""
    import json, sys
    sys.path[:0] = [%(lib)r, %(repo)r]
    from tests.fakekodi import FakeKodi, install
    kodi = FakeKodi(%(tmp)r)
    kodi.windows[10000].update(json.load(open(%(window)r)))
    install(kodi)
    before = set(sys.modules)
    from tests.test_menu_support import run
    d = run(kodi, "/").directory
    watched = ("sqlite3", "requests", "hashlib", "simkl_resume.service.resume_list",
               "simkl_resume.core.matching", "simkl_resume.kodi.library")
    print(json.dumps({"labels": d.labels(), "rpc": [m for m, _p in kodi.jsonrpc_calls],
                      "imported": [m for m in watched if m in sys.modules and m not in before]}))
""")


def test_warm_menu_imports_neither_sqlite3_nor_requests_nor_the_matching_code(tmp_path):
    values = {"lib": os.path.join(REPO, "lib"), "repo": REPO, "tmp": str(tmp_path),
              "window": str(tmp_path / "window.json")}
    prepared = subprocess.run([sys.executable, "-c", _PREPARE % values], capture_output=True, text=True,
                              cwd=REPO, timeout=120)
    assert prepared.returncode == 0, prepared.stderr
    out = subprocess.run([sys.executable, "-c", _MENU % values], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"labels": ["Heat (1995)"], "rpc": ["JSONRPC.NotifyAll"], "imported": []}


def test_dropping_a_playback_keeps_the_others_cached_as_long_as_the_pull_would(tmp_path):
    from simkl_resume.context import KEY_PLAYBACKS
    from simkl_resume.resume_cache import drop_playback
    from simkl_resume.store.cache import SimpleCache
    from tests._stores import Clock

    clock = Clock()
    cache = SimpleCache(str(tmp_path / "cache.db"), now=clock)
    cache.set(KEY_PLAYBACKS, [{"id": 1}, {"id": 2}], expiration=10 * 365 * 86400)
    drop_playback(cache, 1)  # the plugin's remove / watched
    clock.t += 60 * 86400  # two months without a pull that moved anything
    assert cache.get(KEY_PLAYBACKS) == [{"id": 2}]
