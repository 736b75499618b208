"""Reads what Kodi and other addons say about the playing item into a core.identity.Observed.

    observed = observe(player, item, library)    # -> core.identity.Observed (plain data)
    core.identity.identify(observed)             # the ORDER of the sources lives there, pure

`item` is the Player.GetItem reply's item (or {}), `library` the library PlayingItem (or None).
What is read [live, Kodi 20.1]:
  * the player's info tag (getMediaType/getTitle/getYear/getTVShowTitle/getSeason/getEpisode;
    getUniqueID(key) on Kodi 20+, else getIMDBNumber when it is an imdb id): it keeps a plugin
    item's metadata even when Kodi replays the same plugin URL and Player.GetItem answers only
    {"type": "unknown", "file": <URL>} [live, 19.1 and 20.1];
  * Player.GetItem's fields, preferred where they are set (Kodi 19 has no getUniqueID);
  * Window(10000) properties script.trakt.ids and TMDbHelper.PlayerInfoString (raw strings);
  * the playing ListItem's property script.trakt.exclude: Player.getPlayingItem() on Kodi 20+,
    else Player.GetItem's "customproperties" (Kodi 19.1 has those [live], not getPlayingItem).
Nothing here raises: what cannot be read is simply not known.
"""
import xbmcgui

from ..core.identity import SHOW_ID_PREFIX, Observed
from ..core.ids import normalize_id
from .jsonrpc import call

TRAKT_IDS_PROPERTY = "script.trakt.ids"
TMDBHELPER_PROPERTY = "TMDbHelper.PlayerInfoString"
EXCLUDE_PROPERTY = "script.trakt.exclude"
HOME_WINDOW = 10000

_TAG_KEYS = ("imdb", "tmdb", "tvdb", "anidb", "mal", "simkl")
_SHOW_KEYS = tuple(SHOW_ID_PREFIX + key for key in ("imdb", "tmdb", "tvdb"))


def _safe(fn, default):
    try:
        value = fn()
    except Exception:  # noqa: BLE001 - Kodi raises when the player stopped meanwhile
        return default
    return default if value is None else value


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _info_tag(player):
    if player is None:
        return None
    reader = getattr(player, "info_tag", None)
    if reader is not None:
        return reader()
    return _safe(player.getVideoInfoTag, None)


def _tag_value(tag, name, default):
    method = getattr(tag, name, None) if tag is not None else None
    return _safe(method, default) if method is not None else default


def _unique_ids(item, tag):
    ids = dict(item.get("uniqueid")) if isinstance(item.get("uniqueid"), dict) else {}
    getter = getattr(tag, "getUniqueID", None) if tag is not None else None  # Kodi 20+
    if getter is not None:
        for key in _TAG_KEYS + _SHOW_KEYS:
            value = _safe(lambda k=key: getter(k), "")
            if value and key not in ids:
                ids[key] = value
    if "imdb" not in ids:
        # Kodi 19 has no getUniqueID: on a replayed plugin URL only the tag's IMDBNumber (the
        # default uniqueid) is left [live, 19.1]; used only when it IS an imdb id.
        imdb = normalize_id("imdb", _tag_value(tag, "getIMDBNumber", "") or item.get("imdbnumber"))
        if imdb:
            ids["imdb"] = imdb
    return ids


def _library_show_ids(tvshowid):
    """A non-library item that still names a library show: that show's ids, as tvshow.<key>."""
    if _int(tvshowid, -1) <= 0:
        return {}
    try:
        reply = call("VideoLibrary.GetTVShowDetails", {"tvshowid": int(tvshowid), "properties": ["uniqueid"]})
    except Exception:  # noqa: BLE001
        return {}
    details = reply.get("tvshowdetails") if isinstance(reply, dict) else None
    ids = details.get("uniqueid") if isinstance(details, dict) else None
    return {SHOW_ID_PREFIX + str(k): v for k, v in ids.items()} if isinstance(ids, dict) else {}


def home_property(name):
    return _safe(lambda: xbmcgui.Window(HOME_WINDOW).getProperty(name), "") or ""


def exclude_flag(player, playerid=None):
    """The playing ListItem's script.trakt.exclude ("" when unset or unknown)."""
    getter = getattr(player, "getPlayingItem", None) if player is not None else None  # Kodi 20+
    if getter is not None:
        listitem = _safe(getter, None)
        if listitem is not None:
            return str(_safe(lambda: listitem.getProperty(EXCLUDE_PROPERTY), "") or "")
    if playerid is None:
        return ""
    try:
        reply = call("Player.GetItem", {"playerid": playerid, "properties": ["customproperties"]})
    except Exception:  # noqa: BLE001 - Kodi 19: no such property
        return ""
    item = reply.get("item") if isinstance(reply, dict) else None
    props = item.get("customproperties") if isinstance(item, dict) else None
    if not isinstance(props, dict):
        return ""
    for key, value in props.items():
        if str(key).lower() == EXCLUDE_PROPERTY:
            return str(value if not isinstance(value, bool) else ("true" if value else ""))
    return ""


def observe(player, item, library=None, playerid=None):
    item = item if isinstance(item, dict) else {}
    tag = _info_tag(player)
    media_type = str(item.get("type") or "").lower()
    if media_type not in ("movie", "episode"):
        media_type = str(_tag_value(tag, "getMediaType", "") or media_type).lower()
    season = _int(item.get("season"), -1)
    if season < 0:
        season = _int(_tag_value(tag, "getSeason", -1), -1)
    episode = _int(item.get("episode"), -1)
    if episode < 1:
        episode = _int(_tag_value(tag, "getEpisode", -1), -1)
    uniqueids = _unique_ids(item, tag)
    if library is None:  # a library episode came with its show's ids (playing.what_is_playing)
        for key, value in _library_show_ids(item.get("tvshowid")).items():
            uniqueids.setdefault(key, value)
    return Observed(
        library=library,
        media_type=media_type,
        title=str(item.get("title") or _tag_value(tag, "getTitle", "") or ""),
        year=_int(item.get("year")) or _int(_tag_value(tag, "getYear", 0)),
        show_title=str(item.get("showtitle") or _tag_value(tag, "getTVShowTitle", "") or ""),
        season=season if season >= 0 else None,
        episode=episode if episode >= 1 else None,
        uniqueids=uniqueids,
        trakt_ids=home_property(TRAKT_IDS_PROPERTY),
        tmdbhelper=home_property(TMDBHELPER_PROPERTY),
        exclude=exclude_flag(player, playerid),
    )
