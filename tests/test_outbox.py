"""ScrobbleOutbox: durable storage of scrobble events, order, retries, crashes, concurrency."""
import dataclasses
import os
import random
import signal
import sqlite3
import textwrap
import threading

import pytest

from simkl_resume.store.outbox import OutboxEntry, ScrobbleOutbox
from tests._damage import damage_id, damages
from tests._stores import Clock, spawn


BODY = {
    "progress": 42.5,
    "movie": {"title": "Amélie — \"Le Fabuleux\" Destin d'Amélie", "year": 2001,
              "ids": {"imdb": "tt0211915"}},
    "note": "\U0001f3ac emoji, 千と千尋, back\\slash",
}


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def outbox(tmp_path, clock):
    box = ScrobbleOutbox(str(tmp_path / "outbox.db"), now=clock, log=_fail_log)
    yield box
    box.close()


def _fail_log(message):
    raise AssertionError("unexpected log line: " + message)


def test_added_event_comes_back_with_every_field(outbox, clock):
    entry_id = outbox.add("user-1", "movie:tt0211915", "pause", BODY)
    assert outbox.all() == [OutboxEntry(
        id=entry_id, account="user-1", item_key="movie:tt0211915", action="pause", body=BODY,
        created=clock.t, attempts=0, next_attempt=clock.t, last_error=None)]


