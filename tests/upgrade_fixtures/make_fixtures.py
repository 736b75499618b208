"""Write the on-disk stores of a RELEASED version of the addon, with that version's own code.

    git worktree add --detach /tmp/v010 v0.1.0
    python3 tests/upgrade_fixtures/make_fixtures.py /tmp/v010 tests/upgrade_fixtures/0.1.0
    git worktree remove /tmp/v010

Run ONCE per release (the fixtures are committed; rerunning rewrites them). The script imports
the store classes of the released tree given as the first argument (never this tree's), on a
fixed clock, and writes a profile folder as that release leaves it:
  outbox.db     queued scrobbles of the signed-in account "alice": a pause that already failed
                twice (retry due), a start + pause of one movie, a start + watched stop of an
                episode, and one event of another account ("bob", signed out since)
  cache.db      activities, playbacks (parsed from Simkl-shaped JSON), sync status
  account.json  alice signed in (token, name, plan)
  account-revoked.json  the record after Simkl refused a token (name kept, no token)
  mirror.json   provenance of two resume points the mirror wrote (movie:1, episode:2)
  expected.json what each store must still say when a later version opens it
"""
import json
import os
import shutil
import sys

FIXTURE_TIME = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC: every fixture is written "then"
TOKEN = "upgrade-fixture-token-0123456789abcdef"

HEAT = {"title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277", "tmdb": "949"}}
RONIN = {"title": "Ronin", "year": 1998, "ids": {"imdb": "tt0122690"}}
BREAKING_BAD = {"title": "Breaking Bad", "year": 2008, "ids": {"tvdb": "81189", "imdb": "tt0903747"}}

PLAYBACKS_JSON = [
    {"id": 9001, "progress": 40.5, "paused_at": "2023-11-14T21:00:00.000Z", "type": "movie",
     "movie": {"title": "Heat", "year": 1995, "ids": {"simkl": 53536, "imdb": "tt0113277", "tmdb": 949}}},
    {"id": 9002, "progress": 12.25, "paused_at": "2023-11-13T08:30:00Z", "type": "episode",
     "episode": {"season": 1, "number": 2, "title": "Cat's in the Bag...", "tvdb_season": 1,
                 "tvdb_number": 2},
     "show": {"title": "Breaking Bad", "year": 2008,
              "ids": {"simkl": 11121, "tvdb": 81189, "imdb": "tt0903747"}}},
]
ACTIVITIES_JSON = {
    "all": "2023-11-14T21:00:00Z", "settings": {"all": "2023-01-01T00:00:00Z"},
    "movies": {"all": "2023-11-14T21:00:00Z", "playback": "2023-11-14T21:00:00Z"},
    "tv_shows": {"all": "2023-11-13T08:30:00Z", "playback": "2023-11-13T08:30:00Z"},
    "anime": {"all": None, "playback": None},
}


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


def main(release_tree, out_dir):
    sys.path.insert(0, os.path.join(os.path.abspath(release_tree), "lib"))
    from simkl_resume.core import ids, parse  # noqa: E402 - the RELEASED code, on purpose
    from simkl_resume.context import AddonContext
    from simkl_resume.core.mirror import Provenance
    from simkl_resume.service.mirror import ResumeMirror
    from simkl_resume.store.account import AccountStore
    from simkl_resume.store.cache import SimpleCache
    from simkl_resume.store.outbox import ScrobbleOutbox

    assert os.path.abspath(ids.__file__).startswith(os.path.abspath(release_tree)), ids.__file__
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    clock = Clock(FIXTURE_TIME - 3600)

    # -- outbox -----------------------------------------------------------------------------
    outbox = ScrobbleOutbox(os.path.join(out_dir, "outbox.db"), now=clock)

    def add(account, item, action, progress):
        body = ids.scrobble_body(item, progress)
        clock.t += 60
        return outbox.add(account, ids.item_key(body), action, body)

    ronin = add("alice", {"movie": RONIN}, "pause", 12.0)
    clock.t += 30
    outbox.retry_later(ronin, 30, "NetworkError: connection refused")
    clock.t += 40
    outbox.retry_later(ronin, 60, "ServerError: HTTP 503")
    add("bob", {"movie": HEAT}, "pause", 77.0)
    add("alice", {"movie": HEAT}, "start", 10.0)
    add("alice", {"movie": HEAT}, "pause", 40.5)
    episode = {"show": BREAKING_BAD, "episode": {"season": 1, "number": 2}}
    add("alice", episode, "start", 3.0)
    add("alice", episode, "stop", 95.0)
    outbox.close()

    # -- cache ------------------------------------------------------------------------------
    clock.t = FIXTURE_TIME
    cache = SimpleCache(os.path.join(out_dir, "cache.db"), now=clock)
    activities = parse.parse_activities(ACTIVITIES_JSON).to_dict()
    playbacks = [p.to_dict() for p in parse.parse_playbacks(PLAYBACKS_JSON)]
    status = {"ok": True, "checked_at": FIXTURE_TIME, "last_ok_at": FIXTURE_TIME, "error": ""}
    cache.set("activities", activities)
    cache.set("playbacks", playbacks, checksum=ACTIVITIES_JSON["all"])
    cache.set("sync_status", status)
    cache.close()

    # -- account ----------------------------------------------------------------------------
    AccountStore(out_dir).sign_in(TOKEN, name="alice", plan="VIP")
    revoked = AccountStore(out_dir, filename="account-revoked.json")
    revoked.sign_in("revoked-token", name="carol", plan="free")
    revoked.sign_out("revoked")

    # -- mirror provenance (written by the release's ResumeMirror) --------
    written = {
        "movie:1": {"position": 2430.0, "total": 6000.0, "playback_id": 9001,
                    "paused_epoch": FIXTURE_TIME - 4400, "written_at": FIXTURE_TIME - 4000},
        "episode:2": {"position": 343.0, "total": 2800.0, "playback_id": 9002,
                      "paused_epoch": FIXTURE_TIME - 135000, "written_at": FIXTURE_TIME - 4000},
    }
    mirror = ResumeMirror(AddonContext(out_dir, "0.1.0", now=clock), call=lambda *a: None,
                          enabled=lambda: True, utc_offset=lambda: 0.0)
    mirror.save_provenance(Provenance(written))

    reopened = ScrobbleOutbox(os.path.join(out_dir, "outbox.db"), now=clock)
    queued = [[e.id, e.account, e.item_key, e.action, e.body, e.attempts, e.last_error]
              for e in reopened.all()]
    reopened.close()
    expected = {
        "fixture_time": FIXTURE_TIME,
        "token": TOKEN,
        "account": {"name": "alice", "plan": "vip"},
        "revoked_account_queue_name": "carol",
        "outbox_all": queued,
        "delivered": [["pause", ids.scrobble_body({"movie": RONIN}, 12.0)],
                      ["pause", ids.scrobble_body({"movie": HEAT}, 40.5)],
                      ["stop", ids.scrobble_body(episode, 95.0)]],
        "cache": {"activities": activities, "playbacks": playbacks, "sync_status": status},
        "playbacks_checksum": ACTIVITIES_JSON["all"],
        "mirror_written": written,
    }
    with open(os.path.join(out_dir, "expected.json"), "w", encoding="utf-8") as handle:
        json.dump(expected, handle, indent=1, sort_keys=True)
    for name in sorted(os.listdir(out_dir)):
        assert not name.endswith(("-wal", "-shm", "-journal")), name  # closed cleanly
        print(os.path.join(out_dir, name))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
