"""The harness's pure parts, without starting Kodi: NFOs, cache keys, addon staging, DB seeding,
notification stream parsing."""
import json
import socket
import sqlite3
import threading
import xml.etree.ElementTree as ET

import pytest

from tools.realkodi import addons
from tools.realkodi.instance import Notifications, seed_enabled_addons, write_addon_settings
from tools.realkodi.media import (
    DEFAULT_LIBRARY,
    Episode,
    Library,
    Movie,
    Show,
    episode_nfo,
    library_key,
    movie_nfo,
    show_nfo,
)

# Pure functions: no Kodi starts, so nothing here depends on the Kodi version.
pytestmark = pytest.mark.kodi_versions(reason="unit tests of the harness's pure parts: no Kodi runs")

# The `installed` schema Kodi 20.1 creates in Addons33.db (seen in a fresh profile).
ADDONS33_INSTALLED = (
    "CREATE TABLE installed (id INTEGER PRIMARY KEY, addonID TEXT UNIQUE, enabled BOOLEAN, "
    "installDate TEXT, lastUpdated TEXT, lastUsed TEXT, origin TEXT NOT NULL DEFAULT '', "
    "disabledReason INTEGER NOT NULL DEFAULT 0)"
)


def test_movie_nfo_marks_the_first_uniqueid_as_default():
    root = ET.fromstring(movie_nfo(Movie("A & B", 1999, {"imdb": "tt1", "tmdb": "2"})))
    assert root.findtext("title") == "A & B"
    ids = [(u.get("type"), u.get("default"), u.text) for u in root.findall("uniqueid")]
    assert ids == [("imdb", "true", "tt1"), ("tmdb", None, "2")]


def test_show_and_episode_nfos_carry_ids_season_and_number():
    show = Show("S", 2008, {"tvdb": "81189"}, [Episode(2, 3, "T", {"tvdb": "9"})])
    assert ET.fromstring(show_nfo(show)).find("uniqueid").attrib == {"type": "tvdb", "default": "true"}
    ep = ET.fromstring(episode_nfo(show, show.episodes[0]))
    assert (ep.findtext("season"), ep.findtext("episode"), ep.find("uniqueid").text) == ("2", "3", "9")


def test_library_cache_key_changes_with_the_library_only():
    same = Library(movies=list(DEFAULT_LIBRARY.movies), shows=list(DEFAULT_LIBRARY.shows))
    assert library_key(same) == library_key(DEFAULT_LIBRARY)
    other = Library(movies=[Movie("Inception", 2010, {"imdb": "tt1375666"}, duration=301)], shows=[])
    assert library_key(other) != library_key(DEFAULT_LIBRARY)


def test_stage_addon_copies_only_what_kodi_needs(tmp_path):
    src = tmp_path / "src"
    (src / "lib" / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "addon.xml").write_text('<addon id="plugin.x" version="1"/>')
    (src / "default.py").write_text("")
    (src / "lib" / "pkg" / "m.py").write_text("")
    (src / "lib" / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"")
    (src / "tests").mkdir()
    (src / "tests" / "t.py").write_text("")
    target = addons.stage_addon(tmp_path / "addons", src)
    assert target.name == "plugin.x"
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == ["addon.xml", "default.py", "lib/pkg/m.py"]


def test_requests_module_addon_wraps_the_installed_requests_without_compiled_files(tmp_path):
    import requests

    target = addons.build_requests_module(tmp_path)
    root = ET.fromstring((target / "addon.xml").read_text())
    assert root.get("id") == "script.module.requests" and root.get("version") == requests.__version__
    assert root.find("extension").attrib == {"point": "xbmc.python.module", "library": "lib"}
    for pkg in ("requests", "urllib3", "idna", "certifi"):
        assert (target / "lib" / pkg / "__init__.py").exists()
    assert not list((target / "lib").rglob("*.so"))


def test_seed_enabled_addons_inserts_enabled_rows_and_replaces_disabled_ones(tmp_path):
    db = sqlite3.connect(str(tmp_path / "Addons33.db"))
    db.execute(ADDONS33_INSTALLED)
    db.execute("INSERT INTO installed (addonID, enabled) VALUES ('plugin.video.simkl.resume', 0)")
    db.commit()
    db.close()
    seed_enabled_addons(tmp_path, ["plugin.video.simkl.resume", "script.module.requests"])
    rows = sqlite3.connect(str(tmp_path / "Addons33.db")).execute(
        "SELECT addonID, enabled FROM installed ORDER BY addonID").fetchall()
    assert rows == [("plugin.video.simkl.resume", 1), ("script.module.requests", 1)]


def test_addon_settings_file_escapes_values(tmp_path):
    path = write_addon_settings(tmp_path, {"account_name": 'a<b & "c"', "poll_interval": 5})
    root = ET.fromstring(path.read_text())
    assert root.get("version") == "2"
    assert {s.get("id"): s.text for s in root.findall("setting")} == {
        "account_name": 'a<b & "c"', "poll_interval": "5"}


def test_notifications_parse_concatenated_json_split_across_packets():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        blob = (json.dumps({"jsonrpc": "2.0", "method": "Player.OnPlay", "params": {"data": {"n": 1}}})
                + json.dumps({"jsonrpc": "2.0", "id": 3, "result": "pong"})
                + json.dumps({"jsonrpc": "2.0", "method": "Other.x", "params": {"sender": "s"}}))
        for i in range(0, len(blob), 7):
            conn.sendall(blob[i:i + 7].encode())
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    with Notifications(port) as events:
        assert events.wait_for("Other.x", timeout=10)["params"] == {"sender": "s"}
        assert events.methods() == ["Player.OnPlay", "Other.x"]
        with pytest.raises(TimeoutError):
            events.wait_for("Player.OnStop", timeout=0.2)
    t.join()
    server.close()
