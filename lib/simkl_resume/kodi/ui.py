"""Small UI helpers over xbmc/xbmcgui, so the rest of the addon never imports them.

    notify(string_id, *args, heading_id=30000, error=False, time_ms=5000)
        A Kodi toast: the localized string `string_id`, %-formatted with `args`.
    yesno(heading_id, message_id, *args) -> bool
    ok(heading_id, message_id, *args)
    folder_on_screen() -> bool
        Is a folder of this addon (plugin://plugin.video.simkl.resume/...) on screen?
    refresh_container()                 Container.Refresh (whatever is on screen)
    refresh_if_on_screen() -> bool      Container.Refresh only when our folder is on screen.
    wait(seconds) -> bool               xbmc.Monitor().waitForAbort: True when Kodi aborts.
    PinDialog                           the sign-in progress dialog (see its docstring).
    sign_in_dialog(heading_id, lines_id, remaining_id, qr_dir=None, log=None)
        The sign-in dialog with a QR code (kodi/pin_dialog.py), else a PinDialog.

Strings are looked up with kodi.strings.localize; a missing id shows as "" in Kodi, so
every caller passes ids that exist in strings.po (tests check the ones used here).
"""
import xbmc
import xbmcgui

from .. import ADDON_ID
from .strings import localize

FOLDER_PREFIX = "plugin://%s/" % ADDON_ID
HEADING = 30000  # "Resume from Simkl"


def text(string_id, *args):
    """The localized string, %-formatted with `args` when given."""
    message = localize(string_id)
    if args:
        try:
            message = message % args
        except (TypeError, ValueError):
            message = " ".join([message] + [str(a) for a in args])
    return message


def notify(string_id, *args, **kwargs):
    """Show a toast. Keywords: heading_id (default 30000), error (icon), time_ms (5000)."""
    heading_id = kwargs.get("heading_id", HEADING)
    # getattr: the constants are "error"/"info" in every Kodi; the fake Kodi lacks them.
    if kwargs.get("error"):
        icon = getattr(xbmcgui, "NOTIFICATION_ERROR", "error")
    else:
        icon = getattr(xbmcgui, "NOTIFICATION_INFO", "info")
    xbmcgui.Dialog().notification(text(heading_id), text(string_id, *args), icon,
                                  int(kwargs.get("time_ms", 5000)))


def yesno(heading_id, message_id, *args):
    return bool(xbmcgui.Dialog().yesno(text(heading_id), text(message_id, *args)))


def ok(heading_id, message_id, *args):
    xbmcgui.Dialog().ok(text(heading_id), text(message_id, *args))


def folder_on_screen():
    return xbmc.getInfoLabel("Container.FolderPath").startswith(FOLDER_PREFIX)


def refresh_container():
    xbmc.executebuiltin("Container.Refresh")


def refresh_if_on_screen():
    if folder_on_screen():
        refresh_container()
        return True
    return False


def wait(seconds, monitor=None):
    """Sleep through Kodi (abort-aware); True when Kodi is shutting down."""
    monitor = monitor if monitor is not None else xbmc.Monitor()
    return bool(monitor.waitForAbort(max(0.0, float(seconds))))


def new_monitor():
    return xbmc.Monitor()


def clock_text(seconds):
    """1:05 for 65 seconds."""
    seconds = max(0, int(round(seconds)))
    return "%d:%02d" % (seconds // 60, seconds % 60)


_clock = clock_text


def sign_in_dialog(heading_id, lines_id, remaining_id, qr_dir=None, log=None):
    """The PIN dialog: the XML one with a QR code when Kodi can show it, else PinDialog.
    Both: open(expires_in, link, verification_url, code), show(remaining_s, status_id),
    cancelled(), close()."""
    from . import pin_dialog

    return pin_dialog.create(heading_id, lines_id, remaining_id, qr_dir=qr_dir, log=log)


class PinDialog:
    """xbmcgui.DialogProgress showing the PIN code, the URL to open and the time left.

        dialog = PinDialog(heading_id, lines_id, remaining_id)
        dialog.open(expires_in, *lines_args)       # lines_id %-formatted with lines_args
        dialog.show(remaining_s, status_id=None)   # bar counts down to 0 at expiry
        dialog.cancelled() -> bool
        dialog.close()
    """

    def __init__(self, heading_id, lines_id, remaining_id):
        self.heading_id = heading_id
        self.lines_id = lines_id
        self.remaining_id = remaining_id
        self._dialog = None
        self._lines = ""
        self._total = 1.0

    def open(self, expires_in, *lines_args):
        self._total = max(1.0, float(expires_in))
        self._lines = text(self.lines_id, *lines_args)
        self._dialog = xbmcgui.DialogProgress()
        self._dialog.create(text(self.heading_id), self._lines)

    def show(self, remaining, status_id=None):
        if self._dialog is None:
            return
        remaining = max(0.0, float(remaining))
        percent = int(round(100.0 * remaining / self._total))
        message = self._lines + "[CR]" + text(self.remaining_id, _clock(remaining))
        if status_id is not None:
            message += "[CR]" + text(status_id)
        self._dialog.update(max(0, min(100, percent)), message)

    def cancelled(self):
        return self._dialog is not None and bool(self._dialog.iscanceled())

    def close(self):
        if self._dialog is not None:
            self._dialog.close()
            self._dialog = None
