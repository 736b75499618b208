"""Kodi side of the plain-play resume prompt (prompt.py): the player hook, the dialog, the seek.

    player = PromptPlayer(handler)   # create on the service's main thread; forwards
                                     # onAVStarted -> handler.on_av_started(),
                                     # onPlayBackStopped/Ended -> handler.on_stopped()
    player.position() / player.total() / player.playing_file()   # None/"" when nothing plays
    KodiPromptSide: what PlayPrompt's worker thread calls (never from a player callback):
      .menu_marker() -> dict|None      kodi.playing.read_menu_marker (our menu started it)
      .playing_item() -> (kind, dbid, file)|None   the active video player's LIBRARY item
      .lastplayed(kind, dbid) -> str   the item's `lastplayed` ("" when never played)
      .other_addon_item(player) -> (scrobble body, url)|None   a NON-library item identified
                                     like the push side does (kodi.playing.what_is_playing:
                                     uniqueids, script.trakt.ids, TMDbHelper.PlayerInfoString;
                                     None when excluded or unidentified); url = the played
                                     path (Player.Filenameandpath: the plugin URL [live, 20.1])
      .url_lastplayed(url) -> str      Files.GetFileDetails lastplayed of that URL ("" unknown)
      .ask(message, autoclose_s) -> bool   Dialog().yesno that closes itself after
                                     autoclose_s (closing or timing out = No: keep position)
      .enabled() -> bool               setting prompt_on_play
"""
import xbmc
import xbmcgui

from . import playing
from .player import PushPlayer
from ..core.ids import scrobble_item
from .jsonrpc import call
from .ui import HEADING, text

SETTING_PROMPT = "prompt_on_play"
S_YES_RESUME = 30502
S_NO_KEEP = 30503


class PromptPlayer(PushPlayer):
    """The prompt's own player hook: the same safe readers as the push side's; forwards
    onAVStarted -> on_av_started(), onPlayBackStopped and onPlayBackEnded -> on_stopped()."""

    def position(self):
        return self.sample_time()

    def total(self):
        return self.total_time()

    def onPlayBackEnded(self):
        self._forward("on_stopped")


class KodiPromptSide:
    @staticmethod
    def enabled():
        from . import settings

        return bool(settings.get_bool(SETTING_PROMPT))

    @staticmethod
    def menu_marker():
        return playing.read_menu_marker()

    @staticmethod
    def playing_item():
        playerid = playing.active_video_player()
        if playerid is None:
            return None
        try:
            reply = call("Player.GetItem", {"playerid": playerid, "properties": ["file"]})
        except Exception:  # noqa: BLE001 - stopped meanwhile
            return None
        item = reply.get("item") if isinstance(reply, dict) else None
        if not isinstance(item, dict) or item.get("type") not in ("movie", "episode"):
            return None
        dbid = item.get("id")
        if isinstance(dbid, bool) or not isinstance(dbid, int) or dbid <= 0:
            return None
        return item["type"], dbid, str(item.get("file") or "")

    @staticmethod
    def lastplayed(kind, dbid):
        try:
            reply = call("VideoLibrary.Get%sDetails" % kind.capitalize(),
                         {kind + "id": int(dbid), "properties": ["lastplayed"]})
        except Exception:  # noqa: BLE001
            return ""
        details = reply.get(kind + "details") if isinstance(reply, dict) else None
        return str(details.get("lastplayed") or "") if isinstance(details, dict) else ""

    @staticmethod
    def other_addon_item(player):
        now = playing.what_is_playing(player)
        if now.item is None or now.kind is not None or now.live:  # nothing, or a library item
            return None
        body = scrobble_item(now.item)
        if body is None:
            return None
        return body, xbmc.getInfoLabel("Player.Filenameandpath") or now.file

    @staticmethod
    def url_lastplayed(url):
        if not url:
            return ""
        try:
            reply = call("Files.GetFileDetails",
                         {"file": url, "media": "video", "properties": ["lastplayed"]})
        except Exception:  # noqa: BLE001 - a file Kodi keeps no row for: never played here
            return ""
        details = reply.get("filedetails") if isinstance(reply, dict) else None
        return str(details.get("lastplayed") or "") if isinstance(details, dict) else ""

    @staticmethod
    def ask(message, autoclose_s):
        return bool(xbmcgui.Dialog().yesno(text(HEADING), message, nolabel=text(S_NO_KEEP),
                                           yeslabel=text(S_YES_RESUME),
                                           autoclose=int(autoclose_s * 1000)))

    @staticmethod
    def text(string_id, *args):
        return text(string_id, *args)
