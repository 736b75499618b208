"""The steps the real-Kodi tests and the bench (tools/bench/realkodi.py) take with a KodiInstance
and the Simkl stand-in, in ONE place: seed the account, sign a Kodi in as /login does, open the
plugin root as a remote or a widget does, play a library item, stop the player, talk to Simkl as
another device. Every wait is on a condition; the caller keeps its own waits and asserts.
"""
import json
import os
import urllib.request

from .addons import ADDON_ID
from .instance import time_to_seconds

ROOT_URL = "plugin://%s/" % ADDON_ID


def seed_account(standin, catalog, token, plan="pro", name="alice"):
    """A fresh stand-in holding `catalog` and one user `token` (plan "pro" or "free")."""
    standin.reset()
    standin.seed(catalog=catalog, users=[{"token": token, "name": name, "type": plan}])
    return token


def sign_in(kodi, token, name="alice", folder=None):
    """What the addon's /login stores (store/account.py), 0600; before or after Kodi starts.
    `folder`: another Kodi profile's addon data folder (default: the master profile's)."""
    folder = folder or kodi.addon_data()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "account.json"
    path.write_text(json.dumps({"token": token, "name": name, "plan": "pro"}), encoding="utf-8")
    os.chmod(str(path), 0o600)


def service_log_count(kodi, line):
    """How often our service logged `line` (e.g. "service started") in the current kodi.log."""
    return kodi.log_text().count("[%s] %s" % (ADDON_ID, line))


def show_debug_log(kodi):
    """The addon's debug lines (what push queued, what pull decided) in kodi.log."""
    kodi.jsonrpc("Settings.SetSettingValue", {"setting": "debug.showloginfo", "value": True})


def as_other_device(standin, method, path, body=None, token=None, client_id=None):
    """Another device talking to Simkl (the stand-in) with account `token`; the HTTP status."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    req = urllib.request.Request(
        "%s%s?client_id=%s" % (standin.url, path, client_id), data=data, method=method,
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as reply:
        return reply.status


def open_root(kodi, root=ROOT_URL):
    """One open of the plugin root as a remote or a widget does (Files.GetDirectory): it draws
    from the cache and asks the service for a check. Its entries."""
    reply = kodi.jsonrpc("Files.GetDirectory", {"directory": root, "media": "video",
                                                "properties": ["title", "file", "plot"]})
    return reply.get("files") or []


def info_bool(kodi, condition):
    return kodi.jsonrpc("XBMC.GetInfoBooleans", {"booleans": [condition]})[condition]


def movie_id(kodi):
    """The library's first movie (the test libraries hold one)."""
    return kodi.jsonrpc("VideoLibrary.GetMovies")["movies"][0]["movieid"]


def browse_movies(kodi, timeout=30.0):
    """What a user who opens Movies does: Kodi draws the titles and reads the file of each one
    it has no stream details for (with "extract video information" on). Kodi 19.1 sometimes
    leaves a movie scanned moments ago without any length until then; 20.1/21.2 read it during
    the scan. Waits until every movie has a video stream length, then goes back home."""
    kodi.jsonrpc("GUI.ActivateWindow", {"window": "videos", "parameters": ["videodb://movies/titles/"]})

    def lengths_known():
        movies = kodi.jsonrpc("VideoLibrary.GetMovies", {"properties": ["streamdetails"]})["movies"]
        return all((m.get("streamdetails") or {}).get("video") for m in movies)

    try:
        kodi.wait_for(lengths_known, timeout=timeout, interval=0.25, what="Kodi to read the movies' lengths")
    finally:
        kodi.jsonrpc("GUI.ActivateWindow", {"window": "home"})


def resume_point(kodi, movieid):
    """Kodi's own resume point of a library movie, as Estuary's "In progress" widgets read it."""
    details = kodi.jsonrpc("VideoLibrary.GetMovieDetails", {"movieid": movieid, "properties": ["resume"]})
    return details["moviedetails"]["resume"]


def player_props(kodi, playerid):
    """(position s, total s, speed) of player `playerid`."""
    props = kodi.jsonrpc("Player.GetProperties", {"playerid": playerid,
                                                  "properties": ["time", "totaltime", "speed"]})
    return time_to_seconds(props["time"]), time_to_seconds(props["totaltime"]), props["speed"]


def open_item(kodi, item, what="the player"):
    """Player.Open `item` (or Player.GoTo when it holds "to"), wait for Player.OnAVStart (playing
    for real, what the service's onAVStarted sees) and the active player; its playerid."""
    with kodi.listen() as events:
        if "to" in item:
            kodi.jsonrpc("Player.GoTo", item)
        else:
            kodi.jsonrpc("Player.Open", {"item": item})
        events.wait_for("Player.OnAVStart", timeout=30)
    return kodi.wait_for(kodi.active_player, timeout=15, what=what)["playerid"]


def stop_player(kodi):
    """Player.Stop if anything plays; waits until nothing does."""
    player = kodi.active_player()
    if player is not None:
        kodi.jsonrpc("Player.Stop", {"playerid": player["playerid"]})
    kodi.wait_for(lambda: kodi.active_player() is None, timeout=15, what="the player to stop")
