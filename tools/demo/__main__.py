"""python -m tools.demo [--headless] [--out build/demo] [--port 0]  (see tools/demo/__init__.py)"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from tools.realkodi import (
    ADDON_ID,
    Episode,
    KodiInstance,
    Library,
    Movie,
    Show,
    build_library,
    kodi_available,
)
from tools.realkodi.instance import SYSTEM_PATH

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = REPO_ROOT / "tools" / "simkl_standin" / "demo_seed.json"
OUT_DIR = REPO_ROOT / "build" / "demo"
ROOT_URL = "plugin://%s/" % ADDON_ID
LOGIN_URL = "plugin://%s/login" % ADDON_ID
DEMO_CLIENT_ID = "demo-client-id"

# Matches the demo seed's catalog: Inception and Breaking Bad S01E05 are paused in Simkl,
# The Matrix and S01E01 are there to show that only paused items are listed; the paused
# anime has no local copy (listed greyed at the end, "not in this library").
DEMO_LIBRARY = Library(
    movies=[
        Movie("Inception", 2010, {"imdb": "tt1375666", "tmdb": "27205"}, duration=300, tone=440),
        Movie("The Matrix", 1999, {"imdb": "tt0133093", "tmdb": "603"}, duration=300, tone=494),
    ],
    shows=[
        Show("Breaking Bad", 2008, {"tvdb": "81189", "imdb": "tt0903747", "tmdb": "1396"}, [
            Episode(1, 1, "Pilot", {"tvdb": "349232"}, duration=300, tone=550),
            Episode(1, 5, "Gray Matter", {"tvdb": "349236"}, duration=300, tone=660),
        ]),
    ],
)


class Interrupted(Exception):
    pass


def _on_signal(signum, frame):
    raise Interrupted()


def display_usable(display: Optional[str]) -> bool:
    """$DISPLAY is set and an X server answers on it."""
    if not display:
        return False
    xdpyinfo = shutil.which("xdpyinfo", path=SYSTEM_PATH + ":" + os.environ.get("PATH", ""))
    if xdpyinfo:
        try:
            return subprocess.run([xdpyinfo, "-display", display], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False
    # No xdpyinfo: a local display :N answers on /tmp/.X11-unix/XN.
    if display.startswith(":"):
        return Path("/tmp/.X11-unix/X%s" % display[1:].split(".")[0]).exists()
    return False


class WindowedKodi(KodiInstance):
    """A KodiInstance on an existing X display (no Xvfb), in a 1280x720 window."""

    def __init__(self, name, display, **kwargs):
        super().__init__(name, **kwargs)
        self._host_display = display

    def _start_xvfb(self):
        self.display = self._host_display

    def prepare(self):
        super().prepare()
        gui = self.userdata / "guisettings.xml"
        extra = ('    <setting id="videoscreen.screenmode">WINDOW</setting>\n'
                 '    <setting id="window.width">1280</setting>\n'
                 '    <setting id="window.height">720</setting>\n')
        text = gui.read_text(encoding="utf-8")
        if "videoscreen.screenmode" not in text:
            gui.write_text(text.replace("</settings>", extra + "</settings>"), encoding="utf-8")


def write_account(kodi: KodiInstance, token: str, name: str, plan: str) -> None:
    """What the addon's /login stores (store/account.py), written before Kodi starts."""
    folder = kodi.addon_data()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "account.json"
    path.write_text(json.dumps({"token": token, "name": name, "plan": plan}), encoding="utf-8")
    os.chmod(str(path), 0o600)


def _bool(kodi, condition):
    return kodi.jsonrpc("XBMC.GetInfoBooleans", {"booleans": [condition]})[condition]


def _label(kodi, label):
    return kodi.jsonrpc("XBMC.GetInfoLabels", {"labels": [label]})[label]


def open_resume_list(kodi: KodiInstance, want_items: int, timeout: float = 60.0) -> int:
    """ActivateWindow(Videos, <plugin root>, return) and wait until it is drawn with entries.
    The first draw may come from an empty cache: the service's check then refreshes it."""
    kodi.jsonrpc("GUI.ActivateWindow", {"window": "videos", "parameters": [ROOT_URL, "return"]})

    def drawn():
        if not _label(kodi, "Container.FolderPath").startswith(ROOT_URL):
            return 0
        if _bool(kodi, "Window.IsActive(busydialog)"):
            return 0
        n = int(_label(kodi, "Container.NumItems") or 0)
        return n if n >= want_items else 0

    deadline = time.monotonic() + timeout
    while True:
        try:
            return kodi.wait_for(drawn, timeout=10, interval=0.3, what="the resume list")
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
            # Still the empty first draw: ask again, as a user would by reopening it.
            kodi.jsonrpc("GUI.ActivateWindow", {"window": "videos", "parameters": [ROOT_URL, "return"]})