def test_entries_are_frozen(outbox):
    outbox.add("a", "k", "start", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        outbox.all()[0].attempts = 5


def test_events_are_kept_in_insertion_order_with_growing_ids(outbox):
    ids = [outbox.add("a", f"item{i % 3}", ("start", "pause", "stop")[i % 3], {"n": i}) for i in range(30)]
    assert ids == sorted(ids) and len(set(ids)) == 30
    assert [e.body["n"] for e in outbox.all()] == list(range(30))
    assert [e.id for e in outbox.pending()] == ids


def test_unknown_action_is_refused(outbox):
    with pytest.raises(ValueError):
        outbox.add("a", "k", "scrobble", {})
    assert outbox.all() == []


@pytest.mark.parametrize("body", [["not", "a", "dict"], "text", None], ids=["list", "str", "none"])
def test_body_that_is_not_an_object_is_refused(outbox, body):
    with pytest.raises(TypeError):
        outbox.add("a", "k", "start", body)
    assert outbox.all() == []


def test_body_with_nan_progress_is_refused_before_anything_is_stored(outbox):
    with pytest.raises(ValueError):
        outbox.add("a", "k", "stop", {"progress": float("nan")})
    assert outbox.all() == []


def test_events_survive_closing_and_reopening(tmp_path, clock):
    path = str(tmp_path / "outbox.db")
    first = ScrobbleOutbox(path, now=clock)
    first.add("a", "k", "start", BODY)
    first.add("a", "k", "stop", {"progress": 90})
    first.close()
    again = ScrobbleOutbox(path, now=clock)
    assert [(e.action, e.body) for e in again.all()] == [("start", BODY), ("stop", {"progress": 90})]


def test_done_removes_the_entry_and_says_when_it_was_already_gone(outbox):
    first = outbox.add("a", "k", "start", {})
    second = outbox.add("a", "k", "pause", {})
    assert outbox.done(first) is True
    assert outbox.done(first) is False
    assert [e.id for e in outbox.all()] == [second]


def test_drop_removes_superseded_entries_and_keeps_the_rest(outbox):
    ids = [outbox.add("a", "k", action, {}) for action in ("start", "pause", "start", "stop")]
    assert outbox.drop(ids[:3]) == 3
    assert outbox.drop([]) == 0
    assert [e.id for e in outbox.all()] == [ids[3]]


def test_ids_are_never_reused_even_after_the_queue_emptied_and_reopened(tmp_path):
    path = str(tmp_path / "outbox.db")
    box = ScrobbleOutbox(path)
    old = [box.add("a", "k", "start", {}) for _ in range(3)]
    box.drop(old)
    box.close()
    box = ScrobbleOutbox(path)
    assert box.add("a", "k", "start", {}) > max(old)


def test_retry_later_counts_the_attempt_and_hides_the_entry_until_due(outbox, clock):
    entry_id = outbox.add("a", "k", "pause", {})
    later = outbox.add("a", "k2", "pause", {})
    assert outbox.retry_later(entry_id, 60, "HTTP 503 Service Unavailable") is True
    assert [e.id for e in outbox.pending()] == [later]
    clock.t += 59
    assert [e.id for e in outbox.pending()] == [later]
    clock.t += 1
    assert [e.id for e in outbox.pending()] == [entry_id, later]
    entry = outbox.all()[0]
    assert (entry.attempts, entry.next_attempt) == (1, clock.t)
    assert entry.last_error == "HTTP 503 Service Unavailable"
    outbox.retry_later(entry_id, 120, "timeout")
    entry = outbox.all()[0]
    assert (entry.attempts, entry.next_attempt, entry.last_error) == (2, clock.t + 120, "timeout")


def test_retry_later_of_a_removed_entry_reports_false(outbox):
    entry_id = outbox.add("a", "k", "pause", {})
    outbox.done(entry_id)
    assert outbox.retry_later(entry_id, 10, "x") is False
    assert outbox.all() == []


def test_only_failures_that_count_move_the_failure_count_and_its_first_time(outbox, clock):
    entry_id = outbox.add("a", "k", "pause", {})
    outbox.retry_later(entry_id, 5, "NetworkError: offline", counts=False)
    entry = outbox.all()[0]
    assert (entry.attempts, entry.failures, entry.first_failure) == (1, 0, None)
    first = clock.t
    outbox.retry_later(entry_id, 5, "ServerError: HTTP 503")
    clock.t += 100
    outbox.retry_later(entry_id, 5, "ServerError: HTTP 503")
    entry = outbox.all()[0]
    assert (entry.attempts, entry.failures, entry.first_failure) == (3, 2, first)


def test_a_parked_entry_is_kept_on_disk_but_no_longer_queued(outbox, clock):
    parked_id = outbox.add("a", "k", "pause", {"n": 1})
    queued_id = outbox.add("a", "k2", "pause", {"n": 2})
    assert outbox.park(parked_id, "ServerError: HTTP 503 (10 failures over 24 h)") is True
    assert [e.id for e in outbox.all()] == [queued_id] == [e.id for e in outbox.pending()]
    assert outbox.count() == 1 and outbox.count("a") == 1
    (parked,) = outbox.parked("a")
    assert (parked.id, parked.parked_at, parked.body) == (parked_id, clock.t, {"n": 1})
    assert "10 failures" in parked.last_error and outbox.parked("b") == []
    assert outbox.park(12345, "gone") is False


def test_rekey_moves_an_accounts_entries_in_order_and_others_are_counted(outbox):
    a1 = outbox.add("signin:ab12", "k", "start", {})
    b1 = outbox.add("id:52", "k", "pause", {})
    a2 = outbox.add("alice", "k", "pause", {})
    parked = outbox.add("alice", "k3", "pause", {})
    outbox.park(parked, "x")
    assert outbox.count_others(["id:51"]) == 3
    assert outbox.rekey(["signin:ab12", "alice", "id:51"], "id:51") == 3
    assert [e.id for e in outbox.all("id:51")] == [a1, a2]
    assert [e.id for e in outbox.parked("id:51")] == [parked]
    assert outbox.count_others(["id:51"]) == 1 and [e.id for e in outbox.all("id:52")] == [b1]
    assert outbox.rekey([], "id:51") == 0 and outbox.count_others([]) == 3


def test_pending_accepts_an_explicit_now(outbox, clock):
    entry_id = outbox.add("a", "k", "pause", {})
    outbox.retry_later(entry_id, 100, "x")
    assert outbox.pending(now=clock.t + 99) == []
    assert [e.id for e in outbox.pending(now=clock.t + 100)] == [entry_id]


def test_account_filter_separates_accounts(outbox):
    a1 = outbox.add("alice", "k", "start", {})
    b1 = outbox.add("bob", "k", "start", {})
    a2 = outbox.add("alice", "k", "stop", {})
    assert [e.id for e in outbox.all("alice")] == [a1, a2]
    assert [e.id for e in outbox.pending("bob")] == [b1]
    assert (outbox.count(), outbox.count("alice"), outbox.count("carol")) == (3, 2, 0)


def test_database_runs_wal_with_synchronous_full(outbox, tmp_path):
    outbox.add("a", "k", "start", {})
    conn = outbox._db._conn  # the connection the outbox writes with
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_construction_touches_no_disk(tmp_path):
    path = tmp_path / "not" / "yet" / "outbox.db"
    ScrobbleOutbox(str(path))
    assert not (tmp_path / "not").exists()


# -- corruption ---------------------------------------------------------------------------


def _filled(path):
    box = ScrobbleOutbox(str(path))
    for i in range(300):
        box.add("a", f"k{i}", "pause", {"n": i, "pad": "x" * 200})
    box.close()


DAMAGES = damages(_filled, "outbox")


@pytest.mark.parametrize("damage", DAMAGES, ids=damage_id)
def test_damaged_outbox_is_moved_aside_rebuilt_and_says_events_were_lost(tmp_path, damage):
    path = tmp_path / "outbox.db"
    damage(path)
    logs = []
    box = ScrobbleOutbox(str(path), log=logs.append)
    new_id = box.add("a", "k", "stop", {"progress": 91})
    assert [(e.id, e.body) for e in box.all()] == [(new_id, {"progress": 91})]
    assert [e.id for e in ScrobbleOutbox(str(path), log=logs.append).pending()] == [new_id]
    assert len(logs) == 1, logs
    assert "lost" in logs[0] and "moved aside" in logs[0]
    assert any(name.startswith("outbox.db.corrupt-") for name in os.listdir(str(tmp_path)))


def test_zero_length_outbox_file_is_an_empty_queue_not_damage(tmp_path):
    path = tmp_path / "outbox.db"
    path.write_bytes(b"")
    box = ScrobbleOutbox(str(path), log=_fail_log)
    assert box.all() == []
    box.add("a", "k", "start", {})
    assert len(box.all()) == 1


def test_two_processes_noticing_the_same_damage_rebuild_it_once(tmp_path):
    path = tmp_path / "outbox.db"
    path.write_bytes(os.urandom(16 * 1024))
    go = tmp_path / "go"
    children = [spawn(RECOVER_CHILD, path, go, n) for n in range(4)]
    go.write_text("go")
    outputs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0] * 4, outputs
    log_lines = [line for out, _ in outputs for line in out.splitlines() if line.startswith("LOG ")]
    assert len(log_lines) == 1, log_lines
    assert sorted(e.body["n"] for e in ScrobbleOutbox(str(path)).all()) == [0, 1, 2, 3]


