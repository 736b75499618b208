"""KodiInstance: one real, sandboxed, headless Kodi: the host's (Debian bookworm's 20.1) or a
Kodi root's (tools/kodi_roots: bullseye's 19.1, trixie's 21.2).

Each instance gets its own HOME under a temp dir, its own Xvfb display (-displayfd), its
own XDG_RUNTIME_DIR with a PulseAudio null sink (the playback clock needs a real audio
sink, see shared/kodi-notes.md), the JSON-RPC web server on its own free loopback port
without auth, a system PATH so Kodi's embedded Python finds Debian's stdlib, and
LP_NUM_THREADS=0 (software GL otherwise eats both cores).

    with KodiInstance("A", env={"SIMKL_API_URL": standin.url}, library=build_library()) as kodi:
        kodi.jsonrpc("JSONRPC.Ping")
        kodi.wait_for(lambda: kodi.active_player() is not None, timeout=10, what="a player")
        kodi.screenshot("build/a.png")

Which Kodi: `KodiInstance(kodi_version="19.1")`; else the version set with
set_default_version() (the real-Kodi suite's `kodi_version` parameter); else KODI_ROOT (a root
directory); else the host's. A root's kodi.bin runs chrooted in a private mount namespace where
/tmp, the instance's folder and the library are bind-mounted at their host paths, so every path
(HOME, logs, probe files, clips) is the same for Kodi and for the tests; Xvfb and pulseaudio are
the host's (their sockets live under /tmp). The PID held is kodi.bin's own, so a crash shows as
its signal: `crashes` lists every exit Kodi made on its own (reported, never retried).

Everything it starts (Xvfb, pulseaudio, kodi and their children) is stopped by stop(),
which never raises and is also called when start() fails.
"""
import atexit
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional
from xml.sax.saxutils import escape as xml_escape

from tools import kodi_roots

from . import addons as _addons
from .media import BuiltLibrary

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / "build"
LOG_DIR = BUILD_DIR / "realkodi-logs"
SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin"
CLK_TCK = os.sysconf("SC_CLK_TCK")


class KodiError(RuntimeError):
    pass


class JsonRpcError(KodiError):
    def __init__(self, method: str, error: dict):
        self.method = method
        self.code = error.get("code")
        self.error = error
        super().__init__("%s -> %s" % (method, json.dumps(error)[:500]))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_DEFAULT_VERSION = None  # type: Optional[str]


def set_default_version(version: Optional[str]) -> None:
    """The Kodi version instances get when they are not given one (None: KODI_ROOT or the host)."""
    global _DEFAULT_VERSION
    _DEFAULT_VERSION = version


def kodi_available(kodi_version: Optional[str] = None) -> bool:
    try:
        return kodi_roots.kodi_root(kodi_version or _DEFAULT_VERSION).exists()
    except kodi_roots.RootError:
        return False


def _kodi_key(root: "kodi_roots.KodiRoot") -> str:
    """Identifies a Kodi build (template databases are per build)."""
    import hashlib

    parts = [str(root.path)]
    cand = root.host_path(root.kodi_bin)
    try:
        st = cand.stat()
        parts.append("%s:%d:%d" % (cand, st.st_size, int(st.st_mtime)))
    except OSError:
        pass
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _signal_name(returncode: int) -> str:
    if returncode < 0:
        try:
            return "%s (%d)" % (signal.Signals(-returncode).name, returncode)
        except ValueError:
            pass
    return "exit code %d" % returncode


GUISETTINGS = """<settings version="2">
    <setting id="services.webserver">true</setting>
    <setting id="services.webserverport">{port}</setting>
    <setting id="services.webserverauthentication">false</setting>
    <setting id="services.webserverusername">kodi</setting>
    <setting id="services.esenabled">true</setting>
    <setting id="services.esport">{es_port}</setting>
    <setting id="services.esallinterfaces">false</setting>
    <setting id="services.zeroconf">false</setting>
    <setting id="services.upnp">false</setting>
    <setting id="services.airplay">false</setting>
    <setting id="general.addonupdates">2</setting>
    <setting id="general.addonnotifications">false</setting>
    <setting id="addons.unknownsources">true</setting>
    <setting id="lookandfeel.enablerssfeeds">false</setting>
    <setting id="screensaver.mode"></setting>
    <setting id="videoplayer.adjustrefreshrate">0</setting>
    <setting id="audiooutput.guisoundmode">0</setting>
    <setting id="weather.addon"></setting>
</settings>
"""

