"""A service process killed (SIGKILL) while a scrobble is in flight delivers it after restart."""
import os
import signal
import subprocess
import sys
import time

from simkl_resume.context import AddonContext
from tests.test_push import TOKEN, standin  # noqa: F401 - fixture

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD_SECONDS = 60.0  # only against a hang: the POST normally arrives within a second


def _child(tmp_path, url, mode):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "lib"), ROOT]))
    argv = [sys.executable, os.path.join(ROOT, "tests", "push_child.py"), str(tmp_path), url, mode]
    return subprocess.Popen(argv, cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _in_flight(server):
    """Scrobble POSTs the stand-in has received but not answered (it logs a request when it
    arrives, with status None until the reply goes out)."""
    return [r for r in server.requests("/scrobble/", method="POST") if r["status"] is None]


def _wait_in_flight(server, child):
    deadline = time.monotonic() + GUARD_SECONDS
    while not _in_flight(server):
        assert child.poll() is None, "the service process ended: %s" % child.stderr.read()
        assert time.monotonic() < deadline, "no scrobble POST reached the stand-in"
        time.sleep(0.05)
    return _in_flight(server)


def test_killed_mid_delivery_delivers_after_restart_and_holds_one_playback(tmp_path, standin):  # noqa: F811
    profile = os.path.join(str(tmp_path), "kodi-home", "userdata", "addon_data", "plugin.video.simkl.resume")
    AddonContext(profile, "0.1.0").account.sign_in(TOKEN, name="alice")
    standin.fault("hang", path="/scrobble/", method="POST", times=1, hang_seconds=120, then="close")
    first = _child(tmp_path, standin.url, "pause")
    try:
        line = first.stdout.readline().strip()
        assert line == "paused", (line, first.stderr.read() if first.poll() is not None else "")
        hanging = _wait_in_flight(standin, first)
        assert len(hanging) == 1 and hanging[0]["path"] in ("/scrobble/start", "/scrobble/pause")
        assert AddonContext(profile, "0.1.0").outbox.count() >= 1  # committed, not yet delivered
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
    assert standin.state()["playbacks"] == []  # the killed POST never reached Simkl's state

    second = _child(tmp_path, standin.url, "deliver")
    try:
        out, err = second.communicate(timeout=120)
    finally:
        if second.poll() is None:
            second.kill()
    assert out.strip() == "done", (out, err)
    held = [p for p in standin.state()["playbacks"] if p["movie"]["title"] == "Heat"]
    assert len(held) == 1 and abs(held[0]["progress"] - 40.0) <= 0.5
    answered = [r for r in standin.requests("/scrobble/", method="POST") if r["status"] is not None]
    assert [(r["path"], r["status"]) for r in answered] == [("/scrobble/pause", 201)]
    assert AddonContext(profile, "0.1.0").outbox.count() == 0


def test_killed_while_playing_keeps_the_position_within_30_s_after_restart(tmp_path, standin):  # noqa: F811
    """A real SIGKILL of the service process while Heat plays past 40 %, every scrobble hanging:
    the checkpoint on disk becomes the pause Simkl gets and the library resume point."""
    profile = os.path.join(str(tmp_path), "kodi-home", "userdata", "addon_data", "plugin.video.simkl.resume")
    AddonContext(profile, "0.1.0").account.sign_in(TOKEN, name="alice")
    standin.fault("hang", path="/scrobble/", method="POST", times=1000, hang_seconds=120, then="close")
    first = _child(tmp_path, standin.url, "play")
    position = None
    try:
        deadline = time.monotonic() + GUARD_SECONDS
        while position is None or position < 2400 + 47:
            line = first.stdout.readline().strip()
            assert line.startswith("at "), (line, first.stderr.read() if first.poll() is not None else "")
            position = float(line[3:])
            assert time.monotonic() < deadline, "the child did not play on"
        first.send_signal(signal.SIGKILL)
        assert first.wait(30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
    standin.clear_faults()
    assert standin.state()["playbacks"] == []

    second = _child(tmp_path, standin.url, "recover")
    try:
        out, err = second.communicate(timeout=120)
    finally:
        if second.poll() is None:
            second.kill()
    lines = out.split()
    assert lines[-1] == "done", (out, err)
    resume = float(lines[lines.index("resume") + 1])
    (held,) = [p for p in standin.state()["playbacks"] if p["movie"]["title"] == "Heat"]
    lost = position - held["progress"] / 100.0 * 6000.0
    # The child may play a few more (virtual) seconds between its last line and the kill.
    assert -5 <= lost <= 30, lost                      # at most 30 s of viewing lost on Simkl...
    assert -5 <= position - resume <= 30, resume       # ...and in the library's resume point
    answered = [r["path"] for r in standin.requests("/scrobble/", method="POST") if r["status"] == 201]
    assert answered[-1] == "/scrobble/pause"
