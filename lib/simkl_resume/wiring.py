"""Builds the running service from Kodi: one context, the three components, one monitor."""
import time

from .context import AddonContext
from .kodi import ui
from .kodi.log import log
from .kodi.monitor import ServiceMonitor
from .pull import PullSync
from .push import ScrobblePush
from .resume_list import ResumeListBuilder
from .service import Service


def build_service(ctx=None):
    ctx = ctx if ctx is not None else AddonContext.from_kodi()
    resume_list = ResumeListBuilder(ctx, refresh=ui.refresh_if_on_screen)
    pull = PullSync(ctx, on_change=resume_list.playbacks_changed)
    push = ScrobblePush(ctx)
    monitor = ServiceMonitor()
    service = Service(monitor, [pull, resume_list, push], now=time.time)
    monitor.handler = service
    log("service started (version %s)" % ctx.version)
    return service
