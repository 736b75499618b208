"""What Kodi is playing, as a core.ids.PlayingItem, and writing a stop back to the library.

    now = what_is_playing(player=None)   # -> NowPlaying(item, live, file, kind, dbid, source, reason,
                                         #               library_file, extra, parts)
    library_item(kind, dbid)             # -> PlayingItem of a library movie/episode, or None
    write_library_resume(kind, dbid, position, total, mark_watched=True)
    write_menu_marker(marker); read_menu_marker() -> Optional[dict];
    clear_menu_marker(expected=None) -> bool
    marker_matches(marker, files)        # does the marker name one of these playing files?
    menu_play_id(file)                   # "123" for plugin://<us>/play?id=123, else None
                                         # ("episode:N" for /play_next?episode=N: up next)

How an item is identified (kodi-notes.md):
  * the active VIDEO player is asked with Player.GetActivePlayers (never assume playerid 1:
    a plugin:// file got playerid 0 on real Kodi);
  * Player.GetItem tells the type and library id;
  * library movie   -> VideoLibrary.GetMovieDetails uniqueid (imdbnumber only as an imdb id);
  * library episode -> VideoLibrary.GetEpisodeDetails (season, episode, tvshowid), then the
    SHOW's uniqueid through VideoLibrary.GetTVShowDetails;
  * then (and for anything not in the library) kodi/sources.observe reads the other sources -
    the player's info tag and Player.GetItem uniqueids, Window(10000) script.trakt.ids and
    TMDbHelper.PlayerInfoString, the ListItem property script.trakt.exclude - and
    core.identity.identify picks the first that names the item, in that order (issue 16).
  * live TV: item type "channel", a pvr:// file, or Player.GetProperties live = true (only the
    library is asked then).
Every JSON-RPC failure just means "not identifiable" (item None), never an exception.

Length is not identity (issue 12): for a library movie/episode, `library_file` says whether the
file that REALLY plays (Player.getPlayingFile) is the library item's own file - then its length
never matters. Kodi plays a trailer with the movie's info tag (dbid included): `extra` is True
when the playing file is not the item's own file and is recognised as a trailer/extra by the
file itself (the movie's `trailer` field, a `-trailer`-like suffix, or a folder such as
"Extras", "Trailers", "Featurettes"); such a playback is never sent. Anything else that is not
the library file is a non-library playback (the "ignore shorter than" setting applies).
Multi-episode files: `parts` = [(PlayingItem, runtime seconds)] of every library episode of
the same show and season sharing the playing episode's file (>= 2), in episode order; else None.

Menu-started playback [live, Kodi 20.1]: the first time an entry of our menu plays, Kodi
reports the library item (the resolved ListItem carries dbid, media type, uniqueids). When the
same Kodi plays a SECOND item from the menu, or reopens an entry after a stop, it reports type
"unknown" with the plugin URL (plugin://<us>/play?id=<playback id>) as the file: then only the
Window(10000) marker actions.play wrote (write_menu_marker) says what plays (push.py matches it
by file or by the playback id in that URL and identifies the marker's dbid/type like a library
item). This module owns the marker: write, read and clear.
"""
import json
from collections import namedtuple
from urllib.parse import parse_qs, urlsplit

from .. import ADDON_ID
from ..core.identity import SOURCE_LIBRARY, identify
from ..core.ids import PlayingItem
from .jsonrpc import call
from .listing import kodi_major
from .sources import observe
from .window import HomeWindowMemory

MENU_PLAY_KEY = "menu_play"  # HomeWindowMemory key: property <addon id>.menu_play
MENU_PLAY_PROPERTY = ADDON_ID + "." + MENU_PLAY_KEY
WATCHED_PERCENT = 80.0

# item: the core.ids.PlayingItem to scrobble (None: not identified; `reason` says why);
# source: which id source named it (core.identity.SOURCE_*).
# library_file / extra / parts: issue 12 (see the module docstring).
NowPlaying = namedtuple("NowPlaying", "item live file kind dbid source reason library_file extra parts",
                        defaults=("", "", False, False, None))
NOTHING = NowPlaying(None, False, "", None, -1, "", "nothing plays")

