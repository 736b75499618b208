"""The sign-in dialog with a QR code: a WindowXMLDialog (resources/skins/default/1080i/simkl-pin.xml).

    dialog = create(heading_id, lines_id, remaining_id, qr_dir=profile_dir, log=log)
    dialog.open(expires_in, link, verification_url, code)
    dialog.show(remaining_s, status_id=None)
    dialog.cancelled() -> bool
    dialog.close()

Same interface as ProgressPinDialog (a DialogProgress), which `create` returns when
the XML dialog cannot be used (the XML is missing, Kodi refuses the window): the user always
gets the code, the address and the countdown. The QR code (of `link`, i.e.
https://simkl.com/pin/CODE) is drawn locally with segno, which the build vendors into
simkl_resume/_vendor/segno; without it the dialog shows the same text and no QR. Never a
remote QR service.

The window is shown modeless (show(), not doModal()): the PIN loop keeps running in the
plugin's thread and Kodi delivers onClick/onAction to it while it waits in
Monitor.waitForAbort. The Cancel button has the focus, so OK cancels; Back does too.
"""
import os
import re

import xbmcaddon
import xbmcgui

from ..core.progress import format_clock
from . import ui

WINDOW_XML = "simkl-pin.xml"
SKIN_FOLDER = "default"
SKIN_RES = "1080i"

# control ids in simkl-pin.xml
CONTROL_PROGRESS = 20
CONTROL_CANCEL = 30
CONTROL_QR = 40

# window properties the XML shows
PROP_HEADING = "Heading"
PROP_LINES = "Lines"
PROP_CODE = "Code"
PROP_LINK = "Link"
PROP_QR = "QR"
PROP_REMAINING = "Remaining"
PROP_STATUS = "Status"

# actions that close a dialog: previous menu, back, stop (remotes without Back)
CLOSE_ACTIONS = (10, 92, 13)

QR_PREFIX = "pin-qr-"
QR_PIXELS = 440   # the image control's size in simkl-pin.xml (1080i)


def load_segno():
    """The QR library: the copy the build vendored into the addon, else an installed one
    (development, tests), else None."""
    try:
        from .._vendor import segno  # type: ignore[attr-defined]
        return segno
    except ImportError:
        pass
    try:
        import segno
        return segno
    except ImportError:
        return None


