"""core/mirror.py: the pure decisions of the native resume mirror."""
import calendar
import time

from simkl_resume.core.mirror import (
    LocalItem,
    Provenance,
    Target,
    Write,
    lastplayed_epoch,
    local_item,
    plan_mirror,
    real_duration,
    wanted_keys,
)

PAUSED = 1700000000.0
NOW = PAUSED + 3600


def _item(position=0.0, total=0.0, lastplayed=None, duration=6000.0):
    return LocalItem(position, total, lastplayed, duration)


def test_simkl_newer_than_local_lastplayed_writes_progress_times_duration():
    plan = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)],
                       {("movie", 1): _item(lastplayed=PAUSED - 60)}, Provenance(), NOW)
    assert plan.writes == [Write("movie", 1, 2400.0, 6000.0, 11)]
    assert plan.provenance.records["movie:1"]["position"] == 2400.0
    assert plan.provenance.records["movie:1"]["written_at"] == NOW


def test_local_lastplayed_newer_than_simkl_paused_at_is_never_overwritten():
    plan = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)],
                       {("movie", 1): _item(position=300.0, total=6000.0, lastplayed=PAUSED + 5)},
                       Provenance(), NOW)
    assert plan.writes == []
    assert plan.provenance.records == {}
    assert ("movie:1", "local_newer") in plan.skipped


def test_same_position_already_stored_writes_nothing():
    plan = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)],
                       {("movie", 1): _item(position=2400.0, total=6000.0)}, Provenance(), NOW)
    assert plan.writes == []


def test_second_pass_with_nothing_changed_writes_nothing_and_keeps_provenance():
    targets = [Target("movie", 1, 11, 40.0, PAUSED), Target("episode", 7, 12, 10.0, PAUSED)]
    items = {("movie", 1): _item(), ("episode", 7): _item(duration=1500.0)}
    first = plan_mirror(targets, items, Provenance(), NOW)
    assert len(first.writes) == 2
    after = {("movie", 1): _item(2400.0, 6000.0), ("episode", 7): _item(150.0, 1500.0, duration=1500.0)}
    second = plan_mirror(targets, after, first.provenance, NOW + 60)
    assert second.writes == []
    assert second.provenance == first.provenance


def test_newest_playback_of_one_item_wins():
    targets = [Target("movie", 1, 11, 20.0, PAUSED), Target("movie", 1, 12, 50.0, PAUSED + 10)]
    plan = plan_mirror(targets, {("movie", 1): _item()}, Provenance(), NOW)
    assert plan.writes == [Write("movie", 1, 3000.0, 6000.0, 12)]


def test_deleted_playback_clears_a_point_this_addon_wrote():
    first = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)], {("movie", 1): _item()}, Provenance(), NOW)
    plan = plan_mirror([], {("movie", 1): _item(2400.0, 6000.0)}, first.provenance, NOW + 60)
    assert plan.writes == [Write("movie", 1, 0.0, 0.0, 11)]
    assert plan.provenance.records == {}


def test_deleted_playback_leaves_a_point_this_addon_never_wrote():
    plan = plan_mirror([], {("movie", 1): _item(2400.0, 6000.0)}, Provenance(), NOW)
    assert plan.writes == []
    assert wanted_keys([], Provenance()) == []


def test_deleted_playback_does_not_clear_after_the_user_played_locally():
    first = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)], {("movie", 1): _item()}, Provenance(), NOW)
    # played locally after we wrote, stopped at the same second (resume point unchanged)
    plan = plan_mirror([], {("movie", 1): _item(2400.0, 6000.0, lastplayed=NOW + 30)},
                       first.provenance, NOW + 60)
    assert plan.writes == []
    assert plan.provenance.records == {}


def test_deleted_playback_does_not_clear_a_point_moved_since():
    first = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)], {("movie", 1): _item()}, Provenance(), NOW)
    plan = plan_mirror([], {("movie", 1): _item(3100.0, 6000.0)}, first.provenance, NOW + 60)
    assert plan.writes == []


