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
The sign-in dialog lives in kodi/pin_dialog.py.

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


MSG_SIGN_IN_AGAIN = 30200  # Simkl signed this Kodi out; how to sign in again


def notify_sign_in_again():
    """The one message after a 401, whichever of pull and push met it (AccountStore.revoke
    decides which one tells)."""
    notify(MSG_SIGN_IN_AGAIN, error=True, time_ms=10000)


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
