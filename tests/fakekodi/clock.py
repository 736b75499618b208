"""Virtual time for the fake Kodi, deterministic across threads.

Model
-----
* Every "addon thread" (a thread that waits through Kodi, i.e. ``Monitor.waitForAbort`` or
  ``xbmc.sleep``, or that was started by such a thread, or with ``kodi.start_thread``) is
  *tracked*.  A tracked thread is **blocked** when it sits in a Kodi wait whose virtual
  deadline has not passed and it has no pending callbacks; it is **idle** when blocked or
  finished.
* ``settle()`` returns once every tracked thread (other than the caller) is idle, so anything
  a test triggers has fully run before the test looks at the results.
* ``advance(s)`` moves virtual time forward event by event: to the earliest waiter deadline
  (or player event) inside the window, wakes whoever is due, settles, and repeats; finally it
  sets the clock to ``now + s`` and settles again.  Two runs of the same test see the same
  sequence of wake-ups at the same virtual times.
* Player/Monitor callbacks are queued to the thread that created the Player/Monitor object and
  run inside that thread's next Kodi wait (as in Kodi, where callbacks of a service run only
  while its thread is inside a Kodi call).  Callbacks owned by the test thread itself run when
  the test calls a driver function (``settle``/``advance``/``kodi.player.*``/``kodi.pump``).
* A wait called from the test (driver) thread itself does not block: it advances the clock.
* ``busy()`` (a context manager; ``kodi.busy()``) models addon threads kept out of Kodi's
  waits - busy in Python of their own or of another addon holding the GIL [live, Kodi 20.1:
  onPlayBackSeek/onPlayBackPaused of a service whose main thread could not run came seconds
  late]: meanwhile their waits neither return nor run callbacks; Player/Monitor callbacks
  stay queued, each with nothing but its own arguments. On leaving the block every thread
  runs ALL its queued callbacks first (as Kodi's waitForAbort does), reading the player as
  it is THEN, and only after that returns from the wait whose deadline passed.
* Deadlock guard: a settle that makes no progress for ``guard_seconds`` of REAL time raises
  ``ClockStuck`` with the stacks of the threads that are not idle.  This is not a timing
  assertion, only protection against a test hanging forever.
"""
import collections
import contextlib
import sys
import threading
import traceback


class ClockStuck(RuntimeError):
    pass


class _ThreadState:
    __slots__ = ("thread", "waiting", "deadline", "queue", "busy")

    def __init__(self, thread):
        self.thread = thread
        self.waiting = False
        self.deadline = None
        self.queue = collections.deque()
        self.busy = False


