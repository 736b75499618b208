"""Upgrades lose nothing: the stores written by each RELEASED version, opened by this one.

The fixtures in tests/upgrade_fixtures/<release>/ were written once by that release's own code
(tests/upgrade_fixtures/make_fixtures.py, run against a checkout of its git tag); expected.json
holds what that release read back from them. When a release changes a format, add its folder
here (RELEASES) - every later version must still open every released one.
"""
import itertools
import json
import os
import shutil
import sqlite3
import time

import pytest

from simkl_resume.context import AddonContext
from simkl_resume.core.model import Activities, Playback
from simkl_resume.store.account import AccountStore
from simkl_resume.store.cache import SimpleCache
from simkl_resume.store.outbox import ScrobbleOutbox
from tests._stores import Clock
from tools.simkl_standin import StandIn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "upgrade_fixtures")
RELEASES = ["0.1.0"]
CATALOG = [
    {"type": "movie", "title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277", "tmdb": 949},
     "runtime": 100},
    {"type": "movie", "title": "Ronin", "year": 1998, "ids": {"imdb": "tt0122690"}, "runtime": 100},
    {"type": "show", "title": "Breaking Bad", "year": 2008, "ids": {"tvdb": 81189, "imdb": "tt0903747"},
     "runtime": 47},
]


def _fail_log(message):
    raise AssertionError("unexpected log line: " + message)


@pytest.fixture(params=RELEASES)
def release(request, tmp_path):
    """A copy of the release's profile folder (the stores are migrated in place when opened)."""
    profile = tmp_path / ("profile-" + request.param)
    shutil.copytree(os.path.join(HERE, request.param), str(profile))
    with open(str(profile / "expected.json"), encoding="utf-8") as handle:
        expected = json.load(handle)
    return str(profile), expected


def test_queued_scrobbles_of_a_release_are_all_delivered_once_to_simkl(release):
    profile, expected = release
    clock = Clock(expected["fixture_time"] + 60)
    with StandIn() as simkl:
        simkl.seed(catalog=CATALOG)
        simkl.add_user(expected["token"], "alice")
        alice_id = simkl.account_id(expected["token"])
        logs = []
        ctx = AddonContext(profile, "upgrade-test", now=clock, log=logs.append,
                           env={"SIMKL_API_URL": simkl.url, "SIMKL_CLIENT_ID": "upgrade-tests"})
        queued = [[e.id, e.account, e.item_key, e.action, e.body, e.attempts, e.last_error]
                  for e in ctx.outbox.all()]
        assert queued == expected["outbox_all"]
        # outbox schema 2 (issue 12): a migrated event has no counted failure and is not parked
        assert [(e.failures, e.first_failure, e.parked_at) for e in ctx.outbox.all()] == [(0, None, None)] * 6
        assert [line.split(": ", 1)[1] for line in logs] == ["schema migrated from version 1 to 2"]
        assert ctx.account.queue_key == "alice"  # account.json migrated (format 2): 0.1.0's key
        assert sorted(line.split(": ", 1)[1] for line in logs) == [
            "migrated from format 1 to 2", "schema migrated from version 1 to 2"]

        from simkl_resume.service.sender import ScrobbleSender

        fake_real_clock = itertools.count(0, 10).__next__  # never waits for the 1 s POST gap
        sender = ScrobbleSender(ctx, log=lambda level, message: None, real_clock=fake_real_clock)
        for _ in range(120):
            if ctx.outbox.count("alice") == 0 and ctx.outbox.count(ctx.account.queue_key) == 0:
                break
            sender.work()
            clock.t += 1
        # issue 12: the sender learnt Simkl's account id (/users/settings) and filed alice's
        # 0.1.0 events under it; bob's (another account) stay aside, never sent
        assert ctx.account.queue_key == "id:%d" % alice_id
        assert ctx.account.load()["account_id"] == alice_id
        delivered = [[r["path"].rsplit("/", 1)[-1], r["body"]] for r in simkl.requests("/scrobble/")]
        statuses = [r["status"] for r in simkl.requests("/scrobble/")]
    assert delivered == expected["delivered"]  # each once, in order, superseded ones collapsed
    assert statuses == [201] * len(delivered)
    assert [e.account for e in ctx.outbox.all()] == ["bob"]  # another account's event is kept


