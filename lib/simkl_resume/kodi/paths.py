"""Where the addon lives and keeps its data."""
import os

import xbmcaddon
import xbmcvfs


def profile_dir():
    """The addon's data folder (special://profile/addon_data/<id>/), created when missing."""
    path = xbmcvfs.translatePath(xbmcaddon.Addon().getAddonInfo("profile"))
    os.makedirs(path, exist_ok=True)
    return path


def addon_dir():
    return xbmcvfs.translatePath(xbmcaddon.Addon().getAddonInfo("path"))


def addon_version():
    return xbmcaddon.Addon().getAddonInfo("version")
