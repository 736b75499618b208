"""The service's xbmc.Monitor: forwards Kodi's notifications to plain Python handlers."""
import json

import xbmc


class ServiceMonitor(xbmc.Monitor):
    """Calls `on_notification(method, data_dict)` and `on_settings_changed()` of a handler.

    Kodi runs these callbacks on the service's main thread while it waits in
    waitForAbort, so handlers must return quickly: record, wake a worker, never do I/O.
    """

    def __init__(self, handler=None):
        super().__init__()
        self.handler = handler

    def onNotification(self, sender, method, data):
        if self.handler is None:
            return
        try:
            payload = json.loads(data) if data else {}
        except ValueError:
            payload = {}
        self.handler.on_notification(sender, method, payload)

    def onSettingsChanged(self):
        if self.handler is not None:
            self.handler.on_settings_changed()