def sign_in_through_login(kodi: KodiInstance, standin, token: str, shot: Optional[Path]) -> None:
    """Run /login as selecting "Sign in to Simkl" does, screenshot the PIN dialog, approve
    the code for the demo account in the stand-in, wait for the dialog to close itself."""
    kodi.run_python("import xbmc\nxbmc.executebuiltin('RunPlugin(%s)')\nresult = True\n" % LOGIN_URL)

    def pending():
        pins = [p for p in standin.state()["pins"] if not p["approved"]]
        return pins[0] if pins and _pin_dialog_open(kodi) else None

    pin = kodi.wait_for(pending, timeout=30, interval=0.3, what="the PIN dialog")
    time.sleep(2.5)  # a poll or two, the countdown moving
    if shot is not None:
        kodi.screenshot(shot)
    standin.approve_pin(pin["user_code"], token=token)
    kodi.wait_for(lambda: (json.loads((kodi.addon_data() / "account.json").read_text())
                           if (kodi.addon_data() / "account.json").exists() else {}).get("token") == token,
                  timeout=30, what="the addon to store the account")
    kodi.wait_for(lambda: not _pin_dialog_open(kodi), timeout=15, what="the PIN dialog to close")


def _pin_dialog_open(kodi: KodiInstance) -> bool:
    """The sign-in dialog: the addon's XML one with the QR code, or its DialogProgress fallback."""
    return _bool(kodi, "Window.IsActive(simkl-pin.xml)") or _bool(kodi, "Window.IsActive(progressdialog)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__)
    parser.add_argument("--headless", action="store_true", help="Xvfb + screenshots even with a display")
    parser.add_argument("--out", default=str(OUT_DIR), help="screenshot folder (default build/demo)")
    parser.add_argument("--port", type=int, default=0, help="JSON-RPC port of the demo Kodi (default: free)")
    args = parser.parse_args(argv)

    if not kodi_available():
        print("make demo: Kodi is not installed. Run `make deps` (as root) or: "
              "sudo apt-get install --no-install-recommends kodi xvfb xauth ffmpeg pulseaudio imagemagick")
        return 2
    from tools.simkl_standin import StandIn

    seed = json.loads(SEED.read_text(encoding="utf-8"))
    user = seed["users"][0]
    display = os.environ.get("DISPLAY")
    windowed = not args.headless and display_usable(display)
    out = Path(args.out)

    signal.signal(signal.SIGTERM, _on_signal)
    standin = kodi = None
    try:
        print("==> building the demo library (cached in build/realkodi-media/)")
        library = build_library(DEMO_LIBRARY)
        standin = StandIn(seed=seed, pin_interval=1)
        standin.start()
        print("==> Simkl stand-in on %s (demo account %r, %d paused playbacks)"
              % (standin.url, user["name"], len(seed.get("playbacks", []))))
        env = {"SIMKL_API_URL": standin.url, "SIMKL_CLIENT_ID": DEMO_CLIENT_ID}
        settings = {"skip_shorter_than": "0"}
        if windowed:
            kodi = WindowedKodi("demo", display, env=env, library=library, port=args.port,
                                addon_settings=settings)
            write_account(kodi, user["token"], user["name"], user.get("type", "free"))
        else:
            kodi = KodiInstance("demo", env=env, library=library, port=args.port, addon_settings=settings)
        print("==> starting Kodi (%s)" % ("window on %s" % display if windowed else "headless, Xvfb"))
        kodi.start()
        print("    Kodi up in %.1f s, JSON-RPC at %s" % (kodi.boot_seconds or 0, kodi.url))
        if windowed:
            n = open_resume_list(kodi, want_items=1)
            print("==> Kodi shows \"Resume from Simkl\" (%d entries). Close Kodi or press Ctrl-C to end." % n)
            while kodi.is_running():
                time.sleep(0.5)
            print("==> Kodi exited")
            return 0
        out.mkdir(parents=True, exist_ok=True)
        open_resume_list(kodi, want_items=1)  # not signed in: "Sign in to Simkl"
        sign_in_path = out / "sign-in.png"
        sign_in_through_login(kodi, standin, user["token"], sign_in_path)
        n = open_resume_list(kodi, want_items=len(seed.get("playbacks", [])))
        # Let the "Signed in as demo" toast go, then focus the first entry so Estuary's
        # side panel shows its progress, time left and "paused ... ago".
        kodi.wait_for(lambda: not _bool(kodi, "Window.IsVisible(kaitoast)"), timeout=15, what="the toast")
        kodi.jsonrpc("Input.Down")
        time.sleep(2.0)  # artwork and the skin's fade-in
        list_path = kodi.screenshot(out / "resume-list.png")
        print("==> screenshots:")
        for path in (sign_in_path, list_path):
            print("    %s" % path)
        print("    (resume list: %d entries)" % n)
        return 0
    except (KeyboardInterrupt, Interrupted):
        print("\n==> interrupted: stopping Kodi and the stand-in")
        return 130
    except Exception as exc:  # noqa: BLE001 - say what failed and where the log is
        saved = kodi.save_log("demo-error") if kodi is not None else None
        print("make demo failed: %s%s" % (exc, "\n    Kodi log: %s" % saved if saved else ""),
              file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        if kodi is not None:
            kodi.stop()
        if standin is not None:
            standin.stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)


if __name__ == "__main__":
    sys.exit(main())
