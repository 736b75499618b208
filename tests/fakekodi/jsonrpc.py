"""JSON-RPC 2.0 dispatcher behind xbmc.executeJSONRPC, answering like Kodi 20.1 (JSON-RPC 13)."""
import json

from .library import EPISODE_FIELDS, MOVIE_FIELDS, TVSHOW_FIELDS, Library


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.data = data


def invalid(detail):
    return RpcError(-32602, "Invalid params.", {"message": detail})


FAILED = -32100  # "Failed to execute method."
_MOVIE_FILTER = {"title": "title", "year": "year", "playcount": "playcount", "filename": "file",
                 "path": "file", "inprogress": None, "lastplayed": "lastplayed"}
_EPISODE_FILTER = {"title": "title", "season": "season", "episode": "episode", "tvshow": "showtitle",
                   "playcount": "playcount", "filename": "file", "path": "file", "inprogress": None,
                   "lastplayed": "lastplayed"}
_TVSHOW_FILTER = {"title": "title", "year": "year", "playcount": "playcount", "inprogress": None,
                  "path": "file"}


def _secs_to_time(s):
    s = max(0.0, s)
    ms = int(round(s * 1000))
    return {"hours": ms // 3600000, "minutes": ms // 60000 % 60, "seconds": ms // 1000 % 60,
            "milliseconds": ms % 1000}


def _time_to_secs(t):
    return (t.get("hours", 0) * 3600 + t.get("minutes", 0) * 60 + t.get("seconds", 0)
            + t.get("milliseconds", 0) / 1000.0)


