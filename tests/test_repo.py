"""`make repo`: the static repository folder and the repository addon (tools/build_repo.py), and
the static server the real-Kodi test serves it with (tools/serve_repo.py)."""
import hashlib
import re
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests._releases import newer_tree
from tools import build_repo
from tools.serve_repo import RepoServer

ROOT = Path(__file__).resolve().parent.parent
URL = "http://127.0.0.1:8765/kodi/"
ADDON_ID = "plugin.video.simkl.resume"
REPO_ID = build_repo.REPO_ID


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    base = tmp_path_factory.mktemp("repo")
    out = base / "repo"
    build_repo.build_repo(out, URL, ROOT, env={"SIMKL_CLIENT_ID": "repo-test"}, log=lambda m: None)
    return out


def _addons(repo_dir):
    return {a.get("id"): a for a in ET.parse(str(repo_dir / "addons.xml")).getroot()}


def test_repository_folder_lists_the_addon_the_repository_and_requests_with_their_zips(repo):
    addons = _addons(repo)
    version = ET.parse(str(ROOT / "addon.xml")).getroot().get("version")
    assert {k: a.get("version") for k, a in addons.items()} == {
        ADDON_ID: version, REPO_ID: build_repo.REPO_VERSION,
        "script.module.requests": build_repo.REQUESTS_VERSION}
    for addon_id, node in addons.items():
        zip_path = repo / addon_id / ("%s-%s.zip" % (addon_id, node.get("version")))
        with zipfile.ZipFile(str(zip_path)) as zf:
            names = zf.namelist()
            assert all(n.startswith(addon_id + "/") for n in names), names[:3]
            inner = ET.fromstring(zf.read(addon_id + "/addon.xml"))
        assert inner.get("version") == node.get("version")
        digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
        assert Path(str(zip_path) + ".sha256").read_text().strip() == digest
    assert (repo / ("%s-%s.zip" % (REPO_ID, build_repo.REPO_VERSION))).is_file()  # the one users fetch first


def test_addons_xml_md5_is_the_hex_md5_of_addons_xml_as_kodi_compares_it(repo):
    expected = hashlib.md5((repo / "addons.xml").read_bytes()).hexdigest()  # noqa: S324 - Kodi's choice
    assert (repo / "addons.xml.md5").read_text() == expected


def test_addon_news_in_addons_xml_comes_from_changelog_md(repo):
    from tools import changelog

    node = _addons(repo)[ADDON_ID]
    news = node.find("./extension[@point='xbmc.addon.metadata']/news").text
    assert news == changelog.news((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), node.get("version"))


def test_repository_addon_points_kodi_at_the_served_folder_with_sha256_hashes(repo):
    node = _addons(repo)[REPO_ID]
    folder = node.find("./extension[@point='xbmc.addon.repository']/dir")
    assert folder.find("info").text == URL + "addons.xml"
    assert folder.find("checksum").text == URL + "addons.xml.md5"
    assert folder.find("datadir").text == URL and folder.find("datadir").get("zip") == "true"
    assert folder.find("hashes").text == "sha256"
    assert (repo.parent / REPO_ID / "addon.xml").is_file()  # unpacked, for kodi-addon-checker
    for asset in ("icon.png", "fanart.jpg"):
        assert (repo / REPO_ID / asset).is_file()
    assert (repo / ADDON_ID / "resources" / "icon.png").is_file()


def test_every_folder_has_an_index_naming_all_its_entries(repo):
    for folder in [repo] + [p for p in repo.rglob("*") if p.is_dir()]:
        index = (folder / "index.html").read_text(encoding="utf-8")
        linked = set(re.findall(r'<a href="([^"]+)">\1</a></li>', index))
        expected = {p.name + ("/" if p.is_dir() else "") for p in folder.iterdir() if p.name != "index.html"}
        assert linked == expected, folder


def test_the_bundled_requests_module_says_what_it_bundles_and_is_numbered_to_lose_to_kodis_own(repo):
    node = _addons(repo)["script.module.requests"]
    summary = node.find("./extension[@point='xbmc.addon.metadata']/summary").text
    assert "requests " in summary and "urllib3 " in summary
    assert node.get("version") == "2.22.0"
    addon = ET.parse(str(ROOT / "addon.xml")).getroot()
    ours = addon.find("./requires/import[@addon='script.module.requests']")
    assert ours.get("version") == build_repo.REQUESTS_VERSION


def test_the_requests_module_summary_names_the_version_of_every_bundled_package(tmp_path):
    source = tmp_path / "source"
    declared = {"requests": ("__version__.py", '__version__ = "2.31.0"\n'),
                "urllib3": ("_version.py", "__version__ = version = '2.2.3'\n"),   # urllib3 2.x
                "idna": ("package_data.py", "__version__ = '3.7'\n")}               # idna 3.x
    for name, (filename, text) in declared.items():
        (source / "lib" / name).mkdir(parents=True)
        (source / "lib" / name / "__init__.py").write_text("", encoding="utf-8")
        (source / "lib" / name / filename).write_text(text, encoding="utf-8")
    target = build_repo.requests_module(tmp_path / "out", source)
    summary = ET.parse(str(target / "addon.xml")).getroot().find(
        "./extension[@point='xbmc.addon.metadata']/summary").text
    assert summary == "Python HTTP for Humans (bundled: idna 3.7, requests 2.31.0, urllib3 2.2.3)"


def test_publishing_a_newer_version_keeps_the_older_zip_and_moves_addons_xml_on(tmp_path):
    out = tmp_path / "repo"
    build_repo.build_repo(out, URL, ROOT, env={}, with_requests=False, log=lambda m: None)
    old = _addons(out)[ADDON_ID].get("version")
    md5_before = (out / "addons.xml.md5").read_text()
    build_repo.build_repo(out, URL, newer_tree(tmp_path / "tree", "9.9.9"), env={}, with_requests=False,
                          log=lambda m: None)
    assert _addons(out)[ADDON_ID].get("version") == "9.9.9"
    assert (out / ADDON_ID / ("%s-%s.zip" % (ADDON_ID, old))).is_file()
    assert (out / ADDON_ID / ("%s-9.9.9.zip" % ADDON_ID)).is_file()
    assert (out / "addons.xml.md5").read_text() != md5_before
    assert "%s-9.9.9.zip" % ADDON_ID in (out / ADDON_ID / "index.html").read_text()


def test_a_repository_url_that_is_not_http_is_refused():
    with pytest.raises(build_repo.RepoError):
        build_repo.normalize_url("ftp://example.org/")
    assert build_repo.normalize_url("https://example.org/kodi") == "https://example.org/kodi/"


def test_the_static_server_answers_range_requests_as_kodi_needs_for_zips(repo):
    zip_path = repo / ("%s-%s.zip" % (REPO_ID, build_repo.REPO_VERSION))
    data = zip_path.read_bytes()
    with RepoServer(repo) as server:
        url = server.url + zip_path.name
        whole = urllib.request.urlopen(url, timeout=10)
        assert whole.headers["Accept-Ranges"] == "bytes" and whole.read() == data
        for header, expected in (("bytes=10-19", data[10:20]), ("bytes=-22", data[-22:]),
                                 ("bytes=%d-" % (len(data) - 5), data[-5:])):
            reply = urllib.request.urlopen(urllib.request.Request(url, headers={"Range": header}), timeout=10)
            assert reply.status == 206 and reply.read() == expected, header
        assert urllib.request.urlopen(server.url + "addons.xml.md5", timeout=10).read().decode() == \
            (repo / "addons.xml.md5").read_text()
    assert "GET /addons.xml.md5" in server.requests
