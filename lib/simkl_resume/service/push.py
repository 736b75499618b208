"""The push half: Kodi's playback -> durable outbox -> Simkl /scrobble, in order, once.

    push = ScrobblePush(ctx)                     # a service.Component
    Service(monitor, [..., push, ...], now).run()

ScrobblePush(ctx, player_factory=None, identify=None, settings=None, library=None)
    ctx             context.AddonContext (outbox, account, client(), now)
    player_factory  handler -> player object (default kodi.player.PushPlayer): created in
                    start(), on the service's main thread, so Kodi delivers its callbacks there.
    identify        player -> kodi.playing.NowPlaying (default kodi.playing.what_is_playing)
    settings        object with get_bool(id)/get_int(id) (default kodi.settings)
    library         object with read_menu_marker/clear_menu_marker(expected)/marker_matches/
                    library_item/write_library_resume (default kodi.playing)
  Main thread only: every player callback feeds core.scrobble.PlayerSession and commits its
  actions with ctx.outbox.add(account, item_key, action, body) INSIDE the callback (a quick
  local SQLite commit), then wakes the sender. When the disk refuses (full, read-only
  profile) the events stay in memory in order (never an exception into Kodi's callback),
  tick writes them once it can (every DISK_RETRY s), and the user is told once per run.
  tick(now) samples getTime() while playing
  (onPlayBackStopped cannot: getTime raises there), wakes the sender when it is due, and
  returns 1.0 (see tick: callbacks cannot shorten the loop's wait).
  Settings (re-read on on_settings_changed): push_enabled, skip_shorter_than (minutes),
  skip_live_tv. tick writes `queue_status` (settings page, read-only: "N positions waiting to
  be sent", plus "N set aside ..." for parked events; empty when none) whenever the sender's
  `waiting`/`parked` counts change.
  Events are queued only while an account is signed in (or was signed out by a 401);
  `account` in the outbox is the account's queue key (sender.account_key: "id:<Simkl account
  id>", never the token).
  Menu-started playback: when Window(10000) `plugin.video.simkl.resume.menu_play` names the
  file that starts (its library file, or our plugin URL with its playback id: what Kodi 20.1
  reports, as type "unknown", for a second menu play), its stop position is written back to
  the library item on stop/end (>= 80 % -> watched) and the marker is cleared - only if the
  window still holds THAT marker (the next menu play may already have replaced it). When
  the player cannot identify the item, the marker's dbid/type is (library_item).
  A stop/end handled while the session's file plays again is an earlier playback's late
  stop and is ignored; a start that follows a playback whose stop never came writes that
  playback's last position back first.
  Transitions without a stop (Next, Player.Open mid-play): positions read between
  onPlayBackStarted and onAVStarted, or while getPlayingFile() is not the session's file,
  are never fed to the session; the item left is closed at its own last sampled position.
  Late callbacks [live, Kodi 20.1]: they run only while the main thread waits in Kodi, so a
  busy moment (ours or another addon's holding the GIL) makes them run seconds late, reading
  the player as it is THEN. The file check above keeps a late onPlayBackPaused from taking
  the NEXT item's getTime() (0.1.0 queued "pause 0.00 %" for a movie paused at 40 % that way);
  a callback that cannot read a position of its own item uses the last one known.
  Seeks: onPlayBackSeek's target is the position until getTime() has caught up with it
  (SEEK_SETTLE): a pause right after a seek, or a tick during it, does not take the position
  the seek started from. A seek while paused is sent as a pause at the new position once
  it stayed put PAUSED_SEEK_SETTLE s (the user may leave Kodi paused there for the night).
  Power cut: ctx.checkpoint (store/checkpoint.py) holds the playing item's last position -
  saved at every event (before a start is queued) and every CHECKPOINT_INTERVAL s of play,
  cleared at stop/end; start() turns a leftover one into a queued pause and the library
  item's resume point (_recover).

The delivery (outbox -> Simkl) is sender.ScrobbleSender.
"""

from ..core import scrobble
from ..core.identity import SOURCE_LIBRARY
from ..core.ids import scrobble_item
from .component import is_check
from .sender import ScrobbleSender, account_key, kodi_log

