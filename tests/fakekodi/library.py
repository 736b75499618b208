"""The fake video library: movies, tv shows and episodes, stored the way Kodi reports them."""
import copy

MOVIE_FIELDS = (
    "title", "genre", "year", "rating", "director", "trailer", "tagline", "plot", "plotoutline",
    "originaltitle", "lastplayed", "playcount", "writer", "studio", "mpaa", "cast", "country",
    "imdbnumber", "runtime", "set", "showlink", "streamdetails", "top250", "votes", "fanart",
    "thumbnail", "file", "sorttitle", "resume", "setid", "dateadded", "tag", "art", "userrating",
    "ratings", "premiered", "uniqueid",
)
TVSHOW_FIELDS = (
    "title", "genre", "year", "rating", "plot", "studio", "mpaa", "cast", "playcount", "episode",
    "imdbnumber", "premiered", "votes", "lastplayed", "fanart", "thumbnail", "file",
    "originaltitle", "sorttitle", "episodeguide", "season", "watchedepisodes", "dateadded", "tag",
    "art", "userrating", "ratings", "runtime", "uniqueid",
)
EPISODE_FIELDS = (
    "title", "plot", "votes", "rating", "writer", "firstaired", "playcount", "runtime", "director",
    "productioncode", "season", "episode", "originaltitle", "showtitle", "cast", "streamdetails",
    "lastplayed", "fanart", "thumbnail", "file", "resume", "tvshowid", "dateadded", "uniqueid",
    "art", "specialsortseason", "specialsortepisode", "userrating", "seasonid", "ratings",
)
_LIST_FIELDS = {"genre", "director", "writer", "studio", "cast", "country", "showlink", "tag"}
_NUM_FIELDS = {"rating", "top250", "setid", "userrating", "specialsortseason", "specialsortepisode",
               "seasonid", "watchedepisodes"}
_DICT_FIELDS = {"ratings", "streamdetails"}


def stream_details(seconds, width=1920, height=1080):
    """streamdetails as Kodi stores them for a file it has read (scan or playback): the video
    stream's `duration` is the file's real length in whole seconds."""
    return {"video": [{"codec": "h264", "duration": int(seconds), "width": width, "height": height}],
            "audio": [], "subtitle": []}


def _default_for(field):
    if field in _LIST_FIELDS:
        return []
    if field in _NUM_FIELDS:
        return 0
    if field in _DICT_FIELDS:
        return {}
    return ""


