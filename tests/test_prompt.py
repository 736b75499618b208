"""prompt.PlayPrompt on the fake Kodi: offer Simkl's position when a library item starts."""
import json
import threading

import pytest

from tests.test_menu_support import build_list, episode_playback, movie_playback, plugin_ctx, store_playbacks

PAUSED_AGO = 2 * 3600 + 120


class RecordingSide:
    """The real Kodi side, recording on which thread the dialog was shown."""

    def __init__(self):
        from simkl_resume.kodi.prompt_dialog import KodiPromptSide

        self.real = KodiPromptSide()
        self.ask_threads = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def ask(self, message, autoclose_s):
        self.ask_threads.append(threading.current_thread().name)
        return self.real.ask(message, autoclose_s)


class Harness:
    def __init__(self, kodi, playbacks):
        import xbmc

        from simkl_resume.service.prompt import PlayPrompt
        from simkl_resume.service.loop import Service

        self.kodi = kodi
        self.ctx = plugin_ctx()
        self.ctx.now = kodi.clock.now
        store_playbacks(self.ctx, playbacks)
        build_list(self.ctx)
        self.side = RecordingSide()
        self.prompt = PlayPrompt(self.ctx, side=self.side)
        # started from the test thread: its idle wait is a Condition the fake clock must not track
        self.prompt.worker.start()
        self.service = Service(xbmc.Monitor(), [self.prompt], kodi.clock.now)
        kodi.start_thread(self.service.run, name="service")

    def idle(self):
        self.kodi.clock.settle()
        assert self.prompt.worker.wait_idle(30), "prompt worker did not finish"

    def prompts(self):
        return [d for d in self.kodi.dialogs if d["type"] == "yesno"]


def _heat(kodi, **kw):
    return kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000, **kw)


def _heat_playback(kodi, progress=40.0):
    return movie_playback(11, "Heat", 1995, {"imdb": "tt0113277"}, progress=progress,
                          paused_epoch=kodi.clock.now() - PAUSED_AGO)


def test_plain_play_far_from_simkl_position_offers_resume_and_yes_seeks_there(kodi):
    mid = _heat(kodi)
    h = Harness(kodi, [_heat_playback(kodi)])
    kodi.answer("yesno", True)
    kodi.player.play_movie(mid, at=0)
    h.idle()
    [dialog] = h.prompts()
    assert dialog["message"] == "Resume at 40:00 (paused on another device 2 h ago)?"
    assert dialog["yeslabel"] == "Resume" and dialog["nolabel"] == "Keep position"
    assert 0 < dialog["autoclose"] <= 15000
    assert kodi.player.picture() == pytest.approx(2400.0)
    assert h.side.ask_threads == ["simkl-prompt"]  # the worker, never the service's callback thread


def test_dialog_closing_by_itself_keeps_the_current_position(kodi):
    mid = _heat(kodi)
    h = Harness(kodi, [_heat_playback(kodi)])
    kodi.player.play_movie(mid, at=100)     # no scripted answer: the dialog times out (No)
    h.idle()
    assert len(h.prompts()) == 1 and h.prompts()[0]["answer"] is False
    assert kodi.player.position() == pytest.approx(100.0)
    assert [e for e, _f, _p in kodi.player.history] == ["start"]


@pytest.mark.parametrize("start, prompted", [(2400 - 29, False), (2400 + 30, False), (2400 - 31, True),
                                             (2400 + 31, True)])
def test_prompt_only_when_simkl_position_differs_by_more_than_30_seconds(kodi, start, prompted):
    mid = _heat(kodi)
    h = Harness(kodi, [_heat_playback(kodi)])
    kodi.player.play_movie(mid, at=start)
    h.idle()
    assert bool(h.prompts()) is prompted


def test_setting_off_never_prompts(kodi):
    mid = _heat(kodi)
    kodi.set_setting("prompt_on_play", False)
    h = Harness(kodi, [_heat_playback(kodi)])
    kodi.player.play_movie(mid, at=0)
    h.idle()
    assert h.prompts() == []


def test_playback_started_from_our_menu_never_prompts(kodi):
    import xbmcgui

    mid = _heat(kodi)
    h = Harness(kodi, [_heat_playback(kodi)])
    file = kodi.library.movies[mid]["file"]
    xbmcgui.Window(10000).setProperty("plugin.video.simkl.resume.menu_play", json.dumps(
        {"file": file, "dbid": mid, "type": "movie", "playback_id": 11, "at": kodi.clock.now()}))
    kodi.player.play_movie(mid, at=0)
    h.idle()
    assert h.prompts() == []


def test_stale_menu_marker_for_another_file_does_not_silence_the_prompt(kodi):
    import xbmcgui

    mid = _heat(kodi)
    h = Harness(kodi, [_heat_playback(kodi)])
    xbmcgui.Window(10000).setProperty("plugin.video.simkl.resume.menu_play",
                                      json.dumps({"file": "/media/other.mkv", "dbid": 99, "type": "movie"}))
    kodi.player.play_movie(mid, at=0)
    h.idle()
    assert len(h.prompts()) == 1


def test_local_lastplayed_newer_than_simkl_never_prompts(kodi):
    import time

    h_paused = kodi.clock.now() - PAUSED_AGO
    mid = _heat(kodi, lastplayed=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(h_paused + 600)))
    h = Harness(kodi, [_heat_playback(kodi)])
    kodi.player.play_movie(mid, at=0)
    h.idle()
    assert h.prompts() == []


def test_item_without_simkl_playback_never_prompts(kodi):
    _heat(kodi)
    other = kodi.library.add_movie("Alien", 1979, {"imdb": "tt0078748"}, runtime=7000)
    h = Harness(kodi, [_heat_playback(kodi)])
    kodi.player.play_movie(other, at=0)
    h.idle()
    assert h.prompts() == []


def test_episode_prompt_uses_the_real_file_length_not_the_zero_runtime(kodi):
    show = kodi.library.add_show("Breaking Bad", 2008, {"tvdb": "81189"})
    ep = kodi.library.add_episode(show, 1, 2, runtime=0, duration=1440)
    h = Harness(kodi, [episode_playback(13, "Breaking Bad", 2008, {"tvdb": "81189"}, 1, 2, progress=50.0,
                                        paused_epoch=kodi.clock.now() - 300)])
    kodi.answer("yesno", True)
    kodi.player.play_episode(ep, at=0)
    h.idle()
    assert h.prompts()[0]["message"] == "Resume at 12:00 (paused on another device 5 min ago)?"
    assert kodi.player.picture() == pytest.approx(720.0)


def test_decide_offers_progress_times_real_duration_and_yields_to_newer_local():
    from simkl_resume.service.prompt import decide

    entry = {"progress": 40.0, "paused_epoch": 100.0, "duration": 6000.0}
    assert decide(0.0, 6000.0, entry, None) == 2400.0
    assert decide(0.0, 6000.0, entry, 100.0) is None          # local at the same instant: local wins
    assert decide(0.0, None, entry, None) == 2400.0           # library duration as a fallback
    assert decide(0.0, None, dict(entry, duration=None), None) is None


def test_expired_playback_is_never_offered(kodi):
    mid = _heat(kodi)
    # the free plan keeps playbacks 7 days: this one is 8 days old (Simkl's daily job lags)
    old = movie_playback(11, "Heat", 1995, {"imdb": "tt0113277"}, paused_epoch=kodi.clock.now() - 8 * 86400)
    h = Harness(kodi, [old])
    kodi.player.play_movie(mid, at=0)
    h.idle()
    assert h.prompts() == []
