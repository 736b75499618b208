"""Real Kodi 19.1 and 21.2 next to the host's 20.1: Debian chroots ("Kodi roots").

    python3 -m tools.kodi_roots build [VERSION ...]   build the missing roots (as root; idempotent)
    python3 -m tools.kodi_roots status                which versions are ready, where, which Python
    python3 -m tools.kodi_roots path VERSION          print a ready root's directory ("/" for the host)
    python3 -m tools.kodi_roots mirror                the Debian mirror read from this machine's apt
    python -m tools.kodi_roots pytest VERSION [ARGS]  the fast tests under the root's own Python

Each root is `debootstrap --variant=minbase SUITE` plus Kodi, Xvfb, PulseAudio, ffmpeg and the
Debian packages the fast tests need (python3-pytest, -hypothesis, -requests), built once into
KODI_ROOTS_DIR (default /var/cache/simkl-resume-kodi-roots: outside any clone, so CI's fresh
clones and every worktree share it). A root is used only once its stamp file is written, so an
interrupted build is redone, never half-used. The Debian mirror is read at run time from this
machine's apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list): no mirror
host is written in the project.

Standard library only: it runs with the system python3, before any venv exists.
"""
import argparse
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional

DEFAULT_DIR = "/var/cache/simkl-resume-kodi-roots"
HOST_VERSION = "20.1"  # Debian bookworm's kodi, installed on the host by `make deps`

# Kodi version -> Debian suite whose `kodi` package is that version.
SUITES = {"19.1": "bullseye", "21.2": "trixie"}  # type: Dict[str, str]
ALL_VERSIONS = ("19.1", HOST_VERSION, "21.2")

# Inside each root. Kodi + what tools/realkodi runs next to it; the python3-* packages run the
# fast tests under the root's own Python and give Kodi 19.1 an importable `requests`.
PACKAGES = (
    "kodi", "xvfb", "xauth", "ffmpeg", "pulseaudio", "python3", "sqlite3", "ca-certificates",
    "python3-pytest", "python3-hypothesis", "python3-requests", "python3-pytest-timeout",
)
STAMP = ".kodi-root.json"
# Bump when build() finishes a root differently: ready roots with an older layout are finished
# again in place (apt-get adds missing packages, _finish rewrites its files).
LAYOUT = 2
# minbase bullseye has no /etc/hosts: "localhost" then does not resolve and Kodi 19.1 silently
# never starts its JSON-RPC TCP server (it binds "localhost").
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
SOURCE_FILES = ("/etc/apt/sources.list.d/*.sources", "/etc/apt/sources.list",
                "/etc/apt/sources.list.d/*.list")


class RootError(RuntimeError):
    pass


def roots_dir() -> Path:
    return Path(os.environ.get("KODI_ROOTS_DIR") or DEFAULT_DIR)


def root_path(version: str) -> Path:
    """Where VERSION's root lives (the host's own Kodi: "/")."""
    if version == HOST_VERSION:
        return Path("/")
    if version not in SUITES:
        raise RootError("no Kodi root for version %r (known: %s)" % (version, ", ".join(ALL_VERSIONS)))
    return roots_dir() / SUITES[version]


def _stamp_at(path: Path) -> Optional[dict]:
    """The stamp `build` leaves in a finished root (what it holds), or None."""
    try:
        return json.loads((Path(path) / STAMP).read_text())
    except (OSError, ValueError):
        return None


def read_stamp(version: str) -> Optional[dict]:
    return None if version == HOST_VERSION else _stamp_at(root_path(version))


def is_ready(version: str) -> bool:
    if version == HOST_VERSION:
        return shutil.which("kodi", path="/usr/bin:/bin") is not None
    stamp = read_stamp(version)
    return (bool(stamp) and set(PACKAGES) <= set(stamp.get("packages", ()))
            and stamp.get("layout", 1) >= LAYOUT)