SETTING_ENABLED = "push_enabled"
SETTING_SKIP_SHORTER = "skip_shorter_than"
SETTING_SKIP_LIVE = "skip_live_tv"
SETTING_QUEUE_STATUS = "queue_status"
SAMPLE_INTERVAL = 1.0
MSG_ONE_WAITING = 30350      # 1 position waiting to be sent
MSG_WAITING = 30351          # %d positions waiting to be sent
MSG_PARKED = 30353           # %d set aside after failing for a day (see the log)
MSG_DISK_TROUBLE = 30352     # cannot write to the addon's data folder; kept in memory
DISK_RETRY = 5.0             # seconds between tries to write events kept in memory
JUMP_SLACK = 3.0             # s: a sample that far from the expected position waits for a 2nd one
JUMP_CONFIRM = 1.5           # s: ... taken at least this much later
SWITCH_GRACE = 5.0           # s without samples after onPlayBackResumed while playing (Kodi's item switch)
SWITCHING = float("inf")     # no samples from onPlayBackStarted until onAVStarted
CHECKPOINT_INTERVAL = 10.0   # seconds of play between two checkpoint writes (power cut: <= this + 1 s lost)
# onPlayBackSeek fires when the seek is asked; getTime() keeps saying where it started until the
# player has moved [live, Kodi 20.1: 0.6 s idle, longer under load]. For this long after the
# callback (Kodi's clock) a position read closer to that start than to the target is not used.
SEEK_SETTLE = 5.0
# A seek while paused sends nothing at once (holding the arrow key would flood Simkl); once the
# paused position stayed put this long (Kodi's clock), a pause says where the picture now is.
PAUSED_SEEK_SETTLE = 3.0


