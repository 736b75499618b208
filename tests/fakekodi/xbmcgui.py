"""Fake `xbmcgui` module backed by the active FakeKodi: ListItem, dialogs, Window properties."""
import os as _os
import threading as _threading
import xml.etree.ElementTree as _ET

from . import xbmc as _xbmc

from . import _current, _stubs  # noqa: I001

__fake_kodi__ = True
globals().update(_stubs.constants("xbmcgui"))

_KNOWN_WINDOWS = set(range(9999, 15000))


def _warn_deprecated(what):
    _current.get().log("%s is deprecated and might be removed in future Kodi versions. "
                       "Please use the respective setter in InfoTagVideo." % what, _xbmc.LOGWARNING)


class ListItem:
    def __init__(self, label="", label2="", path="", offscreen=False):
        self._label = label
        self._label2 = label2
        self._path = path
        self._art = {}
        self._props = {}
        self._folder = False
        self._context = []
        self._tag = None
        self._info = {}
        self._selected = False
        self._mimetype = ""
        self._content_lookup = True
        self._subtitles = []

    def getLabel(self):
        return self._label

    def getLabel2(self):
        return self._label2

    def setLabel(self, label):
        self._label = label

    def setLabel2(self, label):
        self._label2 = label

    def setArt(self, dictionary):
        self._art.update(dictionary)

    def getArt(self, key):
        return self._art.get(key, "")

    def setIsFolder(self, isFolder):
        self._folder = bool(isFolder)

    def isFolder(self):
        return self._folder

    def select(self, selected):
        self._selected = bool(selected)

    def isSelected(self):
        return self._selected

    def setProperty(self, key, value):
        self._props[key.lower()] = str(value)  # Kodi lower-cases property keys

    def setProperties(self, dictionary):
        for k, v in dictionary.items():
            self.setProperty(k, v)

    def getProperty(self, key):
        return self._props.get(key.lower(), "")

    def setPath(self, path):
        self._path = path

    def getPath(self):
        return self._path

    def setMimeType(self, mimetype):
        self._mimetype = mimetype

    def setContentLookup(self, enable):
        self._content_lookup = bool(enable)

    def setSubtitles(self, subtitleFiles):
        self._subtitles = list(subtitleFiles)

    def addContextMenuItems(self, items, replaceItems=False):
        for entry in items:
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise TypeError("context menu items must be (label, action) tuples")
        self._context.extend(items)

    def getVideoInfoTag(self):
        if self._tag is None:
            self._tag = _xbmc.InfoTagVideo()
        return self._tag

    def setInfo(self, type, infoLabels):
        """Deprecated on Kodi 20 (logs a warning), still fills the info tag."""
        _warn_deprecated("ListItem.setInfo()")
        self._info.update(infoLabels)
        tag = self.getVideoInfoTag()
        for k, v in infoLabels.items():
            key = k.lower()
            if key in ("season", "episode", "year", "dbid", "duration", "playcount"):
                tag._data[key] = int(v)
            elif key in ("title", "tvshowtitle", "mediatype", "plot", "imdbnumber", "premiered"):
                tag._data[key] = v
            elif key == "genre":
                tag._data["genres"] = v if isinstance(v, list) else [v]

    def setUniqueIDs(self, dictionary, defaultrating=""):
        _warn_deprecated("ListItem.setUniqueIDs()")
        self.getVideoInfoTag().setUniqueIDs(dictionary, defaultrating)

    def getUniqueID(self, key):
        return self.getVideoInfoTag().getUniqueID(key)

    def addStreamInfo(self, cType, dictionary):
        _warn_deprecated("ListItem.addStreamInfo()")
        if cType == "video" and "duration" in dictionary:
            self.getVideoInfoTag().setDuration(int(dictionary["duration"]))

    # test helpers (private: not part of Kodi's API)
    def _context_menu(self):
        return list(self._context)

    def __repr__(self):
        return "ListItem(%r, path=%r)" % (self._label, self._path)


