"""Fake `xbmc` module (Kodi 20.1 behaviour) backed by the active FakeKodi."""
import threading as _threading

from . import _current, _stubs
from .player import NotPlaying as _NotPlaying

__fake_kodi__ = True
globals().update(_stubs.constants("xbmc"))
globals().pop("LOGNOTICE", None)  # removed in Kodi 19


def log(msg, level=0):
    _current.get().log(msg, level)


def executebuiltin(function, wait=False):
    _current.get().builtins.append(function)


def executeJSONRPC(jsonrpccommand):
    return _current.get().jsonrpc.handle(jsonrpccommand)


def sleep(timemillis):
    _current.get().clock.wait(timemillis / 1000.0)


def getLocalizedString(id):
    return _current.get().core_strings.get(id, "")


def getCondVisibility(condition):
    return _current.get().cond_visibility(condition)


def getInfoLabel(cLine):
    return _current.get().info_label(cLine)


def getSkinDir():
    return "skin.estuary"


def getLanguage(format=2, region=False):
    return "English"


def getUserAgent():
    return "Kodi/20.1 (X11; Linux x86_64) Debian/12 App_Bitness/64 Version/20.1-(20.1.0)-Git:20230311"


def getGlobalIdleTime():
    return 0


class InfoTagVideo:
    """Video info tag: the ListItem's (setters) and the player's (getters)."""

    def __init__(self, offscreen=False):
        self._data = {}

    # getters
    def getDbId(self):
        return self._data.get("dbid", -1)

    def getTitle(self):
        return self._data.get("title", "")

    def getTVShowTitle(self):
        return self._data.get("tvshowtitle", "")

    def getMediaType(self):
        return self._data.get("mediatype", "")

    def getSeason(self):
        return self._data.get("season", -1)

    def getEpisode(self):
        return self._data.get("episode", -1)

    def getYear(self):
        return self._data.get("year", 0)

    def getDuration(self):
        return self._data.get("duration", 0)

    def getPlot(self):
        return self._data.get("plot", "")

    def getFile(self):
        return self._data.get("file", "")

    def getPath(self):
        return self._data.get("path", "")

    def getFilenameAndPath(self):
        return self._data.get("filenameandpath", "")

    def getIMDBNumber(self):
        return self._data.get("imdbnumber", "")

    def getPlayCount(self):
        return self._data.get("playcount", 0)

    def getLastPlayed(self):
        return self._data.get("lastplayed", "")

    def getOriginalTitle(self):
        return self._data.get("originaltitle", "")

    def getPremiered(self):
        return self._data.get("premiered", "")

    def getFirstAired(self):
        return self._data.get("firstaired", "")

    def getGenre(self):
        return " / ".join(self._data.get("genres", []))

    def getGenres(self):
        return list(self._data.get("genres", []))

    def getResumeTime(self):
        return self._data.get("resume", (0.0, 0.0))[0]

    def getResumeTimeTotal(self):
        return self._data.get("resume", (0.0, 0.0))[1]

    def getUniqueID(self, key):
        return self._data.get("uniqueids", {}).get(key, "")

    # setters
    def setDbId(self, dbid):
        self._data["dbid"] = int(dbid)

    def setMediaType(self, mediatype):
        self._data["mediatype"] = mediatype

    def setTitle(self, title):
        self._data["title"] = title

    def setOriginalTitle(self, originaltitle):
        self._data["originaltitle"] = originaltitle

    def setTvShowTitle(self, tvshowtitle):
        self._data["tvshowtitle"] = tvshowtitle

    def setSeason(self, season):
        self._data["season"] = int(season)

    def setEpisode(self, episode):
        self._data["episode"] = int(episode)

    def setYear(self, year):
        self._data["year"] = int(year)

    def setPlot(self, plot):
        self._data["plot"] = plot

    def setPlotOutline(self, plotoutline):
        self._data["plotoutline"] = plotoutline

    def setDuration(self, duration):
        self._data["duration"] = int(duration)

    def setPlaycount(self, playcount):
        self._data["playcount"] = int(playcount)

    def setLastPlayed(self, lastplayed):
        self._data["lastplayed"] = lastplayed

    def setPremiered(self, premiered):
        self._data["premiered"] = premiered

    def setFirstAired(self, firstaired):
        self._data["firstaired"] = firstaired

    def setGenres(self, genre):
        self._data["genres"] = list(genre)

    def setIMDBNumber(self, imdbnumber):
        self._data["imdbnumber"] = imdbnumber

    def setPath(self, path):
        self._data["path"] = path

    def setFilenameAndPath(self, filenameandpath):
        self._data["filenameandpath"] = filenameandpath

    def setResumePoint(self, time, totaltime=0.0):
        self._data["resume"] = (float(time), float(totaltime))

    def setUniqueID(self, uniqueid, type="", isdefault=False):
        self._data.setdefault("uniqueids", {})[type] = uniqueid

    def setUniqueIDs(self, uniqueIDs, defaultuniqueid=""):
        if not isinstance(uniqueIDs, dict):
            raise TypeError("uniqueIDs must be a dict")
        self._data["uniqueids"] = dict((str(k), str(v)) for k, v in uniqueIDs.items())
        self._data["defaultuniqueid"] = defaultuniqueid

    def setRating(self, rating, votes=0, type="", isdefault=False):
        self._data.setdefault("ratings", {})[type] = (rating, votes)

    def setUserRating(self, userrating):
        self._data["userrating"] = int(userrating)

    def setTagLine(self, tagline):
        self._data["tagline"] = tagline

    def setDateAdded(self, dateadded):
        self._data["dateadded"] = dateadded


