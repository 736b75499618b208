"""Typed access to the addon's settings (resources/settings.xml, format version 1).

A new xbmcaddon.Addon() per read: an Addon object keeps the values it saw when created,
and the service lives for hours while the user changes settings."""
import xbmcaddon


def _addon():
    return xbmcaddon.Addon()


def get_bool(setting_id):
    return _addon().getSettingBool(setting_id)


def get_int(setting_id):
    return _addon().getSettingInt(setting_id)


def get_str(setting_id):
    return _addon().getSettingString(setting_id)


def set_str(setting_id, value):
    _addon().setSettingString(setting_id, value)
