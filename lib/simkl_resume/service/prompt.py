"""Offer Simkl's position when a library item is started anywhere in Kodi (a service Component).

    prompt = PlayPrompt(ctx)                 # setting prompt_on_play (on by default)
    Service(monitor, [..., prompt], now)

On onAVStarted (service main thread) it only records where playback starts (getTime, the real
length getTotalTime, the file) and wakes its worker. The worker thread - never a player
callback, so the dialog holds up no later callback (kodi-notes "Service threading and dialogs")
- decides with `decide()` and, when asked to, shows
    "Resume at 42:10 (paused on another device 2 h ago)?"
as a yes/no dialog that closes by itself after AUTOCLOSE seconds keeping the current position;
Yes seeks to Simkl's position (if the same file still plays).
No prompt when: the setting is off; the playback was started by our own menu (the
Window(10000) menu_play marker names the playing file); the item is not a library item or has
no matched, unexpired Simkl playback (KEY_RESUME_LIST); the playback is this device's own last
scrobble (delivered.py: it was paused on THIS Kodi, never "on another device"); the local
`lastplayed` is at or after Simkl's paused_at (the local position is newer); or Simkl's
position is within THRESHOLD (30 s) of where playback started.
What other addons play (issue 16): when the item is not a library item, side.other_addon_item
identifies it with the push side's sources (kodi.playing.what_is_playing -> core.identity:
uniqueids, script.trakt.ids, TMDbHelper.PlayerInfoString; never an excluded item) and any
resume-list entry whose Simkl playback has the same ids is offered the same way; the local
`lastplayed` is what Kodi keeps for the played (plugin) URL.

`side` is the Kodi side (kodi.prompt_dialog.KodiPromptSide by default); tests may pass another.
"""
import threading
from typing import Any, Dict, Optional

from ..core.identity import same_item
from ..core.mirror import lastplayed_epoch
from ..core import own
from ..core.model import Playback
from .delivered import load_events
from ..core.progress import format_clock, resume_position
from ..resume_points import local_utc_offset
from ..resume_cache import expired, load_resume_list, matched_entries
from .component import Component
from .worker import BackgroundWorker

THRESHOLD = 30.0
AUTOCLOSE = 8.0
S_PROMPT = 30500        # Resume at %s (paused on another device %s ago)?
S_PROMPT_NOW = 30501    # Resume at %s (paused on another device just now)?


def find_entry(resume_list: Optional[Dict[str, Any]], kind: str, dbid: int,
               now: Optional[float] = None) -> Optional[Dict[str, Any]]:
    """The newest matched (not expired at `now`) resume-list entry for library item (kind,
    dbid), or None."""
    return _newest(entry for entry in matched_entries(resume_list, now)
                   if entry.get("mediatype") == kind and dbid in (entry.get("copies") or [entry.get("dbid")]))


def find_entry_for(resume_list: Optional[Dict[str, Any]], item: Optional[Dict[str, Any]],
                   now: Optional[float] = None) -> Optional[Dict[str, Any]]:
    """The newest resume-list entry (matched to the library or not; not expired at `now`)
    whose Simkl playback is about `item` (a core.ids.scrobble_item body), or None. For what
    other addons play."""
    return _newest(entry for entry in (resume_list or {}).get("entries") or []
                   if same_item(item, entry.get("playback")) and not expired(entry, now))


def _newest(entries) -> Optional[Dict[str, Any]]:
    """The entry paused last (the first of equals), or None."""
    return max(entries, key=lambda entry: entry.get("paused_epoch") or 0, default=None)


def decide(start: Optional[float], total: Optional[float], entry: Optional[Dict[str, Any]],
           local_lastplayed: Optional[float], threshold: float = THRESHOLD) -> Optional[float]:
    """Seconds to offer, or None for no prompt. Pure."""
    if entry is None:
        return None
    paused = float(entry.get("paused_epoch") or 0)
    if local_lastplayed is not None and local_lastplayed >= paused:
        return None
    duration = total or entry.get("duration")
    target = resume_position(entry.get("progress"), duration)
    if target is None or target <= 0:
        return None
    if abs(target - float(start or 0.0)) <= threshold:
        return None
    return target


