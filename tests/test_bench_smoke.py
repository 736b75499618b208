"""tools/bench on tiny sizes: the benchmark code paths keep working (counts only, never times)."""

from tools.bench import library, menu, network
from tools.bench.__main__ import QUICK
from tools.bench.report import render, verdicts


def test_menu_child_process_draws_every_playback_with_one_jsonrpc_call_and_no_requests(tmp_path):
    state = menu.prepare(str(tmp_path / "menu"), **QUICK["menu"])
    _wall, warm, _err = menu.run_once(state, "menu warm")
    _wall, cold, _err = menu.run_once(state, "menu cold")
    for result in (warm, cold):
        assert result["succeeded"] is True
        assert result["items"] == result["entries"] == QUICK["menu"]["playbacks"]
        assert result["jsonrpc"] == ["JSONRPC.NotifyAll"]
        assert result["library_loaded"] is False
        assert result["has_requests"] is False and result["has_urllib3"] is False
    # Window(10000) answers the warm menu: no SQLite, no matching code
    assert warm["has_sqlite3"] is False
    assert "simkl_resume.service.resume_list" not in warm["new_modules"]
    assert "simkl_resume.core.matching" not in warm["new_modules"]


def test_menu_with_up_next_entries_draws_them_with_one_jsonrpc_call_from_the_window(tmp_path):
    state = menu.prepare(str(tmp_path / "menu"), **QUICK["menu"])
    _wall, upnext, _err = menu.run_once(state, "menu warm, 50 up next")
    assert upnext["items"] == upnext["entries"] == QUICK["menu"]["shows"]  # 50 capped by the shows
    assert upnext["jsonrpc"] == ["JSONRPC.NotifyAll"]
    assert upnext["library_loaded"] is False and upnext["has_sqlite3"] is False


def test_menu_cold_with_no_list_draws_one_updating_line_without_reading_the_library(tmp_path):
    state = menu.prepare(str(tmp_path / "menu"), **QUICK["menu"])
    _wall, nolist, _err = menu.run_once(state, "menu cold, no list")
    assert nolist["library_loaded"] is False
    assert nolist["jsonrpc"] == ["JSONRPC.NotifyAll"]
    assert (nolist["items"], nolist["entries"]) == (1, 0)
    _wall, bare, _err = menu.run_once(state, "bare (bootstrap + Kodi modules)")
    assert "items" not in bare and bare["library_loaded"] is False


def test_importtime_parser_reads_module_depth_and_microseconds():
    text = ("import time: self [us] | cumulative | imported package\n"
            "import time:       120 |        120 |     _json\n"
            "import time:      2000 |       2500 | json\n")
    assert menu.parse_importtime(text) == [("_json", 120, 120, 2), ("json", 2000, 2500, 0)]


def test_library_bench_indexes_movies_and_shows_with_two_calls_and_matches_three_quarters():
    out = library.run(**QUICK["library"])
    assert out["index"]["jsonrpc_calls"] == ["VideoLibrary.GetMovies", "VideoLibrary.GetTVShows"]
    assert out["index"]["items"] == QUICK["library"]["movies"] + QUICK["library"]["shows"]
    assert out["lookups"]["matched"] == out["lookups"]["expected_matched"]
    assert out["all_episodes"]["episodes"] == out["all_episodes"]["one_call_episodes"] == out["episodes"]


def test_network_bench_idle_day_is_one_activities_call_per_poll_and_busy_day_fetches_per_pause():
    out = network.run(**QUICK["network"])
    polls = 24 * 60 // QUICK["network"]["interval_min"]
    assert out["idle"]["by_path"] == {"/sync/activities": polls}
    assert out["busy"]["playback_fetches"] == QUICK["network"]["pauses"]
    assert out["naive_idle"]["by_path"] == {"/sync/playback": polls}
    assert out["idle"]["bytes_down"] > 0 and out["naive_busy"]["bytes_down"] > 0


def test_counting_proxy_counts_bytes_both_ways():
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def echo():
        conn, _a = srv.accept()
        conn.sendall(conn.recv(100) + b"!")
        conn.close()

    threading.Thread(target=echo, daemon=True).start()
    with network.CountingProxy("127.0.0.1", srv.getsockname()[1]) as proxy:
        c = socket.create_connection(("127.0.0.1", proxy.port))
        c.sendall(b"hello")
        assert c.recv(100) == b"hello!"
        c.close()
        for _ in range(100):
            if proxy.counts()["bytes_down"] == 6:
                break
            threading.Event().wait(0.05)
        assert proxy.counts() == {"bytes_up": 5, "bytes_down": 6, "connections": 1}
    srv.close()


