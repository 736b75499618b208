"""The service: one Monitor loop on Kodi's clock, with the pull and push halves around it.

Each half is a component with the same small interface; the loop only asks them when they
next need a tick and forwards Kodi's notifications. Network I/O happens on the components'
own worker threads (see worker.py), never on this thread.
"""

import threading
import time

from . import ADDON_ID

# Longest the main loop sleeps between ticks. While something plays the push half asks
# for a tick every second to sample the position (getTime raises once playback stopped).
MAX_WAIT = 60.0
MIN_WAIT = 0.05
# Kodi kills an add-on a few seconds after abort: all components stop together, and the
# loop returns once they have, or after this many seconds whatever still hangs.
STOP_DEADLINE = 1.0
# What the service's Monitor sees of the plugin's JSONRPC.NotifyAll(sender=ADDON_ID,
# message="check") (menu open, after a sign-in).
CHECK_METHOD = "Other.check"


def is_check(sender, method):
    """True for the plugin's check request (see CHECK_METHOD)."""
    return method == CHECK_METHOD and sender == ADDON_ID


class Component:
    """What the service loop drives. All methods run on the service's main thread."""

    def start(self):
        """Called once before the loop starts."""

    def tick(self, now):
        """Do what is due at `now` (wake a worker, sample the player). Return the number of
        seconds until the next tick is needed, or None when nothing is scheduled."""
        return None

    def on_notification(self, sender, method, data):
        """A Kodi notification (data already decoded from JSON)."""

    def on_settings_changed(self):
        """The user changed the addon's settings."""

    def stop(self):
        """Abort: return within a second, losing nothing that was committed."""


class Service:
    def __init__(self, monitor, components, now):
        self.monitor = monitor
        self.components = list(components)
        self.now = now

    def on_notification(self, sender, method, data):
        for component in self.components:
            component.on_notification(sender, method, data)

    def on_settings_changed(self):
        for component in self.components:
            component.on_settings_changed()

    def run(self):
        for component in self.components:
            component.start()
        try:
            while not self.monitor.abortRequested():
                now = self.now()
                waits = [w for w in (c.tick(now) for c in self.components) if w is not None]
                wait = min([MAX_WAIT] + waits)
                if self.monitor.waitForAbort(max(MIN_WAIT, wait)):
                    break
        finally:
            self.stop_components()

    def stop_components(self, deadline=STOP_DEADLINE):
        """Stop every component at once (each may wait up to a second for a worker stuck in
        a request; one after the other that would add up) and return within `deadline`."""
        threads = []
        for component in self.components:
            thread = threading.Thread(target=component.stop, name="simkl-stop", daemon=True)
            thread.start()
            threads.append(thread)
        end = time.monotonic() + deadline
        for thread in threads:
            thread.join(max(0.0, end - time.monotonic()))


def run():
    """Entry point of service.py: build the components from Kodi and run until abort."""
    from .wiring import build_service

    build_service().run()
