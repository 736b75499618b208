"""Builds the running service from Kodi: one context, the components, one monitor.

`run()` is the entry point of service.py.
"""

from ..context import AddonContext
from ..kodi import ui
from ..kodi.log import log
from ..kodi.monitor import ServiceMonitor
from ..kodi.window import take_check_asked
from .component import missed_checks
from .loop import Service
from .mirror import ResumeMirror, chain
from .prompt import PlayPrompt
from .pull import PullSync
from .push import ScrobblePush
from .resume_list import ResumeListBuilder


def build_service(ctx=None):
    ctx = ctx if ctx is not None else AddonContext.from_kodi()
    # The workers (pull, the scrobble sender) each reach Simkl through ctx.client(), whose
    # module (and requests, about a hundred modules) context.py imports lazily. Imported here,
    # on the main thread before any worker starts, so two workers never import it at once: on
    # Kodi 19.1 (Python 3.9) the pull worker's first check once got a partially initialised
    # simkl.client while the sender was importing it, failed, and the next open found no check.
    from ..simkl.client import SimklClient  # noqa: F401
    mirror = ResumeMirror(ctx)
    resume_list = ResumeListBuilder(ctx, refresh=chain(ui.refresh_if_on_screen, mirror.list_changed))
    pull = PullSync(ctx, on_change=chain(resume_list.playbacks_changed, mirror.playbacks_changed))
    push = ScrobblePush(ctx)
    prompt = PlayPrompt(ctx)
    monitor = ServiceMonitor()
    # Taken after the monitor exists: a check asked from then on is notified (and one asked in
    # between, seen both ways, costs the throttle's one trailing check at most).
    service = Service(monitor, [pull, resume_list, push, mirror, prompt], now=ctx.now,
                      missed=missed_checks(take_check_asked()))
    monitor.handler = service
    log("service started (version %s)" % ctx.version)
    return service


def run():
    """Entry point of service.py: build the components from Kodi and run until abort."""
    build_service().run()
    log("service stopped")
