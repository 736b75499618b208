"""What the service loop drives: the Component contract, and the plugin's check request.

Every service component (pull, push, resume list, mirror, prompt) subclasses Component;
loop.Service runs them. Kept apart from the loop so that the components, the loop and
wiring.py (which builds them all) import each other in one direction only.
"""
from .. import ADDON_ID

# What the service's Monitor sees of the plugin's JSONRPC.NotifyAll(sender=ADDON_ID,
# message="check") (menu open, after a sign-in).
CHECK_METHOD = "Other.check"


def missed_checks(data):
    """The notifications for loop.Service(missed=) of a check asked before the service
    listened (`data` from kodi.window.take_check_asked; None: nothing to deliver)."""
    return [] if data is None else [(ADDON_ID, CHECK_METHOD, data)]


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