class Clock:
    def __init__(self, start, on_error=None, guard_seconds=30.0):
        self._now = float(start)
        self._cond = threading.Condition(threading.Lock())
        self._states = {}  # thread -> _ThreadState
        self._aborted = False
        self._driver = threading.current_thread()
        self._event_sources = []  # callables: (now) -> next virtual event time or None
        self._tick_handlers = []  # callables: (now) -> None, run when time moved
        self._on_error = on_error
        self.guard_seconds = guard_seconds
        self._held = False  # busy(): addon threads kept out of their Kodi waits

    # ---------------------------------------------------------------- reading time
    def now(self):
        """Virtual seconds since the epoch (a float, like time.time()). Lock-free: a float read
        is atomic, and tick handlers call it while the clock's lock is held."""
        return self._now

    __call__ = now

    @property
    def aborted(self):
        return self._aborted

    # ---------------------------------------------------------------- threads
    def is_driver(self, thread=None):
        return (thread or threading.current_thread()) is self._driver

    def track(self, thread):
        """Make settle()/advance() wait for `thread` (until it blocks in a Kodi wait or ends)."""
        with self._cond:
            self._state(thread)
            self._cond.notify_all()

    def untrack(self, thread):
        with self._cond:
            self._states.pop(thread, None)
            self._cond.notify_all()

    def is_tracked(self, thread=None):
        with self._cond:
            return (thread or threading.current_thread()) in self._states

    def tracked_threads(self):
        with self._cond:
            return [s.thread for s in self._states.values()]

    def _state(self, thread):
        st = self._states.get(thread)
        if st is None:
            st = _ThreadState(thread)
            self._states[thread] = st
        return st

    def add_event_source(self, fn):
        self._event_sources.append(fn)

    def add_tick_handler(self, fn):
        self._tick_handlers.append(fn)

    # ---------------------------------------------------------------- callbacks
    def post(self, owner, fn):
        """Queue `fn()` to run in thread `owner` (see module doc). Dropped if owner is dead."""
        with self._cond:
            if owner is not self._driver and not owner.is_alive():
                return
            self._state(owner).queue.append(fn)
            self._cond.notify_all()

    def _run_callback(self, st, fn):
        """Called with the lock held; runs fn without it."""
        st.busy = True
        self._cond.release()
        try:
            fn()
        except Exception:  # Kodi logs exceptions of callbacks and carries on
            if self._on_error is not None:
                self._on_error(traceback.format_exc())
        finally:
            self._cond.acquire()
            st.busy = False
            self._cond.notify_all()

    def pump(self):
        """Run the callbacks queued for the calling thread, now."""
        with self._cond:
            st = self._states.get(threading.current_thread())
            while st is not None and st.queue:
                self._run_callback(st, st.queue.popleft())

    # ---------------------------------------------------------------- waiting (addon side)
    def wait(self, timeout=-1.0):
        """Kodi wait for `timeout` virtual seconds (negative/None = forever). Returns abort flag."""
        me = threading.current_thread()
        if me is self._driver:
            return self._driver_wait(timeout)
        with self._cond:
            st = self._state(me)
            deadline = None if timeout is None or timeout < 0 else self._now + float(timeout)
            st.deadline = deadline
            try:
                while True:
                    if self._held and not self._aborted:
                        st.waiting = True  # frozen where it is: no callback, no return
                        self._cond.notify_all()
                        self._cond.wait()
                        continue
                    if st.queue:
                        st.waiting = False
                        self._run_callback(st, st.queue.popleft())
                        continue
                    if self._aborted or (deadline is not None and self._now >= deadline):
                        return self._aborted
                    st.waiting = True
                    self._cond.notify_all()
                    self._cond.wait()
            finally:
                st.waiting = False
                st.deadline = None
                self._cond.notify_all()

    def _driver_wait(self, timeout):
        self.pump()
        if self._aborted:
            return True
        if timeout is None or timeout < 0:
            raise ClockStuck("waitForAbort() without timeout called from the test thread would block "
                             "forever: run the loop in kodi.start_thread(...) instead")
        self.advance(float(timeout))
        return self._aborted

    # ---------------------------------------------------------------- driving (test side)
    def _blocked(self, st):
        if not st.thread.is_alive():
            return True
        if self._held and st.waiting and not st.busy:
            return True
        return (st.waiting and not st.busy and not st.queue and not self._aborted
                and (st.deadline is None or st.deadline > self._now))

    def _not_idle(self, me):
        return [st for t, st in self._states.items() if t is not me and not self._blocked(st)]

    def settle(self):
        """Return once every tracked thread is blocked in a Kodi wait or finished; also runs the
        callbacks queued for the calling thread."""
        me = threading.current_thread()
        self.pump()
        with self._cond:
            self._settle_locked(me)
        self.pump()

    def _settle_locked(self, me):
        import time as _realtime  # real time only for the deadlock guard
        last_progress = _realtime.monotonic()
        last_snapshot = None
        while True:
            busy = self._not_idle(me)
            st_me = self._states.get(me)
            if st_me is not None and st_me.queue:
                self._run_callback(st_me, st_me.queue.popleft())
                continue
            if not busy:
                return
            snapshot = tuple((id(s.thread), s.waiting, s.busy, len(s.queue)) for s in busy)
            if snapshot != last_snapshot:
                last_snapshot = snapshot
                last_progress = _realtime.monotonic()
            elif _realtime.monotonic() - last_progress > self.guard_seconds:
                raise ClockStuck(self._describe(busy))
            self._cond.wait(0.02)

    def _describe(self, busy):
        frames = sys._current_frames()
        out = ["threads did not reach a Kodi wait (waitForAbort) nor finish:"]
        for st in busy:
            out.append("--- %s (waiting=%s busy=%s queued=%d)" % (st.thread.name, st.waiting, st.busy,
                                                                  len(st.queue)))
            frame = frames.get(st.thread.ident)
            if frame is not None:
                out.extend(traceback.format_stack(frame))
        return "\n".join(out)

    def _next_event(self, limit):
        times = [st.deadline for st in self._states.values()
                 if st.waiting and st.deadline is not None and self._now < st.deadline <= limit]
        for src in self._event_sources:
            t = src(self._now)
            if t is not None and self._now < t <= limit:
                times.append(t)
        return min(times) if times else None

    def _set_time(self, t):
        """Lock held. Move to t, run tick handlers (without the lock: they queue callbacks with
        post()), wake everyone."""
        self._now = t
        self._cond.release()
        try:
            for handler in self._tick_handlers:
                handler(t)
        finally:
            self._cond.acquire()
        self._cond.notify_all()

    def advance(self, seconds):
        """Advance virtual time by `seconds`, running every waiter and timer that falls due, in
        order; returns once all tracked threads are blocked again (or finished)."""
        if seconds < 0:
            raise ValueError("time does not go backwards")
        me = threading.current_thread()
        self.settle()
        with self._cond:
            target = self._now + float(seconds)
            while True:
                nxt = self._next_event(target)
                if nxt is None:
                    break
                self._set_time(nxt)
                self._settle_locked(me)
            if self._now < target:
                self._set_time(target)
            self._settle_locked(me)
        self.pump()

    @contextlib.contextmanager
    def busy(self):
        """Addon threads cannot run for the block (see the module doc): callbacks queue up and
        run, in order, when it ends; a thread not yet in a wait freezes at its next one."""
        self.settle()
        with self._cond:
            self._held = True
            self._cond.notify_all()
        try:
            yield self
        finally:
            with self._cond:
                self._held = False
                self._cond.notify_all()
            self.settle()

    def drop_callbacks(self):
        """Forget every queued callback (Kodi was killed before delivering them)."""
        with self._cond:
            for st in self._states.values():
                st.queue.clear()
            self._cond.notify_all()

    def abort(self):
        """Kodi is shutting down: every waitForAbort returns True; waits for tracked threads to end."""
        with self._cond:
            self._aborted = True
            self._cond.notify_all()
        self.settle()