class KodiRoot:
    """A Kodi to run: the host's ("/") or a built root's, with paths as seen inside it."""

    def __init__(self, path: Path, version: str, kodi_bin: str, python: str = ""):
        self.path = Path(path)
        self.version = version
        self.kodi_bin = kodi_bin  # inside the root
        self.python = python

    def __repr__(self) -> str:
        return "KodiRoot(%s, Kodi %s)" % (self.path, self.version)

    @property
    def is_host(self) -> bool:
        return self.path == Path("/")

    def host_path(self, inside: str) -> Path:
        """Where a path inside the root is on the host."""
        return self.path / str(inside).lstrip("/")

    def command(self, argv: List[str], binds: Iterable[str] = ()) -> List[str]:
        return root_command(self.path, argv, binds)

    def exists(self) -> bool:
        return self.host_path(self.kodi_bin).is_file() if self.kodi_bin else False


def _find_kodi_bin(path: Path) -> str:
    found = sorted(Path(path).glob("usr/lib/*/kodi/kodi.bin"))
    return ("/" + str(found[0].relative_to(path))) if found else ""


def package_version(debian_version: str) -> str:
    """"2:21.2+dfsg-4" -> "21.2" (Kodi's major.minor from a Debian package version)."""
    m = re.match(r"(?:\d+:)?(\d+\.\d+)", debian_version.strip())
    return m.group(1) if m else ""


_HOST_PYTHON = []  # type: List[str]
_PRINT_VERSION = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


