"""Build the Kodi addon repository: a static folder any web server can serve, and the
installable repository addon `repository.simkl.resume` that points Kodi at it.

    REPO_URL=https://example.org/kodi/ make repo       # or: python -m tools.build_repo --url URL
    python -m tools.serve_repo --dir build/repo --port 8080    # try it (REPO_URL=http://HOST:8080/)

The folder (default build/repo/):
    addons.xml                  every addon's addon.xml (ours with its <news> from CHANGELOG.md)
    addons.xml.md5              its MD5 as hex text: Kodi compares it to decide whether to refetch
    index.html                  in every folder: its listing, for Kodi's "Add source" browsing
    repository.simkl.resume-<v>.zip                          the zip users install first
    <id>/<id>-<version>.zip     one zip per addon and version (older versions stay), plus
    <id>/<id>-<version>.zip.sha256                           its SHA-256 (<hashes> in the repo addon)
    <id>/<asset>                the icon/fanart of addon.xml's <assets>, where Kodi looks for them
for <id> in plugin.video.simkl.resume, repository.simkl.resume and script.module.requests. The
last one is there for the Kodis that cannot get it from Kodi's own repository (Debian's kodi
without kodi-repository-kodi, a box without internet): built from the `requests` (+ urllib3,
idna, certifi, charset_normalizer) of the Python running the build, like the real-Kodi tests'
(tools/realkodi/addons.build_requests_module), or from `--requests-module DIR` (an addon
folder built for another Python, e.g. Kodi 19's 3.9). It is numbered REQUESTS_VERSION, the
lowest version this addon accepts, so that wherever Kodi's own repository is reachable its
script.module.requests is the newer one and wins.

The unpacked repository addon is also left in build/repository.simkl.resume/ for
kodi-addon-checker (`make check` checks it too).
"""
import argparse
import hashlib
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Mapping, Optional
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from tools import build_zip

ROOT = build_zip.ROOT
REPO_ID = "repository.simkl.resume"
REPO_VERSION = "1.0.0"  # raise it when the repository addon itself changes (its URL, its text)
REPO_NAME = "Resume from Simkl repository"
REQUESTS_ID = "script.module.requests"
REQUESTS_VERSION = "2.22.0"  # = the minimum plugin.video.simkl.resume's addon.xml imports
DEFAULT_URL = "http://127.0.0.1:8080/"
PROVIDER = "simkl-resume maintainers"


class RepoError(Exception):
    pass


def normalize_url(url: str) -> str:
    url = url.strip()
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        raise RepoError("the repository URL must be an http(s) URL, not %r" % url)
    return url if url.endswith("/") else url + "/"


def repository_addon_xml(url: str) -> str:
    url = normalize_url(url)
    return """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<addon id="{id}" name="{name}" version="{version}" provider-name="{provider}">
  <extension point="xbmc.addon.repository" name="{name}">
    <dir>
      <info compressed="false">{info}</info>
      <checksum>{checksum}</checksum>
      <datadir zip="true">{datadir}</datadir>
      <hashes>sha256</hashes>
    </dir>
  </extension>
  <extension point="xbmc.addon.metadata">
    <summary lang="en_GB">Installs and updates Resume from Simkl</summary>
    <description lang="en_GB">The addon repository of Resume from Simkl (plugin.video.simkl.resume): \
install the addon from it with Add-ons, Install from repository, and Kodi keeps it up to date by itself.\
</description>
    <disclaimer lang="en_GB">Not affiliated with Simkl.</disclaimer>
    <platform>all</platform>
    <license>GPL-3.0-or-later</license>
    <assets>
      <icon>icon.png</icon>
      <fanart>fanart.jpg</fanart>
    </assets>
  </extension>
</addon>
""".format(id=REPO_ID, name=escape(REPO_NAME), version=REPO_VERSION, provider=escape(PROVIDER),
           info=escape(url + "addons.xml"), checksum=escape(url + "addons.xml.md5"), datadir=escape(url))


