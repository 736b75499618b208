"""The installable zip: what goes in, what stays out, and that Kodi can load what is inside."""
import ast
import gzip
import http.client
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest

from tools import build_zip
from tools.check_addon import parse_report, strip_ansi, unexpected
from tools.offline_addon_mirror import OfflineAddonMirror

ROOT = Path(__file__).resolve().parent.parent
ADDON_ID = "plugin.video.simkl.resume"
PREFIX = ADDON_ID + "/"
STRINGS_PO = "resources/language/resource.language.en_gb/strings.po"
CLIENT_ID = "test-client-0123456789"


class Built:
    def __init__(self, path: Path) -> None:
        self.path = path
        with zipfile.ZipFile(str(path)) as zf:
            self.names = zf.namelist()
            self.data = {n[len(PREFIX):]: zf.read(n) for n in self.names if n.startswith(PREFIX)}

    def text(self, rel: str) -> str:
        return self.data[rel].decode("utf-8")

    def xml(self, rel: str) -> ET.Element:
        return ET.fromstring(self.data[rel])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    out = tmp_path_factory.mktemp("zip")
    path = build_zip.build_zip(out, ROOT, env={"SIMKL_CLIENT_ID": CLIENT_ID}, log=lambda msg: None)
    return Built(path)


def po_ids(text: str) -> List[int]:
    return [int(m) for m in re.findall(r'^msgctxt\s+"#(\d+)"', text, re.MULTILINE)]


# --- addon.xml ---------------------------------------------------------------------------

def test_zip_is_named_after_addon_id_and_version_with_everything_under_one_folder(built):
    root = built.xml("addon.xml")
    assert root.get("id") == ADDON_ID
    assert built.path.name == "%s-%s.zip" % (ADDON_ID, root.get("version"))
    assert all(n.startswith(PREFIX) for n in built.names)


def test_plugin_source_providing_video_is_the_first_extension_then_the_service(built):
    extensions = built.xml("addon.xml").findall("extension")
    assert extensions[0].get("point") == "xbmc.python.pluginsource"
    assert extensions[0].get("library") == "default.py"
    assert [p.text for p in extensions[0].findall("provides")] == ["video"]
    assert extensions[1].get("point") == "xbmc.service"
    assert extensions[1].get("library") == "service.py"


def test_addon_requires_xbmc_python_3_0_0_and_script_module_requests(built):
    imports = {i.get("addon"): i.get("version") for i in built.xml("addon.xml").find("requires")}
    assert imports["xbmc.python"] == "3.0.0"
    assert "script.module.requests" in imports


def test_every_file_addon_xml_references_is_in_the_zip(built):
    root = built.xml("addon.xml")
    referenced = [e.get("library") for e in root.findall("extension") if e.get("library")]
    for assets in root.iter("assets"):
        referenced += [child.text for child in assets if child.text]
    assert "resources/icon.png" in referenced and "resources/fanart.jpg" in referenced
    missing = [r for r in referenced if r not in built.data]
    assert not missing


def test_licence_text_matching_addon_xml_is_shipped(built):
    assert built.xml("addon.xml").find(".//license").text == "GPL-3.0-or-later"
    assert "GNU GENERAL PUBLIC LICENSE" in built.text("LICENSE.txt")
    assert "Version 3" in built.text("LICENSE.txt")


