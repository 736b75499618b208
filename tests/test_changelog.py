"""CHANGELOG.md is the one source of the release notes: the zip's <news> and changelog.txt."""
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tools import build_zip, changelog

ROOT = Path(__file__).resolve().parent.parent
NOTES = """# Changelog
Intro text that is not a release.

## Unreleased
- not yet

## 0.2.0 - 2026-12-01
- Parked events.
- A long item that goes on
  over two lines.

## 0.1.0
- First release.
"""


def test_releases_are_read_newest_first_with_wrapped_items_joined():
    assert changelog.releases(NOTES) == [
        ("0.2.0", "2026-12-01", ["Parked events.", "A long item that goes on over two lines."]),
        ("0.1.0", "", ["First release."]),
    ]


def test_news_starts_at_the_addon_version_and_keeps_older_releases_that_fit():
    assert changelog.news(NOTES, "0.2.0") == (
        "v0.2.0 (2026-12-01)\n- Parked events.\n- A long item that goes on over two lines.\n\n"
        "v0.1.0\n- First release.")
    assert changelog.news(NOTES, "0.1.0") == "v0.1.0\n- First release."
    assert changelog.news(NOTES, "0.2.0", limit=90).startswith("v0.2.0") and "v0.1.0" not in \
        changelog.news(NOTES, "0.2.0", limit=90)


def test_a_version_without_its_changelog_section_is_refused():
    with pytest.raises(changelog.ChangelogError, match="0.3.0"):
        changelog.news(NOTES, "0.3.0")


def test_the_tree_addon_xml_holds_no_news_and_a_second_source_is_refused():
    text = (ROOT / "addon.xml").read_text(encoding="utf-8")
    assert "<news" not in text
    with pytest.raises(changelog.ChangelogError, match="one source"):
        changelog.addon_xml_with_news(text.replace("<platform>", "<news>x</news><platform>"), "y")


def test_the_zip_carries_news_and_changelog_txt_generated_from_changelog_md(tmp_path):
    path = build_zip.build_zip(tmp_path, ROOT, env={}, log=lambda msg: None)
    with zipfile.ZipFile(str(path)) as zf:
        addon = ET.fromstring(zf.read("plugin.video.simkl.resume/addon.xml"))
        txt = zf.read("plugin.video.simkl.resume/changelog.txt").decode("utf-8")
    notes = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = addon.get("version")
    news = addon.find("./extension[@point='xbmc.addon.metadata']/news").text
    assert news == changelog.news(notes, version) and news.startswith("v" + version)
    assert len(news) <= changelog.NEWS_LIMIT
    assert txt == changelog.changelog_txt(notes) and txt.startswith("v" + version)