class Dispatcher:
    def __init__(self, kodi):
        self.kodi = kodi
        self.methods = {
            "JSONRPC.Ping": lambda p: "pong",
            "JSONRPC.Version": lambda p: {"version": {"major": 13, "minor": 0, "patch": 0}},
            "JSONRPC.NotifyAll": self.notify_all,
            "Application.GetProperties": self.app_properties,
            "VideoLibrary.GetMovies": lambda p: self.get_list(p, "movie", MOVIE_FIELDS, _MOVIE_FILTER),
            "VideoLibrary.GetTVShows": lambda p: self.get_list(p, "tvshow", TVSHOW_FIELDS, _TVSHOW_FILTER),
            "VideoLibrary.GetEpisodes": lambda p: self.get_list(p, "episode", EPISODE_FIELDS,
                                                                _EPISODE_FILTER),
            "VideoLibrary.GetMovieDetails": lambda p: self.get_details(p, "movie", MOVIE_FIELDS),
            "VideoLibrary.GetTVShowDetails": lambda p: self.get_details(p, "tvshow", TVSHOW_FIELDS),
            "VideoLibrary.GetEpisodeDetails": lambda p: self.get_details(p, "episode", EPISODE_FIELDS),
            "VideoLibrary.SetMovieDetails": lambda p: self.set_details(p, "movie"),
            "VideoLibrary.SetEpisodeDetails": lambda p: self.set_details(p, "episode"),
            "Player.GetActivePlayers": self.active_players,
            "Player.GetItem": self.player_item,
            "Player.GetProperties": self.player_properties,
            "Player.Open": self.player_open,
            "Player.Seek": self.player_seek,
            "Player.Stop": self.player_stop,
            "Player.PlayPause": self.player_playpause,
            "Player.GoTo": self.player_goto,
            "Playlist.Clear": self.playlist_clear,
            "Playlist.Add": self.playlist_add,
            "Files.GetDirectory": self.files_get_directory,
            "Files.GetFileDetails": self.files_get_file_details,
        }

    # ---------------------------------------------------------------- envelope
    def handle(self, text):
        try:
            req = json.loads(text)
        except (TypeError, ValueError):
            return json.dumps({"id": None, "jsonrpc": "2.0",
                               "error": {"code": -32700, "message": "Parse error."}})
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or "method" not in req:
            return json.dumps({"id": None, "jsonrpc": "2.0",
                               "error": {"code": -32600, "message": "Invalid request."}})
        method = req["method"]
        params = req.get("params", {})
        self.kodi.jsonrpc_calls.append((method, params))
        rid = req.get("id")
        fn = self.methods.get(method)
        try:
            if fn is None:
                raise RpcError(-32601, "Method not found.")
            if not isinstance(params, dict):
                raise invalid("params must be an object")
            result = fn(params)
        except RpcError as e:
            err = {"code": e.code, "message": e.message}
            if e.data is not None:
                err["data"] = dict(e.data, method=method)
            return json.dumps({"id": rid, "jsonrpc": "2.0", "error": err})
        if "id" not in req:
            return ""  # a notification gets no reply
        return json.dumps({"id": rid, "jsonrpc": "2.0", "result": result})

    # ---------------------------------------------------------------- misc
    def notify_all(self, p):
        if "sender" not in p or "message" not in p:
            raise invalid("sender and message are required")
        self.kodi.notify(p["sender"], "Other.%s" % p["message"], p.get("data"))
        return "OK"

    def app_properties(self, p):
        props = {"version": {"major": 20, "minor": 1, "revision": "20.1.0", "tag": "stable"},
                 "name": "Kodi", "volume": 100, "muted": False}
        return dict((k, props[k]) for k in p.get("properties", []) if k in props)

    # ---------------------------------------------------------------- library
    def _table(self, kind):
        lib = self.kodi.library
        return {"movie": lib.movies, "tvshow": lib.tvshows, "episode": lib.episodes}[kind]

    @staticmethod
    def _fields(p, allowed):
        props = p.get("properties", [])
        if not isinstance(props, list):
            raise invalid("properties must be an array")
        for f in props:
            if f not in allowed:
                raise invalid("Received value does not match any of the defined enum values "
                              "(property %r)" % f)
        return props

    def _rule(self, rule, fields):
        if not isinstance(rule, dict):
            raise invalid("filter must be an object")
        if "and" in rule or "or" in rule:
            key = "and" if "and" in rule else "or"
            subs = [self._rule(r, fields) for r in rule[key]]
            if key == "and":
                return lambda item: all(s(item) for s in subs)
            return lambda item: any(s(item) for s in subs)
        field = rule.get("field")
        op = rule.get("operator")
        if field not in fields or op is None or "value" not in rule:
            raise invalid("Received value does not match any of the defined enum values (filter field %r)"
                          % (field,))
        key = fields[field]
        value = rule["value"]
        values = value if isinstance(value, list) else [value]

        def get(item):
            if field == "inprogress":
                return item["resume"]["position"] > 0
            return item.get(key)

        def match(item):
            v = get(item)
            if op in ("true", "false"):
                return bool(v) == (op == "true")
            sv = str(v).lower()
            tests = [str(x).lower() for x in values]
            if op == "is":
                return sv in tests
            if op == "isnot":
                return sv not in tests
            if op == "contains":
                return any(t in sv for t in tests)
            if op == "doesnotcontain":
                return not any(t in sv for t in tests)
            if op == "startswith":
                return any(sv.startswith(t) for t in tests)
            if op == "endswith":
                return any(sv.endswith(t) for t in tests)
            try:
                if op == "greaterthan":
                    return float(v) > float(values[0])
                if op == "lessthan":
                    return float(v) < float(values[0])
            except (TypeError, ValueError):
                return False
            raise invalid("unknown operator %r" % op)
        return match

    def get_list(self, p, kind, allowed, filter_fields):
        props = self._fields(p, allowed)
        items = list(self._table(kind).values())
        if kind == "episode":
            if "tvshowid" in p and p["tvshowid"] != -1:
                items = [i for i in items if i["tvshowid"] == p["tvshowid"]]
            if "season" in p and p["season"] != -1:
                if "tvshowid" not in p:
                    raise invalid("season needs tvshowid")
                items = [i for i in items if i["season"] == p["season"]]
        if "filter" in p:
            match = self._rule(p["filter"], filter_fields)
            items = [i for i in items if match(i)]
        total = len(items)
        limits = p.get("limits", {})
        start = int(limits.get("start", 0))
        end = int(limits.get("end", -1))
        if end < 0 or end > total:
            end = total
        items = items[start:end]
        key = kind + "s" if kind != "tvshow" else "tvshows"
        return {key: [Library.project(i, props, kind) for i in items],
                "limits": {"start": start if items else 0, "end": end if items else 0, "total": total}}

    def get_details(self, p, kind, allowed):
        props = self._fields(p, allowed)
        idkey = kind + "id"
        if idkey not in p:
            raise invalid("%s is required" % idkey)
        item = self._table(kind).get(p[idkey])
        if item is None:
            raise invalid("Invalid %s" % idkey)
        return {kind + "details": Library.project(item, props, kind)}

    def set_details(self, p, kind):
        idkey = kind + "id"
        item = self._table(kind).get(p.get(idkey))
        if item is None:
            raise invalid("Invalid %s" % idkey)
        allowed = {idkey, "resume", "playcount", "lastplayed", "title", "art", "userrating"}
        unknown = set(p) - allowed
        if unknown:
            raise invalid("unknown parameters %s" % sorted(unknown))
        if "resume" in p:
            r = p["resume"]
            if not isinstance(r, dict) or "position" not in r:
                raise invalid("resume must be {position, total}")
            position = float(r["position"])
            total = float(r.get("total", item["resume"]["total"] or item["runtime"]))
            if position <= 0:
                item["resume"] = {"position": 0.0, "total": 0.0}
            else:
                item["resume"] = {"position": position, "total": total}
        for f in ("playcount", "lastplayed", "title", "userrating"):
            if f in p:
                item[f] = p[f]
        if "art" in p:
            item["art"].update(p["art"])
        self.kodi.library.on_update(kind, p[idkey])
        return "OK"

    # ---------------------------------------------------------------- player
    def _player(self, p):
        pl = self.kodi.player
        if "playerid" not in p:
            raise invalid("playerid is required")
        if pl.active_playerid() is None or p["playerid"] != pl.active_playerid():
            raise RpcError(FAILED, "Failed to execute method.")
        return pl

    def active_players(self, p):
        pid = self.kodi.player.active_playerid()
        if pid is None:
            return []
        return [{"playerid": pid, "playertype": "internal", "type": "video"}]

    def player_item(self, p):
        pl = self._player(p)
        props = self._fields(p, set(MOVIE_FIELDS) | set(EPISODE_FIELDS) | {"customproperties", "mediapath"})
        it = pl.item
        extra = {"customproperties": dict(it.listitem._props) if it.listitem is not None else {},
                 "mediapath": it.url}
        if it.replayed:  # [live, Kodi 20.1] the same plugin URL played again: see PlayerState.start
            out = {"label": it.label, "type": "unknown"}
            blank = {"file": it.url, "season": -1, "episode": -1, "tvshowid": -1, "year": 0, "runtime": 0}
            for f in props:
                if f in extra:
                    out[f] = extra[f]
                elif f != "uniqueid":
                    out[f] = blank.get(f, "")
            return {"item": out}
        if it.kind in ("movie", "episode") and it.dbid != -1 and self.kodi.library.get(it.kind, it.dbid):
            row = self.kodi.library.get(it.kind, it.dbid)
            fields = [f for f in props if f in (MOVIE_FIELDS if it.kind == "movie" else EPISODE_FIELDS)]
            out = Library.project(row, fields, it.kind)
            out.pop(it.kind + "id")
            out.update({"id": it.dbid, "type": it.kind})
            if "file" in props:
                out["file"] = it.file
            for f in props:
                if f in extra:
                    out[f] = extra[f]
            for f in props:
                out.setdefault(f, -1 if f in ("season", "episode", "tvshowid") else "")
            return {"item": out}
        out = {"label": it.label, "type": it.mediatype or "unknown"}
        defaults = {"uniqueid": it.uniqueid, "tvshowid": it.tvshowid, "season": it.season,
                    "episode": it.episode, "showtitle": it.showtitle, "file": it.file, "title": it.title,
                    "year": it.year, "runtime": int(it.runtime), "imdbnumber": it.imdbnumber}
        defaults.update(extra)
        for f in props:
            # Kodi answers "" (or -1 for numbers) for a property a non-library item lacks.
            out[f] = defaults[f] if f in defaults else ""
        return {"item": out}

    def player_properties(self, p):
        pl = self._player(p)
        props = p.get("properties", [])
        pos = pl.position()
        total = pl.item.duration
        values = {
            "time": _secs_to_time(pos), "totaltime": _secs_to_time(total),
            "percentage": 100.0 * pos / total if total else 0.0,
            "speed": 0 if pl.paused else 1, "playlistid": 1, "position": 0, "type": "video",
            "canseek": True, "live": False,
        }
        for f in props:
            if f not in values:
                raise invalid("unknown property %r" % f)
        return dict((f, values[f]) for f in props)

    def player_open(self, p):
        item = p.get("item")
        if not isinstance(item, dict):
            raise invalid("item is required")
        options = p.get("options", {}) or {}
        resume = options.get("resume", None)
        pct = None
        use_point = False
        if resume is True:
            use_point = True
        elif isinstance(resume, float):
            pct = resume
        elif isinstance(resume, dict):
            pct = None
        # an INTEGER resume is silently ignored by Kodi: playback starts at 0
        kodi = self.kodi
        if "playlistid" in item:
            if item["playlistid"] != 1:
                raise invalid("only the video playlist (1) is faked")
            try:
                kodi.player.open_playlist(int(item.get("position", 0)))
            except IndexError:
                raise invalid("no such playlist position") from None
            return "OK"
        kodi.player.playlist_position = -1  # a single item replaces the playlist's playback
        if "movieid" in item or "episodeid" in item:
            kind = "movie" if "movieid" in item else "episode"
            dbid = item[kind + "id"]
            if kodi.library.get(kind, dbid) is None:
                raise invalid("Invalid %sid" % kind)
            pi = kodi.player.library_item(kind, dbid)
            start = 0.0
            if use_point:
                start = kodi.library.get(kind, dbid)["resume"]["position"]
            elif pct is not None:
                start = pct / 100.0 * pi.duration
            if isinstance(resume, dict):
                start = _time_to_secs(resume)
            kodi.player.start(pi, start)
            return "OK"
        if "file" in item:
            ok = kodi.play_listitem(item["file"], None, resume_percent=pct, use_resume_point=use_point)
            if not ok:
                raise invalid("could not play %s" % item["file"])
            return "OK"
        raise invalid("item needs movieid, episodeid or file")

    def player_seek(self, p):
        pl = self._player(p)
        value = p.get("value")
        pos = pl.position()
        total = pl.item.duration
        before = {"percentage": 100.0 * pos / total if total else 0.0, "time": _secs_to_time(pos),
                  "totaltime": _secs_to_time(total)}
        if not isinstance(value, dict):
            raise invalid("value must be an object (percentage, time, seconds or step)")
        if "percentage" in value:
            target = float(value["percentage"]) / 100.0 * total
        elif "time" in value:
            target = _time_to_secs(value["time"])
        elif "seconds" in value:
            target = pos + float(value["seconds"])
        elif "step" in value:
            steps = {"smallforward": 30, "smallbackward": -10, "bigforward": 600, "bigbackward": -600}
            if value["step"] not in steps:
                raise invalid("unknown step")
            target = pos + steps[value["step"]]
        else:
            raise invalid("value must be percentage, time, seconds or step")
        pl.do_seek(target)
        return before  # Kodi replies with the position BEFORE the seek

    def player_stop(self, p):
        pl = self._player(p)
        pl.do_stop()
        return "OK"

    def player_goto(self, p):
        pl = self._player(p)
        to = p.get("to")
        if to not in ("next", "previous") and not isinstance(to, int):
            raise invalid("to must be next, previous or a position")
        if not pl.do_goto(to):
            raise RpcError(FAILED, "Failed to execute method.")
        return "OK"

    @staticmethod
    def _playlist_entry(obj):
        if not isinstance(obj, dict):
            raise invalid("a playlist item must be an object")
        if "movieid" in obj:
            return ("movie", obj["movieid"])
        if "episodeid" in obj:
            return ("episode", obj["episodeid"])
        if "file" in obj:
            return obj["file"]
        raise invalid("playlist item needs movieid, episodeid or file")

    def playlist_clear(self, p):
        if p.get("playlistid") != 1:
            raise invalid("only the video playlist (1) is faked")
        self.kodi.player.playlist = []
        return "OK"

    def playlist_add(self, p):
        if p.get("playlistid") != 1:
            raise invalid("only the video playlist (1) is faked")
        items = p.get("item")
        items = items if isinstance(items, list) else [items]
        self.kodi.player.playlist.extend(self._playlist_entry(obj) for obj in items)
        return "OK"

    def player_playpause(self, p):
        pl = self._player(p)
        play = p.get("play", "toggle")
        if play == "toggle":
            play = pl.paused
        if play:
            pl.do_resume()
        else:
            pl.do_pause()
        return {"speed": 0 if pl.paused else 1}

    # ---------------------------------------------------------------- files
    def files_get_file_details(self, p):
        """Only what the addon asks: a played plugin URL's lastplayed/playcount [live, 20.1];
        a file Kodi has no row for is -32602 (as the resolved clip's own path was)."""
        details = self.kodi.file_details.get(p.get("file"))
        if details is None:
            raise invalid("no such file in the video database")
        out = {"label": "", "type": "unknown"}
        for f in p.get("properties", []):
            if f == "resume":
                out[f] = {"position": 0.0, "total": 0.0}
            elif f in details:
                out[f] = details[f]
        return {"filedetails": out}

    def files_get_directory(self, p):
        directory = p.get("directory")
        if not isinstance(directory, str):
            raise invalid("directory is required")
        if not directory.startswith("plugin://"):
            raise invalid("only plugin:// directories are faked")
        try:
            run = self.kodi.run_plugin(directory, handle=self.kodi.next_handle())
        except Exception as e:  # Kodi: a route that raises gives -32602
            raise invalid("plugin failed: %s" % type(e).__name__) from e
        d = run.directory
        if not d.succeeded:
            raise invalid("directory not found")
        files = []
        for it in d.items:
            entry = {"file": it.url, "filetype": "directory" if it.isFolder else "file",
                     "label": it.listitem.getLabel()}
            tag = it.listitem.getVideoInfoTag()._data
            if tag.get("mediatype") and tag.get("dbid", -1) not in (-1, None):
                entry["type"] = tag["mediatype"]
                entry["id"] = tag["dbid"]
            files.append(entry)
        return {"files": files, "limits": {"start": 0, "end": len(files), "total": len(files)}}
