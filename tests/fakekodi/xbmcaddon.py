"""Fake `xbmcaddon`: the addon's info from addon.xml, settings with settings.xml defaults, strings."""
import os as _os

from . import _current

__fake_kodi__ = True


def _typed(kodi, id, wanted):
    stype = kodi.setting_type(id)
    if stype != wanted:
        raise TypeError("Invalid setting type \"%s\" for \"%s\"" % (wanted, id))
    return kodi.get_setting(id)


class Settings:
    """Kodi 20's Addon.getSettings() object."""

    def __init__(self):
        self._kodi = _current.get()

    def getBool(self, id):
        return _typed(self._kodi, id, "boolean") == "true"

    def getInt(self, id):
        return int(_typed(self._kodi, id, "integer"))

    def getNumber(self, id):
        return float(_typed(self._kodi, id, "number"))

    def getString(self, id):
        return _typed(self._kodi, id, "string")

    def setBool(self, id, value):
        _typed(self._kodi, id, "boolean")
        self._kodi.set_setting(id, bool(value))
        self._kodi._settings_changed()

    def setInt(self, id, value):
        _typed(self._kodi, id, "integer")
        self._kodi.set_setting(id, int(value))
        self._kodi._settings_changed()

    def setNumber(self, id, value):
        _typed(self._kodi, id, "number")
        self._kodi.set_setting(id, float(value))
        self._kodi._settings_changed()

    def setString(self, id, value):
        _typed(self._kodi, id, "string")
        self._kodi.set_setting(id, value)
        self._kodi._settings_changed()


class Addon:
    def __init__(self, id=None):
        kodi = _current.get()
        if id not in (None, kodi.addon_id):
            raise RuntimeError("No valid addon id could be obtained. %s was passed." % id)
        self._kodi = kodi

    def getAddonInfo(self, id):
        k = self._kodi
        info = {
            "id": k.addon_id, "name": k.addon_name, "version": k.addon_version,
            "path": k.repo_root, "profile": "special://profile/addon_data/%s/" % k.addon_id,
            "type": "xbmc.python.pluginsource", "author": "simkl-resume maintainers",
            "icon": _os.path.join(k.repo_root, "resources", "icon.png"),
            "fanart": _os.path.join(k.repo_root, "resources", "fanart.jpg"),
            "libpath": _os.path.join(k.repo_root, "default.py"),
            "summary": "", "description": "", "disclaimer": "", "changelog": "", "stars": "-1",
        }
        return info.get(id, "")

    def getLocalizedString(self, id):
        return self._kodi.strings.get(int(id), "")

    def getSettings(self):
        return Settings()

    def getSetting(self, id):
        return self._kodi.get_setting(id)

    def getSettingBool(self, id):
        return _typed(self._kodi, id, "boolean") == "true"

    def getSettingInt(self, id):
        return int(_typed(self._kodi, id, "integer"))

    def getSettingNumber(self, id):
        return float(_typed(self._kodi, id, "number"))

    def getSettingString(self, id):
        return _typed(self._kodi, id, "string")

    def setSetting(self, id, value):
        if not isinstance(value, str):
            raise TypeError("argument \"value\" for method \"setSetting\" must be unicode or str")
        self._kodi.set_setting(id, value)
        self._kodi._settings_changed()

    def setSettingBool(self, id, value):
        _typed(self._kodi, id, "boolean")
        self._kodi.set_setting(id, bool(value))
        self._kodi._settings_changed()
        return True

    def setSettingInt(self, id, value):
        _typed(self._kodi, id, "integer")
        self._kodi.set_setting(id, int(value))
        self._kodi._settings_changed()
        return True

    def setSettingNumber(self, id, value):
        _typed(self._kodi, id, "number")
        self._kodi.set_setting(id, float(value))
        self._kodi._settings_changed()
        return True

    def setSettingString(self, id, value):
        _typed(self._kodi, id, "string")
        self._kodi.set_setting(id, value)
        self._kodi._settings_changed()
        return True

    def openSettings(self):
        self._kodi.dialogs.append({"type": "settings", "answer": None})