def _figures(warm_inproc, idle_requests):
    scen = {name: {"median_s": 0.1, "q1_s": 0.1, "q3_s": 0.1, "ratio_to_bare": 1.0}
            for name in menu.SCENARIOS}
    scen["menu warm"].update(in_process_median_s=warm_inproc, jsonrpc=["JSONRPC.NotifyAll"], items=3)
    scen["menu cold"].update(in_process_median_s=0.01, jsonrpc=["JSONRPC.NotifyAll"], items=3)
    imports = {s: {"modules": 1, "self_us_total": 10, "heaviest_self": [("x", 10, 10)],
                   "imported": dict.fromkeys(("requests", "urllib3", "sqlite3", "socket", "ssl"), False),
                   "new_in_menu": {}} for s in ("menu warm", "menu cold", "menu cold, no list")}
    imports["bare_preimported"] = []
    day = {"requests": idle_requests, "by_path": {"/sync/activities": idle_requests}, "playback_fetches": 0,
           "bytes_up": 1, "bytes_down": 1, "polls": 96}
    lib = {"movies": 1, "shows": 1, "episodes": 1, "lookups": {"count": 1, "seconds": 1, "per_second": 1,
                                                                 "matched": 1, "expected_matched": 1},
           "index": {"seconds": 0.5, "jsonrpc_seconds": 0.1, "ours_seconds": 0.4, "build_only_seconds": 0.1,
                     "jsonrpc_calls": ["a", "b"], "items": 2, "peak_bytes": 1, "peak_bytes_build_only": 1},
           "cache": {"json_bytes": 1, "to_dict_dumps_s": 0, "loads_from_dict_s": 0},
           "all_episodes": {"per_show_calls": 1, "per_show_seconds": 1, "episodes": 1, "one_call_seconds": 1,
                            "one_call_episodes": 1}}
    return {"machine": {"nproc": 2, "cpu": "c", "python": "3", "python_path": "p", "kernel": "k",
                        "loadavg_at_start": "0"}, "sizes": QUICK, "started": "now", "total_seconds": 1,
            "menu": {"runs": 1, "scenarios": scen}, "imports": imports, "library": lib,
            "network": {"interval_min": 15, "existing_playbacks": 1, "pauses": 1, "startup": day, "idle": day,
                        "busy": day, "naive_idle": day, "naive_busy": day}}


def test_menu_target_is_missed_when_default_py_costs_more_than_30_percent_of_python_start():
    met = dict((t, v) for t, _f, v, _w in verdicts(_figures(0.02, 96)))
    missed = dict((t, v) for t, _f, v, _w in verdicts(_figures(0.05, 96)))
    assert met["Menu open <= 1.3x the bare interpreter"] == "met"
    assert missed["Menu open <= 1.3x the bare interpreter"] == "missed"


def test_idle_target_is_missed_when_a_day_makes_more_requests_than_polls_and_report_renders():
    figures = _figures(0.02, 97)
    verdict = dict((t, v) for t, _f, v, _w in verdicts(figures))
    assert verdict["Idle = 1 request per poll and 0 playback fetches"] == "missed"
    text = render(figures)
    assert "## How to rerun" in text and "not measured" in text
    assert text.startswith("# Benchmarks")


def test_on_update_bench_reads_one_item_per_update_and_the_section_splices_into_the_report():
    from tools.bench.report import ON_UPDATE_BEGIN, on_update_section, splice

    out = library.on_update(**QUICK["on_update"])
    assert out["update"]["calls"] == 1 and out["update"]["methods"] == {"VideoLibrary.GetMovieDetails": 1}
    assert out["update_listed"]["calls"] == 1
    assert out["scan"]["calls"] >= 3
    section = on_update_section(out)
    report = "# Benchmarks\n\n## 2. x\n\n## 3. Network\n"
    once = splice(report, section)
    assert once.index(ON_UPDATE_BEGIN) < once.index("## 3. Network")
    assert splice(once, section) == once