def test_the_account_of_a_release_stays_signed_in(release):
    profile, expected = release
    logs = []
    store = AccountStore(profile, log=logs.append)
    assert store.token == expected["token"]
    record = store.load()
    assert (record["name"], record["plan"]) == (expected["account"]["name"], expected["account"]["plan"])
    assert store.queue_key == expected["account"]["name"]
    assert store.retention_days() == 90
    revoked = AccountStore(profile, filename="account-revoked.json", log=logs.append)
    assert revoked.token is None
    assert revoked.queue_key == expected["revoked_account_queue_name"]
    # format 2 (issue 12): the account id is not known yet; each file migrated once, said once
    assert store.load()["account_id"] is None and revoked.load()["account_id"] is None
    assert [line.split(": ", 1)[1] for line in logs] == ["migrated from format 1 to 2"] * 2


def test_the_cache_of_a_release_still_answers(release):
    profile, expected = release
    cache = SimpleCache(os.path.join(profile, "cache.db"), now=Clock(expected["fixture_time"] + 60),
                        log=_fail_log)
    for key, value in expected["cache"].items():
        assert cache.get(key) == value, key
    playbacks = cache.get("playbacks", checksum=expected["playbacks_checksum"])
    assert [Playback.from_dict(p).id for p in playbacks] == [9001, 9002]
    activities = Activities.from_dict(cache.get("activities")).to_dict()  # later fields may be added
    assert {k: activities[k] for k in expected["cache"]["activities"]} == expected["cache"]["activities"]


def test_the_mirror_of_a_release_still_knows_the_resume_points_it_wrote(release, kodi):
    from simkl_resume.service.mirror import ResumeMirror
    from tests.test_menu_support import build_list, plugin_ctx, store_playbacks

    profile, expected = release
    os.makedirs(kodi.profile_dir, exist_ok=True)
    shutil.copy(os.path.join(profile, "mirror.json"), os.path.join(kodi.profile_dir, "mirror.json"))
    before = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expected["fixture_time"] - 7200))
    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000,
                                  resume=(2430, 6000), lastplayed=before)
    other = kodi.library.add_movie("Alien", 1979, {"imdb": "tt0078748"}, runtime=7000, resume=(1234, 7000))
    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    kodi.library.add_episode(show, 1, 1, runtime=2800)
    episode = kodi.library.add_episode(show, 1, 2, runtime=2800, resume=(343, 2800), lastplayed=before)
    assert ("movie:%d" % heat, "episode:%d" % episode) == ("movie:1", "episode:2")  # as in the fixture

    ctx = plugin_ctx()
    ctx.now = kodi.clock.now
    logs = []
    mirror = ResumeMirror(ctx, log=logs.append)
    assert mirror.load_provenance().records == expected["mirror_written"]

    store_playbacks(ctx, [])  # both playbacks were finished or removed on Simkl since
    build_list(ctx)
    assert mirror.sync() == 2  # it clears exactly the two points it wrote
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0
    assert kodi.library.episodes[episode]["resume"]["position"] == 0.0
    assert kodi.library.movies[other]["resume"] == {"position": 1234.0, "total": 7000.0}
    assert mirror.load_provenance().records == {}
    assert logs == ["mirror: 0 resume point(s) set, 2 cleared"]  # nothing moved aside or lost


def _shape(path):
    """Tables, columns and indexes of an SQLite file, independent of how they were created."""
    conn = sqlite3.connect(path)
    try:
        shape = {"user_version": conn.execute("PRAGMA user_version").fetchone()[0]}
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                    " AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            shape[name] = {
                "columns": conn.execute(f"PRAGMA table_info({name})").fetchall(),
                "indexes": sorted(
                    (row[1], row[2], [c[2] for c in conn.execute(f"PRAGMA index_info({row[1]})")])
                    for row in conn.execute(f"PRAGMA index_list({name})")),
            }
        return shape
    finally:
        conn.close()


def _opened(store, path):
    """Open the store's database (migrating it) and close it again."""
    db = store(path, log=lambda message: None)._db
    db.read(lambda conn: None)
    db.close()
    return path


@pytest.mark.parametrize("store, filename", [(ScrobbleOutbox, "outbox.db"), (SimpleCache, "cache.db")])
def test_a_migrated_database_has_the_schema_of_a_new_one(release, tmp_path, store, filename):
    profile, _expected = release
    migrated = _opened(store, os.path.join(profile, filename))
    fresh = _opened(store, str(tmp_path / ("fresh-" + filename)))
    assert _shape(migrated) == _shape(fresh)