def _host_python() -> str:
    """The system python3's version: the Python the host's Kodi embeds (not this process's)."""
    if not _HOST_PYTHON:
        try:
            out = subprocess.run(["/usr/bin/python3", "-c", _PRINT_VERSION], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        _HOST_PYTHON.append(out)
    return _HOST_PYTHON[0]


def kodi_root(version: Optional[str] = None) -> KodiRoot:
    """The Kodi to run: `version` (19.1, 20.1, 21.2); else KODI_ROOT (a root directory, "/" for
    the host); else the host's Kodi."""
    if version is None:
        env_root = os.environ.get("KODI_ROOT")
        if env_root and Path(env_root) != Path("/"):
            path = Path(env_root)
            stamp = _stamp_at(path) or {}
            return _built_root(path, package_version(stamp.get("kodi_package", "")) or "?", stamp)
        version = HOST_VERSION
    path = root_path(version)
    if version == HOST_VERSION:
        return KodiRoot(path, version, _find_kodi_bin(path), _host_python())
    return _built_root(path, version, read_stamp(version) or {})


def _built_root(path: Path, version: str, stamp: dict) -> KodiRoot:
    return KodiRoot(path, version, stamp.get("kodi_bin") or _find_kodi_bin(path), stamp.get("python", ""))


def selected_versions() -> List[str]:
    """KODI_VERSIONS (e.g. "20.1" or "19.1,21.2") narrows the real-Kodi matrix; default: all."""
    raw = os.environ.get("KODI_VERSIONS", "").replace(",", " ").split()
    unknown = [v for v in raw if v not in ALL_VERSIONS]
    if unknown:
        raise RootError("KODI_VERSIONS: unknown version(s) %s (known: %s)" % (
            " ".join(unknown), " ".join(ALL_VERSIONS)))
    return [v for v in ALL_VERSIONS if v in raw] if raw else list(ALL_VERSIONS)


# ------------------------------------------------------------------ the machine's Debian mirror
def _deb822_paragraphs(text: str) -> Iterable[Dict[str, str]]:
    para = {}  # type: Dict[str, str]
    key = None
    for line in text.splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if para:
                yield para
            para, key = {}, None
        elif line[0] in " \t" and key:
            para[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            para[key] = value.strip()


def debian_mirror_from(sources: Dict[str, str]) -> Optional[str]:
    """The first `deb` URI serving a Debian release suite with `main` (not -security/-updates).

    sources maps a file name to its text (deb822 `.sources` or one-line `.list` format)."""
    for name, text in sources.items():
        if name.endswith(".sources"):
            entries = [
                (p.get("types", "").split(), p.get("uris", "").split(), p.get("suites", "").split(),
                 p.get("components", "").split(), p.get("enabled", "yes").lower() != "no")
                for p in _deb822_paragraphs(text)
            ]
        else:
            entries = []
            for line in text.splitlines():
                line = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
                if len(line) >= 4:
                    entries.append(([line[0]], [line[1]], [line[2]], line[3:], True))
        for types, uris, suites, components, enabled in entries:
            if not enabled or "deb" not in types or "main" not in components:
                continue
            if any("-" not in s and "/" not in s for s in suites):  # a release, not -security/-updates
                for uri in uris:
                    if uri.startswith(("http://", "https://", "file:/")):
                        return uri.rstrip("/")
    return None


def debian_mirror() -> str:
    import glob

    sources = {}
    for pattern in SOURCE_FILES:
        for name in sorted(glob.glob(pattern)):
            try:
                sources[name] = Path(name).read_text()
            except OSError:
                pass
    mirror = debian_mirror_from(sources)
    if not mirror:
        raise RootError("no Debian mirror with a release suite and 'main' in %s" % ", ".join(SOURCE_FILES))
    return mirror


def _host_apt_options() -> List[str]:
    """The host's apt settings that make its mirror usable (e.g. Check-Valid-Until for a
    snapshot mirror), carried into the root's apt as they are."""
    lines = []
    for key in ("Acquire::Check-Valid-Until", "Acquire::Check-Date", "Acquire::http::Proxy",
                "Acquire::https::Proxy"):
        try:
            out = subprocess.run(["apt-config", "dump", key], capture_output=True, text=True,
                                 timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for line in out.splitlines():
            if line.lower().startswith(key.lower() + " "):
                lines.append(line.strip())
    return lines


# ------------------------------------------------------------------ building
def _log(msg: str) -> None:
    print("kodi-roots: %s" % msg, flush=True)


# The mount namespace script: proc, sys and /dev, then each bind (a host path, then where inside
# the root; mkdir -p first), then chroot and exec. unshare without --fork and sh's `exec` keep the PID,
# so the PID a caller holds is the final program's own; its mounts vanish when it exits.
_CHROOT_SCRIPT = (
    'set -e; r="$1"; shift; '
    'mount -t proc proc "$r/proc"; mount -t sysfs sys "$r/sys"; mount --rbind /dev "$r/dev"; '
    'while [ "$1" != "--" ]; do mkdir -p "$r$2"; mount --rbind "$1" "$r$2"; shift 2; done; shift; '
    'exec chroot "$r" "$@"'
)


def root_command(root: Path, argv: List[str], binds: Iterable = ()) -> List[str]:
    """argv run chrooted into root with proc/sys/dev mounted and each of `binds` (a host path,
    seen at the same path inside; or a (host path, path inside) pair) bind-mounted, in a private
    mount namespace (nothing stays mounted). The root "/" (the host) runs argv as it is."""
    if Path(root) == Path("/"):
        return list(argv)
    pairs = []  # type: List[str]
    for b in binds:
        src, dst = (b, b) if isinstance(b, (str, Path)) else b
        src, dst = str(Path(src).resolve()), str(dst)
        if not dst.startswith("/") or Path(dst) == Path("/") or ".." in Path(dst).parts:
            raise RootError("bind target must be an absolute path below /: %r" % dst)
        pairs += [src, dst]
    return (["unshare", "--mount", "--propagation", "private", "sh", "-c", _CHROOT_SCRIPT, "sh", str(root)]
            + pairs + ["--"] + list(argv))


def in_root(root: Path, argv: List[str], env: Optional[Dict[str, str]] = None, binds: Iterable[str] = (),
            **kw) -> subprocess.CompletedProcess:
    base_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root",
                "DEBIAN_FRONTEND": "noninteractive"}
    base_env.update(env or {})
    return subprocess.run(root_command(root, argv, binds), env=base_env, **kw)


def _mounted_under(path: Path) -> List[str]:
    prefix = str(path.resolve()).rstrip("/") + "/"
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    return [ln.split()[1] for ln in lines if len(ln.split()) > 1 and (ln.split()[1] + "/").startswith(prefix)]


def _apt_install(root: Path, packages: Iterable[str]) -> None:
    packages = list(packages)
    _log("%s: apt-get install %s" % (root.name, " ".join(packages)))
    for argv in (["apt-get", "update", "-qq"],
                 ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + packages,
                 ["apt-get", "clean"]):
        res = in_root(root, argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      text=True)
        if res.returncode != 0:
            raise RootError("%s in %s failed (exit %d):\n%s" % (" ".join(argv[:2]), root, res.returncode,
                                                                  res.stdout[-4000:]))


def _finish(root: Path) -> None:
    """Files a minbase root lacks that Kodi needs."""
    hosts = root / "etc/hosts"
    if not hosts.exists() or "localhost" not in hosts.read_text():
        hosts.write_text(HOSTS)


def _describe(root: Path) -> dict:
    def query(argv: List[str]) -> str:
        res = in_root(root, argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        return res.stdout.strip()

    kodi_bin = query(["sh", "-c", "ls /usr/lib/*/kodi/kodi.bin | head -n1"])
    return {
        "kodi_package": query(["dpkg-query", "-W", "-f", "${Version}", "kodi"]),
        "kodi_bin": kodi_bin,
        "python": query(["python3", "-c", _PRINT_VERSION]),
    }


def build(version: str) -> Path:
    """Build VERSION's root unless it is ready; returns its path. Needs root (debootstrap, chroot)."""
    if version == HOST_VERSION:
        return Path("/")
    dest = root_path(version)
    if is_ready(version):
        return dest
    if os.geteuid() != 0:
        raise RootError("building the Kodi %s root needs root (debootstrap, chroot): run "
                        "`sudo make kodi-roots`, or point KODI_ROOTS_DIR at built roots" % version)
    for tool in ("debootstrap", "unshare", "chroot"):
        if not shutil.which(tool):
            raise RootError("%s is missing (apt-get install debootstrap util-linux coreutils)" % tool)
    suite = SUITES[version]
    dest.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    if dest.exists():
        # Ready once but the package list grew, or stopped after debootstrap: apt-get adds what
        # is missing in place.
        _apt_install(dest, PACKAGES)
    else:
        partial = dest.with_name(dest.name + ".partial")
        if partial.exists():
            mounts = _mounted_under(partial)
            if mounts:
                raise RootError("refusing to delete %s: still mounted: %s" % (partial, " ".join(mounts)))
            _log("removing an interrupted build %s" % partial)
            shutil.rmtree(partial)
        mirror = debian_mirror()
        _log("Kodi %s: debootstrap %s from the machine's apt mirror %s into %s" % (
            version, suite, mirror, partial))
        res = subprocess.run(["debootstrap", "--variant=minbase", suite, str(partial), mirror],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        if res.returncode != 0:
            raise RootError("debootstrap %s failed (exit %d):\n%s" % (
                suite, res.returncode, res.stdout[-4000:]))
        options = _host_apt_options()
        if options:
            (partial / "etc/apt/apt.conf.d/99host-mirror").write_text("\n".join(options) + "\n")
        # No daemons start while packages install (dbus, pulseaudio would otherwise try).
        policy = partial / "usr/sbin/policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        _apt_install(partial, PACKAGES)
        partial.rename(dest)
    _finish(dest)
    info = _describe(dest)
    info.update({"version": version, "suite": suite, "packages": sorted(PACKAGES), "layout": LAYOUT,
                 "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "build_seconds": round(time.monotonic() - t0, 1)})
    if package_version(info["kodi_package"]) != version:
        raise RootError("%s's kodi is %r, not %s" % (suite, info["kodi_package"], version))
    (dest / STAMP).write_text(json.dumps(info, indent=1) + "\n")
    _log("Kodi %s root ready in %.0f s: %s (Python %s)" % (
        version, info["build_seconds"], dest, info["python"]))
    return dest


# ------------------------------------------------------------------ the fast tests, the root's Python
REPO_ROOT = Path(__file__).resolve().parents[1]
ROOT_SITE = REPO_ROOT / "build" / "kodi-roots-site"
# Pure-Python test dependencies Debian's packages lack, copied from the Python running this
# (the project's venv): Kodistubs (the signature checks) and segno (the vendored QR code).
COPIED_DISTRIBUTIONS = ("Kodistubs", "segno")


def stage_site(target: Path = ROOT_SITE) -> Path:
    """Copy COPIED_DISTRIBUTIONS (code and metadata) from this Python into target (mounted as the root's
    /usr/local/lib/python3.X/dist-packages: on sys.path of every python3 there, subprocesses
    that drop PYTHONPATH included)."""
    from importlib import metadata

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in COPIED_DISTRIBUTIONS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise RootError("%s is not installed in %s (make venv)" % (name, sys.executable)) from None
        for f in dist.files or ():
            if "__pycache__" not in f.parts and not f.suffix == ".pyc" and f.locate().is_file():
                dst = target / f
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(str(f.locate()), str(dst))
    return target


# pyproject's `pythonpath = ["lib", "."]` for pytest < 7 (bullseye has 6.0), which does not know
# the option: put them first on sys.path of the pytest process only, as the option does, and
# declare the key there so pytest 6 does not warn about it.
_PYTEST_MAIN = """\
import sys
sys.argv[0] = "pytest"
sys.path[:0] = ["lib", "."]
import pytest


class PythonPathKey:
    def pytest_addoption(self, parser):
        parser.addini("pythonpath", "(set on sys.path by tools/kodi_roots for pytest < 7)", type="args")


old = int(pytest.__version__.split(".")[0]) < 7
sys.exit(pytest.main(plugins=[PythonPathKey()] if old else []))
"""


def run_fast_tests(version: str, args: List[str]) -> int:
    """pytest of everything outside tests/realkodi, run by the root's own python3 (Debian's
    python3-pytest/-hypothesis/-requests), on this working tree bind-mounted at its own path."""
    if version == HOST_VERSION:
        raise RootError("the host's Python runs the fast tests already (make pytest)")
    if not is_ready(version):
        raise RootError("Kodi %s root is not built (make kodi-roots)" % version)
    root = kodi_root(version)
    site = stage_site(ROOT_SITE.with_name("%s-%s" % (ROOT_SITE.name, version)))  # roots run side by side
    major_minor = ".".join(root.python.split(".")[:2])
    argv = ["sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", str(REPO_ROOT),
            "python3", "-c", _PYTEST_MAIN, "-p", "no:cacheprovider", "--ignore=tests/realkodi"] + list(args)
    env = {"PYTHONDONTWRITEBYTECODE": "1", "HOME": "/root", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}
    binds = [str(REPO_ROOT), "/tmp", (str(site), "/usr/local/lib/python%s/dist-packages" % major_minor)]
    _log("fast tests under Kodi %s's Python %s (%s)" % (version, root.python, root.path))
    return in_root(root.path, argv, env=env, binds=binds).returncode


def build_all(versions: Iterable[str]) -> None:
    versions = list(versions)
    if all(is_ready(v) for v in versions):
        return  # nothing to do, and no lock to take (a user who is not root may run this)
    d = roots_dir()
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # CI and a developer may build at once: one builds, one waits
        for v in versions:
            build(v)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tools.kodi_roots", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("versions", nargs="*", default=sorted(SUITES))
    sub.add_parser("status")
    p = sub.add_parser("path")
    p.add_argument("version")
    sub.add_parser("mirror")
    t = sub.add_parser("pytest")
    t.add_argument("version")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    try:
        if args.cmd == "build":
            build_all(args.versions)
        elif args.cmd == "path":
            if not is_ready(args.version):
                print("Kodi %s root is not built (make kodi-roots)" % args.version, file=sys.stderr)
                return 1
            print(root_path(args.version))
        elif args.cmd == "mirror":
            print(debian_mirror())
        elif args.cmd == "pytest":
            return run_fast_tests(args.version, args.pytest_args)
        else:
            for v in ALL_VERSIONS:
                stamp = read_stamp(v) or {}
                print("Kodi %-5s %-6s %s %s" % (v, "ready" if is_ready(v) else "absent", root_path(v),
                                                 ("Python %s" % stamp["python"]) if stamp else ""))
    except RootError as exc:
        print("kodi-roots: error: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