def _player_tag(item):
    tag = InfoTagVideo()
    d = tag._data
    d.update({"dbid": item.dbid if item.dbid is not None else -1, "mediatype": item.mediatype,
              "title": item.title, "year": item.year or 0, "season": item.season, "episode": item.episode,
              "tvshowtitle": item.showtitle, "uniqueids": dict(item.uniqueid),
              "duration": int(item.runtime or 0), "file": item.file.rsplit("/", 1)[-1],
              "filenameandpath": item.file, "path": item.file.rsplit("/", 1)[0] + "/",
              "imdbnumber": item.imdbnumber})
    if item.listitem is not None:
        for k, v in item.listitem.getVideoInfoTag()._data.items():
            d.setdefault(k, v)
    return tag


class Player:
    """xbmc.Player: subclass it and override the on* callbacks; they run in the thread that
    created the instance, inside its next Kodi wait (see tests/fakekodi/clock.py)."""

    def __init__(self):
        kodi = _current.get()
        self._owner = _threading.current_thread()
        kodi._register_player(self)

    def _state(self):
        return _current.get().player

    def play(self, item="", listitem=None, windowed=False, startpos=-1):
        kodi = _current.get()
        if not isinstance(item, str):
            raise TypeError("the fake plays paths only, not PlayList objects")
        if item:
            kodi.play_listitem(item, listitem)

    def stop(self):
        self._state().do_stop()

    def pause(self):
        """Toggles pause, like Kodi."""
        st = self._state()
        if st.paused:
            st.do_resume()
        else:
            st.do_pause()

    def isPlaying(self):
        return self._state().playing

    def isPlayingVideo(self):
        return self._state().playing

    def isPlayingAudio(self):
        return False

    def isExternalPlayer(self):
        return False

    def getPlayingFile(self):
        st = self._state()
        if not st.playing:
            raise _NotPlaying("Kodi is not playing any file")
        return st.stale_file or st.item.file

    def getTime(self):
        return self._state().position()

    def getTotalTime(self):
        st = self._state()
        if not st.playing:
            raise _NotPlaying("Kodi is not playing any media file")
        return st.item.duration

    def seekTime(self, seekTime):
        self._state().do_seek(seekTime)

    def getVideoInfoTag(self):
        st = self._state()
        if not st.playing:
            raise _NotPlaying("Kodi is not playing any media file")
        return _player_tag(st.item)

    def getPlayingItem(self):
        st = self._state()
        if not st.playing:
            raise _NotPlaying("Kodi is not playing any item")
        if st.item.listitem is not None:
            return st.item.listitem
        from .xbmcgui import ListItem
        return ListItem(label=st.item.label, path=st.item.file)

    # callbacks (no-ops; subclasses override)
    def onPlayBackStarted(self):
        pass

    def onAVStarted(self):
        pass

    def onAVChange(self):
        pass

    def onPlayBackEnded(self):
        pass

    def onPlayBackStopped(self):
        pass

    def onPlayBackError(self):
        pass

    def onPlayBackPaused(self):
        pass

    def onPlayBackResumed(self):
        pass

    def onQueueNextItem(self):
        pass

    def onPlayBackSpeedChanged(self, speed):
        pass

    def onPlayBackSeek(self, time, seekOffset):
        pass

    def onPlayBackSeekChapter(self, chapter):
        pass


class Monitor:
    """xbmc.Monitor with virtual time: waitForAbort(timeout) waits on kodi.clock."""

    def __init__(self):
        kodi = _current.get()
        self._owner = _threading.current_thread()
        kodi._register_monitor(self)

    def waitForAbort(self, timeout=-1):
        return _current.get().clock.wait(timeout)

    def abortRequested(self):
        return _current.get().clock.aborted

    def onSettingsChanged(self):
        pass

    def onScreensaverActivated(self):
        pass

    def onScreensaverDeactivated(self):
        pass

    def onDPMSActivated(self):
        pass

    def onDPMSDeactivated(self):
        pass

    def onScanStarted(self, library):
        pass

    def onScanFinished(self, library):
        pass

    def onCleanStarted(self, library):
        pass

    def onCleanFinished(self, library):
        pass

    def onNotification(self, sender, method, data):
        pass