class Dialog:
    def _record(self, kind, answer, **fields):
        fields.update({"type": kind, "answer": answer})
        _current.get().dialogs.append(fields)
        return answer

    def notification(self, heading, message, icon="", time=0, sound=True):
        _current.get().notifications.append({"heading": heading, "message": message, "icon": icon,
                                             "time": time, "sound": sound})

    def yesno(self, heading, message, nolabel="", yeslabel="", autoclose=0, defaultbutton=10):
        """Scripted with kodi.answer('yesno', True/False); unscripted = closed/timed out (False)."""
        answer = bool(_current.get()._next_answer("yesno", False))
        return self._record("yesno", answer, heading=heading, message=message, nolabel=nolabel,
                            yeslabel=yeslabel, autoclose=autoclose, defaultbutton=defaultbutton)

    def yesnocustom(self, heading, message, customlabel, nolabel="", yeslabel="", autoclose=0,
                    defaultbutton=10):
        answer = int(_current.get()._next_answer("yesnocustom", -1))
        return self._record("yesnocustom", answer, heading=heading, message=message,
                            customlabel=customlabel, autoclose=autoclose)

    def ok(self, heading, message):
        return self._record("ok", bool(_current.get()._next_answer("ok", True)), heading=heading,
                            message=message)

    def select(self, heading, list, autoclose=0, preselect=-1, useDetails=False):
        labels = [x.getLabel() if isinstance(x, ListItem) else x for x in list]
        return self._record("select", int(_current.get()._next_answer("select", -1)), heading=heading,
                            options=labels, preselect=preselect, autoclose=autoclose)

    def multiselect(self, heading, options, autoclose=0, preselect=None, useDetails=False):
        labels = [x.getLabel() if isinstance(x, ListItem) else x for x in options]
        return self._record("multiselect", _current.get()._next_answer("multiselect", None),
                            heading=heading, options=labels)

    def contextmenu(self, list):
        return self._record("contextmenu", int(_current.get()._next_answer("contextmenu", -1)),
                            options=[str(x) for x in list])

    def input(self, heading, defaultt="", type=0, option=0, autoclose=0):
        return self._record("input", str(_current.get()._next_answer("input", "")), heading=heading,
                            default=defaultt, input_type=type)

    def numeric(self, type, heading, defaultt="", bHiddenInput=False):
        return self._record("numeric", str(_current.get()._next_answer("numeric", defaultt)),
                            heading=heading)

    def textviewer(self, heading, text, usemono=False):
        self._record("textviewer", None, heading=heading, text=text)


class DialogProgress:
    """Records {"type": "progress", heading, updates: [(percent, message)], closed}; cancel is
    scripted with kodi.progress_cancel_after = N (iscanceled() True after N updates)."""

    def __init__(self):
        self._rec = None

    def create(self, heading, message=""):
        self._rec = {"type": "progress", "heading": heading, "message": message, "updates": [],
                     "closed": False, "answer": None}
        _current.get().dialogs.append(self._rec)

    def update(self, percent, message=""):
        if self._rec is None:
            raise RuntimeError("DialogProgress.update before create")
        self._rec["updates"].append((int(percent), message))

    def iscanceled(self):
        after = _current.get().progress_cancel_after
        return bool(self._rec is not None and after is not None and len(self._rec["updates"]) >= after)

    def close(self):
        if self._rec is not None:
            self._rec["closed"] = True


class DialogProgressBG:
    def __init__(self):
        self._rec = None

    def create(self, heading, message=""):
        self._rec = {"type": "progressbg", "heading": heading, "message": message, "updates": [],
                     "closed": False, "answer": None}
        _current.get().dialogs.append(self._rec)

    def update(self, percent=0, heading="", message=""):
        if self._rec is not None:
            self._rec["updates"].append((int(percent), message))

    def isFinished(self):
        return self._rec is None or self._rec["closed"]

    def close(self):
        if self._rec is not None:
            self._rec["closed"] = True


class Window:
    """Window properties live on the FakeKodi: every Window(10000) (service, plugin runs, tests)
    sees the same ones. Keys are case-insensitive, like Kodi's."""

    def __init__(self, existingWindowId=-1):
        kodi = _current.get()
        wid = kodi.active_window if existingWindowId == -1 else existingWindowId
        if wid not in _KNOWN_WINDOWS:
            raise RuntimeError("Window id does not exist")
        self._id = wid

    def _props(self):
        return _current.get().windows[self._id]

    def setProperty(self, key, value):
        if not isinstance(value, str):
            raise TypeError("argument \"value\" for method \"setProperty\" must be unicode or str")
        self._props()[key.lower()] = value

    def getProperty(self, key):
        return self._props().get(key.lower(), "")

    def clearProperty(self, key):
        self._props().pop(key.lower(), None)

    def clearProperties(self):
        self._props().clear()

    def getHeight(self):
        return 720

    def getWidth(self):
        return 1280

    def show(self):
        pass

    def close(self):
        pass

    def doModal(self):
        pass