def test_artwork_has_the_sizes_kodi_expects(built):
    png = built.data["resources/icon.png"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (512, 512)
    jpg = built.data["resources/fanart.jpg"]
    assert jpg[:2] == b"\xff\xd8"
    assert jpeg_size(jpg) == (1920, 1080)


def jpeg_size(data: bytes):
    i = 2
    while i < len(data):
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise AssertionError("no SOF marker in JPEG")


# --- what stays out ----------------------------------------------------------------------

def test_zip_holds_only_what_kodi_needs(built):
    top = {rel.split("/")[0] for rel in built.data}
    allowed = {"addon.xml", "default.py", "service.py", "lib", "resources", "LICENSE.txt", "changelog.txt"}
    assert top <= allowed
    for rel in built.data:
        parts = rel.split("/")
        assert not any(p.startswith(".") for p in parts), rel
        assert not {"tests", "tools", "docs", "__pycache__"} & set(parts), rel
        assert not rel.endswith((".pyc", ".pyo")), rel


def test_junk_planted_in_the_tree_is_left_out_of_the_zip(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("addon.xml", "default.py", "service.py", "LICENSE.txt", "CHANGELOG.md"):
        shutil.copy(str(ROOT / name), str(tree / name))
    shutil.copytree(str(ROOT / "lib"), str(tree / "lib"), ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(str(ROOT / "resources"), str(tree / "resources"))
    planted = [
        "lib/simkl_resume/__pycache__/plugin.cpython-311.pyc",
        "lib/simkl_resume/core/stale.pyc",
        "lib/simkl_resume/.secret",
        "resources/.DS_Store",
        "lib/simkl_resume/tests/test_x.py",
        "lib/simkl_resume/core/model.py~",
        ".ci/run",
        "tests/test_y.py",
        "docs/x.md",
    ]
    for rel in planted:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("junk")
    # a developer's local _build.py must not leak into the zip either
    (tree / build_zip.BUILD_PY).write_text('CLIENT_ID = "developer-local"\n')
    out = build_zip.build_zip(tmp_path / "out", tree, env={}, log=lambda msg: None)
    inside = Built(out)
    leaked = [rel for rel in planted if rel in inside.data]
    assert not leaked
    assert "lib/simkl_resume/core/model.py" in inside.data
    assert "developer-local" not in inside.text(build_zip.BUILD_PY)


def test_same_tree_builds_byte_identical_zips(tmp_path):
    env = {"SIMKL_CLIENT_ID": CLIENT_ID}
    first = build_zip.build_zip(tmp_path / "a", ROOT, env=env, log=lambda msg: None).read_bytes()
    second = build_zip.build_zip(tmp_path / "b", ROOT, env=env, log=lambda msg: None).read_bytes()
    assert first == second


# --- the build-time client id ------------------------------------------------------------

def test_generated_build_module_carries_the_client_id_from_the_environment(built):
    namespace: Dict[str, object] = {}
    exec(compile(built.text(build_zip.BUILD_PY), "_build.py", "exec"), namespace)
    assert namespace["CLIENT_ID"] == CLIENT_ID


def test_build_without_client_id_writes_an_empty_id_and_warns(tmp_path):
    messages: List[str] = []
    path = build_zip.build_zip(tmp_path, ROOT, env={}, log=messages.append)
    namespace: Dict[str, object] = {}
    exec(Built(path).text(build_zip.BUILD_PY), namespace)
    assert namespace["CLIENT_ID"] == ""
    assert any("SIMKL_CLIENT_ID" in m and "WARNING" in m for m in messages)


def test_client_id_with_quotes_or_code_is_refused(tmp_path):
    with pytest.raises(build_zip.BuildError):
        build_zip.build_zip(tmp_path, ROOT, env={"SIMKL_CLIENT_ID": 'x"; import os'}, log=lambda m: None)


def test_generated_build_module_is_git_ignored_in_the_tree():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert build_zip.BUILD_PY in ignored


# --- vendored third-party code (segno: the sign-in QR code) ---------------------------------

SEGNO_DIR = build_zip.VENDOR_DIR + "/segno/"


def test_zip_vendors_the_segno_version_pinned_in_requirements_with_its_licence(built):
    import importlib.metadata

    pinned = build_zip.pinned_version("segno")
    assert pinned and importlib.metadata.version("segno") == pinned
    assert "segno %s" % pinned in built.text(build_zip.VENDOR_DIR + "/__init__.py")
    assert "Lars Heuer" in built.text(SEGNO_DIR + "LICENSE")
    assert "Redistribution and use in source and binary forms" in built.text(SEGNO_DIR + "LICENSE")
    inside = sorted(rel[len(SEGNO_DIR):] for rel in built.data if rel.startswith(SEGNO_DIR))
    assert inside == sorted(list(build_zip.SEGNO_MODULES) + ["LICENSE"])
    assert 'version="%s"' % pinned not in built.text("addon.xml")  # no new Kodi dependency


def test_vendored_segno_draws_the_qr_png_from_the_unpacked_addon_alone(built, tmp_path):
    import subprocess
    import sys

    with zipfile.ZipFile(str(built.path)) as zf:
        zf.extractall(str(tmp_path))
    lib = tmp_path / ADDON_ID / "lib"
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from simkl_resume._vendor import segno\n"
        "assert segno.__file__.startswith(%r), segno.__file__\n"
        "segno.make('https://simkl.com/pin/ABCDE', error='m', micro=False).save(%r, kind='png', scale=4)\n"
        % (str(lib), str(lib), str(tmp_path / "qr.png"))
    )
    subprocess.run([sys.executable, "-I", "-c", code], check=True, timeout=120)
    assert (tmp_path / "qr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_build_without_segno_warns_and_ships_no_vendored_code(tmp_path, monkeypatch):
    monkeypatch.setattr(build_zip, "locate_segno", lambda: None)
    messages: List[str] = []
    inside = Built(build_zip.build_zip(tmp_path, ROOT, env={}, log=messages.append))
    assert [rel for rel in inside.data if rel.startswith(build_zip.VENDOR_DIR)] == []
    assert any("segno" in m and "no QR code" in m for m in messages)


def test_build_refuses_a_segno_other_than_the_pinned_one(tmp_path, monkeypatch):
    found = build_zip.locate_segno()
    assert found is not None
    monkeypatch.setattr(build_zip, "locate_segno", lambda: (found[0], "0.0.1", found[2]))
    with pytest.raises(build_zip.BuildError, match="pins"):
        build_zip.build_zip(tmp_path, ROOT, env={}, log=lambda m: None)


def test_a_stray_vendor_folder_in_the_tree_is_replaced_by_the_build_copy(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("addon.xml", "default.py", "service.py", "CHANGELOG.md"):
        shutil.copy(str(ROOT / name), str(tree / name))
    shutil.copytree(str(ROOT / "lib"), str(tree / "lib"), ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(str(ROOT / "resources"), str(tree / "resources"))
    stray = tree / build_zip.VENDOR_DIR / "segno"
    stray.mkdir(parents=True, exist_ok=True)
    (stray / "__init__.py").write_text("raise ImportError('stale')\n")
    (stray / "old.py").write_text("")
    inside = Built(build_zip.build_zip(tmp_path / "out", tree, env={}, log=lambda m: None))
    assert "stale" not in inside.text(SEGNO_DIR + "__init__.py")
    assert SEGNO_DIR + "old.py" not in inside.data


def test_real_kodi_staging_includes_the_same_vendored_segno_as_the_zip(built, tmp_path):
    from tools.realkodi import addons

    target = addons.stage_addon(tmp_path)
    staged = {p.relative_to(target).as_posix(): p.read_bytes()
              for p in (target / build_zip.VENDOR_DIR).rglob("*") if p.is_file()}
    shipped = {rel: data for rel, data in built.data.items() if rel.startswith(build_zip.VENDOR_DIR + "/")}
    assert staged and staged == shipped


def test_sign_in_window_xml_and_its_texture_are_shipped(built):
    assert built.xml("resources/skins/default/1080i/simkl-pin.xml").tag == "window"
    assert built.data["resources/skins/default/media/simkl-white.png"][:8] == b"\x89PNG\r\n\x1a\n"


# --- settings and strings ----------------------------------------------------------------

def test_settings_xml_is_format_version_1_for_this_addon(built):
    root = built.xml("resources/settings.xml")
    assert root.tag == "settings" and root.get("version") == "1"
    assert root.find("section").get("id") == ADDON_ID


def test_every_label_and_help_id_in_settings_xml_exists_in_strings_po(built):
    known = set(po_ids(built.text(STRINGS_PO)))
    used = set()
    for node in built.xml("resources/settings.xml").iter():
        for attr in ("label", "help"):
            value = node.get(attr)
            if value and value.isdigit():
                used.add(int(value))
        if node.tag in ("heading", "label") and node.text and node.text.strip().isdigit():
            used.add(int(node.text.strip()))
    assert used, "settings.xml should use localized labels"
    assert sorted(used - known) == []


def test_strings_po_ids_are_unique_and_in_the_addon_range(built):
    ids = po_ids(built.text(STRINGS_PO))
    assert ids
    assert len(ids) == len(set(ids))
    assert [i for i in ids if not 30000 <= i <= 30999] == []


def test_every_string_id_used_in_the_code_exists_in_strings_po(built):
    known = set(po_ids(built.text(STRINGS_PO)))
    used: Dict[int, str] = {}
    for rel, data in built.data.items():
        if rel.endswith(".py") and not rel.startswith(build_zip.VENDOR_DIR + "/"):  # ours only
            for m in re.finditer(r"(?<![\d.])(30\d{3})(?![\d.])", data.decode("utf-8")):
                used.setdefault(int(m.group(1)), rel)
    missing = {i: rel for i, rel in used.items() if i not in known}
    assert missing == {}


# --- Python 3.8 ----------------------------------------------------------------------------

def test_all_addon_python_parses_with_python_3_8_grammar(built):
    sources = [rel for rel in built.data if rel.endswith(".py")]
    assert "default.py" in sources and "service.py" in sources
    assert any(rel.startswith("lib/simkl_resume/") for rel in sources)
    errors = []
    for rel in sources:
        try:
            ast.parse(built.data[rel], filename=rel, feature_version=(3, 8))
        except SyntaxError as exc:
            errors.append("%s:%s: %s" % (rel, exc.lineno, exc.msg))
    assert errors == []


def test_python_3_8_grammar_check_rejects_newer_syntax():
    # guards the check above: feature_version really refuses 3.10 syntax
    with pytest.raises(SyntaxError):
        ast.parse("match x:\n    case 1:\n        pass\n", feature_version=(3, 8))


# --- offline kodi-addon-checker verdicts -------------------------------------------------

ADVICE = "For {0} it is advised to set xbmc.python version to 3.0.1"


def colour(level: str, message: str) -> str:
    return "\x1b[33;1m%s: %s\x1b[0m" % (level, message)


def test_checker_output_is_read_without_ansi_colour_codes():
    output = "\n".join([colour("INFO", "Checking add-on x"), colour("WARN", ADVICE.format("nexus"))])
    assert "\x1b" not in strip_ansi(output)
    assert parse_report(output) == [("INFO", "Checking add-on x"), ("WARN", ADVICE.format("nexus"))]


def test_matrix_fails_on_any_warning_even_the_python_advice():
    records = [("INFO", "ok"), ("WARN", ADVICE.format("matrix"))]
    assert unexpected("matrix", records) == [("WARN", ADVICE.format("matrix"))]


def test_nexus_and_omega_accept_only_the_expected_python_advice():
    for branch in ("nexus", "omega"):
        assert unexpected(branch, [("WARN", ADVICE.format(branch))]) == []
        other = ("WARN", "Required dependency script.module.requests is not available in current repository")
        assert unexpected(branch, [("WARN", ADVICE.format(branch)), other]) == [other]
        assert unexpected(branch, [("ERROR", "Invalid XML data in addon.xml")]) != []


def test_checker_summary_line_is_not_counted_as_a_warning():
    output = colour("WARN", "We found no problems and 1 warnings, please check the logfile.")
    assert parse_report(output) == []


def test_offline_mirror_answers_any_get_with_gzipped_addons_xml_and_never_tunnels():
    with OfflineAddonMirror() as mirror:
        host, port = mirror.url[len("http://"):].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "http://addons.example.invalid/addons/omega/addons.xml.gz")  # any host
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200
        ids = {a.get("id") for a in ET.fromstring(gzip.decompress(body)).findall("addon")}
        assert {"script.module.requests", "xbmc.python"} <= ids
        conn.request("HEAD", "http://example.invalid/anything")
        head = conn.getresponse()
        head.read()
        assert head.status == 200
        conn.close()
        tunnel = http.client.HTTPConnection(host, int(port), timeout=10)
        tunnel.request("CONNECT", "github.com:443")
        assert tunnel.getresponse().status == 403
        tunnel.close()
        assert [m for m, _ in mirror.requests] == ["GET", "HEAD", "CONNECT"]
        env = mirror.proxy_env({"NO_PROXY": "*", "no_proxy": "*", "PATH": "/bin"})
    assert "NO_PROXY" not in env and "no_proxy" not in env
    assert env["HTTP_PROXY"] == env["https_proxy"] == mirror.url


@pytest.fixture(scope="module")
def unpacked(built, tmp_path_factory) -> Path:
    pytest.importorskip("kodi_addon_checker")
    out = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(str(built.path)) as zf:
        zf.extractall(str(out))
    return out / ADDON_ID


def test_packaged_addon_passes_kodi_addon_checker_for_matrix_offline(unpacked, capsys):
    from tools.check_addon import check

    assert check(unpacked, ["matrix"])
    assert "none forwarded" in capsys.readouterr().out


def test_addon_checker_gate_fails_an_addon_without_its_icon(unpacked, tmp_path, capsys):
    from tools.check_addon import check

    broken = tmp_path / ADDON_ID
    shutil.copytree(str(unpacked), str(broken))
    (broken / "resources" / "icon.png").unlink()
    assert not check(broken, ["matrix"])
    assert "FAIL" in capsys.readouterr().out