class Library:
    """kodi.library: add items with add_movie/add_show/add_episode (fast: 20,000 items are fine)."""

    def __init__(self):
        self.movies = {}    # movieid -> dict
        self.tvshows = {}   # tvshowid -> dict
        self.episodes = {}  # episodeid -> dict
        self._by_file = {}  # file -> ("movie"|"episode", id)
        self._next = {"movie": 1, "tvshow": 1, "episode": 1}
        self.on_update = None  # set by FakeKodi: (type, id) -> None

    def _new_id(self, kind):
        i = self._next[kind]
        self._next[kind] = i + 1
        return i

    @staticmethod
    def _ids(uniqueid, default):
        uniqueid = dict(uniqueid or {})
        if default is None:
            default = next(iter(uniqueid), "")
        return uniqueid, default, uniqueid.get(default, "")

    def add_movie(self, title, year=2000, uniqueid=None, default_id=None, file=None, runtime=5400,
                  duration=None, resume=None, playcount=0, lastplayed="", art=None, **extra):
        """Add a movie; returns its movieid. `uniqueid` like {"imdb": "tt01", "tmdb": "12"};
        `default_id` names the default one (imdbnumber); `runtime` is the library runtime in
        seconds, `duration` the real file length the player sees (default = runtime)."""
        movieid = self._new_id("movie")
        uniqueid, default_id, imdbnumber = self._ids(uniqueid, default_id)
        file = file or "/media/movies/%s (%s)/movie-%d.mkv" % (title, year, movieid)
        item = {
            "movieid": movieid, "label": title, "title": title, "year": year, "uniqueid": uniqueid,
            "imdbnumber": imdbnumber, "file": file, "runtime": int(runtime),
            "resume": {"position": 0.0, "total": 0.0}, "art": dict(art or {}),
            "playcount": playcount, "lastplayed": lastplayed,
        }
        if resume:
            item["resume"] = {"position": float(resume[0]), "total": float(resume[1])}
        item.update(extra)
        item["_duration"] = float(duration if duration is not None else (runtime or 1800))
        item["_default_id"] = default_id
        self.movies[movieid] = item
        self._by_file[file] = ("movie", movieid)
        return movieid

    def add_show(self, title, year=2000, uniqueid=None, default_id=None, art=None, file=None, **extra):
        """Add a tv show; returns its tvshowid. imdbnumber = the default uniqueid (maybe tvdb)."""
        tvshowid = self._new_id("tvshow")
        uniqueid, default_id, imdbnumber = self._ids(uniqueid, default_id)
        item = {
            "tvshowid": tvshowid, "label": title, "title": title, "year": year, "uniqueid": uniqueid,
            "imdbnumber": imdbnumber, "art": dict(art or {}),
            "file": file or "/media/tv/%s/" % title, "playcount": 0, "lastplayed": "",
        }
        item.update(extra)
        item["_default_id"] = default_id
        self.tvshows[tvshowid] = item
        return tvshowid

    def add_episode(self, tvshowid, season, episode, title=None, uniqueid=None, default_id=None,
                    file=None, runtime=0, duration=None, resume=None, playcount=0, lastplayed="",
                    art=None, **extra):
        """Add an episode of show `tvshowid`; returns its episodeid. Library `runtime` defaults
        to 0 (as in Kodi before stream details exist); `duration` = real file length (1500 s)."""
        show = self.tvshows[tvshowid]
        episodeid = self._new_id("episode")
        title = title if title is not None else "Episode %d" % episode
        uniqueid, default_id, _ = self._ids(uniqueid, default_id)
        file = file or "/media/tv/%s/S%02dE%02d-%d.mkv" % (show["title"], season, episode, episodeid)
        item = {
            "episodeid": episodeid, "label": "%dx%02d. %s" % (season, episode, title), "title": title,
            "tvshowid": tvshowid, "showtitle": show["title"], "season": season, "episode": episode,
            "uniqueid": uniqueid, "file": file, "runtime": int(runtime),
            "resume": {"position": 0.0, "total": 0.0}, "art": dict(art or {}),
            "playcount": playcount, "lastplayed": lastplayed,
        }
        if resume:
            item["resume"] = {"position": float(resume[0]), "total": float(resume[1])}
        item.update(extra)
        item["_duration"] = float(duration if duration is not None else (runtime or 1500))
        self.episodes[episodeid] = item
        self._by_file[file] = ("episode", episodeid)
        return episodeid

    def add_show_with_episodes(self, title, seasons=1, episodes_per_season=10, **show_kwargs):
        """Convenience: a show and its episodes; returns (tvshowid, [episodeid, ...])."""
        tvshowid = self.add_show(title, **show_kwargs)
        ids = [self.add_episode(tvshowid, s, e)
               for s in range(1, seasons + 1) for e in range(1, episodes_per_season + 1)]
        return tvshowid, ids

    def add_copy(self, kind, dbid, file, duration=None, **changes):
        """A second copy of movie/episode `dbid` (4K + 1080p, two editions, two sources), as real
        Kodi holds it: its own row and db id, the same uniqueids and title, its own file, real
        length, resume point and lastplayed. Returns the new db id."""
        original = self.get(kind, dbid)
        fields = {k: copy.deepcopy(v) for k, v in original.items()
                  if k not in (kind + "id", "file", "resume", "lastplayed", "playcount", "streamdetails",
                               "_duration", "_default_id", "label")}
        fields.update(changes)
        if duration is None:
            duration = original["_duration"]
        if kind == "movie":
            title, year = fields.pop("title"), fields.pop("year")
            uniqueid = fields.pop("uniqueid")
            fields.pop("imdbnumber", None)
            return self.add_movie(title, year, uniqueid, default_id=original.get("_default_id"), file=file,
                                  duration=duration, **fields)
        fields.pop("showtitle", None)
        return self.add_episode(fields.pop("tvshowid"), fields.pop("season"), fields.pop("episode"),
                                title=fields.pop("title"), uniqueid=fields.pop("uniqueid"), file=file,
                                duration=duration, **fields)

    # ------------------------------------------------------------------ lookups
    def get(self, kind, dbid):
        table = {"movie": self.movies, "episode": self.episodes, "tvshow": self.tvshows}[kind]
        return table.get(dbid)

    def find_file(self, path):
        """(kind, id) of the library item whose file is `path`, else None."""
        return self._by_file.get(path)

    def read_file(self, kind, dbid):
        """Kodi reads the file of an item it has not played (its list item drawn with "extract
        video information" on): the stream details appear, quietly (no VideoLibrary.OnUpdate).
        Kodi 20.1/21.2 do it during the scan; 19.1 sometimes only when the item is drawn, so a
        movie scanned moments ago can have no length at all (see realkodi test_mirror)."""
        item = self.get(kind, dbid)
        item["streamdetails"] = stream_details(item["_duration"])

    def set_resume(self, kind, dbid, position, total):
        item = self.get(kind, dbid)
        if position <= 0:
            item["resume"] = {"position": 0.0, "total": 0.0}
        else:
            item["resume"] = {"position": float(position), "total": float(total)}
        if self.on_update:
            self.on_update(kind, dbid)

    @staticmethod
    def project(item, fields, kind):
        """What Kodi returns for `item` with `fields`: id + label + the requested fields."""
        idkey = kind + "id"
        out = {idkey: item[idkey], "label": item["label"]}
        for f in fields:
            if f == "resume":
                r = item["resume"]
                out["resume"] = {"position": float(int(r["position"])), "total": float(r["total"])}
            elif f in item:
                out[f] = copy.deepcopy(item[f])
            elif f == "thumbnail":
                out[f] = item.get("art", {}).get("thumb", "")
            elif f == "fanart":
                out[f] = item.get("art", {}).get("fanart", "")
            else:
                out[f] = _default_for(f)
        return out
