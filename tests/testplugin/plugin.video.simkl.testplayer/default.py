"""A test-only plugin (never shipped): plays a local clip the way other addons do, so that the
Simkl resume service can be checked against each identification convention.

    plugin://plugin.video.simkl.testplayer/?case=<case>&file=<path of a local clip>
    plugin://plugin.video.simkl.testplayer/clear      clears the two window properties, as
                                                      an addon does after its playback

Cases (CASES below holds the ids): (a) "uniqueids": a movie whose ListItem carries uniqueids;
(b) "trakt_ids": nothing but Window(10000) script.trakt.ids; (c) "episode": an episode whose
ListItem carries the EPISODE's own uniqueid and whose show ids come only from script.trakt.ids,
with season/episode on the ListItem; (d) "exclude": a movie with uniqueids and the ListItem
property script.trakt.exclude; (e) "tmdbhelper": an episode known only through
TMDbHelper.PlayerInfoString; (f) "nothing": a clip with no ids at all.
Runs on Kodi 19 (setInfo/setUniqueIDs on the ListItem) and 20+ (InfoTagVideo setters).
"""
import json
import sys
from urllib.parse import parse_qsl

import xbmcgui
import xbmcplugin

TRAKT_IDS = "script.trakt.ids"
TMDBHELPER = "TMDbHelper.PlayerInfoString"
EXCLUDE = "script.trakt.exclude"

CASES = {
    "uniqueids": {"info": {"mediatype": "movie", "title": "The Matrix", "year": 1999},
                  "uniqueids": {"imdb": "tt0133093", "tmdb": "603"}},
    "trakt_ids": {"info": {}, "label": "Interstellar",
                  "window": {TRAKT_IDS: {"imdb": "tt0816692", "tmdb": 157336, "slug": "interstellar"}}},
    "episode": {"info": {"mediatype": "episode", "title": "Lord Snow", "tvshowtitle": "Game of Thrones",
                         "season": 1, "episode": 3},
                "uniqueids": {"tvdb": "3436461", "imdb": "tt1480055"},
                "window": {TRAKT_IDS: {"tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399,
                                       "slug": "game-of-thrones"}}},
    "exclude": {"info": {"mediatype": "movie", "title": "Jumanji", "year": 1995},
                "uniqueids": {"imdb": "tt0113497", "tmdb": "8844"}, "properties": {EXCLUDE: "true"}},
    "tmdbhelper": {"info": {"mediatype": "episode", "title": "The North Remembers",
                            "tvshowtitle": "Game of Thrones", "season": 2, "episode": 1},
                   "window": {TMDBHELPER: {"tmdb_type": "episode", "tmdb_id": "1399", "imdb_id": "tt0944947",
                                           "tvdb_id": "121361", "season": "2", "episode": "1"}}},
    "nothing": {"info": {}, "label": "A home video"},
}


def _describe(item, case):
    info = dict(case.get("info") or {})
    ids = case.get("uniqueids") or {}
    tag = item.getVideoInfoTag()
    if hasattr(tag, "setUniqueIDs"):  # Kodi 20+: the InfoTagVideo setters
        if info.get("mediatype"):
            tag.setMediaType(info["mediatype"])
        if info.get("title"):
            tag.setTitle(info["title"])
        if info.get("year"):
            tag.setYear(int(info["year"]))
        if info.get("tvshowtitle"):
            tag.setTvShowTitle(info["tvshowtitle"])
        if "season" in info:
            tag.setSeason(int(info["season"]))
        if "episode" in info:
            tag.setEpisode(int(info["episode"]))
        if ids:
            tag.setUniqueIDs(ids, next(iter(ids)))
    else:  # Kodi 19: only setInfo and ListItem.setUniqueIDs
        if info:
            item.setInfo("video", info)
        if ids:
            item.setUniqueIDs(ids, next(iter(ids)))


def resolve(handle, params):
    case = CASES[params["case"]]
    home = xbmcgui.Window(10000)
    for key in (TRAKT_IDS, TMDBHELPER):  # what the previous playback left
        home.clearProperty(key)
    for key, value in (case.get("window") or {}).items():
        home.setProperty(key, json.dumps(value))
    item = xbmcgui.ListItem(label=case.get("label") or case["info"].get("title", ""), path=params["file"])
    _describe(item, case)
    for key, value in (case.get("properties") or {}).items():
        item.setProperty(key, value)
    xbmcplugin.setResolvedUrl(handle, True, item)


def clear(handle):
    home = xbmcgui.Window(10000)
    for key in (TRAKT_IDS, TMDBHELPER):
        home.clearProperty(key)
    xbmcplugin.endOfDirectory(handle, succeeded=True)


def run(argv):
    handle = int(argv[1])
    params = dict(parse_qsl((argv[2] if len(argv) > 2 else "").lstrip("?")))
    if argv[0].rstrip("/").endswith("/clear"):
        clear(handle)
    elif params.get("case") in CASES and params.get("file"):
        resolve(handle, params)
    else:
        xbmcplugin.endOfDirectory(handle, succeeded=False)


if __name__ == "__main__":
    run(sys.argv)
