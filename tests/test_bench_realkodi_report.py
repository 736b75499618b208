"""The real-Kodi part of the bench report: verdicts follow the figures (no Kodi started here)."""
from tools.bench.report import REAL_TARGETS, _realkodi_section, realkodi_verdicts


def _figures(handoff_max=0.2, start_err=0.3, enabled=3.3, disabled=3.0, stdev=0.4):
    def idle(share):
        return {"slices_pct": [share] * 6, "cpu_s": share * 0.6, "wall_s": 60.0, "share_pct": share,
                "slice_stdev_pct": stdev}

    noise = (2 * stdev ** 2 / 6) ** 0.5
    runs = [{"progress": 31.0, "handoff_s": handoff_max, "listings": 2, "check_sent_s": 0.05,
             "fetch_s": 0.03, "playback_fetches": 1, "start_s": 93.0 + start_err, "target_s": 93.0,
             "error_s": start_err}]
    return {"loadavg_at_start": "0 0 0", "repeats": 1, "idle_seconds": 60.0, "slice_s": 10.0,
            "duration_s": 300.0, "boot_s": 1.0, "scan_s": 1.0, "runs": runs, "total_seconds": 180.0,
            "handoff": {"median_s": handoff_max, "min_s": handoff_max, "max_s": handoff_max},
            "fetch": {"median_s": 0.03, "max_s": 0.03},
            "poll": [{"interval_min": 5, "average_s": 150.03, "worst_s": 300.03}],
            "start_error": {"median_abs_s": abs(start_err), "max_abs_s": abs(start_err)},
            "syncs_during_idle": 0,
            "idle": {"enabled": idle(enabled), "disabled": idle(disabled),
                     "difference_pct": enabled - disabled, "ratio": enabled / disabled, "noise_pct": noise}}


def _verdicts(rk):
    return dict((t, v) for t, _f, v, _w in realkodi_verdicts(rk))


def test_real_kodi_targets_are_met_when_handoff_start_error_and_idle_cpu_are_within_them():
    assert set(_verdicts(_figures()).values()) == {"met"}


def test_handoff_over_2_s_or_start_error_over_1_s_is_missed():
    assert _verdicts(_figures(handoff_max=2.5))[REAL_TARGETS[0]] == "missed"
    assert _verdicts(_figures(start_err=-1.2))[REAL_TARGETS[1]] == "missed"


def test_idle_cpu_difference_beyond_two_standard_errors_is_missed():
    assert _verdicts(_figures(enabled=5.0, disabled=3.0, stdev=0.4))[REAL_TARGETS[2]] == "missed"
    assert _verdicts(_figures(enabled=3.2, disabled=3.0, stdev=0.4))[REAL_TARGETS[2]] == "met"


def test_skipped_or_failed_real_kodi_part_is_reported_as_not_measured_with_the_reason():
    for rk, reason in ((None, "not run"), ({"skipped": "--quick"}, "--quick"), ({"failed": "boom"}, "boom")):
        rows = realkodi_verdicts(rk)
        assert [v for _t, _f, v, _w in rows] == ["not measured"] * 3
        assert all(reason in why for _t, _f, _v, why in rows)
        assert reason in "\n".join(_realkodi_section(rk))


def test_section_4_lists_every_run_and_both_idle_windows():
    text = "\n".join(_realkodi_section(_figures()))
    assert "| 1 | 31 % | 200 ms | 2 |" in text
    assert "| enabled |" in text and "| disabled |" in text
    assert "| 5 min | 150.0 s | 300.0 s |" in text
