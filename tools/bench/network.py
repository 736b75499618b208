"""Benchmark 3: network cost of a day of pulling, against the naive design.

    run(existing=40, pauses=20, interval_min=15) -> dict of figures

The real PullSync runs in the real Service loop on the fake Kodi's virtual clock (as in
tests/test_pull.py) against the Simkl stand-in on 127.0.0.1. Between the two sits a counting
TCP proxy (CountingProxy): every byte each way on the wire, HTTP headers included, so the
figures are what a Kodi box would send and receive (TLS overhead excepted). The stand-in's
request log gives the requests by path.

  idle day:  the account holds `existing` playbacks; nothing changes for 24 h.
  busy day:  the same, plus `pauses` pauses made on other devices, spread over the day
             (alternately a movie and an episode; every third one updates an existing item).
  naive:     the same two days, but every poll fetches GET /sync/playback (all of them),
             which is what an addon without the activities gate does.
The start-up poll (one activities call and one full fetch filling an empty cache) is
reported apart; the day starts after it.
"""
import os
import select
import socket
import tempfile
import threading

DAY = 24 * 3600


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that counts bytes in both directions."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.up = 0      # client -> server
        self.down = 0    # server -> client
        self.connections = 0
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="counting-proxy", daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._sock.close()
        self._thread.join(5)

    def reset(self):
        with self._lock:
            self.up = self.down = self.connections = 0

    def counts(self):
        with self._lock:
            return {"bytes_up": self.up, "bytes_down": self.down, "connections": self.connections}

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _addr = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._pump, args=(client,), daemon=True).start()

    def _pump(self, client):
        try:
            server = socket.create_connection(self.target, timeout=30)
        except OSError:
            client.close()
            return
        pairs = {client: (server, "up"), server: (client, "down")}
        try:
            while not self._stop.is_set():
                readable, _w, _x = select.select(list(pairs), [], [], 0.5)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    other, direction = pairs[sock]
                    other.sendall(data)
                    with self._lock:
                        if direction == "up":
                            self.up += len(data)
                        else:
                            self.down += len(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()


def _seed_existing(standin, token, existing):
    for n in range(existing):
        if n % 2:
            standin.add_playback(show={"title": "Show %d" % n, "ids": {"tvdb": str(70000 + n)}},
                                 episode={"season": 1, "number": 1 + n % 9}, progress=10 + n % 80,
                                 ago=3600 * (1 + n), user=token)
        else:
            standin.add_playback(movie={"title": "Movie %d" % n, "year": 2000 + n % 20,
                                        "ids": {"imdb": "tt%07d" % (2000000 + n)}},
                                 progress=10 + n % 80, ago=3600 * (1 + n), user=token)


def _pause(standin, token, k):
    """The k-th pause on another device: movie/episode alternately; every third one moves an
    item the account already holds (Simkl keeps one playback per item)."""
    n = k if k % 3 else (k % 10)
    if k % 2:
        standin.add_playback(show={"title": "Show %d" % (2 * n + 1), "ids": {"tvdb": str(70000 + 2 * n + 1)}},
                             episode={"season": 1, "number": 1 + (2 * n + 1) % 9}, progress=20 + k, ago=30,
                             user=token)
    else:
        standin.add_playback(movie={"title": "Movie %d" % (2 * n + 100 * (k % 3 != 0)), "year": 2001,
                                    "ids": {"imdb": "tt%07d" % (2000000 + 2 * n + 100 * (k % 3 != 0))}},
                             progress=20 + k, ago=30, user=token)


def _summary(standin, proxy):
    reqs = standin.requests()
    by_path = {}
    for r in reqs:
        by_path[r["path"]] = by_path.get(r["path"], 0) + 1
    out = {"requests": len(reqs), "by_path": by_path,
           "playback_fetches": sum(v for k, v in by_path.items() if k.startswith("/sync/playback"))}
    out.update(proxy.counts())
    return out


def _pull_day(pauses, existing, interval_min, root):
    """One virtual day of the real PullSync; returns (start-up figures, day figures)."""
    from simkl_resume.context import KEY_PLAYBACKS, AddonContext
    from simkl_resume.service.pull import PullSync
    from tests._service_rig import FixedSettings, QuietUi, start_service
    from tests.fakekodi import FakeKodi, install, uninstall
    from tools.simkl_standin import StandIn

    kodi = install(FakeKodi(root))
    try:
        with StandIn() as standin, CountingProxy("127.0.0.1", int(standin.url.rsplit(":", 1)[1])) as proxy:
            token = standin.add_user(name="Alice", type="pro")
            _seed_existing(standin, token, existing)
            env = {"SIMKL_API_URL": proxy.url, "SIMKL_CLIENT_ID": "bench-client-id"}
            ctx = AddonContext(os.path.join(root, "profile"), "1.0.0", memory=None, now=kodi.clock.now,
                               env=env)
            ctx.account.sign_in(token, "Alice", "pro")
            changes = []
            pull = PullSync(ctx, on_change=changes.append, rand=lambda: 0.0, ui=QuietUi(),
                            settings=FixedSettings(interval_min))

            def advance(seconds):
                kodi.clock.advance(seconds)
                if not pull.worker.wait_idle(60):
                    raise RuntimeError("pull worker did not finish")

            start_service(kodi, [pull], workers=[pull.worker])
            advance(1)
            startup = _summary(standin, proxy)
            startup["cached_playbacks"] = len(ctx.cache.get(KEY_PLAYBACKS) or [])
            standin.clear_requests()
            proxy.reset()
            interval = interval_min * 60
            polls = DAY // interval
            pause_at = {int(i * polls / pauses) + 1 for i in range(pauses)} if pauses else set()
            done = 0
            for n in range(1, polls + 1):
                if n in pause_at:
                    advance(interval - 60)
                    _pause(standin, token, done)
                    done += 1
                    advance(60)
                else:
                    advance(interval)
            day = _summary(standin, proxy)
            day["polls"] = polls
            day["pauses"] = done
            day["list_changes"] = len(changes) - 1
            day["cached_playbacks"] = len(ctx.cache.get(KEY_PLAYBACKS) or [])
            kodi.abort()
            pull.stop()
            return startup, day
    finally:
        uninstall()


def _naive_day(pauses, existing, interval_min):
    """Every poll: GET /sync/playback (everything), with the real client; no fake clock needed."""
    from simkl_resume.simkl.client import SimklClient
    from tools.simkl_standin import StandIn

    with StandIn() as standin, CountingProxy("127.0.0.1", int(standin.url.rsplit(":", 1)[1])) as proxy:
        token = standin.add_user(name="Alice", type="pro")
        _seed_existing(standin, token, existing)
        client = SimklClient(proxy.url, "bench-client-id", "naive", "1.0", token=token, retries=0)
        client.playbacks()                       # its start-up, like ours
        standin.clear_requests()
        proxy.reset()
        polls = DAY // (interval_min * 60)
        pause_at = {int(i * polls / pauses) + 1 for i in range(pauses)} if pauses else set()
        done = 0
        for n in range(1, polls + 1):
            if n in pause_at:
                _pause(standin, token, done)
                done += 1
            client.playbacks()
        out = _summary(standin, proxy)
        out["polls"] = polls
        out["pauses"] = done
        return out


def run(existing=40, pauses=20, interval_min=15):
    out = {"existing_playbacks": existing, "interval_min": interval_min, "pauses": pauses}
    with tempfile.TemporaryDirectory(prefix="bench-net-") as root:
        out["startup"], out["idle"] = _pull_day(0, existing, interval_min, os.path.join(root, "idle"))
        _s, out["busy"] = _pull_day(pauses, existing, interval_min, os.path.join(root, "busy"))
    out["naive_idle"] = _naive_day(0, existing, interval_min)
    out["naive_busy"] = _naive_day(pauses, existing, interval_min)
    return out
