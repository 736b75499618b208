"""The native resume mirror as a service Component: resume_points.ResumePoints run on the
service's schedule.

    mirror = ResumeMirror(ctx)                       # settings: mirror_resume (on by default)
    pull = PullSync(ctx, on_change=chain(resume_list.playbacks_changed, mirror.playbacks_changed))
    Service(monitor, [pull, resume_list, push, mirror, ...], now)

`playbacks_changed(*args)` runs one mirror pass on the calling thread (PullSync's worker), after
the resume list was rebuilt: `start()` runs one pass on the mirror's own worker too (playbacks
cached by an earlier run). What a pass does: resume_points.py.
"""
from typing import Any, Callable

from .component import Component
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


class ResumeMirror(ResumePoints, Component):
    def __init__(self, ctx, *args, **kwargs):
        super().__init__(ctx, *args, **kwargs)
        self._worker = _MirrorWorker(self)

    def start(self):
        self._worker.start()
        self._worker.wake()

    def stop(self):
        self._worker.stop()

    def playbacks_changed(self, *args, **kwargs) -> int:
        """PullSync's on_change (after the resume list): one pass now. Returns writes made."""
        try:
            return self.sync()
        except Exception as exc:  # noqa: BLE001 - must never break the pull
            self.log("mirror: pass failed: %r" % (exc,))
            return 0


class _MirrorWorker(BackgroundWorker):
    name = "mirror"

    def __init__(self, mirror):
        super().__init__(log=mirror.log)
        self.mirror = mirror

    def work(self):
        self.mirror.playbacks_changed()