def _with_gui_settings(text: str, values: Dict[str, str]) -> str:
    """guisettings.xml `text` with `values` replacing (or adding) <setting id=...> lines."""
    for key, value in values.items():
        line = '    <setting id="%s">%s</setting>' % (xml_escape(key), xml_escape(str(value)))
        pattern = re.compile(r'^[ \t]*<setting id="%s">.*?</setting>$' % re.escape(key), re.M)
        if pattern.search(text):
            text = pattern.sub(lambda _m, new=line: new, text)
        else:
            text = text.replace("</settings>", line + "\n</settings>")
    return text


def _sources_xml(sources: Dict[str, str]) -> str:
    rows = "".join('    <source><name>%s</name><path pathversion="1">%s</path>'
                   "<allowsharing>true</allowsharing></source>\n" % (xml_escape(name), xml_escape(path))
                   for name, path in sources.items())
    return ('<sources>\n  <files>\n    <default pathversion="1"></default>\n%s  </files>\n</sources>\n'
            % rows)


ADVANCEDSETTINGS = """<advancedsettings version="1.0">
    <splash>false</splash>
    <jsonrpc><compactoutput>true</compactoutput><tcpport>{tcp_port}</tcpport></jsonrpc>
    <video><ignoresecondsatstart>{ignore_start}</ignoresecondsatstart></video>
    <videolibrary><importwatchedstate>false</importwatchedstate></videolibrary>
</advancedsettings>
"""


_RUNNING = weakref.WeakSet()  # type: weakref.WeakSet


@atexit.register
def _stop_leftovers() -> None:
    """Safety net: an instance nobody stopped (crashed demo, interrupted run) dies with us."""
    for inst in list(_RUNNING):
        inst.stop(timeout=5.0)


