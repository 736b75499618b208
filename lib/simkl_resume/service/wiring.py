"""Builds the running service from Kodi: one context, the components, one monitor.

`run()` is the entry point of service.py.
"""

from ..context import AddonContext
from ..kodi import ui
from ..kodi.log import log
from ..kodi.monitor import ServiceMonitor
from .loop import Service
from .mirror import ResumeMirror, chain
from .prompt import PlayPrompt
from .pull import PullSync
from .push import ScrobblePush
from .resume_list import ResumeListBuilder


def build_service(ctx=None):
    ctx = ctx if ctx is not None else AddonContext.from_kodi()
    resume_list = ResumeListBuilder(ctx, refresh=ui.refresh_if_on_screen)
    mirror = ResumeMirror(ctx)
    pull = PullSync(ctx, on_change=chain(resume_list.playbacks_changed, mirror.playbacks_changed))
    push = ScrobblePush(ctx)
    prompt = PlayPrompt(ctx)
    monitor = ServiceMonitor()
    service = Service(monitor, [pull, resume_list, push, mirror, prompt], now=ctx.now)
    monitor.handler = service
    log("service started (version %s)" % ctx.version)
    return service


def run():
    """Entry point of service.py: build the components from Kodi and run until abort."""
    build_service().run()
