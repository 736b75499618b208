"""The service: one Monitor loop on Kodi's clock, with the pull and push halves around it.

Each half is a component with the same small interface; the loop only asks them when they
next need a tick and forwards Kodi's notifications. Network I/O happens on the components'
own worker threads (see worker.py), never on this thread. The component contract is in
component.py; wiring.py builds the real service (its run() is the entry point).
"""

import threading
import time

# Longest the main loop sleeps between ticks. While something plays the push half asks
# for a tick every second to sample the position (getTime raises once playback stopped).
MAX_WAIT = 60.0
MIN_WAIT = 0.05
# Kodi kills an add-on a few seconds after abort: all components stop together, and the
# loop returns once they have, or after this many seconds whatever still hangs.
STOP_DEADLINE = 1.0


class Service:
    """Runs `components` (component.Component) on one loop until Kodi aborts."""

    def __init__(self, monitor, components, now, missed=()):
        """`missed`: notifications (sender, method, data) sent before `monitor` listened (see
        kodi.window.take_check_asked); delivered once the components have started."""
        self.monitor = monitor
        self.components = list(components)
        self.now = now
        self.missed = list(missed)

    def on_notification(self, sender, method, data):
        for component in self.components:
            component.on_notification(sender, method, data)

    def on_settings_changed(self):
        for component in self.components:
            component.on_settings_changed()

    def run(self):
        for component in self.components:
            component.start()
        missed, self.missed = self.missed, []
        for sender, method, data in missed:
            self.on_notification(sender, method, data)
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
