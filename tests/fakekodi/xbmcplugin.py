"""Fake `xbmcplugin`: captures a plugin run's directory (kodi.directory) and kodi.resolved."""
from . import _current, _stubs
from .fake import Directory as _Directory
from .fake import DirectoryItem as _DirectoryItem
from .fake import Resolved as _Resolved

__fake_kodi__ = True
globals().update(_stubs.constants("xbmcplugin"))


def _directory(handle):
    kodi = _current.get()
    d = kodi.directory
    if d is None or d.handle != handle:
        kodi.log("addDirectoryItem: invalid handle %r" % (handle,), 3)
        d = _Directory(handle)
        kodi.directory = d
        kodi.directories.append(d)
    return d


def addDirectoryItem(handle, url, listitem, isFolder=False, totalItems=0):
    _directory(handle).items.append(_DirectoryItem(url, listitem, bool(isFolder)))
    return True


def addDirectoryItems(handle, items, totalItems=0):
    d = _directory(handle)
    for entry in items:
        url, listitem = entry[0], entry[1]
        is_folder = entry[2] if len(entry) > 2 else False
        d.items.append(_DirectoryItem(url, listitem, bool(is_folder)))
    return True


def endOfDirectory(handle, succeeded=True, updateListing=False, cacheToDisc=True):
    d = _directory(handle)
    d.succeeded = bool(succeeded)
    d.update_listing = bool(updateListing)
    d.cache_to_disc = bool(cacheToDisc)


def setResolvedUrl(handle, succeeded, listitem):
    kodi = _current.get()
    kodi.resolved = _Resolved(handle, bool(succeeded), listitem)


def setContent(handle, content):
    _directory(handle).content = content


def setPluginCategory(handle, category):
    _directory(handle).category = category


def addSortMethod(handle, sortMethod, labelMask="", label2Mask=""):
    _directory(handle).sort_methods.append(sortMethod)


def setProperty(handle, key, value):
    _directory(handle).properties[key] = value


def getSetting(handle, id):
    return _current.get().get_setting(id)


def setSetting(handle, id, value):
    _current.get().set_setting(id, value)
