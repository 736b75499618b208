"""A background thread that does one kind of network work when woken.

Kodi delivers player and monitor callbacks on the service's main thread only while it
waits inside a Kodi call, so network I/O must never run there (a blocking request held
up onPlayBackPaused for 10 s on real Kodi). Workers do not keep time themselves: the main
loop, which waits through Monitor.waitForAbort, decides when work is due and wakes them.
That keeps every schedule on Kodi's clock, which the fake Kodi drives in tests.
"""
import threading


class BackgroundWorker:
    """Runs `work()` on its own daemon thread each time `wake()` is called.

    Wakes while busy are folded into one more run. `stop()` asks the thread to end and
    waits at most `timeout` seconds: a request hanging on the network must not keep Kodi
    from shutting down (Kodi kills add-ons that do not exit within seconds of abort).
    """

    name = "worker"

    def __init__(self, log=None):
        self._log = log
        self._cond = threading.Condition()
        self._pending = False
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        self._thread = None

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="simkl-" + self.name, daemon=True)
            self._thread.start()

    def wake(self):
        with self._cond:
            self._pending = True
            self._idle.clear()
            self._cond.notify()

    @property
    def stopping(self):
        return self._stopping

    def wait_idle(self, timeout=None):
        """For tests and shutdown: True once no run is pending or running."""
        return self._idle.wait(timeout)

    def stop(self, timeout=1.0):
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def work(self):
        raise NotImplementedError

    def _loop(self):
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    self._idle.set()
                    return
                self._pending = False
            try:
                self.work()
            except Exception as exc:  # noqa: BLE001 - a bug in one run must not kill the service
                if self._log is not None:
                    self._log("%s failed: %r" % (self.name, exc))
            with self._cond:
                if not self._pending:
                    self._idle.set()
