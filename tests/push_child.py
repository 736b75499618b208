"""A service process for tests/test_push_kill.py: the push component over a fake Kodi.

    python tests/push_child.py PROFILE_ROOT STANDIN_URL pause|play|deliver|recover

pause:   play Heat at 40 %, pause it, print "paused", then keep the service running
         (virtual time ticking) until killed.
play:    play Heat, seek to 40 %, and keep it playing (virtual time ticking), printing
         "at <position>" every virtual second, until killed.
deliver: start the service on the same profile, run until the outbox is empty, print "done".
recover: as deliver, then print "resume <library resume position>" before "done".

The fake Kodi must be installed BEFORE anything of simkl_resume.kodi is imported: those
modules bind `xbmc` at import time, and with Kodistubs installed an early import silently
gets Kodistubs' xbmc (whose waitForAbort returns True at once, so the service loop ends
before the first player callback and nothing reaches the outbox).
"""
import sys
import time

from tests.fakekodi import FakeKodi, install


def main(profile_root, url, mode):
    kodi = install(FakeKodi(profile_root))

    from simkl_resume.context import AddonContext
    from simkl_resume.service.push import ScrobblePush
    from tests._service_rig import start_service

    movieid = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, duration=6000.0, runtime=6000)
    ctx = AddonContext(kodi.profile_dir, "0.1.0", now=kodi.clock.now,
                       env={"SIMKL_API_URL": url, "SIMKL_CLIENT_ID": "push-tests"})
    push = ScrobblePush(ctx)
    start_service(kodi, [push], workers=[push.sender])
    if mode == "pause":
        kodi.player.play_movie(movieid, at=2400)
        kodi.player.pause()
        if ctx.outbox.count() == 0:
            print("nothing queued", flush=True)
            return 1
        print("paused", flush=True)
        while True:  # until SIGKILL
            kodi.clock.advance(1)
            time.sleep(0.05)
    if mode == "play":
        kodi.player.play_movie(movieid)
        kodi.player.seek(2400)
        while True:  # until SIGKILL
            kodi.clock.advance(1)
            print("at %.1f" % kodi.player.position(), flush=True)
            time.sleep(0.05)
    for _ in range(600):
        push.sender.wait_idle(30)
        if ctx.outbox.count() == 0:
            if mode == "recover":
                print("resume %.1f" % kodi.library.movies[movieid]["resume"]["position"], flush=True)
            print("done", flush=True)
            return 0
        kodi.clock.advance(1)
    print("outbox not empty", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