def write_repository_addon(target: Path, url: str, root: Path = ROOT) -> Path:
    """The unpacked repository addon in `target` (a folder named REPO_ID)."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(str(target))
    target.mkdir(parents=True)
    (target / "addon.xml").write_text(repository_addon_xml(url), encoding="utf-8")
    shutil.copy(str(Path(root) / "resources" / "icon.png"), str(target / "icon.png"))
    shutil.copy(str(Path(root) / "resources" / "fanart.jpg"), str(target / "fanart.jpg"))
    shutil.copy(str(Path(root) / "LICENSE.txt"), str(target / "LICENSE.txt"))
    return target


def requests_module(target_parent: Path, source: Optional[Path] = None) -> Path:
    """script.module.requests (unpacked) under `target_parent`: a copy of `source`, or built from
    the running Python's packages; its addon.xml says what it bundles, numbered REQUESTS_VERSION."""
    from tools.realkodi import addons as realkodi_addons

    target_parent = Path(target_parent)
    if source is not None:
        target = target_parent / REQUESTS_ID
        if target.exists():
            shutil.rmtree(str(target))
        shutil.copytree(str(source), str(target), ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:
        target = realkodi_addons.build_requests_module(target_parent)
    versions = ["%s %s" % (p.name, realkodi_addons.package_version(p) or "?")
                for p in sorted((target / "lib").iterdir()) if p.is_dir()]
    (target / "addon.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<addon id="%s" name="requests" version="%s" provider-name=%s>\n'
        '  <requires><import addon="xbmc.python" version="3.0.0"/></requires>\n'
        '  <extension point="xbmc.python.module" library="lib"/>\n'
        '  <extension point="xbmc.addon.metadata">\n'
        '    <summary lang="en_GB">Python HTTP for Humans (bundled: %s)</summary>\n'
        '    <description lang="en_GB">For Kodis that cannot reach Kodi\'s own repository. Numbered %s on'
        " purpose: wherever Kodi's repository is reachable, its script.module.requests is newer and"
        " wins.</description>\n"
        "    <platform>all</platform>\n"
        "    <license>Apache-2.0</license>\n"
        "  </extension>\n"
        "</addon>\n" % (REQUESTS_ID, REQUESTS_VERSION, quoteattr(PROVIDER), escape(", ".join(versions)),
                        REQUESTS_VERSION),
        encoding="utf-8")
    return target


def zip_addon(folder: Path, zip_path: Path) -> Path:
    """Zip an unpacked addon folder as Kodi wants it (everything under <id>/), reproducibly."""
    folder = Path(folder)
    files = [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]
    return build_zip.write_zip(zip_path, folder.name, ((rel, path.read_bytes()) for rel, path in files
                                                       if "__pycache__" not in rel.split("/")
                                                       and not rel.endswith((".pyc", ".pyo"))))


def _addon_element(folder: Path) -> str:
    text = (Path(folder) / "addon.xml").read_text(encoding="utf-8")
    text = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", text)
    ET.fromstring(text)  # well-formed, or ParseError
    return text.strip()


def _publish(folder: Path, out: Path) -> Dict[str, str]:
    """Copy one unpacked addon into the repository folder: its versioned zip (+ .sha256) and
    the assets Kodi shows from the repository. Returns {"id", "version", "zip"}."""
    root = ET.parse(str(Path(folder) / "addon.xml")).getroot()
    addon_id, version = root.get("id"), root.get("version")
    zip_path = zip_addon(Path(folder), out / addon_id / ("%s-%s.zip" % (addon_id, version)))
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    Path(str(zip_path) + ".sha256").write_text(digest + "\n", encoding="ascii")
    for node in root.findall("./extension[@point='xbmc.addon.metadata']/assets/*"):
        if node.text and (Path(folder) / node.text).is_file():
            target = out / addon_id / node.text
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(str(Path(folder) / node.text), str(target))
    return {"id": addon_id, "version": version, "zip": str(zip_path)}


def build_repo(out: Path, url: str, root: Path = ROOT, env: Optional[Mapping[str, str]] = None,
               requests_source: Optional[Path] = None, with_requests: bool = True,
               build_dir: Optional[Path] = None, log=None) -> List[Dict[str, str]]:
    """Build (or update) the repository folder `out`; returns what was published."""
    log = log or (lambda msg: print(msg, file=sys.stderr))
    out = Path(out)
    url = normalize_url(url)
    build_dir = Path(build_dir) if build_dir else out.parent
    out.mkdir(parents=True, exist_ok=True)
    published = []
    with tempfile.TemporaryDirectory(prefix="build-repo-") as tmp:
        build_zip.build_zip(Path(tmp), Path(root), env=env, unpacked=True, log=log)
        addon_dir = Path(tmp) / build_zip.addon_info(Path(root))["id"]
        folders = [addon_dir, write_repository_addon(build_dir / REPO_ID, url, root)]
        if with_requests:
            folders.append(requests_module(Path(tmp) / "requests", requests_source))
        for folder in folders:
            published.append(_publish(folder, out))
        elements = [_addon_element(folder) for folder in folders]
    data = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<addons>\n%s\n</addons>\n'
            % "\n".join(elements)).encode("utf-8")
    (out / "addons.xml").write_bytes(data)
    (out / "addons.xml.md5").write_text(hashlib.md5(data).hexdigest(), encoding="ascii")  # noqa: S324
    repo_zip = Path(published[1]["zip"])
    shutil.copy(str(repo_zip), str(out / repo_zip.name))
    write_indexes(out)
    return published


