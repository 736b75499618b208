"""Addons a sandboxed Kodi needs: ours, script.module.requests, and a small probe script.

- `stage_addon` copies only what Kodi needs of this repo (addon.xml, default.py,
  service.py, lib/, resources/) without caches, plus the third-party code the zip build
  vendors (segno for the sign-in QR code: tools/build_zip.vendored_files), so real Kodi
  runs what the zip ships.
- `build_requests_module` wraps the `requests` installed in the Python running the tests
  (plus urllib3, idna, certifi, charset_normalizer) as an `xbmc.python.module` addon (for a
  Kodi root: the root's Debian python3-requests, which its Kodi's Python can import):
  Debian's Kodi ships none of them (ls /usr/share/kodi/addons). Only .py/.pem/.typed
  files are copied: compiled extensions (charset_normalizer's mypyc .so) are built for
  the test interpreter, not necessarily Kodi's; the pure-Python fallbacks are used.
- `TEST_PLAYER_DIR` is tests/testplugin/plugin.video.simkl.testplayer, the test-only plugin
  that plays a clip the way other addons do (uniqueids, script.trakt.ids, ...): stage it with
  `KodiInstance(..., extra_addons=[TEST_PLAYER_DIR])` (stage_addon copies it like ours).
- `stage_probe_addon` writes `script.realkodi.probe`: Kodi runs it with
  Addons.ExecuteAddon {wait: true, params: [code_file, result_file]}; it execs the code in
  Kodi's own interpreter and writes {"ok", "result", "error"} as JSON (KodiInstance.run_python).
"""
import importlib
import os
import re
import shutil
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape

from tools import build_zip

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDON_ID = "plugin.video.simkl.resume"
REQUESTS_ADDON_ID = "script.module.requests"
PROBE_ADDON_ID = "script.realkodi.probe"
TEST_PLAYER_ID = "plugin.video.simkl.testplayer"
TEST_PLAYER_DIR = REPO_ROOT / "tests" / "testplugin" / TEST_PLAYER_ID
ADDON_FILES = ("addon.xml", "default.py", "service.py", "lib", "resources")
REQUESTS_PACKAGES = ("requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", "*.so", "*.pyd")


def addon_id_of(addon_dir: Path) -> str:
    text = (Path(addon_dir) / "addon.xml").read_text(encoding="utf-8")
    m = re.search(r"<addon\b[^>]*\bid=\"([^\"]+)\"", text)
    if not m:
        raise ValueError("no addon id in %s/addon.xml" % addon_dir)
    return m.group(1)


def stage_addon(addons_dir: Path, source: Path = REPO_ROOT) -> Path:
    """Copy the addon at `source` into `addons_dir/<id>`; returns the target directory."""
    source = Path(source)
    target = Path(addons_dir) / addon_id_of(source)
    if target.exists():
        shutil.rmtree(str(target))
    target.mkdir(parents=True)
    for name in ADDON_FILES:
        src = source / name
        if src.is_dir():
            shutil.copytree(str(src), str(target / name), ignore=_IGNORE)
        elif src.is_file():
            shutil.copy2(str(src), str(target / name))
    vendor = target / build_zip.VENDOR_DIR
    if vendor.exists():  # a stray copy in the tree: use the build's, as the zip does
        shutil.rmtree(str(vendor))
    if not vendor.parent.is_dir():  # not our addon (a test's tiny addon): nothing to vendor
        return target
    for rel, data in build_zip.vendored_files(log=lambda msg: None).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


def _package_dir(name: str):
    try:
        mod = importlib.import_module(name)
    except ImportError:
        return None, None
    return Path(mod.__file__).parent, getattr(mod, "__version__", "0")


_VERSION_FILES = ("__version__.py", "_version.py", "version.py", "package_data.py", "__init__.py")
# `__version__ = "1.2"`, also chained as urllib3 writes it: `__version__ = version = "1.2"`
_VERSION_LINE = re.compile(r"^__version__\s*=\s*(?:\w+\s*=\s*)*['\"]([^'\"]+)", re.M)


def package_version(pkg: Path) -> Optional[str]:
    """The version a package folder declares (`__version__` in one of its usual files), or None."""
    for name in _VERSION_FILES:
        candidate = Path(pkg) / name
        if candidate.is_file():
            m = _VERSION_LINE.search(candidate.read_text(encoding="utf-8"))
            if m:
                return m.group(1)
    return None


