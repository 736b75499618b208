"""Issue 8 part 4: the running service and plugin invocations on the same cache and outbox.

The service (PullSync writing the cached lists and sync status, ScrobblePush queueing and
delivering scrobbles) runs on the fake Kodi against the stand-in while PROCESSES python
subprocesses (separate plugin runs, using the stores directly) and THREADS in this process
write and read their own cache keys and queue outbox events for their own accounts.
Nothing may fail on "database is locked" and every write must be there at the end.
"""
import json
import os
import threading

import pytest

from simkl_resume.context import KEY_PLAYBACKS, AddonContext
from simkl_resume.service.pull import PullSync
from simkl_resume.service.push import ScrobblePush
from simkl_resume.service.sender import ScrobbleSender
from simkl_resume.store.cache import SimpleCache
from simkl_resume.store.outbox import ScrobbleOutbox
from tests._service_rig import FakeKodiSettings, PullUi, start_service
from tests._stores import plugin_writes, spawn
from tools.simkl_standin import StandIn

TOKEN = "concurrency-token-8c41d2e7"
PROCESSES = 3
THREADS = 3
WRITES = 40

# A plugin run in another process (tests/_stores.plugin_writes); prints the errors it met as JSON.
CHILD = r"""
import json, sys
from tests._stores import plugin_writes
errors = []
plugin_writes(sys.argv[1], sys.argv[2], int(sys.argv[3]), errors)
print(json.dumps(errors))
"""


@pytest.fixture
def standin():
    with StandIn() as s:
        s.seed(catalog=[{"type": "movie", "title": "Heat", "year": 1995,
                         "ids": {"imdb": "tt0113277", "tmdb": 949}, "runtime": 100}])
        s.add_user(TOKEN, "alice", "pro")
        yield s


def test_service_and_plugin_processes_and_threads_share_the_stores_without_locks_or_lost_writes(
        kodi, standin, tmp_path):
    profile = str(tmp_path / "profile")
    logs = []
    ctx = AddonContext(profile, "1.0.0", memory=None, now=kodi.clock.now, log=logs.append,
                       env={"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": "concurrency"})
    ctx.account.sign_in(TOKEN, "alice", "pro")
    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, duration=6000.0, runtime=6000)
    pull = PullSync(ctx, rand=lambda: 0.0, ui=PullUi(), settings=FakeKodiSettings(kodi),
                    poll_timeout=(2, 5), poll_retries=0)
    sender = ScrobbleSender(ctx, log=lambda level, message: logs.append(message))
    push = ScrobblePush(ctx, sender=sender, log=lambda level, message: logs.append(message))
    _, service_thread = start_service(kodi, [pull, push], workers=[pull.worker, sender])

    children = [spawn(CHILD, profile, "proc%d" % i, WRITES) for i in range(PROCESSES)]
    thread_errors = [[] for _ in range(THREADS)]
    threads = [threading.Thread(target=plugin_writes, args=(profile, "thread%d" % i, WRITES, errors))
               for i, errors in enumerate(thread_errors)]
    for t in threads:
        t.start()

    # Meanwhile the service works: a new pause on Simkl and an on-open check every round
    # (pull writes playbacks, activities, status), and a playback of Heat queued and sent.
    kodi.player.play_movie(heat)
    made = []
    for round_ in range(12):
        movie = {"title": "M%d" % round_, "ids": {"imdb": "tt99%05d" % round_}}
        made.append(standin.add_playback(movie=movie, progress=20.0 + round_, ago=60, user=TOKEN)["id"])
        kodi.send_notification("plugin.video.simkl.resume", "Other.check", {})
        kodi.clock.advance(11)
        assert pull.worker.wait_idle(30) and sender.wait_idle(30)
    kodi.player.stop()
    for _ in range(30):
        kodi.clock.advance(1)
        assert sender.wait_idle(30)

    for t in threads:
        t.join(60)
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * PROCESSES, [err for _, err in outputs]
    assert [json.loads(out) for out, _ in outputs] == [[]] * PROCESSES
    assert thread_errors == [[]] * THREADS

    writers = ["proc%d" % i for i in range(PROCESSES)] + ["thread%d" % i for i in range(THREADS)]
    fresh = SimpleCache(os.path.join(profile, "cache.db"))
    outbox = ScrobbleOutbox(os.path.join(profile, "outbox.db"))
    for name in writers:
        assert [fresh.get("%s-%d" % (name, k)) for k in range(WRITES)] == [{"k": k} for k in range(WRITES)]
        assert outbox.count(name) == WRITES, name
    # the service's own writes: every pause made on Simkl is cached, every scrobble delivered
    cached = fresh.get(KEY_PLAYBACKS)
    assert set(made) <= {p["id"] for p in cached}
    assert outbox.count("alice") == 0
    assert [r["path"] for r in standin.requests("/scrobble/") if r["status"] == 201][-1] == "/scrobble/stop"
    assert not [line for line in logs if "locked" in line or "failed" in line], logs
    assert service_thread.is_alive()
    kodi.abort()
    pull.stop()
    push.stop()