def write_indexes(out: Path) -> None:
    """index.html in every folder, listing ALL its entries the way Kodi's HTTP directory reader
    parses them (`<a href="x">x</a>` followed by text). All, not only the zips: Kodi caches a
    listing it browsed ("Install from zip file") and then refuses to open a file of that folder
    the listing did not name (addons.xml.md5: "CRepository: failed read")."""
    for folder in [Path(out)] + sorted(p for p in Path(out).rglob("*") if p.is_dir()):
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()
                       if p.name != "index.html")
        title = escape(REPO_NAME if folder == Path(out) else folder.name)
        rows = "".join('<li><a href="%s">%s</a></li>\n' % (quote(n), escape(n)) for n in names)
        (folder / "index.html").write_text(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head><body>\n"
            "<h1>%s</h1>\n<ul>\n%s</ul>\n</body></html>\n" % (title, title, rows), encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "repo"),
                        help="repository folder (default build/repo)")
    parser.add_argument("--url", default=os.environ.get("REPO_URL", ""),
                        help="where the folder will be served (default: $REPO_URL)")
    parser.add_argument("--root", default=str(ROOT), help="addon source tree (default: this repo)")
    parser.add_argument("--requests-module", help="a script.module.requests folder to publish instead of "
                        "building one from this Python's packages")
    parser.add_argument("--no-requests", action="store_true", help="publish no script.module.requests")
    args = parser.parse_args(argv)
    url = args.url
    if not url:
        url = DEFAULT_URL
        print("build_repo: WARNING: REPO_URL is not set: the repository addon points at %s "
              "(fine for `python -m tools.serve_repo --dir %s` on this machine only)" % (url, args.out),
              file=sys.stderr)
    try:
        published = build_repo(Path(args.out), url, Path(args.root),
                               requests_source=Path(args.requests_module) if args.requests_module else None,
                               with_requests=not args.no_requests)
    except (RepoError, build_zip.BuildError, OSError, ET.ParseError, RuntimeError) as exc:
        print("build_repo: error: %s" % exc, file=sys.stderr)
        return 1
    for item in published:
        print("published %s %s -> %s" % (item["id"], item["version"], os.path.relpath(item["zip"])))
    print("repository folder %s (serve it at %s)" % (os.path.relpath(args.out), normalize_url(url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