class Action:
    """An action as Kodi hands it to Window.onAction. Tests build one with _action(action_id)."""

    def getId(self):
        return self._id

    def getButtonCode(self):
        return 0


def _action(action_id):
    action = Action.__new__(Action)
    action._id = int(action_id)
    return action


class Control:
    def getId(self):
        return self._id


class ControlProgress(Control):
    def setPercent(self, pct):
        self._rec["percents"].append(float(pct))

    def getPercent(self):
        return self._rec["percents"][-1] if self._rec["percents"] else 0.0


class ControlImage(Control):
    def setImage(self, imageFilename, useCache=True):
        self._rec["images"].append(imageFilename)


_CONTROL_CLASSES = {"progress": ControlProgress, "image": ControlImage}


def _control(rec, control_id, kind):
    control = _CONTROL_CLASSES.get(kind, Control).__new__(_CONTROL_CLASSES.get(kind, Control))
    control._id = control_id
    control._rec = rec
    return control


class WindowXMLDialog(Window):
    """A script's XML dialog. As in Kodi, the XML is looked up in
    <scriptPath>/resources/skins/<defaultSkin>/<defaultRes>/ (the fake has no skin of its own)
    and a missing or unreadable file raises RuntimeError. Each window gets its own window id
    (13000, 13001, ... like Kodi's python windows), so its properties are its own.

    Records {"type": "windowxmldialog", "xml", "window", "shown", "modal", "closed",
    "focus", "percents", "images"}; getControl knows the ids and types the XML declares
    (RuntimeError for others, as Kodi) and focus starts on <defaultcontrol>.
    Test helpers: _click(control_id) and _press(action_id) queue onClick/onAction to the
    thread that created the window; they run inside its next Kodi wait, as in Kodi."""

    def __init__(self, xmlFilename, scriptPath, defaultSkin="Default", defaultRes="720p"):
        path = _os.path.join(scriptPath, "resources", "skins", defaultSkin, defaultRes, xmlFilename)
        try:
            root = _ET.parse(path).getroot()
        except (OSError, _ET.ParseError):
            raise RuntimeError("XML File for Window is missing") from None
        kodi = _current.get()
        count = len([d for d in kodi.dialogs if d["type"] == "windowxmldialog"])
        Window.__init__(self, 13000 + count)
        self._xml = xmlFilename
        self._controls = {}
        for node in root.iter("control"):
            if node.get("id", "").lstrip("-").isdigit():
                self._controls[int(node.get("id"))] = node.get("type", "")
        default = (root.findtext("defaultcontrol") or "").strip()
        self._owner = _threading.current_thread()
        self._rec = {"type": "windowxmldialog", "xml": xmlFilename, "path": path, "window": self,
                     "shown": False, "modal": False, "closed": False, "answer": None,
                     "focus": int(default) if default.isdigit() else None, "percents": [], "images": []}
        kodi.dialogs.append(self._rec)

    def show(self):
        self._rec["shown"] = True
        self._rec["closed"] = False
        _current.get().clock.post(self._owner, self.onInit)

    def doModal(self):
        """Cannot block in the fake: marks the window shown modally and runs onInit."""
        self._rec["shown"] = self._rec["modal"] = True
        self.onInit()

    def close(self):
        self._rec["closed"] = True

    def getControl(self, iControlId):
        if iControlId not in self._controls:
            raise RuntimeError("Non-Existent Control %d" % iControlId)
        return _control(self._rec, iControlId, self._controls[iControlId])

    def setFocusId(self, iControlId):
        if iControlId not in self._controls:
            raise RuntimeError("Non-Existent Control %d" % iControlId)
        self._rec["focus"] = iControlId

    def getFocusId(self):
        return self._rec["focus"] or 0

    def onInit(self):
        pass

    def onClick(self, controlId):
        pass

    def onFocus(self, controlId):
        pass

    def onAction(self, action):
        """Kodi's default: Back / Previous menu close the window."""
        if action.getId() in (ACTION_PREVIOUS_MENU, ACTION_NAV_BACK):  # noqa: F821 - from _stubs
            self.close()

    # test helpers (private: not part of Kodi's API)
    def _click(self, control_id):
        _current.get().clock.post(self._owner, lambda: self.onClick(control_id))

    def _press(self, action_id):
        _current.get().clock.post(self._owner, lambda: self.onAction(_action(action_id)))