# Trailers and extras, recognised by their file (Kodi's "<name>-trailer.ext" and the usual
# extras folders / suffixes of Kodi, Plex and Jellyfin libraries).
_EXTRA_FOLDERS = {"extras", "extra", "trailers", "trailer", "featurettes", "featurette", "behind the scenes",
                  "deleted scenes", "interviews", "samples", "sample", "shorts", "bonus", "specials features"}
_EXTRA_SUFFIXES = ("-trailer", "-sample", "-extra", "-featurette", "-behindthescenes", "-deleted",
                   "-interview", "-short", "-other", "-scene", ".trailer", "_trailer", " trailer")

_ITEM_PROPERTIES = ["title", "year", "uniqueid", "imdbnumber", "showtitle", "season", "episode",
                    "tvshowid", "file"]


def _call(method, params=None):
    try:
        return call(method, params or {})
    except Exception:  # noqa: BLE001 - JsonRpcError or an unexpected reply: not identifiable
        return None


def active_video_player():
    """The playerid of the active video player, or None."""
    players = _call("Player.GetActivePlayers")
    if not isinstance(players, list):
        return None
    for player in players:
        if isinstance(player, dict) and player.get("type") == "video" and "playerid" in player:
            return player["playerid"]
    return None


def _dbid(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if number > 0 else -1


def _is_live(playerid, item, file):
    if item.get("type") == "channel" or file.lower().startswith("pvr://"):
        return True
    props = _call("Player.GetProperties", {"playerid": playerid, "properties": ["live"]})
    return bool(isinstance(props, dict) and props.get("live"))


def _movie_details(movieid):
    reply = _call("VideoLibrary.GetMovieDetails",
                  {"movieid": movieid, "properties": ["title", "year", "uniqueid", "imdbnumber", "file",
                                                      "trailer"]})
    details = reply.get("moviedetails") if isinstance(reply, dict) else None
    return details if isinstance(details, dict) else None


def _library_movie(movieid):
    details = _movie_details(movieid)
    if details is None:
        return None
    return PlayingItem.from_kodi(dict(details, type="movie"))


def _show_details(tvshowid):
    if tvshowid < 0:
        return None
    reply = _call("VideoLibrary.GetTVShowDetails",
                  {"tvshowid": tvshowid, "properties": ["title", "year", "uniqueid", "imdbnumber"]})
    details = reply.get("tvshowdetails") if isinstance(reply, dict) else None
    return details if isinstance(details, dict) else None


def _episode_details(episodeid):
    reply = _call("VideoLibrary.GetEpisodeDetails",
                  {"episodeid": episodeid,
                   "properties": ["title", "season", "episode", "tvshowid", "showtitle", "file"]})
    details = reply.get("episodedetails") if isinstance(reply, dict) else None
    return details if isinstance(details, dict) else None


def _library_episode(episodeid):
    details = _episode_details(episodeid)
    return _episode_item(details, _show_of(details)) if details is not None else None


def _show_of(details):
    """The show of episode `details` (VideoLibrary.GetTVShowDetails), or None."""
    return _show_details(_dbid(details.get("tvshowid")))


def _episode_item(details, show):
    if show is None:
        return None  # an episode is identified by its SHOW's ids only
    return PlayingItem.from_kodi(dict(details, type="episode"), show)


def _episode_parts(details, show):
    """[(PlayingItem, runtime s)] of the episodes sharing `details`' file (same show `show`
    and season), in episode order, when there are >= 2 of them; else None."""
    file = details.get("file")
    tvshowid = _dbid(details.get("tvshowid"))
    if not file or tvshowid < 0:
        return None
    reply = _call("VideoLibrary.GetEpisodes",
                  {"tvshowid": tvshowid, "season": details.get("season", -1),
                   "properties": ["title", "season", "episode", "tvshowid", "showtitle", "file", "runtime"]})
    episodes = reply.get("episodes") if isinstance(reply, dict) else None
    if not isinstance(episodes, list):
        return None
    same = [e for e in episodes if isinstance(e, dict) and e.get("file") == file]
    if len(same) < 2 or show is None:
        return None
    same.sort(key=lambda e: (e.get("season") or 0, e.get("episode") or 0))
    return [(PlayingItem.from_kodi(dict(e, type="episode"), show), e.get("runtime") or 0) for e in same]


def _same_file(library_file, playing):
    """Is one of the `playing` paths the library item's own file? (a stack:// library file
    counts when the playing path is one of its parts)"""
    if not library_file:
        return False
    for path in playing:
        if not path:
            continue
        if path == library_file:
            return True
        if library_file.startswith("stack://") and path in [p.strip() for p in
                                                              library_file[8:].split(" , ")]:
            return True
    return False


def is_extra(path, trailer=""):
    """A trailer or extra, recognised by its file: the movie's `trailer` field, a folder named
    like an extras folder, or a `-trailer`-like suffix of the file name."""
    if not path:
        return False
    if trailer and path == trailer:
        return True
    lower = path.replace("\\", "/").lower()
    parts = [p for p in lower.split("?")[0].split("/") if p]
    if any(folder in _EXTRA_FOLDERS for folder in parts[:-1]):
        return True
    name = parts[-1] if parts else ""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem.endswith(_EXTRA_SUFFIXES) or stem in ("trailer", "sample")


def library_item(kind, dbid):
    """The PlayingItem of library movie/episode `dbid` (ids through JSON-RPC), or None."""
    dbid = _dbid(dbid)
    if dbid < 0:
        return None
    if kind == "movie":
        return _library_movie(dbid)
    if kind == "episode":
        return _library_episode(dbid)
    return None


def _item_from_tag(player):
    """A Player.GetItem-like dict from the player's info tag, or None (Kodi 19: no ids there)."""
    tag = player.info_tag() if player is not None and kodi_major() >= 20 else None
    if tag is None:
        return None
    try:
        return {"type": (tag.getMediaType() or "").lower(), "id": tag.getDbId(), "title": tag.getTitle(),
                "year": tag.getYear(), "season": tag.getSeason(), "episode": tag.getEpisode(),
                "showtitle": tag.getTVShowTitle(), "file": player.playing_file(), "uniqueid": {}}
    except Exception:  # noqa: BLE001
        return None


def what_is_playing(player=None):
    """NowPlaying for the active video player (NOTHING when no video plays)."""
    playerid = active_video_player()
    if playerid is None:
        return NOTHING
    reply = _call("Player.GetItem", {"playerid": playerid, "properties": _ITEM_PROPERTIES})
    item = reply.get("item") if isinstance(reply, dict) else None
    if not isinstance(item, dict):
        item = _item_from_tag(player)  # Player.GetItem failed: the info tag alone (20+)
        if item is None:
            return NOTHING
    really = player.playing_file() if player is not None else ""  # what REALLY plays
    file = str(item.get("file") or really or "")
    live = _is_live(playerid, item, file)
    kind = str(item.get("type") or "").lower()
    dbid = _dbid(item.get("id"))
    library = details = show = parts = None
    if kind == "movie" and dbid > 0:
        details = _movie_details(dbid)
        library = PlayingItem.from_kodi(dict(details, type="movie")) if details is not None else None
    elif kind == "episode" and dbid > 0:
        details = _episode_details(dbid)
        show = _show_of(details) if details is not None else None
        library = _episode_item(details, show) if details is not None else None
    # Either name counts: right after another file, Kodi 19.1 answered getPlayingFile() with the
    # PREVIOUS file (a trailer) while Player.GetItem named the movie [live].
    names = [really, file]
    library_file = details is not None and _same_file(details.get("file"), names)
    trailer = (details or {}).get("trailer") or ""
    extra = details is not None and not library_file and any(is_extra(n, trailer) for n in names)
    if kind == "episode" and library_file and library is not None:
        parts = _episode_parts(details, show)
    if live:  # live TV: only what the library says (push skips live TV unless told otherwise)
        return NowPlaying(library, live, file, kind if dbid > 0 else None, dbid,
                          SOURCE_LIBRARY if library is not None else "", "", library_file, extra, parts)
    found = identify(observe(player, item, library, playerid))
    if found.item is not None and not library_file:
        extra = extra or any(is_extra(n) for n in names)
    if found.item is not library:
        parts = None
    return NowPlaying(found.item, live, file, kind if dbid > 0 else None, dbid, found.source, found.reason,
                      library_file, extra, parts)


# -- menu-started playback ---------------------------------------------------------------------
def write_menu_marker(marker):
    """Mark what the menu is about to play: {"file", "dbid", "type", "playback_id", "at"}."""
    HomeWindowMemory().set(MENU_PLAY_KEY, json.dumps(marker))


def read_menu_marker():
    """The marker actions.play set ({"file", "dbid", "type", "playback_id", "at"}), or None."""
    text = HomeWindowMemory().get(MENU_PLAY_KEY)
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def clear_menu_marker(expected=None):
    """Clear the marker. With `expected` (the marker a playback started with) only when the
    window still holds that same marker: the stop of an older playback handled after the
    plugin already marked the next one must not wipe the new marker. True when cleared."""
    if expected is not None:
        current = read_menu_marker()
        if current is not None and current != expected:
            return False
    HomeWindowMemory().clear(MENU_PLAY_KEY)
    return True


PLUGIN_PREFIX = "plugin://%s/" % ADDON_ID
_PLAY_PATHS = ("/play", "/play_from_start")
_PLAY_NEXT_PATH = "/play_next"


def up_next_play_id(episodeid):
    """The marker's playback_id of an up-next play (/play_next?episode=N): "episode:N"."""
    return "episode:%d" % int(episodeid)


def menu_play_id(file):
    """The playback id (a string) in one of our /play or /play_from_start URLs, "episode:N"
    for /play_next?episode=N (up next), else None."""
    if not isinstance(file, str) or not file.startswith(PLUGIN_PREFIX):
        return None
    parts = urlsplit(file)
    path = (parts.path or "/").rstrip("/")
    if path == _PLAY_NEXT_PATH:
        values = parse_qs(parts.query).get("episode") or []
        value = values[0].strip() if values else ""
        return up_next_play_id(value) if value.isdigit() else None
    if path not in _PLAY_PATHS:
        return None
    values = parse_qs(parts.query).get("id") or []
    value = values[0].strip() if values else ""
    return value or None


def marker_matches(marker, files):
    """True when `marker` names one of `files`: the same file, or our plugin URL carrying the
    marker's playback id."""
    if not isinstance(marker, dict):
        return False
    marked_file = marker.get("file")
    marked_id = marker.get("playback_id")
    for file in files:
        if not file:
            continue
        if marked_file and file == marked_file:
            return True
        play_id = menu_play_id(file)
        if play_id is not None and marked_id is not None and play_id == str(marked_id):
            return True
    return False


def write_library_resume(kind, dbid, position, total, mark_watched=True):
    """Write a stop into the library item: < 80 % -> resume point {position, total};
    >= 80 % -> playcount + 1 and the resume point cleared (with mark_watched=False: a resume
    point whatever the progress - an interrupted playback). Returns True when Kodi accepted."""
    if kind not in ("movie", "episode") or _dbid(dbid) < 0 or not total or total <= 0:
        return False
    dbid = _dbid(dbid)
    method = "VideoLibrary.SetMovieDetails" if kind == "movie" else "VideoLibrary.SetEpisodeDetails"
    idkey = kind + "id"
    position = max(0.0, float(position or 0.0))
    params = {idkey: dbid}
    if mark_watched and position * 100.0 / float(total) >= WATCHED_PERCENT:
        getter = "VideoLibrary.GetMovieDetails" if kind == "movie" else "VideoLibrary.GetEpisodeDetails"
        reply = _call(getter, {idkey: dbid, "properties": ["playcount"]})
        details = reply.get(kind + "details") if isinstance(reply, dict) else None
        playcount = details.get("playcount", 0) if isinstance(details, dict) else 0
        params["playcount"] = int(playcount or 0) + 1
        params["resume"] = {"position": 0, "total": 0}
    else:
        params["resume"] = {"position": round(position, 3), "total": float(total)}
    return _call(method, params) is not None