def remove_qr_images(folder):
    """Delete the QR images of earlier sign-ins (a code is single-use)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(QR_PREFIX) and name.endswith(".png"):
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass


def write_qr_png(link, code, folder, segno=None):
    """Draw the QR code of `link` as a PNG in `folder`; returns its path, or None when no QR
    library is available. One file name per code: Kodi caches textures by path."""
    segno = segno if segno is not None else load_segno()
    if segno is None or not folder:
        return None
    safe = re.sub(r"[^A-Za-z0-9]", "", code or "") or "code"
    path = os.path.join(folder, "%s%s.png" % (QR_PREFIX, safe))
    qr = segno.make(link, error="m", micro=False)
    width = qr.symbol_size(scale=1, border=4)[0]
    scale = max(1, QR_PIXELS // width)
    os.makedirs(folder, exist_ok=True)
    qr.save(path, kind="png", scale=scale, border=4, dark="#000000", light="#ffffff")
    return path


_WINDOW_CLASSES = {}  # xbmcgui.WindowXMLDialog -> PinWindow


def window_class():
    """PinWindow: a subclass of xbmcgui.WindowXMLDialog made on first use (and per base class,
    so tests that swap xbmcgui modules get a window of the module in use)."""
    base = xbmcgui.WindowXMLDialog
    cls = _WINDOW_CLASSES.get(base)
    if cls is None:

        class PinWindow(base):
            """Kodi constructs it with the XML arguments only; the flag is set by callbacks."""

            cancel_pressed = False

            def onClick(self, controlId):
                if controlId == CONTROL_CANCEL:
                    self.cancel_pressed = True
                    self.close()

            def onAction(self, action):
                if action.getId() in CLOSE_ACTIONS:
                    self.cancel_pressed = True
                    self.close()

        cls = _WINDOW_CLASSES[base] = PinWindow
    return cls


class QrPinDialog:
    """The PIN dialog as a WindowXMLDialog: heading, instructions, the code in big letters,
    the link, the QR image, time left with a status line, a countdown bar, Cancel."""

    def __init__(self, heading_id, lines_id, remaining_id, qr_dir=None, log=None, segno=None):
        self.heading_id = heading_id
        self.lines_id = lines_id
        self.remaining_id = remaining_id
        self.qr_dir = qr_dir
        self.log = log or (lambda message: None)
        self._segno = segno
        addon_path = xbmcaddon.Addon().getAddonInfo("path")
        self._window = window_class()(WINDOW_XML, addon_path, SKIN_FOLDER, SKIN_RES)
        self._total = 1.0
        self._qr_path = None
        self._open = False

    def open(self, expires_in, link, verification_url, code):
        self._total = max(1.0, float(expires_in))
        window = self._window
        window.setProperty(PROP_HEADING, ui.text(self.heading_id))
        window.setProperty(PROP_LINES, ui.text(self.lines_id, link, verification_url, code))
        window.setProperty(PROP_CODE, code)
        window.setProperty(PROP_LINK, link)
        if self.qr_dir:
            remove_qr_images(self.qr_dir)
        try:
            self._qr_path = write_qr_png(link, code, self.qr_dir, self._segno)
        except Exception as exc:  # noqa: BLE001 - a QR code is a nicety: the text is there
            self.log("sign-in: no QR code (%s: %s)" % (type(exc).__name__, exc))
            self._qr_path = None
        if self._qr_path:
            window.setProperty(PROP_QR, self._qr_path)
        else:
            window.clearProperty(PROP_QR)
        window.show()
        self._open = True

    def show(self, remaining, status_id=None):
        if not self._open:
            return
        remaining = max(0.0, float(remaining))
        percent = max(0.0, min(100.0, 100.0 * remaining / self._total))
        self._window.setProperty(PROP_REMAINING, ui.text(self.remaining_id, format_clock(remaining)))
        self._window.setProperty(PROP_STATUS, ui.text(status_id) if status_id is not None else "")
        try:
            self._window.getControl(CONTROL_PROGRESS).setPercent(percent)
        except RuntimeError:  # a skin override without the bar: the text still counts down
            pass

    def cancelled(self):
        return bool(self._window.cancel_pressed)

    def close(self):
        if self._open:
            self._window.close()
            self._open = False
        if self._qr_path:
            try:
                os.remove(self._qr_path)
            except OSError:
                pass
            self._qr_path = None


class ProgressPinDialog:
    """xbmcgui.DialogProgress showing the PIN code, the URL to open and the time left.

        dialog = ProgressPinDialog(heading_id, lines_id, remaining_id)
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
        self._lines = ui.text(self.lines_id, *lines_args)
        self._dialog = xbmcgui.DialogProgress()
        self._dialog.create(ui.text(self.heading_id), self._lines)

    def show(self, remaining, status_id=None):
        if self._dialog is None:
            return
        remaining = max(0.0, float(remaining))
        percent = int(round(100.0 * remaining / self._total))
        message = self._lines + "[CR]" + ui.text(self.remaining_id, format_clock(remaining))
        if status_id is not None:
            message += "[CR]" + ui.text(status_id)
        self._dialog.update(max(0, min(100, percent)), message)

    def cancelled(self):
        return self._dialog is not None and bool(self._dialog.iscanceled())

    def close(self):
        if self._dialog is not None:
            self._dialog.close()
            self._dialog = None


def create(heading_id, lines_id, remaining_id, qr_dir=None, log=None):
    """The XML dialog with the QR code, else the DialogProgress one (same interface)."""
    log = log or (lambda message: None)
    try:
        return QrPinDialog(heading_id, lines_id, remaining_id, qr_dir=qr_dir, log=log)
    except Exception as exc:  # noqa: BLE001 - Kodi raises plain RuntimeError/Exception here
        log("sign-in: XML dialog unavailable (%s: %s), using the progress dialog" % (type(exc).__name__, exc))
        return ProgressPinDialog(heading_id, lines_id, remaining_id)