class KodiInstance:
    """One sandboxed Kodi. Not thread-safe; use one object per Kodi."""

    def __init__(
        self,
        name: str = "kodi",
        port: int = 0,
        env: Optional[Dict[str, str]] = None,
        root: Optional[Path] = None,
        library: Optional[BuiltLibrary] = None,
        addon_source: Optional[Path] = REPO_ROOT,
        screen: str = "1280x720x24",
        ignore_seconds_at_start: int = 5,
        boot_timeout: float = 90.0,
        use_template: bool = True,
        keep_home: bool = False,
        addon_settings: Optional[Dict[str, str]] = None,
        extra_addons: Optional[List[Path]] = None,
        preinstall_requests: bool = True,
        gui_settings: Optional[Dict[str, str]] = None,
        file_sources: Optional[Dict[str, str]] = None,
        kodi_version: Optional[str] = None,
    ):
        """`addon_source=None`: our addon is NOT pre-staged (install it as a user would, e.g. from
        a repository: tests/realkodi/test_repository_update.py); `preinstall_requests=False`:
        neither is script.module.requests (and the probe then does not require it).
        `gui_settings` overrides guisettings.xml values (e.g. {"general.addonupdates": "0"}:
        install updates automatically); `file_sources` adds sources.xml file sources
        {name: path or URL} (what the user adds in File manager before "Install from zip file")."""
        self.name = name
        self.explicit_version = kodi_version is not None
        self.kodi_root = kodi_roots.kodi_root(kodi_version or _DEFAULT_VERSION)
        self.kodi_version = self.kodi_root.version
        self.crashes = []  # type: List[str]  # every exit Kodi made on its own, e.g. "SIGSEGV (-11)"
        self._exit_noted = False
        self.port = port or free_port()
        self.tcp_port = free_port()  # JSON-RPC over raw TCP: notifications (listen())
        self.es_port = free_port()  # event server (UDP); must differ between instances
        self.addon_settings = dict(addon_settings or {})
        self.preinstall_requests = preinstall_requests
        self.gui_settings = dict(gui_settings or {})
        self.file_sources = dict(file_sources or {})
        self.extra_addons = [Path(p) for p in (extra_addons or [])]  # more addon dirs to stage + enable
        self.extra_env = dict(env or {})
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="realkodi-%s-" % name))
        self.home = self.root / "home"
        self.kodi_home = self.home / ".kodi"
        self.userdata = self.kodi_home / "userdata"
        self.addons_dir = self.kodi_home / "addons"
        self.runtime_dir = self.root / "run"
        self.library = library
        self.addon_source = addon_source
        self.screen = screen
        self.ignore_seconds_at_start = ignore_seconds_at_start
        self.boot_timeout = boot_timeout
        self.use_template = use_template
        self.keep_home = keep_home
        self.display = None  # type: Optional[str]
        self.boot_seconds = None  # type: Optional[float]
        self.scan_seconds = None  # type: Optional[float]
        self._xvfb = None  # type: Optional[subprocess.Popen]
        self._pulse = None  # type: Optional[subprocess.Popen]
        self._kodi = None  # type: Optional[subprocess.Popen]
        self._stdout = None
        self._rpc_id = 0
        self._probe_seq = 0

    # ----------------------------------------------------------------- lifecycle
    def __enter__(self) -> "KodiInstance":
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.save_log("%s-error" % self.name)
        self.stop()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d/jsonrpc" % self.port

    @property
    def log_path(self) -> Path:
        return self.kodi_home / "temp" / "kodi.log"

    def start(self, scan: bool = True) -> "KodiInstance":
        """Prepare the sandbox, start Xvfb + pulseaudio + Kodi, wait for JSON-RPC, scan library."""
        _RUNNING.add(self)
        try:
            self.prepare()
            self._start_xvfb()
            self._start_pulse()
            t0 = time.monotonic()
            self._start_kodi()
            self.wait_for(self._ping, timeout=self.boot_timeout, interval=0.25, what="JSON-RPC to answer")
            self.boot_seconds = time.monotonic() - t0
            if self.library is not None and scan:
                self.scan_library()
        except BaseException:
            self.save_log("%s-startfailed" % self.name)
            self.stop()
            raise
        return self

    def prepare(self) -> None:
        """Write the sandbox HOME: settings, template databases, addons, library paths."""
        self.userdata.mkdir(parents=True, exist_ok=True)
        self.addons_dir.mkdir(parents=True, exist_ok=True)
        (self.kodi_home / "temp").mkdir(parents=True, exist_ok=True)
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(str(self.runtime_dir), 0o700)
        (self.userdata / "guisettings.xml").write_text(
            _with_gui_settings(GUISETTINGS.format(port=self.port, es_port=self.es_port), self.gui_settings),
            encoding="utf-8")
        if self.file_sources:
            (self.userdata / "sources.xml").write_text(_sources_xml(self.file_sources), encoding="utf-8")
        if self.addon_settings:
            write_addon_settings(self.userdata / "addon_data" / _addons.ADDON_ID, self.addon_settings)
        (self.userdata / "advancedsettings.xml").write_text(
            ADVANCEDSETTINGS.format(tcp_port=self.tcp_port, ignore_start=self.ignore_seconds_at_start),
            encoding="utf-8",
        )
        enable = []  # type: List[str]
        if self.addon_source is not None:
            enable.append(_addons.addon_id_of(_addons.stage_addon(self.addons_dir, self.addon_source)))
        if self.preinstall_requests:
            self.requests_module(self.addons_dir)
            enable.append(_addons.REQUESTS_ADDON_ID)
        _addons.stage_probe_addon(self.addons_dir, requires_requests=self.preinstall_requests)
        enable.append(_addons.PROBE_ADDON_ID)
        for extra in self.extra_addons:
            enable.append(_addons.addon_id_of(_addons.stage_addon(self.addons_dir, extra)))
        if self.use_template:
            db_dir = self.userdata / "Database"
            if not db_dir.exists():
                shutil.copytree(str(ensure_template(kodi_version=self.kodi_version)), str(db_dir))
            seed_enabled_addons(db_dir, enable)
            if self.library is not None:
                seed_library_paths(db_dir, self.library)

    def requests_module(self, parent: Path) -> Path:
        """Write script.module.requests for THIS Kodi into `parent`; returns its folder (the one
        the harness pre-stages; a test can publish it in a repository instead)."""
        return _addons.build_requests_module(Path(parent), root=self.kodi_root)

    def _env(self) -> Dict[str, str]:
        env = {
            "HOME": str(self.home),
            "PATH": SYSTEM_PATH,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "PULSE_SERVER": "unix:%s" % (self.runtime_dir / "pulse" / "native"),
            "LP_NUM_THREADS": "0",
            # What Debian's /usr/bin/kodi wrapper sets before it runs kodi.bin.
            "__GL_YIELD": "USLEEP",
            "MALLOC_MMAP_THRESHOLD_": "131072",
        }
        if self.display:
            env["DISPLAY"] = self.display
        env.update(self.extra_env)
        return env

    def _start_xvfb(self) -> None:
        r, w = os.pipe()
        try:
            self._xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(w), "-screen", "0", self.screen, "-nolisten", "tcp",
                 "-ac", "-noreset", "+extension", "GLX"],
                pass_fds=(w,), env=self._env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            os.close(w)
            w = -1
            data = b""
            deadline = time.monotonic() + 30
            while not data.endswith(b"\n"):
                if time.monotonic() > deadline or self._xvfb.poll() is not None:
                    raise KodiError("Xvfb did not report a display")
                chunk = os.read(r, 64)
                if not chunk:
                    break
                data += chunk
            self.display = ":" + data.decode().strip()
        finally:
            os.close(r)
            if w != -1:
                os.close(w)

    def _start_pulse(self) -> None:
        self._pulse = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n",
             "--use-pid-file=no", "--log-target=stderr", "--log-level=error",
             "-L", "module-null-sink", "-L", "module-native-protocol-unix"],
            env=self._env(), stdout=subprocess.DEVNULL,
            stderr=open(str(self.root / "pulseaudio.log"), "wb"), start_new_session=True,
        )
        sock = self.runtime_dir / "pulse" / "native"
        self.wait_for(lambda: sock.exists() or self._pulse.poll() is not None, timeout=20, interval=0.05,
                      what="pulseaudio socket")
        if self._pulse.poll() is not None:
            log = (self.root / "pulseaudio.log").read_text(errors="replace")
            raise KodiError("pulseaudio exited: %s" % log)

    def _binds(self) -> List[str]:
        """Host folders a root's Kodi must see at the same paths: /tmp (X and pulse sockets,
        pytest's tmp_path), this working tree (build/: clips, repositories), the instance folder,
        the library and local file sources."""
        binds = ["/tmp", str(REPO_ROOT)]
        paths = [self.root, self.library.root if self.library is not None else None]
        paths += [v for v in self.file_sources.values() if "://" not in v and v.startswith("/")]
        for path in paths:
            if path is None:
                continue
            path = str(Path(path).resolve())
            if not Path(path).is_dir():
                path = str(Path(path).parent)
            if not any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds):
                binds.append(path)
        return binds

    def _start_kodi(self) -> None:
        if not self.kodi_root.exists():
            if self.kodi_root.is_host:
                raise KodiError("kodi is not installed (apt-get install kodi)")
            raise KodiError("Kodi %s is not built in %s (make kodi-roots)" % (
                self.kodi_version, self.kodi_root.path))
        self._stdout = open(str(self.root / "kodi.stdout"), "wb")
        argv = [self.kodi_root.kodi_bin, "--standalone", "--windowing=x11", "--audio-backend=pulseaudio"]
        self._exit_noted = False
        self._kodi = subprocess.Popen(
            self.kodi_root.command(argv, binds=self._binds()),
            env=self._env(), cwd=str(self.home), stdin=subprocess.DEVNULL, stdout=self._stdout,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    def _note_exit(self, when: str) -> None:
        """Record Kodi's exit, once, if it made it on its own (a crash): reported, never retried."""
        if self._kodi is not None and self._kodi.poll() is not None and not self._exit_noted:
            self._exit_noted = True
            self.crashes.append("Kodi %s [%s] exited by itself %s: %s" % (
                self.kodi_version, self.name, when, _signal_name(self._kodi.returncode)))

    def is_running(self) -> bool:
        if self._kodi is not None and self._kodi.poll() is not None:
            self._note_exit("while running")
        return self._kodi is not None and self._kodi.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """Quit Kodi (Application.Quit, then SIGTERM/SIGKILL of its process group), then
        pulseaudio and Xvfb. Never raises; safe to call twice."""
        if self._kodi is not None:
            self._quit_kodi(timeout)
        for proc in (self._pulse, self._xvfb):
            if proc is not None:
                _kill_group(proc, term_wait=3.0)
        self._pulse = self._xvfb = None
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None
        if self._own_root and not self.keep_home:
            shutil.rmtree(str(self.root), ignore_errors=True)
        _RUNNING.discard(self)

    def kill(self) -> None:
        """SIGKILL Kodi at once (keeps HOME, Xvfb and pulseaudio): for crash scenarios."""
        if self._kodi is not None:
            _kill_group(self._kodi, term_wait=0.0)
            self._kodi = None

    def restart(self) -> None:
        """Start Kodi again on the same HOME, display and audio sink (after stop_kodi/kill)."""
        if self.is_running():
            raise KodiError("still running")
        t0 = time.monotonic()
        self._start_kodi()
        self.wait_for(self._ping, timeout=self.boot_timeout, interval=0.25, what="JSON-RPC to answer")
        self.boot_seconds = time.monotonic() - t0

    def stop_kodi(self, timeout: float = 20.0) -> None:
        """Quit only Kodi (Application.Quit), keeping Xvfb/pulseaudio for restart()."""
        if self._kodi is not None:
            self._quit_kodi(timeout)

    def _quit_kodi(self, timeout: float) -> None:
        self._note_exit("before it was asked to quit")
        if self._kodi.poll() is None:
            try:
                self.jsonrpc("Application.Quit", timeout=3)
            except Exception:  # noqa: BLE001,S110 - it may be dead or hung: kill below
                pass
            try:
                self._kodi.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
            code = self._kodi.returncode
            if code is not None and code < 0:  # it died of a signal we did not send
                self.crashes.append("Kodi %s [%s] crashed while quitting: %s" % (
                    self.kodi_version, self.name, _signal_name(code)))
        _kill_group(self._kodi)
        self._kodi = None

    # ----------------------------------------------------------------- JSON-RPC
    def jsonrpc(self, method: str, params: Optional[Any] = None, timeout: float = 30.0) -> Any:
        """POST one JSON-RPC call; returns `result` or raises JsonRpcError."""
        self._rpc_id += 1
        body = {"jsonrpc": "2.0", "id": self._rpc_id, "method": method}
        if params is not None:
            body["params"] = params
        req = urllib.request.Request(
            self.url, data=json.dumps(body).encode("utf-8"), headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
            reply = json.loads(resp.read().decode("utf-8"))
        if "error" in reply:
            raise JsonRpcError(method, reply["error"])
        return reply.get("result")

    def _ping(self) -> bool:
        if self._kodi is not None and self._kodi.poll() is not None:
            self._note_exit("during boot")
            raise KodiError("Kodi %s exited with %s during boot; log tail:\n%s"
                            % (self.kodi_version, _signal_name(self._kodi.returncode), self.log_tail()))
        try:
            return self.jsonrpc("JSONRPC.Ping", timeout=2) == "pong"
        except (OSError, ValueError, JsonRpcError):
            return False

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2,
                 what: str = "condition") -> Any:
        """Poll `predicate` until it returns something truthy (returned); TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        last_exc = None
        while True:
            try:
                value = predicate()
                if value:
                    return value
            except (KodiError, OSError) as exc:
                if isinstance(exc, KodiError) and not isinstance(exc, JsonRpcError):
                    raise
                last_exc = exc
            if time.monotonic() >= deadline:
                raise TimeoutError("[%s] timed out after %.0f s waiting for %s%s" % (
                    self.name, timeout, what, " (last error: %r)" % last_exc if last_exc else ""))
            time.sleep(interval)

    # ----------------------------------------------------------------- helpers
    def scan_library(self, timeout: float = 120.0) -> None:
        """VideoLibrary.Scan and wait until every movie and episode of `library` is in."""
        assert self.library is not None
        want_movies = len(self.library.library.movies)
        want_episodes = self.library.library.episode_count()
        t0 = time.monotonic()
        self.jsonrpc("VideoLibrary.Scan", {"showdialogs": False})

        def done():
            movies = self.jsonrpc("VideoLibrary.GetMovies").get("limits", {}).get("total", 0)
            episodes = self.jsonrpc("VideoLibrary.GetEpisodes").get("limits", {}).get("total", 0)
            scanning = self.jsonrpc("XBMC.GetInfoBooleans", {"booleans": ["Library.IsScanningVideo"]})
            return movies >= want_movies and episodes >= want_episodes and not scanning[
                "Library.IsScanningVideo"]

        self.wait_for(done, timeout=timeout, interval=0.5, what="the library scan")
        self.scan_seconds = time.monotonic() - t0

    def active_player(self) -> Optional[dict]:
        """The first active video player ({playerid, type}) or None."""
        players = self.jsonrpc("Player.GetActivePlayers")
        for p in players:
            if p.get("type") == "video":
                return p
        return players[0] if players else None

    def player_seconds(self, playerid: Optional[int] = None) -> Optional[float]:
        """Current playback position in seconds, or None when nothing plays."""
        if playerid is None:
            p = self.active_player()
            if p is None:
                return None
            playerid = p["playerid"]
        props = self.jsonrpc("Player.GetProperties", {"playerid": playerid, "properties": ["time"]})
        return time_to_seconds(props["time"])

    def run_python(self, code: str, timeout: float = 60.0) -> Any:
        """Run `code` inside Kodi's Python (the probe addon); returns its `result` variable."""
        self._probe_seq += 1
        code_path = self.root / ("probe-%d.py" % self._probe_seq)
        out_path = self.root / ("probe-%d.json" % self._probe_seq)
        code_path.write_text(code, encoding="utf-8")
        self.jsonrpc("Addons.ExecuteAddon", {"addonid": _addons.PROBE_ADDON_ID, "wait": True,
                                             "params": [str(code_path), str(out_path)]}, timeout=timeout)
        self.wait_for(out_path.exists, timeout=timeout, interval=0.1, what="the probe result")
        reply = json.loads(out_path.read_text(encoding="utf-8"))
        if not reply.get("ok"):
            raise KodiError("probe code failed inside Kodi:\n%s" % reply.get("error"))
        return reply.get("result")

    def listen(self) -> "Notifications":
        """Connect to Kodi's JSON-RPC TCP port and collect notifications from now on.

            with kodi.listen() as events:
                kodi.jsonrpc("Player.Open", ...)
                events.wait_for("Player.OnAVStart", timeout=10)
        """
        return Notifications(self.tcp_port, name=self.name)

    def addon_data(self, addon_id: str = _addons.ADDON_ID) -> Path:
        """special://profile/addon_data/<addon_id> of this instance."""
        return self.userdata / "addon_data" / addon_id

    def screenshot(self, path) -> Path:
        """Save the real X screen of this instance as PNG (ImageMagick `import`)."""
        if not self.display:
            raise KodiError("not started")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if shutil.which("import", path=SYSTEM_PATH) is None:
            raise KodiError("screenshots need ImageMagick's `import` (apt-get install imagemagick)")
        subprocess.run(["import", "-display", self.display, "-window", "root", "png:%s" % path],
                       check=True, capture_output=True, env=self._env(), timeout=60)
        return path

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def save_log(self, label: str, log_dir: Path = LOG_DIR) -> Optional[Path]:
        """Copy kodi.log (and kodi.stdout, pulseaudio.log) to build/realkodi-logs/<label>.*"""
        log_dir = Path(log_dir)
        saved = None
        for src, suffix in ((self.log_path, ".kodi.log"), (self.root / "kodi.stdout", ".stdout.log"),
                            (self.root / "pulseaudio.log", ".pulseaudio.log")):
            if src.exists() and src.stat().st_size:
                log_dir.mkdir(parents=True, exist_ok=True)
                dst = log_dir / ("".join(c if c.isalnum() or c in "-_." else "_" for c in label) + suffix)
                shutil.copy2(str(src), str(dst))
                saved = saved or dst
        return saved

    def cpu_seconds(self) -> float:
        """user+system CPU seconds of Kodi's process group so far (Xvfb excluded)."""
        if self._kodi is None:
            return 0.0
        return _group_cpu(self._kodi.pid)

    def xvfb_cpu_seconds(self) -> float:
        return _group_cpu(self._xvfb.pid) if self._xvfb is not None else 0.0


class Notifications:
    """Kodi notifications read from the JSON-RPC TCP socket on a background thread.

    `messages` holds every notification as {"method", "params"} in arrival order."""

    def __init__(self, port: int, name: str = "kodi", connect_timeout: float = 10.0):
        self.name = name
        self.messages = []  # type: List[dict]
        self._cond = threading.Condition()
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._read, name="kodi-notifications-%s" % name, daemon=True)
        self._thread.start()

    def __enter__(self) -> "Notifications":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        self._thread.join(5)

    def _read(self) -> None:
        decoder = json.JSONDecoder()
        buf = ""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk.decode("utf-8", errors="replace")
            while True:
                buf = buf.lstrip()
                if not buf:
                    break
                try:
                    obj, end = decoder.raw_decode(buf)
                except ValueError:
                    break  # incomplete object: wait for more bytes
                buf = buf[end:]
                if isinstance(obj, dict) and "method" in obj and "id" not in obj:
                    with self._cond:
                        self.messages.append({"method": obj["method"], "params": obj.get("params", {})})
                        self._cond.notify_all()

    def methods(self) -> List[str]:
        with self._cond:
            return [m["method"] for m in self.messages]

    def wait_for(self, method: str, timeout: float = 30.0,
                 where: Optional[Callable[[dict], bool]] = None, start: int = 0) -> dict:
        """The first notification `method` (at index >= start) matching `where`; TimeoutError else."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages[start:]:
                    if m["method"] == method and (where is None or where(m)):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("[%s] no %s notification within %.0f s; got %s" % (
                        self.name, method, timeout, [m["method"] for m in self.messages][-20:]))
                self._cond.wait(left)


def write_addon_settings(addon_data_dir: Path, values: Dict[str, str]) -> Path:
    """Write an addon's user settings file (settings version 2 format, as Kodi 19+ saves it)."""
    addon_data_dir = Path(addon_data_dir)
    addon_data_dir.mkdir(parents=True, exist_ok=True)
    lines = ['<settings version="2">']
    for key, value in values.items():
        lines.append('    <setting id="%s">%s</setting>' % (xml_escape(str(key), {'"': "&quot;"}),
                                                            xml_escape(str(value))))
    lines.append("</settings>")
    path = addon_data_dir / "settings.xml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def time_to_seconds(t: dict) -> float:
    return t["hours"] * 3600 + t["minutes"] * 60 + t["seconds"] + t["milliseconds"] / 1000.0


