"""The service's xbmc.Player: forwards Kodi's playback callbacks to a plain Python handler.

    player = PushPlayer(handler)      # create it on the service's main thread
    player.sample_time()              # getTime() in seconds, or None when nothing plays
    player.total_time()               # getTotalTime() (the REAL file duration), or None
    player.playing_file()             # getPlayingFile(), or ""

The handler gets (all on the service's main thread, while it waits in waitForAbort):
    on_playback_started()  onPlayBackStarted: another item is being opened (Kodi's Next,
                           Player.Open mid-play and playlist advances fire NO stop for the
                           previous item first) - positions read from here until
                           on_av_started belong to the NEW item
    on_av_started()        onAVStarted (playing for real; comes after onPlayBackStarted)
    on_paused()            onPlayBackPaused
    on_resumed()           onPlayBackResumed
    on_seek(seconds, offset)  onPlayBackSeek(time_ms, offset_ms) in SECONDS: the target and
                           target minus where it started. It fires when the seek is ASKED:
                           getTime() keeps the old position until the player moved (0.6 s)
    on_stopped()           onPlayBackStopped (getTime raises here: keep a sampled position)
    on_ended()             onPlayBackEnded (natural end)
Handlers must only record and wake a worker: no network I/O on this thread.
"""
import xbmc


def _number(value):
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    if result != result:  # NaN
        return None
    return result


class PushPlayer(xbmc.Player):
    def __init__(self, handler=None):
        super().__init__()
        self.handler = handler

    # -- safe sampling -------------------------------------------------------------------
    def sample_time(self):
        """Current position in seconds (clamped to >= 0), or None when nothing plays."""
        try:
            if not self.isPlayingVideo():
                return None
            value = _number(self.getTime())
        except Exception:  # noqa: BLE001 - Kodi raises RuntimeError when nothing plays
            return None
        return None if value is None else max(0.0, value)

    def total_time(self):
        """Real duration of the playing file in seconds, or None."""
        try:
            value = _number(self.getTotalTime())
        except Exception:  # noqa: BLE001
            return None
        return value if value is not None and value > 0 else None

    def playing_file(self):
        try:
            return self.getPlayingFile() or ""
        except Exception:  # noqa: BLE001
            return ""

    def info_tag(self):
        """The player's InfoTagVideo, or None."""
        try:
            return self.getVideoInfoTag()
        except Exception:  # noqa: BLE001
            return None

    # -- callbacks -----------------------------------------------------------------------
    def _forward(self, name, *args):
        # A handler implements the callbacks it cares about (the prompt only two of them).
        method = getattr(self.handler, name, None)
        if method is not None:
            method(*args)

    def onPlayBackStarted(self):
        self._forward("on_playback_started")

    def onAVStarted(self):
        self._forward("on_av_started")

    def onPlayBackPaused(self):
        self._forward("on_paused")

    def onPlayBackResumed(self):
        self._forward("on_resumed")

    def onPlayBackSeek(self, time, seekOffset):
        seconds, offset = _number(time), _number(seekOffset)
        self._forward("on_seek", None if seconds is None else max(0.0, seconds / 1000.0),
                      None if seconds is None or offset is None else offset / 1000.0)

    def onPlayBackStopped(self):
        self._forward("on_stopped")

    def onPlayBackEnded(self):
        self._forward("on_ended")