class ScrobblePush:
    """service.Component for the push half (see the module docstring)."""

    def __init__(self, ctx, player_factory=None, identify=None, settings=None, library=None,
                 sender=None, log=None):
        self.ctx = ctx
        self._logf = log or kodi_log
        self._player_factory = player_factory
        self._identify = identify
        if settings is None:
            from ..kodi import settings
        self._settings = settings
        self._library = library
        self.sender = sender or ScrobbleSender(ctx, log=self._logf)
        self.session = scrobble.PlayerSession()
        self.player = None
        self.enabled = True
        self.skip_live = True
        self._last_position = None
        self._duration = None
        self._marker = None
        self._playing_file = None
        self._session_files = ()  # every name Kodi gave the session's file (getPlayingFile, GetItem)
        self._shown_waiting = None
        self._unwritten = []  # [(account, ScrobbleAction, created or None)] the disk refused, oldest first
        self._disk_failed_at = None
        self._disk_told = False
        self._anchor = None    # (position, when): the last trusted position of the session's item
        self._pending = None   # (position, when): a jump waiting for a second sample to agree
        # Kodi clock: no samples before (Kodi switches items): SWITCHING from onPlayBackStarted
        # until onAVStarted, SWITCH_GRACE s after onPlayBackResumed while playing
        self._blind_until = None
        self._library_ref = None
        self._checkpoint_at = None
        self._checkpoint_saved = None
        self._seek = None  # (target, origin, at) while getTime() may still lag behind a seek
        self._still = None  # (position, since) while paused: when the paused position last moved
        self._read_settings()

    # -- Component -----------------------------------------------------------------------
    def start(self):
        if self.player is None:
            if self._player_factory is None:
                from ..kodi.player import PushPlayer

                self._player_factory = PushPlayer
            self.player = self._player_factory(self)
        self._recover()
        self.sender.start()
        self.sender.wake()  # what an earlier run (or a killed Kodi) left in the outbox

    def stop(self):
        if self._unwritten:
            self._write_unwritten()  # last chance for events the disk refused
        self.sender.stop()
        if self.player is not None:
            self.player.handler = None

    def on_notification(self, sender, method, data):
        # The plugin asks for a check after a sign-in and on every menu open: events kept
        # through a 401 sign-out go out as soon as the user is back.
        if is_check(sender, method):
            self.sender.wake()

    def on_settings_changed(self):
        self._read_settings()

    def tick(self, now):
        if self.session.state in (scrobble.PLAYING, scrobble.PAUSED) or self._marker is not None:
            self._sample()
            self._paused_seek(now)
            self._checkpoint(now)
        if self._unwritten and now - (self._disk_failed_at or 0.0) >= DISK_RETRY:
            if self._write_unwritten():
                self.sender.wake()
        if self.sender.take_due(now):
            self.sender.wake()
        self._show_waiting()
        # Always 1 s: Kodi's callbacks run INSIDE the loop's waitForAbort and cannot shorten
        # it, so a longer idle wait would start sampling (and notice a due sender) only when
        # that wait ends - up to loop.MAX_WAIT after onAVStarted. A tick is a few
        # attribute reads when nothing plays.
        due = self.sender.next_due
        return SAMPLE_INTERVAL if due is None else min(SAMPLE_INTERVAL, max(0.0, due - now))

    # -- settings ------------------------------------------------------------------------
    def _read_settings(self):
        try:
            self.enabled = bool(self._settings.get_bool(SETTING_ENABLED))
            minutes = self._settings.get_int(SETTING_SKIP_SHORTER)
            self.skip_live = bool(self._settings.get_bool(SETTING_SKIP_LIVE))
        except Exception as exc:  # noqa: BLE001 - keep the previous values
            self._logf("warning", "scrobble: cannot read settings: %r" % (exc,))
            return
        try:
            self.session.min_duration = max(0.0, float(minutes or 0) * 60.0)
        except (TypeError, ValueError):
            self.session.min_duration = scrobble.MIN_DURATION_SECONDS

    def _show_waiting(self):
        """The settings page says "N positions waiting to be sent" (empty: nothing waits),
        written only when the sender's count changed."""
        waiting, parked = self.sender.waiting, self.sender.parked
        if waiting is None or (waiting, parked) == self._shown_waiting:
            return
        self._shown_waiting = (waiting, parked)
        try:
            from ..kodi import ui

            parts = []
            if waiting:
                parts.append(ui.text(MSG_ONE_WAITING) if waiting == 1 else ui.text(MSG_WAITING, waiting))
            if parked:
                parts.append(ui.text(MSG_PARKED, parked))
            self._settings.set_str(SETTING_QUEUE_STATUS, " · ".join(parts))
        except Exception as exc:  # noqa: BLE001 - a status line must not break the loop
            self._logf("warning", "scrobble: cannot show the queue on the settings page: %r" % (exc,))

    # -- helpers -------------------------------------------------------------------------
    def _lib(self):
        if self._library is None:
            from ..kodi import playing

            self._library = playing
        return self._library

    def _sample(self):
        """getTime() of the session's item into the session; None (and nothing remembered)
        when it may be another item's: Kodi fires no stop for the previous item on Next /
        Player.Open mid-play, and a position read while it switches is the NEXT item's -
        from onPlayBackStarted until onAVStarted, when getPlayingFile() names another file,
        and (real Kodi 19.1/20.1: the old file's name with the new item's time) when it jumps
        away from where the clock says the item is without a seek: such a jump counts only
        once a second sample agrees with it."""
        if self.player is None:
            return None
        if self._blind_until is not None:
            if self.ctx.now() < self._blind_until:
                return None
            self._blind_until = None
        position = self.player.sample_time()
        if position is None:
            return None
        if self._session_files and self.player.playing_file() not in ("",) + self._session_files:
            return None  # another file already plays (seen on real Kodi in onPlayBackResumed);
            # "" = Kodi would not say: the jump rule below still guards that sample
        if self._seek is not None and not self._seek_done(position):
            return None  # still where the seek started: the target (on_seek) stands
        if not self._plausible(position, self.ctx.now()):
            return None
        self._last_position = position
        self._record(self.session.tick(position))
        return position

    def _paused_seek(self, now):
        """While paused: a pause at the position the user seeked to, once it stayed put."""
        if self.session.state != scrobble.PAUSED:
            self._still = None
            return
        snapshot = self.session.snapshot()
        position = snapshot["position"] if snapshot is not None else None
        if self._still is None or self._still[0] != position:
            self._still = (position, now)
        elif now - self._still[1] >= PAUSED_SEEK_SETTLE:
            self._record(self.session.paused_moved())

    def _seek_done(self, position):
        """Has getTime() caught up with the last seek? A position closer to the seek's target
        than to where it started, or SEEK_SETTLE s passed (Kodi refused or clamped it)."""
        target, origin, at = self._seek
        if abs(position - target) <= abs(position - origin) or self.ctx.now() - at >= SEEK_SETTLE:
            self._seek = None
            return True
        return False

    def _trust(self, position):
        """`position` is where the session's item is now (a seek, a start): the new anchor."""
        self._anchor = None if position is None else (position, self.ctx.now())
        self._pending = None

    def _plausible(self, position, now):
        """A sample within JUMP_SLACK of where the anchor says the item is now is taken; a jump
        is taken only when a sample >= JUMP_CONFIRM s after it agrees with it (the earlier
        jump, run on since); until then the newest jump at least that old waits."""
        anchor = self._anchor
        if anchor is not None:
            running = self.session.state != scrobble.PAUSED
            expected = anchor[0] + (max(0.0, now - anchor[1]) if running else 0.0)
            if abs(position - expected) > JUMP_SLACK:
                pending = self._pending
                settled = pending is not None and now - pending[1] >= JUMP_CONFIRM
                if not (settled and abs(position - (pending[0] + now - pending[1])) <= JUMP_SLACK):
                    if pending is None or settled:
                        self._pending = (position, now)
                    return False
        self._anchor = (position, now)
        self._pending = None
        return True

    def _record(self, actions):
        if not actions:
            return
        account = account_key(self.ctx)
        if account is None:
            self._logf("debug", "scrobble: not signed in, %d event(s) not queued" % len(actions))
            self._checkpoint(force=True)
            return
        starts = [i for i, action in enumerate(actions) if action.action == scrobble.START]
        head, tail = (actions[:starts[0]], actions[starts[0]:]) if starts else (actions, [])
        self._unwritten.extend((account, action, None) for action in head)
        self._write_unwritten()
        # The checkpoint BEFORE a start is queued (and after what closes the item left): a
        # queued start always has a newer checkpoint behind it, so a Kodi killed now never
        # leaves that start as the item's last word.
        self._checkpoint(force=True)
        if tail:
            self._unwritten.extend((account, action, None) for action in tail)
            self._write_unwritten()
        self.sender.wake()

    def _write_unwritten(self):
        """Commit the events held in memory to the outbox, oldest first. A disk error (disk
        full, read-only profile, a damaged file that cannot be moved aside) never leaves a
        player callback: the events stay in memory, in order, tick tries again every
        DISK_RETRY s, and the user is told once per service run. True when none is left."""
        while self._unwritten:
            account, action, created = self._unwritten[0]
            try:
                self.ctx.outbox.add(account, action.item_key, action.action, action.body, created=created)
            except (TypeError, ValueError) as exc:  # an event the outbox refuses: never storable
                self._unwritten.pop(0)
                self._logf("error", "scrobble: %s %s not queued: %r" % (action.action, action.item_key, exc))
                continue
            except Exception as exc:  # noqa: BLE001 - disk trouble must not reach Kodi's callback
                self._disk_failed_at = self.ctx.now()
                self._disk_trouble(exc)
                return False
            self._unwritten.pop(0)
            self._logf("debug", "scrobble: queued %s %s %.2f%%"
                       % (action.action, action.item_key, action.progress))
        if self._disk_failed_at is not None:
            self._disk_failed_at = None
            self._logf("info", "scrobble: the outbox can be written again; events kept in memory queued")
        return True

    def _disk_trouble(self, exc):
        self._logf("warning", "scrobble: cannot write the outbox (%s: %s); %d event(s) kept in memory"
                   % (type(exc).__name__, exc, len(self._unwritten)))
        if self._disk_told:
            return
        self._disk_told = True
        try:
            from ..kodi import ui

            ui.notify(MSG_DISK_TROUBLE, error=True, time_ms=10000)
        except Exception as notify_exc:  # noqa: BLE001
            self._logf("warning", "notification failed: %r" % (notify_exc,))

    # -- power-cut checkpoint ------------------------------------------------------------
    def _checkpoint(self, now=None, force=False):
        """Keep store.checkpoint in step with the session: saved at every event (force) and
        every CHECKPOINT_INTERVAL s of play; cleared when no session is active. Never raises."""
        now = self.ctx.now() if now is None else now
        snapshot = self.session.snapshot()
        try:
            if snapshot is None:
                if self._checkpoint_saved is not False:
                    self.ctx.checkpoint.clear()
                    self._checkpoint_saved = False
                return
            recent = self._checkpoint_at is not None and now - self._checkpoint_at < CHECKPOINT_INTERVAL
            if not force and recent:
                return
            if not force and self._checkpoint_saved == (snapshot["state"], snapshot["position"]):
                return  # paused: nothing moved
            record = dict(snapshot, library=self._library_ref, file=self._playing_file or "", at=now)
            self.ctx.checkpoint.save(record)
            self._checkpoint_at = now
            self._checkpoint_saved = (snapshot["state"], snapshot["position"])
        except Exception as exc:  # noqa: BLE001 - a full disk must not break the player callback
            self._logf("warning", "scrobble: cannot write the playing checkpoint: %r" % (exc,))

    def _recover(self):
        """At start-up: a checkpoint left behind means Kodi died (power cut, crash, SIGKILL)
        while something played, before its stop. It becomes a pause at the checkpoint, queued
        AFTER whatever that session queued (so a dangling start is never the last word), and
        the library item's resume point in this Kodi."""
        try:
            record = self.ctx.checkpoint.load()
        except Exception as exc:  # noqa: BLE001
            self._logf("warning", "scrobble: cannot read the playing checkpoint: %r" % (exc,))
            return
        if record is None:
            return
        body = record.get("body") or {}
        try:
            progress = float(body.get("progress", 0.0))
            item_key = scrobble.ScrobbleAction(scrobble.PAUSE, body).item_key
        except (TypeError, ValueError, KeyError) as exc:
            self._logf("warning", "scrobble: unusable playing checkpoint %r: %r" % (record, exc))
            self.ctx.checkpoint.clear()
            return
        self._logf("info", "scrobble: Kodi stopped while %s played, without a stop; kept as paused at "
                   "%.2f%% (the last checkpoint)" % (item_key, progress))
        account = account_key(self.ctx)
        if account is not None and self.enabled:
            # created = when the picture was there (newest wins compares it with other devices)
            at = record.get("at")
            created = float(at) if isinstance(at, (int, float)) and not isinstance(at, bool) else None
            self._unwritten.append((account, scrobble.ScrobbleAction(scrobble.PAUSE, body), created))
            self._write_unwritten()  # a disk error keeps it in memory, retried by tick
        try:
            library = record.get("library")
            if isinstance(library, dict) and record.get("duration") and record.get("position") is not None:
                self._lib().write_library_resume(library.get("type"), library.get("dbid"),
                                                 float(record["position"]), float(record["duration"]),
                                                 mark_watched=False)
        except Exception as exc:  # noqa: BLE001 - the service must start anyway
            self._logf("warning", "scrobble: cannot keep the interrupted playback: %r" % (exc,))
            return
        self.ctx.checkpoint.clear()
        self._checkpoint_saved = False

    # -- player callbacks (main thread) --------------------------------------------------
    def on_playback_started(self):
        self._blind_until = SWITCHING  # until on_av_started: getTime() is the NEXT item's
        self._seek = None

    def on_av_started(self):
        self._blind_until = None
        self._seek = None
        previous = (self._marker, self._last_position, self._duration)
        # The new item's position and length: NOT fed to the session yet, which may still
        # hold the previous item (no stop came for it) and must close it at ITS position.
        position = self.player.sample_time() if self.player is not None else None
        duration = self.player.total_time() if self.player is not None else None
        self._marker = None
        if self._identify is None:
            from ..kodi.playing import what_is_playing

            self._identify = what_is_playing
        now_playing = self._identify(self.player)
        self._marker = self._find_marker(now_playing)
        if previous[0] is not None and previous[0] != self._marker:
            # Kodi went on to another item before the previous one's stop reached us.
            self._write_back_marker(previous[0], previous[1], previous[2], ended=False)
        self._last_position = position
        self._duration = duration
        self._trust(position)
        if not self.enabled:
            self._library_ref = None
            self._record(self.session.stopped())  # a session from before push was turned off
            return
        item = scrobble_item(now_playing.item) if now_playing.item is not None else None
        live = bool(now_playing.live) and self.skip_live
        library_file = bool(now_playing.library_file)
        if not live and self._marker is not None and now_playing.source != SOURCE_LIBRARY:
            # Our menu's library item: before what other addons' window properties say (a
            # script.trakt.ids left over from an earlier playback must not rename it).
            item = self._item_from_marker(self._marker) or item
        if self._marker is not None and item is not None:
            library_file = True  # our menu resolved the library item's own file
        if item is None and not live:
            self._logf("debug", "scrobble: nothing identifiable in %s (%s); not sent"
                       % (now_playing.file or "?", now_playing.reason or "no ids"))
        parts = self._parts(now_playing, duration)
        self._library_ref = self._library_of(now_playing)
        actions = self.session.av_started(item, duration, position or 0.0, live=live,
                                          library_file=library_file, parts=parts,
                                          extra=bool(now_playing.extra))
        if self.session.state == scrobble.SKIPPED and item is not None:
            self._logf("debug", "scrobble: skipped (%s)" % self.session.skip_reason)
        self._record(actions)
        if not actions:
            self._checkpoint(force=True)

    def _parts(self, now_playing, duration):
        """core.scrobble.episode_parts of a multi-episode file, else None."""
        episodes = now_playing.parts
        if not episodes:
            return None
        items = [(scrobble_item(playing), runtime) for playing, runtime in episodes]
        if any(item is None for item, _ in items):
            return None
        return scrobble.episode_parts(items, duration) or None

    def _library_of(self, now_playing):
        """{"type", "dbid"} of the library item whose resume point follows this playback."""
        if self._marker is not None and self._marker.get("type") in ("movie", "episode"):
            return {"type": self._marker.get("type"), "dbid": self._marker.get("dbid")}
        kind = now_playing.kind
        dbid = now_playing.dbid
        if kind in ("movie", "episode") and isinstance(dbid, int) and dbid > 0 \
                and now_playing.library_file:
            return {"type": kind, "dbid": dbid}
        return None

    def on_paused(self):
        position = self._sample()
        self._record(self.session.paused(self._last_position if position is None else position))

    def on_resumed(self):
        if self.session.state == scrobble.PLAYING:
            # Not a resume: real Kodi fires onPlayBackResumed when it switches to another item
            # without a stop (Player.Open mid-play, Next), before onPlayBackStarted; getTime()
            # may already be the next item's while getPlayingFile() still names this one.
            self._blind_until = max(self._blind_until or 0.0, self.ctx.now() + SWITCH_GRACE)
            return
        self._trust(self._last_position)  # nothing moved while paused (a seek says so itself)
        position = self._sample()
        self._record(self.session.resumed(self._last_position if position is None else position))

    def on_seek(self, seconds, offset=None):
        """onPlayBackSeek: `seconds` = the target, `offset` = target minus where it started."""
        if seconds is not None:
            origin = self._last_position if offset is None else seconds - offset
            self._seek = (seconds, origin, self.ctx.now()) if origin is not None else None
            self._last_position = seconds
            self._trust(seconds)
        self._record(self.session.seeked(seconds))

    def on_stopped(self):
        if self._stale_stop("stop"):
            return
        self._blind_until = None
        self._seek = None
        self._record(self.session.stopped())
        self._checkpoint(force=True)
        self._write_back(ended=False)

    def on_ended(self):
        if self._stale_stop("end"):
            return
        self._blind_until = None
        self._seek = None
        self._record(self.session.ended())
        self._checkpoint(force=True)
        self._write_back(ended=True)

    def _stale_stop(self, what):
        """A stop/end handled while the file our session started with plays (again): it is
        the stop of an EARLIER playback that Kodi delivered late (getTime raises inside a
        real stop). on_av_started already closed that playback; this one goes on."""
        if self.player is None or self._playing_file is None:
            return False
        if self.player.sample_time() is None:
            return False
        if self.player.playing_file() != self._playing_file:
            return False
        self._logf("debug", "scrobble: late %s of an earlier playback ignored" % what)
        return True

    # -- menu-started playback -----------------------------------------------------------
    def _find_marker(self, now_playing):
        """The menu_play marker naming what just started (by file, or by the playback id of
        our plugin URL that Kodi reports for a second menu play), else None."""
        files = [self.player.playing_file() if self.player is not None else "",
                 now_playing.file or ""]
        self._playing_file = files[0] or files[1] or None
        self._session_files = tuple(f for f in files if f)
        try:
            marker = self._lib().read_menu_marker()
            return marker if marker and self._lib().marker_matches(marker, files) else None
        except Exception:  # noqa: BLE001 - never break the player callback
            return None

    def _item_from_marker(self, marker):
        """Kodi did not say what plays (type "unknown", our plugin URL): the marker's library
        item, identified like any library movie/episode."""
        try:
            playing = self._lib().library_item(marker.get("type"), marker.get("dbid"))
        except Exception as exc:  # noqa: BLE001
            self._logf("warning", "scrobble: cannot read the menu item from the library: %r" % (exc,))
            return None
        if playing is None:
            return None
        self._logf("debug", "scrobble: identified %s %s through the menu marker"
                   % (marker.get("type"), marker.get("dbid")))
        return scrobble_item(playing)

    def _write_back(self, ended):
        marker, self._marker = self._marker, None
        self._write_back_marker(marker, self._last_position, self._duration, ended)

    def _write_back_marker(self, marker, last_position, total, ended):
        if marker is None:
            return
        position = total if ended else last_position
        try:
            if total and position is not None:
                self._lib().write_library_resume(marker.get("type"), marker.get("dbid"), position, total)
            self._lib().clear_menu_marker(marker)
        except Exception as exc:  # noqa: BLE001 - never break the player callback
            self._logf("warning", "scrobble: cannot write the stop back to the library: %r" % (exc,))