def _group_cpu(pgid: int) -> float:
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / float(CLK_TCK)


def _kill_group(proc: subprocess.Popen, term_wait: float = 5.0) -> None:
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        pgid = None
    if pgid is not None and term_wait > 0:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(term_wait)
        except subprocess.TimeoutExpired:
            pass
    if pgid is not None:
        try:
            os.killpg(pgid, signal.SIGKILL)  # children (kodi.bin under the kodi script) too
        except ProcessLookupError:
            pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


# --------------------------------------------------------------------- databases
def _find_db(db_dir: Path, prefix: str) -> Path:
    found = sorted(db_dir.glob(prefix + "[0-9]*.db"), key=lambda p: int(p.stem[len(prefix):]))
    if not found:
        raise KodiError("no %s*.db in %s" % (prefix, db_dir))
    return found[-1]


def ensure_template(cache_dir: Path = BUILD_DIR / "realkodi-template",
                    kodi_version: Optional[str] = None) -> Path:
    """Databases created by this Kodi build on a bare first boot, cached per build.

    Pre-seeding needs Kodi's own schema (Addons33.db; MyVideos119.db on 19.1, 121 on 20.1, 131
    on 21.2): rather than hard-coding it, boot Kodi once with an empty HOME, quit, and keep
    userdata/Database.
    """
    cache_dir = Path(cache_dir)
    kodi_version = kodi_version or _DEFAULT_VERSION
    root = kodi_roots.kodi_root(kodi_version)
    target = cache_dir / _kodi_key(root) / "Database"
    if (target.parent / "COMPLETE").exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(str(cache_dir / ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target.parent / "COMPLETE").exists():
            return target
        bare = KodiInstance("template-%s" % root.version, addon_source=None, use_template=False,
                            kodi_version=kodi_version)
        try:
            bare.start()
            db_dir = bare.userdata / "Database"
            bare.wait_for(lambda: list(db_dir.glob("Addons*.db")) and list(db_dir.glob("MyVideos*.db")),
                          timeout=60, what="Kodi to create its databases")
            bare.stop_kodi()
            if target.parent.exists():
                shutil.rmtree(str(target.parent))
            shutil.copytree(str(db_dir), str(target))
            (target.parent / "COMPLETE").write_text("ok\n")
        finally:
            bare.stop()
    return target


def seed_enabled_addons(db_dir: Path, addon_ids: List[str]) -> None:
    """Mark addons installed AND enabled in Addons*.db so Kodi starts them at boot, no dialog."""
    db = sqlite3.connect(str(_find_db(Path(db_dir), "Addons")))
    try:
        cols = [r[1] for r in db.execute("PRAGMA table_info(installed)")]
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        for addon_id in addon_ids:
            row = {"addonID": addon_id, "enabled": 1, "installDate": now, "lastUpdated": now,
                   "lastUsed": now, "origin": "", "disabledReason": 0}
            row = {k: v for k, v in row.items() if k in cols}
            db.execute("DELETE FROM installed WHERE addonID = ?", (addon_id,))
            db.execute("INSERT INTO installed (%s) VALUES (%s)" % (", ".join(row), ", ".join("?" * len(row))),
                       list(row.values()))
        db.commit()
    finally:
        db.close()


def seed_library_paths(db_dir: Path, built: BuiltLibrary) -> None:
    """Add the movies/tvshows source folders to MyVideos*.db `path` with metadata.local."""
    db = sqlite3.connect(str(_find_db(Path(db_dir), "MyVideos")))
    try:
        cols = [r[1] for r in db.execute("PRAGMA table_info(path)")]
        rows = [
            (str(built.movies_dir) + "/", "movies", 2147483647, 0),
            (str(built.tvshows_dir) + "/", "tvshows", 0, 0),
        ]
        for path, content, recursive, folder_names in rows:
            row = {"strPath": path, "strContent": content, "strScraper": "metadata.local",
                   "scanRecursive": recursive, "useFolderNames": folder_names, "strSettings": "",
                   "noUpdate": 0, "exclude": 0, "allAudio": 0}
            row = {k: v for k, v in row.items() if k in cols}
            db.execute("DELETE FROM path WHERE strPath = ?", (path,))
            db.execute("INSERT INTO path (%s) VALUES (%s)" % (", ".join(row), ", ".join("?" * len(row))),
                       list(row.values()))
        db.commit()
    finally:
        db.close()
