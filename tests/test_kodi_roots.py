"""tools/kodi_roots: the pure parts (the mirror from apt sources, chroot command lines, version
selection, stamps); building a root itself is exercised by `make kodi-roots` / `.ci/run`."""
import json

import pytest

from tools import kodi_roots

DEB822 = """\
Types: deb
# a comment
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
"""


def test_mirror_is_the_first_deb_uri_serving_a_release_suite_with_main():
    assert kodi_roots.debian_mirror_from({"/etc/apt/sources.list.d/debian.sources": DEB822}) == \
        "http://mirror.invalid/debian"


def test_mirror_skips_security_only_deb_src_and_disabled_entries():
    sources = {
        "a.sources": "Types: deb\nURIs: http://sec.invalid/debian-security\nSuites: trixie-security\n"
                     "Components: main\n",
        "b.sources": "Types: deb-src\nURIs: http://src.invalid/debian\nSuites: trixie\nComponents: main\n",
        "c.sources": "Enabled: no\nTypes: deb\nURIs: http://off.invalid/debian\nSuites: trixie\n"
                     "Components: main\n",
        "d.list": "deb [arch=amd64 signed-by=/k.gpg] http://list.invalid/debian/ bookworm main contrib\n",
    }
    assert kodi_roots.debian_mirror_from(sources) == "http://list.invalid/debian"


def test_no_usable_entry_gives_none():
    only_updates = {"x.list": "deb http://x.invalid/debian bookworm-updates main\n"}
    assert kodi_roots.debian_mirror_from(only_updates) is None


def test_host_commands_run_as_they_are_and_root_commands_chroot_with_same_path_binds(tmp_path):
    assert kodi_roots.root_command("/", ["kodi.bin", "-x"], binds=["/tmp"]) == ["kodi.bin", "-x"]
    argv = kodi_roots.root_command(tmp_path, ["kodi.bin"], binds=["/tmp", (str(tmp_path), "/opt/site")])
    assert argv[:5] == ["unshare", "--mount", "--propagation", "private", "sh"]
    assert argv[argv.index("--") - 4:] == ["/tmp", "/tmp", str(tmp_path), "/opt/site", "--", "kodi.bin"]
    assert argv[argv.index("--") - 5] == str(tmp_path)  # the root, after the script's $0


def test_a_bind_target_must_be_below_the_roots_top(tmp_path):
    with pytest.raises(kodi_roots.RootError):
        kodi_roots.root_command(tmp_path, ["true"], binds=[(str(tmp_path), "/")])
    with pytest.raises(kodi_roots.RootError):
        kodi_roots.root_command(tmp_path, ["true"], binds=[(str(tmp_path), "relative")])


def test_kodi_versions_narrows_the_matrix_in_a_fixed_order(monkeypatch):
    monkeypatch.delenv("KODI_VERSIONS", raising=False)
    assert kodi_roots.selected_versions() == ["19.1", "20.1", "21.2"]
    monkeypatch.setenv("KODI_VERSIONS", "21.2, 19.1")
    assert kodi_roots.selected_versions() == ["19.1", "21.2"]
    monkeypatch.setenv("KODI_VERSIONS", "18.9")
    with pytest.raises(kodi_roots.RootError):
        kodi_roots.selected_versions()


def test_a_root_is_ready_only_with_a_stamp_listing_every_package_at_the_current_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("KODI_ROOTS_DIR", str(tmp_path))
    root = tmp_path / "bullseye"
    root.mkdir()
    assert not kodi_roots.is_ready("19.1")  # no stamp: an interrupted build is never used
    stamp = {"packages": list(kodi_roots.PACKAGES), "layout": kodi_roots.LAYOUT,
             "kodi_package": "2:19.1+dfsg-2", "kodi_bin": "/usr/lib/x86_64-linux-gnu/kodi/kodi.bin",
             "python": "3.9.2"}
    (root / kodi_roots.STAMP).write_text(json.dumps(stamp))
    assert kodi_roots.is_ready("19.1")
    found = kodi_roots.kodi_root("19.1")
    assert (found.version, found.python, found.is_host) == ("19.1", "3.9.2", False)
    assert found.host_path(found.kodi_bin) == root / "usr/lib/x86_64-linux-gnu/kodi/kodi.bin"
    (root / kodi_roots.STAMP).write_text(json.dumps(dict(stamp, packages=["kodi"])))
    assert not kodi_roots.is_ready("19.1")  # the package list grew since: finished again
    (root / kodi_roots.STAMP).write_text(json.dumps(dict(stamp, layout=kodi_roots.LAYOUT - 1)))
    assert not kodi_roots.is_ready("19.1")


def test_debian_package_versions_give_kodi_major_minor():
    assert kodi_roots.package_version("2:21.2+dfsg-4") == "21.2"
    assert kodi_roots.package_version("2:19.1+dfsg2-2+deb11u1") == "19.1"
    assert kodi_roots.package_version("20.1+dfsg-1") == "20.1"
    assert kodi_roots.package_version("") == ""