def test_a_late_second_notice_of_the_same_damage_leaves_the_rebuilt_file_alone(tmp_path):
    path = tmp_path / "outbox.db"
    path.write_bytes(os.urandom(16 * 1024))
    logs = []
    first = ScrobbleOutbox(str(path), log=logs.append)
    kept = first.add("a", "k", "stop", {"progress": 95})
    # Another process had hit the same damage on the old file and only now gets to recover.
    late = ScrobbleOutbox(str(path), log=logs.append)
    late._db._recover("database disk image is malformed")
    assert [e.id for e in late.all()] == [kept]
    assert len(logs) == 1
    aside = [n for n in os.listdir(str(tmp_path)) if n.startswith("outbox.db.corrupt-")]
    assert len([n for n in aside if not n.endswith(("-wal", "-shm", "-journal"))]) == 1, aside


RECOVER_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from simkl_resume.store.outbox import ScrobbleOutbox

    path, go, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    box = ScrobbleOutbox(path, log=lambda m: print("LOG " + m, flush=True))
    while not os.path.exists(go):
        time.sleep(0.002)
    box.add("a", "k", "start", {"n": n})
    """
)


# -- crashes ------------------------------------------------------------------------------

KILLED_CHILD = textwrap.dedent(
    """
    import sys
    from simkl_resume.store.outbox import ScrobbleOutbox

    path, start = sys.argv[1], int(sys.argv[2])
    box = ScrobbleOutbox(path)
    n = start
    while True:
        entry_id = box.add("acct", "item%d" % (n % 7), ("start", "pause", "stop")[n % 3],
                           {"n": n, "progress": n % 100, "title": "\\u00e9\\U0001f600 \\"q\\"",
                            "pad": "x" * (n % 500)})
        sys.stdout.write("%d %d\\n" % (entry_id, n))
        sys.stdout.flush()
        n += 1
    """
)


def _expected_body(n):
    return {"n": n, "progress": n % 100, "title": "\u00e9\U0001f600 \"q\"", "pad": "x" * (n % 500)}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_while_adding_loses_no_returned_event_and_leaves_nothing_half_written(tmp_path):
    path = tmp_path / "outbox.db"
    rng = random.Random(1234)
    confirmed = {}  # id -> n, for every add() that returned in a child
    next_n = 0
    for _round in range(5):
        child = spawn(KILLED_CHILD, path, next_n)
        wanted = rng.randint(5, 150)
        printed = []
        while len(printed) < wanted:
            line = child.stdout.readline()
            assert line.endswith("\n"), child.stderr.read()
            printed.append(line)
        os.kill(child.pid, signal.SIGKILL)  # somewhere inside a later add()
        # child.stdout.read(), not communicate(): communicate reads the pipe's fd directly and
        # would skip the lines readline() already pulled into the reader's buffer (the child
        # outruns this loop on a loaded machine: 6 confirmed lines were lost that way once)
        rest = child.stdout.read()
        child.stderr.read()
        assert child.wait(timeout=60) == -signal.SIGKILL
        # the lines it finished writing before dying (a torn last line is not a confirmation)
        printed += [line + "\n" for line in rest.split("\n")[:-1]]
        child_confirmed = {}
        for line in printed:
            entry_id, n = (int(x) for x in line.split())
            child_confirmed[entry_id] = n
        box = ScrobbleOutbox(str(path), log=_fail_log)
        stored = {e.id: e for e in box.all()}
        box.close()
        # every id the child reported is stored, with the body it wrote
        for entry_id, n in child_confirmed.items():
            assert entry_id in stored
            assert stored[entry_id].body == _expected_body(n)
        for entry_id, n in confirmed.items():
            assert stored[entry_id].body == _expected_body(n)
        # nothing half-written: every stored row is complete and consistent
        for entry in stored.values():
            n = entry.body["n"]
            assert entry.body == _expected_body(n)
            assert entry.item_key == f"item{n % 7}" and entry.action == ("start", "pause", "stop")[n % 3]
        confirmed.update(child_confirmed)
        # at most the one add() that committed but had not printed yet is extra
        this_round = [e for e in stored.values() if e.body["n"] >= next_n]
        assert len(this_round) - len(child_confirmed) in (0, 1)
        next_n = max(e.body["n"] for e in stored.values()) + 1
    conn = sqlite3.connect(str(path))
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


# -- concurrency --------------------------------------------------------------------------

ADDER_CHILD = textwrap.dedent(
    """
    import os, sys, threading, time
    from simkl_resume.store.outbox import ScrobbleOutbox

    path, go = sys.argv[1], sys.argv[2]
    proc, threads, per_thread = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    errors = []
    while not os.path.exists(go):
        time.sleep(0.002)

    def work(t):
        box = ScrobbleOutbox(path, log=errors.append)
        try:
            for i in range(per_thread):
                box.add("a%d" % proc, "p%d-t%d" % (proc, t), "pause", {"p": proc, "t": t, "i": i})
                if i % 10 == 0:
                    box.pending()
        except Exception as exc:
            errors.append(repr(exc))

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for e in errors:
        print(e, file=sys.stderr)
    sys.exit(1 if errors else 0)
    """
)


def test_processes_and_threads_adding_while_a_sender_consumes_lose_and_duplicate_nothing(tmp_path):
    path = tmp_path / "outbox.db"
    go = tmp_path / "go"
    procs, threads, per_thread = 4, 3, 80
    logs = []
    box = ScrobbleOutbox(str(path), log=logs.append)
    box.all()  # create the file before the race
    children = [spawn(ADDER_CHILD, path, go, p, threads, per_thread) for p in range(procs)]
    consumed = []
    errors = []
    stop = threading.Event()

    def sender():  # the service's sender thread: takes account a0's due events and marks them done
        try:
            while True:
                finished = stop.is_set()
                for entry in box.pending("a0"):
                    assert box.done(entry.id)
                    consumed.append(entry)
                if finished:
                    return
        except Exception as exc:  # pragma: no cover
            errors.append(repr(exc))

    def in_process_adder(t):
        own = ScrobbleOutbox(str(path), log=logs.append)
        try:
            for i in range(per_thread):
                own.add("local", f"local-t{t}", "start", {"p": "local", "t": t, "i": i})
                box.add("local", f"shared-t{t}", "start", {"p": "shared", "t": t, "i": i})
        except Exception as exc:  # pragma: no cover
            errors.append(repr(exc))

    workers = [threading.Thread(target=sender)] + [threading.Thread(target=in_process_adder, args=(t,))
                                                   for t in range(2)]
    go.write_text("go")
    for w in workers:
        w.start()
    results = [(c.wait(timeout=300), c.stderr.read()) for c in children]
    for c in children:
        c.stdout.close()
        c.stderr.close()
    for w in workers[1:]:
        w.join()
    stop.set()
    workers[0].join()
    assert results == [(0, "")] * procs
    assert errors == [] and logs == []

    remaining = box.all()
    everything = consumed + remaining
    ids = [e.id for e in everything]
    assert len(ids) == len(set(ids))  # nothing delivered twice, nothing stored twice
    keys = sorted((str(e.body["p"]), e.body["t"], e.body["i"]) for e in everything)
    from_children = [(str(p), t, i) for p in range(procs) for t in range(threads) for i in range(per_thread)]
    from_here = [(who, t, i) for who in ("local", "shared") for t in range(2) for i in range(per_thread)]
    expected = sorted(from_children + from_here)
    assert keys == expected
    assert all(e.account == "a0" for e in consumed) and not any(e.account == "a0" for e in remaining)
    # each writer's events got growing ids, in the order it added them
    by_writer = {}
    for e in sorted(everything, key=lambda e: e.id):
        by_writer.setdefault((str(e.body["p"]), e.body["t"]), []).append(e.body["i"])
    assert all(seq == list(range(per_thread)) for seq in by_writer.values())
