"""Plugin directories and resolved items from plain "item specs", so menu.py and actions.py
never touch xbmcgui/xbmcplugin themselves.

An item spec is a dict (every key optional):
    label, label2, path, playable (bool), folder (bool), art {..}, properties {..},
    context [(label, action), ...],
    info {title, plot, mediatype, dbid, tvshowtitle, season, episode, year, duration,
          uniqueids {..}},
    resume (position_s, total_s)  - drawn by skins as the progress bar

    make_listitem(spec) -> xbmcgui.ListItem   (InfoTagVideo on Kodi 20+, setInfo/properties on 19)
    show_directory(handle, [(url, spec), ...], content, category="", succeeded=True)
        setContent, one unsorted sort method with our label masks (below), addDirectoryItems,
        endOfDirectory(cacheToDisc=False)
    resolve(handle, spec or None)     setResolvedUrl(True, item) / setResolvedUrl(False, empty item)
    kodi_major() -> int               19, 20, 21 ... from System.BuildVersion
"""
import xbmc
import xbmcgui
import xbmcplugin


# Kodi (19-21) redraws every label of a plugin directory from the label masks of its sort
# method (CLabelFormatter); addSortMethod's defaults are "%T" (the info tag's title) and "%D"
# (duration), which hid our labels on real Kodi 20.1 ("Inception" / "05:00" for "Inception
# (2010)" / "42% watched ..."). "%L" keeps the label as set. No mask reads label2 back, so the
# item also carries it in the one free-text property a mask reads: "%s" = ListItem property
# "Addon.Status" (meant for the add-on browser, unused by video views).
LABEL_MASK = "%L"
LABEL2_MASK = "%s"
LABEL2_PROPERTY = "Addon.Status"

_major = []


def kodi_major():
    if not _major:
        text = xbmc.getInfoLabel("System.BuildVersion") or ""
        head = text.split(".", 1)[0].strip()
        _major.append(int(head) if head.isdigit() else 20)
    return _major[0]


def _info_v20(item, info, resume):
    tag = item.getVideoInfoTag()
    if info.get("mediatype"):
        tag.setMediaType(info["mediatype"])
    if info.get("dbid") is not None:
        tag.setDbId(int(info["dbid"]))
    if info.get("title"):
        tag.setTitle(info["title"])
    if info.get("tvshowtitle"):
        tag.setTvShowTitle(info["tvshowtitle"])
    if info.get("season") is not None:
        tag.setSeason(int(info["season"]))
    if info.get("episode") is not None:
        tag.setEpisode(int(info["episode"]))
    if info.get("year"):
        tag.setYear(int(info["year"]))
    if info.get("plot"):
        tag.setPlot(info["plot"])
    if info.get("duration"):
        tag.setDuration(int(info["duration"]))
    if info.get("uniqueids"):
        tag.setUniqueIDs(dict(info["uniqueids"]))
    if resume:
        tag.setResumePoint(float(resume[0]), float(resume[1]))


def _info_v19(item, info, resume):
    labels = {}
    for key in ("title", "tvshowtitle", "season", "episode", "year", "plot", "mediatype", "dbid",
                "duration"):
        if info.get(key) not in (None, ""):
            labels[key] = info[key]
    if labels:
        item.setInfo("video", labels)
    if info.get("uniqueids"):
        item.setUniqueIDs(dict(info["uniqueids"]))
    if resume:
        item.setProperty("ResumeTime", "%.3f" % float(resume[0]))
        item.setProperty("TotalTime", "%.3f" % float(resume[1]))


def make_listitem(spec):
    item = xbmcgui.ListItem(label=spec.get("label", ""), label2=spec.get("label2", ""),
                            path=spec.get("path", ""), offscreen=True)
    if spec.get("art"):
        item.setArt(dict(spec["art"]))
    info = spec.get("info") or {}
    resume = spec.get("resume")
    if info or resume:
        if kodi_major() >= 20:
            _info_v20(item, info, resume)
        else:
            _info_v19(item, info, resume)
    if spec.get("label2"):
        item.setProperty(LABEL2_PROPERTY, spec["label2"])
    item.setProperty("IsPlayable", "true" if spec.get("playable") else "false")
    for key, value in (spec.get("properties") or {}).items():
        item.setProperty(key, str(value))
    if spec.get("context"):
        item.addContextMenuItems(list(spec["context"]))
    return item


def show_directory(handle, entries, content="videos", category="", succeeded=True):
    """entries: [(url, spec)]; a spec with folder=True is a folder."""
    if category:
        xbmcplugin.setPluginCategory(handle, category)
    xbmcplugin.setContent(handle, content)
    # UNSORTED ("Sort by: Default"), not NONE, which Kodi labels "Sort by: Date"; both keep
    # the order we add the items in.
    xbmcplugin.addSortMethod(handle, xbmcplugin.SORT_METHOD_UNSORTED,
                             labelMask=LABEL_MASK, label2Mask=LABEL2_MASK)
    items = [(url, make_listitem(spec), bool(spec.get("folder"))) for url, spec in entries]
    xbmcplugin.addDirectoryItems(handle, items, len(items))
    xbmcplugin.endOfDirectory(handle, succeeded=succeeded, cacheToDisc=False)


def resolve(handle, spec=None):
    """Hand Kodi the item to play (spec) or tell it nothing plays (None)."""
    if handle is None or handle < 0:
        return
    if spec is None:
        xbmcplugin.setResolvedUrl(handle, False, xbmcgui.ListItem(offscreen=True))
    else:
        xbmcplugin.setResolvedUrl(handle, True, make_listitem(spec))


def play_url(url):
    """Ask Kodi to play a (plugin) URL: used when a route runs as an action (handle -1)."""
    xbmc.executebuiltin("PlayMedia(%s)" % url)
