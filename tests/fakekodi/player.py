"""The fake video player: what is playing, where, and the callbacks Kodi fires about it."""
import time as _time

from .library import stream_details


class PlayingItem:
    """What the player has open. kind/dbid are set for library items (-1 otherwise)."""

    def __init__(self, file, duration, kind=None, dbid=-1, mediatype="", title="", year=0, season=-1,
                 episode=-1, showtitle="", tvshowid=-1, uniqueid=None, runtime=0, label="",
                 listitem=None, from_plugin=False, imdbnumber="", url=None):
        self.file = file
        self.url = url or file      # what was opened: the plugin URL for a plugin item
        self.replayed = False       # a plugin URL this Kodi played before (see PlayerState.start)
        self.duration = float(duration)
        self.kind = kind
        self.dbid = dbid
        self.mediatype = mediatype
        self.title = title
        self.year = year
        self.season = season
        self.episode = episode
        self.showtitle = showtitle
        self.tvshowid = tvshowid
        self.uniqueid = dict(uniqueid or {})
        self.runtime = runtime
        self.label = label or title
        self.listitem = listitem
        self.from_plugin = from_plugin
        self.imdbnumber = imdbnumber
        self.trailer = False  # a movie's trailer played with the movie's info tag

    def __repr__(self):
        return "PlayingItem(%r, %s %s)" % (self.file, self.mediatype or "unknown", self.dbid)


class NotPlaying(RuntimeError):
    """What Kodi raises from getTime()/getTotalTime()/getVideoInfoTag() when nothing plays."""