def _root_package_dir(root, name: str):
    """A package of Debian's python3-* inside a Kodi root, and its version."""
    pkg = root.host_path("/usr/lib/python3/dist-packages") / name
    if not (pkg / "__init__.py").is_file():
        return None, None
    return pkg, package_version(pkg) or "0"


def build_requests_module(addons_dir: Path, root=None) -> Path:
    """Write script.module.requests; returns its directory. The packages come from the Python
    running the tests, or, for a Kodi root (tools.kodi_roots.KodiRoot, not the host), from the
    root's own Debian python3-requests: the host's may need a newer Python than the root's Kodi
    embeds (Kodi 19.1: 3.9)."""
    def find(name):
        if root is not None and not root.is_host:
            return _root_package_dir(root, name)
        return _package_dir(name)

    req_dir, version = find("requests")
    if req_dir is None:
        if root is not None and not root.is_host:
            raise RuntimeError("the Kodi %s root has no python3-requests (make kodi-roots)" % root.version)
        raise RuntimeError("the test environment needs `requests` installed (pip install requests)")
    target = Path(addons_dir) / REQUESTS_ADDON_ID
    if target.exists():
        shutil.rmtree(str(target))
    lib = target / "lib"
    lib.mkdir(parents=True)
    bundled = []  # type: List[str]
    for name in REQUESTS_PACKAGES:
        pkg_dir, pkg_version = find(name)
        if pkg_dir is None:
            continue
        shutil.copytree(str(pkg_dir), str(lib / name), ignore=_IGNORE)
        bundled.append("%s %s" % (name, pkg_version))
    (target / "addon.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<addon id="%s" name="requests" version="%s" provider-name="realkodi harness">\n'
        '  <requires><import addon="xbmc.python" version="3.0.0"/></requires>\n'
        '  <extension point="xbmc.python.module" library="lib"/>\n'
        '  <extension point="xbmc.addon.metadata">\n'
        "    <summary lang=\"en_GB\">requests for tests: %s</summary>\n"
        "    <platform>all</platform>\n"
        "  </extension>\n"
        "</addon>\n" % (REQUESTS_ADDON_ID, version, escape(", ".join(bundled))),
        encoding="utf-8",
    )
    return target


PROBE_SCRIPT = '''\
import json
import sys
import traceback

import xbmc

code_path, out_path = sys.argv[1], sys.argv[2]
ns = {"__name__": "__realkodi_probe__"}
try:
    with open(code_path, encoding="utf-8") as f:
        source = f.read()
    exec(compile(source, code_path, "exec"), ns)
    reply = {"ok": True, "result": ns.get("result")}
except Exception:
    reply = {"ok": False, "error": traceback.format_exc()}
try:
    text = json.dumps(reply)
except (TypeError, ValueError):
    reply["result"] = repr(reply.get("result"))
    text = json.dumps(reply)
tmp = out_path + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write(text)
import os
os.replace(tmp, out_path)
xbmc.log("realkodi-probe: %s -> %s" % (code_path, text[:2000]), xbmc.LOGINFO)
'''


def stage_probe_addon(addons_dir: Path, requires_requests: bool = True) -> Path:
    target = Path(addons_dir) / PROBE_ADDON_ID
    requests_import = '<import addon="%s" version="2.22.0"/>' % REQUESTS_ADDON_ID if requires_requests else ""
    if target.exists():
        shutil.rmtree(str(target))
    target.mkdir(parents=True)
    (target / "addon.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<addon id="%s" name="realkodi probe" version="1.0.0" provider-name="realkodi harness">\n'
        '  <requires><import addon="xbmc.python" version="3.0.0"/>%s</requires>\n'
        '  <extension point="xbmc.python.script" library="probe.py">'
        "<provides>executable</provides></extension>\n"
        '  <extension point="xbmc.addon.metadata"><summary lang="en_GB">test probe</summary>'
        "<platform>all</platform></extension>\n"
        "</addon>\n" % (PROBE_ADDON_ID, requests_import),
        encoding="utf-8",
    )
    (target / "probe.py").write_text(PROBE_SCRIPT, encoding="utf-8")
    os.chmod(str(target / "probe.py"), 0o644)
    return target