def test_item_gone_from_library_is_forgotten_without_a_write():
    first = plan_mirror([Target("movie", 1, 11, 40.0, PAUSED)], {("movie", 1): _item()}, Provenance(), NOW)
    plan = plan_mirror([], {}, first.provenance, NOW + 60)
    assert plan.writes == [] and plan.provenance.records == {}


def test_no_known_duration_leaves_the_item_alone():
    plan = plan_mirror([Target("episode", 3, 11, 40.0, PAUSED)], {("episode", 3): _item(duration=None)},
                       Provenance(), NOW)
    assert plan.writes == [] and ("episode:3", "no_duration") in plan.skipped


def test_position_never_lands_in_the_last_ten_seconds():
    plan = plan_mirror([Target("movie", 1, 11, 99.99, PAUSED)], {("movie", 1): _item(duration=600.0)},
                       Provenance(), NOW)
    assert plan.writes[0].position == 590.0


def test_real_duration_is_resume_total_then_streamdetails_never_the_scraper_runtime():
    assert real_duration({"resume": {"position": 10, "total": 1432.5}, "runtime": 1500,
                          "streamdetails": {"video": [{"duration": 1440}]}}) == 1432.5
    assert real_duration({"resume": {"position": 0, "total": 0}, "runtime": 1500,
                          "streamdetails": {"video": [{"duration": 1440}]}}) == 1440
    assert real_duration({"resume": {"position": 0, "total": 0}, "runtime": 1500,
                          "streamdetails": {"video": []}}) is None
    assert real_duration({"resume": {"position": 0, "total": 0}, "runtime": 0}) is None


def test_lastplayed_is_read_in_the_given_zone_and_empty_means_never():
    utc = calendar.timegm(time.strptime("2023-11-14 22:13:20", "%Y-%m-%d %H:%M:%S"))
    assert lastplayed_epoch("2023-11-14 22:13:20") == utc
    assert lastplayed_epoch("2023-11-14 23:13:20", utc_offset=3600) == utc
    assert lastplayed_epoch("") is None
    assert lastplayed_epoch("garbage") is None
    assert local_item({"resume": {"position": 5, "total": 100}, "lastplayed": ""}).lastplayed_epoch is None


def test_provenance_round_trips_and_unreadable_data_is_empty():
    prov = Provenance({"movie:1": {"position": 1.0}})
    assert Provenance.from_dict(prov.to_dict()) == prov
    assert Provenance.from_dict({"v": 99}).records == {}
    assert Provenance.from_dict(None).records == {}


def test_lastplayed_uses_the_offset_valid_at_that_instant_daylight_saving_included():
    def berlin(wall):  # CET +1, CEST +2 from the last Sunday of March to the last of October
        month = time.gmtime(wall).tm_mon
        return 7200.0 if 4 <= month <= 10 else 3600.0

    summer = calendar.timegm(time.strptime("2026-07-01 10:30:00", "%Y-%m-%d %H:%M:%S"))
    winter = calendar.timegm(time.strptime("2026-12-01 10:30:00", "%Y-%m-%d %H:%M:%S"))
    assert lastplayed_epoch("2026-07-01 12:30:00", utc_offset=berlin) == summer
    assert lastplayed_epoch("2026-12-01 11:30:00", utc_offset=berlin) == winter


def test_local_utc_offset_follows_the_zone_rules_of_the_date_not_today(local_zone):
    from simkl_resume.resume_points import local_utc_offset

    july = calendar.timegm(time.strptime("2026-07-01 12:30:00", "%Y-%m-%d %H:%M:%S"))
    december = calendar.timegm(time.strptime("2026-12-01 12:30:00", "%Y-%m-%d %H:%M:%S"))
    assert local_utc_offset(july) == 7200.0
    assert local_utc_offset(december) == 3600.0