class PlayPrompt(Component):
    def __init__(self, ctx, side=None, player_factory=None, threshold: float = THRESHOLD,
                 autoclose: float = AUTOCLOSE, utc_offset=None, log=None):
        self.ctx = ctx
        if side is None:
            from ..kodi.prompt_dialog import KodiPromptSide

            side = KodiPromptSide()
        self.side = side
        self._player_factory = player_factory
        self.threshold = threshold
        self.autoclose = autoclose
        self.utc_offset = utc_offset or local_utc_offset
        self.log = log or ctx.log
        self.player = None
        self._lock = threading.Lock()
        self._pending: Optional[Dict[str, Any]] = None
        self._generation = 0
        self.worker = _PromptWorker(self)
        self.shown = []  # (file, target) of every prompt shown, for the log and tests

    # ------------------------------------------------------------------ Component
    def start(self):
        if self.player is None:
            if self._player_factory is None:
                from ..kodi.prompt_dialog import PromptPlayer

                self._player_factory = PromptPlayer
            self.player = self._player_factory(self)
        self.worker.start()

    def stop(self):
        self.worker.stop()
        if self.player is not None:
            self.player.handler = None

    # ------------------------------------------------------------------ player callbacks (main thread)
    def on_av_started(self):
        player = self.player
        with self._lock:
            self._generation += 1
            self._pending = {"file": player.playing_file(), "start": player.position(),
                             "total": player.total(), "generation": self._generation}
        self.worker.wake()

    def on_stopped(self):
        with self._lock:
            self._generation += 1
            self._pending = None

    # ------------------------------------------------------------------ worker thread
    def _current(self, generation):
        with self._lock:
            return generation == self._generation

    def run_once(self):
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            self._consider(pending)
        except Exception as exc:  # noqa: BLE001 - a prompt must never break playback
            self.log("prompt: failed: %r" % (exc,))

    def _consider(self, pending):
        if not self.side.enabled():
            return
        marker = self.side.menu_marker()
        if marker and marker.get("file") and marker.get("file") == pending["file"]:
            return  # started by our resume menu: it already starts at Simkl's position
        playing = self.side.playing_item()
        if playing is None:
            self._consider_other_addon(pending)
            return
        kind, dbid, file = playing
        if file and pending["file"] and file != pending["file"]:
            return
        entry = find_entry(load_resume_list(self.ctx.cache), kind, dbid, self.ctx.now())
        if entry is None or self._own(entry):
            return
        local = lastplayed_epoch(self.side.lastplayed(kind, dbid), self.utc_offset)
        self._offer(pending, entry, local, kind)

    def _consider_other_addon(self, pending):
        """Not a library item: what another addon plays, identified like the push side does
        (core.identity); its local `lastplayed` is the one Kodi keeps for the played URL."""
        other = self.side.other_addon_item(self.player)
        if other is None:
            return
        item, url = other
        entry = find_entry_for(load_resume_list(self.ctx.cache), item, self.ctx.now())
        if entry is None or self._own(entry):
            return
        local = lastplayed_epoch(self.side.url_lastplayed(url), self.utc_offset)
        self._offer(pending, entry, local, "movie" if "movie" in item else "episode")

    def _offer(self, pending, entry, local, kind):
        target = decide(pending["start"], pending["total"], entry, local, self.threshold)
        if target is None or not self._current(pending["generation"]):
            return
        age = int(max(0.0, self.ctx.now() - float(entry.get("paused_epoch") or 0)))
        message = self._message(target, age)
        self.shown.append((pending["file"], target))
        self.log("prompt: offering %s at %s" % (kind, format_clock(target)))
        if self.side.ask(message, self.autoclose) and self._current(pending["generation"]):
            # through the main thread's own Player object: an xbmc.Player created on this
            # thread would have Kodi queue player callbacks to a thread that never runs them
            self.player.seekTime(float(target))

    def _own(self, entry):
        """This device's own last scrobble (asked now: it may be newer than the list)."""
        if entry.get("own"):
            return True
        try:
            playback = Playback.from_dict(entry.get("playback") or {})
        except (TypeError, ValueError):
            return False
        return own.own_event(load_events(self.ctx.cache), playback) is not None

    def _message(self, target, age):
        from ..kodi.strings import format_age

        formatted = format_age(age)
        if formatted is None:
            return self.side.text(S_PROMPT_NOW, format_clock(target))
        return self.side.text(S_PROMPT, format_clock(target), formatted)


class _PromptWorker(BackgroundWorker):
    name = "prompt"

    def __init__(self, prompt):
        super().__init__(log=prompt.log)
        self.prompt = prompt

    def work(self):
        self.prompt.run_once()