class PlayerState:
    """kodi.player. Driver methods (play_movie, play_episode, play_file, pause, resume, seek, stop)
    fire the callbacks and settle; the addon reaches the same state through xbmc.Player and
    JSON-RPC (which only queue the callbacks, like Kodi)."""

    # Kodi's advancedsettings defaults that decide its own bookmarks / watched marks
    ignoresecondsatstart = 180
    ignorepercentatend = 8
    playcountminimumpercent = 90
    # [live, Kodi 20.1] onPlayBackSeek fires when the seek is asked; getTime() keeps the
    # position from before it until the player has really moved (0.6 s on an idle machine,
    # longer under load). A pause meanwhile still lands at the target.
    seek_latency = 0.6

    def __init__(self, kodi):
        self._kodi = kodi
        self.item = None
        self.paused = False
        self._pos0 = 0.0
        self._t0 = 0.0
        self._stale = None          # (getTime value, until) while a seek is under way
        self.playerid = None        # force the active player id (None = Kodi's choice)
        self.video_playerid = 1
        self.plugin_playerid = 0    # a plugin:// file got playerid 0 on real Kodi 20.1
        self._active_playerid = None
        self.history = []           # (event, file, position) for debugging/tests
        self.played_urls = set()    # plugin URLs played so far (the replay quirk, see start)
        self.stale_file = None      # getPlayingFile() during a switch, until onPlayBackStarted (see start)
        self.playlist = []          # the video playlist (1): ("movie"|"episode", dbid) or a path
        self.playlist_position = -1  # index of the playing playlist entry, -1 = not a playlist

    # ---------------------------------------------------------------- state
    @property
    def playing(self):
        return self.item is not None

    def position(self):
        """What getTime() says: during a seek still the position from before it."""
        if self.item is None:
            raise NotPlaying("Kodi is not playing any media file")
        if self._stale is not None:
            value, until = self._stale
            if self._kodi.clock.now() < until:
                return value
            self._stale = None
        return self.picture()

    def picture(self):
        """Where the picture is (or, during a seek, is going): the truth tests compare with."""
        if self.item is None:
            raise NotPlaying("Kodi is not playing any media file")
        if self.paused:
            return self._pos0
        return min(self.item.duration, self._pos0 + max(0.0, self._kodi.clock.now() - self._t0))

    def active_playerid(self):
        if self.item is None:
            return None
        if self.playerid is not None:
            return self.playerid
        return self._active_playerid

    def _end_time(self, now):
        if self.item is None or self.paused:
            return None
        return self._t0 + (self.item.duration - self._pos0)

    def _tick(self, now):
        self.stale_file = None
        if self.item is not None and not self.paused and self.picture() >= self.item.duration:
            self._end_reached()

    def _end_reached(self):
        """The item played to its end: onPlayBackEnded, then the playlist's next item (if any)
        starts - as a new playback, with onPlayBackStarted + onAVStarted [live]."""
        self._finish(ended=True)
        index = self.playlist_position
        if 0 <= index < len(self.playlist) - 1:
            self._open_entry(index + 1)
        else:
            self.playlist_position = -1

    # ---------------------------------------------------------------- transitions (no settle)
    def _fire(self, name, *args):
        self._kodi._fire_player(name, *args)

    def _announce(self, method, data):
        self._kodi.notify("xbmc", method, data)

    def _item_ref(self):
        it = self.item
        if it.kind in ("movie", "episode") and it.dbid not in (None, -1):
            return {"id": it.dbid, "type": it.kind}
        ref = {"type": "unknown", "title": it.title or it.label}
        return ref

    def start(self, item, start_at=0.0):
        """Open `item` (a PlayingItem) at `start_at` seconds: onPlayBackStarted, onAVStarted.

        While another item plays (Player.Open mid-play, Next/Previous in a playlist) real Kodi
        20.1 does NOT stop it first [live, probe of issue 12]: it keeps the old item's bookmark
        itself, fires onPlayBackResumed - which, handled a moment later, already sees the NEW
        item (getPlayingFile, getTime 0) - then onPlayBackStarted and onAVStarted for the new
        item. No onPlayBackStopped, no onPlayBackEnded for the old one.
        Until onPlayBackStarted is delivered, getPlayingFile() may still name the OLD file while
        getTime() already reads the NEW item (a sample taken in that window - the
        onPlayBackResumed above, or a service tick - looks like the old item jumping to 0: seen
        on real Kodi 19.1/20.1 as a stop at 0 % for the item left)."""
        if self.item is not None:
            old, pos = self.item, self.position()
            self.history.append(("replaced", old.file, pos))
            self._save_bookmark(old, pos, False)
            self.stale_file = old.file
            self._fire("onPlayBackResumed")
        # [live, Kodi 20.1] A plugin URL played a second time: Player.GetItem answers only
        # {"type": "unknown", "file": <the plugin URL>} (no uniqueid, title, season...); the
        # player's info tag and the ListItem's properties still hold everything.
        item.replayed = item.from_plugin and item.url in self.played_urls
        if item.from_plugin:
            self.played_urls.add(item.url)
        self.item = item
        self.paused = False
        self._stale = None
        self._pos0 = max(0.0, min(float(start_at), item.duration))
        self._t0 = self._kodi.clock.now()
        self._active_playerid = (self.plugin_playerid if item.file.startswith("plugin://")
                                 or item.from_plugin else self.video_playerid)
        self.history.append(("start", item.file, self._pos0))
        player = {"playerid": self.active_playerid(), "speed": 1}
        self._kodi._fire_player("onPlayBackStarted", before=self._switched)
        if not self._kodi.has_players():
            self.stale_file = None
        self._announce("Player.OnPlay", {"item": self._item_ref(), "player": player})
        self._fire("onAVStarted")
        self._announce("Player.OnAVStart", {"item": self._item_ref(), "player": player})

    def do_pause(self):
        if self.item is None or self.paused:
            return
        self._pos0 = self.picture()  # a seek under way still lands at its target
        self.paused = True
        self.history.append(("pause", self.item.file, self._pos0))
        self._fire("onPlayBackPaused")
        self._announce("Player.OnPause", {"item": self._item_ref(),
                                          "player": {"playerid": self.active_playerid(), "speed": 0}})

    def do_resume(self):
        if self.item is None or not self.paused:
            return
        self.paused = False
        now = self._kodi.clock.now()
        self._t0 = max(now, self._stale[1]) if self._stale is not None else now
        self.history.append(("resume", self.item.file, self._pos0))
        self._fire("onPlayBackResumed")
        self._announce("Player.OnResume", {"item": self._item_ref(),
                                           "player": {"playerid": self.active_playerid(), "speed": 1}})

    def _switched(self):
        self.stale_file = None

    def kill(self):
        """SIGKILL / power cut: the player is gone without a single callback or bookmark."""
        if self.item is not None:
            self.history.append(("killed", self.item.file, self.position()))
        self.item = None
        self.paused = False
        self._active_playerid = None
        self.playlist_position = -1

    # ---------------------------------------------------------------- playlists
    def _entry_item(self, entry):
        if isinstance(entry, PlayingItem):
            return entry
        if isinstance(entry, tuple):
            return self.library_item(*entry)
        return self.file_item(entry)

    def _open_entry(self, index, at=0.0):
        self.playlist_position = index
        self.start(self._entry_item(self.playlist[index]), at)

    def open_playlist(self, position=0, at=0.0):
        """Player.Open {item: {playlistid: 1, position}} (no settle)."""
        if not 0 <= position < len(self.playlist):
            raise IndexError("no playlist entry %d" % position)
        self._open_entry(position, at)

    def do_goto(self, to):
        """Player.GoTo {to: "next"|"previous"|index} (no settle). Like Kodi 20.1 [live]: no stop
        for the item left (see start()); "previous" more than 3 s into an item restarts it
        (onPlayBackSeek to 0, then onPlayBackResumed) instead of going back."""
        if self.item is None:
            raise NotPlaying("Kodi is not playing any media file")
        index = self.playlist_position
        if to == "previous" and self.position() > 3.0:
            self.do_seek(0.0)
            self._fire("onPlayBackResumed")
            return True
        target = index + 1 if to == "next" else index - 1 if to == "previous" else int(to)
        if index < 0 or not 0 <= target < len(self.playlist):
            return False
        self._open_entry(target)
        return True

    def do_seek(self, seconds):
        if self.item is None:
            raise NotPlaying("Kodi is not playing any media file")
        shown, old = self.position(), self.picture()
        new = max(0.0, min(float(seconds), self.item.duration))
        now = self._kodi.clock.now()
        self._pos0 = new
        self._t0 = now + self.seek_latency  # plays on from the target once the seek is done
        if self.seek_latency > 0 and new < self.item.duration:
            self._stale = (shown, now + self.seek_latency)
        self.history.append(("seek", self.item.file, new))
        self._fire("onPlayBackSeek", int(new * 1000), int((new - old) * 1000))
        if new >= self.item.duration:
            self._end_reached()

    def do_stop(self):
        if self.item is not None:
            self._finish(ended=False)
        self.playlist_position = -1

    def _finish(self, ended):
        item = self.item
        pos = self.position()
        self.history.append(("end" if ended else "stop", item.file, pos))
        self.item = None
        self.paused = False
        self._active_playerid = None
        self._save_bookmark(item, pos, ended)
        if item.from_plugin and item.kind is None:
            # [live, Kodi 20.1] Files.GetFileDetails {file: <plugin URL>} reports `lastplayed`
            # from this stop on (not while it plays the first time), in local time like the library's.
            stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.localtime(self._kodi.clock.now()))
            self._kodi.file_details.setdefault(item.url, {"playcount": 0}).update(lastplayed=stamp)
        if ended:
            self._fire("onPlayBackEnded")
        else:
            self._fire("onPlayBackStopped")
        ref = ({"id": item.dbid, "type": item.kind} if item.kind and item.dbid not in (None, -1)
               else {"type": "unknown", "title": item.title or item.label})
        self._announce("Player.OnStop", {"end": bool(ended), "item": ref})

    def _save_bookmark(self, item, pos, ended):
        """Kodi's own resume point / watched mark, for items played straight from the library.
        (A plugin-resolved item keeps its bookmark under the plugin URL, not the library item.)"""
        if item.kind not in ("movie", "episode") or item.from_plugin or item.trailer:
            return
        lib = self._kodi.library
        row = lib.get(item.kind, item.dbid)
        if row is None:
            return
        if item.duration and not (row.get("streamdetails") or {}).get("video"):
            row["streamdetails"] = stream_details(item.duration)  # Kodi saves them at stop
        pct = 100.0 * pos / item.duration if item.duration else 0.0
        # Kodi writes lastplayed in LOCAL time (the machine's zone, daylight saving included)
        stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.localtime(self._kodi.clock.now()))
        if ended or pct >= self.playcountminimumpercent:
            row["playcount"] = row.get("playcount", 0) + 1
            row["lastplayed"] = stamp
            lib.set_resume(item.kind, item.dbid, 0, 0)
        elif pos >= self.ignoresecondsatstart and pct < 100 - self.ignorepercentatend:
            row["lastplayed"] = stamp
            lib.set_resume(item.kind, item.dbid, pos, item.duration)

    # ---------------------------------------------------------------- building items
    def library_item(self, kind, dbid):
        lib = self._kodi.library
        row = lib.get(kind, dbid)
        if row is None:
            raise KeyError("no %s with id %s" % (kind, dbid))
        if kind == "movie":
            return PlayingItem(row["file"], row["_duration"], kind="movie", dbid=dbid, mediatype="movie",
                               title=row["title"], year=row.get("year", 0), uniqueid=row["uniqueid"],
                               runtime=row["runtime"], label=row["label"], imdbnumber=row["imdbnumber"])
        show = lib.tvshows.get(row["tvshowid"], {})
        return PlayingItem(row["file"], row["_duration"], kind="episode", dbid=dbid, mediatype="episode",
                           title=row["title"], year=show.get("year", 0), season=row["season"],
                           episode=row["episode"], showtitle=row["showtitle"], tvshowid=row["tvshowid"],
                           uniqueid=row["uniqueid"], runtime=row["runtime"], label=row["label"])

    def file_item(self, path, listitem=None, from_plugin=False):
        """A PlayingItem for `path`: the library item if the file is in the library, else a bare
        file (dbid -1); a ListItem's info tag (dbid, media type, uniqueids...) overrides."""
        found = self._kodi.library.find_file(path)
        if found and listitem is None:
            item = self.library_item(*found)
        else:
            item = PlayingItem(path, self._kodi.file_durations.get(path, self._kodi.default_file_duration),
                               label=listitem.getLabel() if listitem is not None else path.rsplit("/", 1)[-1])
        item.from_plugin = from_plugin
        if listitem is not None:
            tag = listitem.getVideoInfoTag()
            d = tag._data
            if d.get("dbid", -1) not in (-1, None, 0) and d.get("mediatype") in ("movie", "episode"):
                kind = d["mediatype"]
                if self._kodi.library.get(kind, d["dbid"]) is not None:
                    lib_item = self.library_item(kind, d["dbid"])
                    lib_item.file = path
                    lib_item.from_plugin = from_plugin
                    item = lib_item
            if found and item.kind is None:
                item.duration = self.library_item(*found).duration
            item.dbid = d.get("dbid", item.dbid) if d.get("dbid") else item.dbid
            item.mediatype = d.get("mediatype", item.mediatype)
            item.kind = item.mediatype if item.mediatype in ("movie", "episode") and item.dbid != -1 else None
            for attr in ("title", "year", "season", "episode"):
                if attr in d:
                    setattr(item, attr, d[attr])
            if "tvshowtitle" in d:
                item.showtitle = d["tvshowtitle"]
            if d.get("uniqueids"):
                item.uniqueid = dict(d["uniqueids"])
            item.listitem = listitem
            if listitem.getLabel():
                item.label = listitem.getLabel()
        return item

    # ---------------------------------------------------------------- driver API (settles)
    def play_movie(self, movieid, at=0.0):
        """The user plays a library movie starting at `at` seconds."""
        self.start(self.library_item("movie", movieid), at)
        self._kodi.clock.settle()

    def play_episode(self, episodeid, at=0.0):
        self.start(self.library_item("episode", episodeid), at)
        self._kodi.clock.settle()

    def play_file(self, path, listitem=None, at=None):
        """The user plays a path (library file, other file, or plugin:// URL resolved by
        kodi.plugin_urls or by running the plugin)."""
        ok = self._kodi.play_listitem(path, listitem)
        if ok and at is not None:
            self._pos0 = float(at)
        self._kodi.clock.settle()
        return ok

    def play_playlist(self, entries, position=0, at=0.0):
        """The user plays a video playlist: entries are ("movie"|"episode", dbid), paths or
        PlayingItems; it starts at entry `position`, `at` seconds in."""
        self.playlist = list(entries)
        self.open_playlist(position, at)
        self._kodi.clock.settle()

    def next(self):
        """Player.GoTo next (the remote's Next)."""
        ok = self.do_goto("next")
        self._kodi.clock.settle()
        return ok

    def previous(self):
        ok = self.do_goto("previous")
        self._kodi.clock.settle()
        return ok

    def play_trailer(self, movieid, path=None, duration=150.0):
        """The movie info dialog's "Trailer": Kodi plays the trailer file with the MOVIE's info
        tag (title, uniqueids, media type, dbid). `path` defaults to the movie's trailer field."""
        item = self.library_item("movie", movieid)
        row = self._kodi.library.get("movie", movieid)
        item.file = path or row.get("trailer") or item.file.rsplit(".", 1)[0] + "-trailer.mkv"
        item.duration = float(duration)
        item.title = "%s (Trailer)" % item.title
        item.trailer = True
        self.start(item, 0.0)
        self._kodi.clock.settle()

    def pause(self):
        self.do_pause()
        self._kodi.clock.settle()

    def resume(self):
        self.do_resume()
        self._kodi.clock.settle()

    def seek(self, seconds):
        self.do_seek(seconds)
        self._kodi.clock.settle()

    def stop(self):
        self.do_stop()
        self._kodi.clock.settle()
