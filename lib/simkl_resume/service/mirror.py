"""The native resume mirror as a service Component: resume_points.ResumePoints run on the
service's schedule.

    mirror = ResumeMirror(ctx)                       # settings: mirror_resume (on by default)
    pull = PullSync(ctx, on_change=chain(resume_list.playbacks_changed, mirror.playbacks_changed))
    Service(monitor, [pull, resume_list, push, mirror, ...], now)

`playbacks_changed(*args)` runs one mirror pass on the calling thread (PullSync's worker), after
the resume list was rebuilt: `start()` runs one pass on the mirror's own worker too (playbacks
cached by an earlier run). What a pass does: resume_points.py.

An item Kodi has not read yet has no real length (no resume total, no stream details: a movie
scanned moments ago on Kodi 19.1 until its list item is drawn), and the pass leaves it alone
("no_duration"). Nothing else would bring the mirror back to it - Simkl's playbacks did not move
- so the mirror passes again on its own worker, RETRY_DELAYS apart (only local JSON-RPC, never
Simkl), while an item waits for its length (a retry is due from the loop's next tick, so up to
loop.MAX_WAIT late); after the last delay it waits for the next change (new playbacks, a library
change that rebuilt the list). Opening the menu looks again at once while an item waits.
"""
from typing import Any, Callable, Optional

from .component import Component, is_check
from ..resume_points import ResumePoints
from .worker import BackgroundWorker


def chain(*callbacks: Callable[..., Any]) -> Callable[..., None]:
    """One on_change that calls each callback in order; one failing does not stop the others."""
    def call_all(*args, **kwargs):
        for callback in callbacks:
            try:
                callback(*args, **kwargs)
            except Exception:  # noqa: BLE001, S110 - each subscriber logs its own failures
                pass
    return call_all


# Seconds between the passes made for items still without a real length (see the module doc).
RETRY_DELAYS = (5.0, 15.0, 45.0, 120.0, 300.0, 900.0, 1800.0)
WAITING = "no_duration"


class ResumeMirror(ResumePoints, Component):
    def __init__(self, ctx, *args, **kwargs):
        super().__init__(ctx, *args, **kwargs)
        self._worker = _MirrorWorker(self)
        self._waiting = frozenset()   # item keys left alone for want of a length
        self._retries = 0             # passes made for the same waiting items
        self._retry_at: Optional[float] = None  # seen by the loop's next tick (at most MAX_WAIT on)

    def start(self):
        self._worker.start()
        self._worker.wake()

    def stop(self):
        self._worker.stop()

    def tick(self, now):
        due = self._retry_at
        if due is None:
            return None
        if now >= due:
            self._retry_at = None
            self._worker.wake()
            return None
        return due - now

    def on_notification(self, sender, method, data):
        if is_check(sender, method) and self._waiting:
            self._worker.wake()  # the user opened the menu: look again at once

    def list_changed(self, *args, **kwargs) -> None:
        """The resume list was rebuilt for a library change (a copy added, an item re-scanned):
        one pass on the mirror's worker (the caller is the resume list's worker)."""
        self._worker.wake()

    def playbacks_changed(self, *args, **kwargs) -> int:
        """PullSync's on_change (after the resume list): one pass now. Returns writes made."""
        return self._pass(retry=False)

    def _pass(self, retry: bool) -> int:
        try:
            done = self.sync()
        except Exception as exc:  # noqa: BLE001 - must never break the pull
            self.log("mirror: pass failed: %r" % (exc,))
            return 0
        self._schedule(retry)
        return done

    def _schedule(self, retry: bool) -> None:
        """After a pass: the next retry while some item waits for its length, else none."""
        waiting = frozenset(key for key, reason in self.last_skipped if reason == WAITING)
        if not waiting:
            self._waiting, self._retries, self._retry_at = waiting, 0, None
            return
        if waiting != self._waiting or not retry:
            self._retries = 0  # other items, or a pass for a change: the schedule starts over
        self._waiting = waiting
        if self._retries >= len(RETRY_DELAYS):
            self._retry_at = None
            return
        self._retry_at = self.ctx.now() + RETRY_DELAYS[self._retries]
        self._retries += 1


class _MirrorWorker(BackgroundWorker):
    name = "mirror"

    def __init__(self, mirror):
        super().__init__(log=mirror.log)
        self.mirror = mirror

    def work(self):
        self.mirror._pass(retry=True)
