"""CHANGELOG.md is the one source of the addon's release notes.

The build generates from it, never copies by hand:
  - the `<news>` of the packaged addon.xml (the tree's addon.xml holds none): the newest
    releases that fit in Kodi's limit, newest first;
  - changelog.txt in the zip (every release).

CHANGELOG.md shape: one `## <version>` heading per release (optionally `## 0.2.0 - 2026-12-01`),
newest first, each followed by `- ` items (continuation lines indented). Other text (the
title, an intro, an "Unreleased" section) is ignored.
"""
import re
from pathlib import Path
from typing import List, Tuple
from xml.sax.saxutils import escape

NEWS_LIMIT = 1500  # kodi-addon-checker: "<news> is too long" beyond 1500 characters
_HEADING = re.compile(r"^##\s+v?(\d+(?:\.\d+)*(?:[~+.-][0-9A-Za-z.~+-]*)?)(?:\s+[-(]\s*([^)]*)\)?)?\s*$")


class ChangelogError(Exception):
    pass


def releases(text: str) -> List[Tuple[str, str, List[str]]]:
    """[(version, date or "", [item, ...])] in file order (newest first)."""
    out = []  # type: List[Tuple[str, str, List[str]]]
    current = None
    for raw in text.splitlines():
        line = raw.rstrip()
        m = _HEADING.match(line)
        if m:
            current = (m.group(1), (m.group(2) or "").strip(), [])
            out.append(current)
            continue
        if line.startswith("#"):
            current = None  # another section ("## Unreleased", a title)
            continue
        if current is None or not line.strip():
            continue
        if line.lstrip().startswith("- ") and not line.startswith("  "):
            current[2].append(line.strip()[2:].strip())
        elif current[2]:
            current[2][-1] += " " + line.strip()
    return out


def _section(version: str, date: str, items: List[str]) -> str:
    head = "v%s" % version + (" (%s)" % date if date else "")
    return "\n".join([head] + ["- " + item for item in items])


def news(text: str, version: str, limit: int = NEWS_LIMIT) -> str:
    """The <news> text for `version`: its section first, then older ones while they fit."""
    found = releases(text)
    versions = [v for v, _d, _i in found]
    if version not in versions:
        raise ChangelogError("CHANGELOG.md has no '## %s' section for the version in addon.xml" % version)
    start = versions.index(version)
    parts = []  # type: List[str]
    for v, date, items in found[start:]:
        if not items:
            raise ChangelogError("CHANGELOG.md: '## %s' lists nothing" % v)
        section = _section(v, date, items)
        candidate = "\n\n".join(parts + [section])
        if len(candidate) > limit:
            if not parts:
                raise ChangelogError("CHANGELOG.md: the %s notes are longer than Kodi's %d characters"
                                     % (v, limit))
            break
        parts.append(section)
    return "\n\n".join(parts)


def changelog_txt(text: str) -> str:
    return "\n\n".join(_section(v, d, items) for v, d, items in releases(text)) + "\n"


def addon_xml_with_news(addon_xml: str, news_text: str) -> str:
    """The addon.xml text with `<news>` added to its xbmc.addon.metadata extension."""
    if "<news" in addon_xml:
        raise ChangelogError("addon.xml holds a <news> element: CHANGELOG.md is its one source "
                             "(the build writes <news>); remove it from addon.xml")
    m = re.search(r"(<extension\s+point=\"xbmc\.addon\.metadata\"[^>]*>)(.*?)(\n?[ \t]*)(</extension>)",
                  addon_xml, re.S)
    if not m:
        raise ChangelogError("addon.xml has no xbmc.addon.metadata extension for the <news>")
    indent = re.search(r"\n([ \t]*)<", m.group(2))
    pad = indent.group(1) if indent else "    "
    element = "\n%s<news>%s</news>" % (pad, escape(news_text))
    return addon_xml[:m.end(2)] + element + addon_xml[m.end(2):]


def read(root: Path) -> str:
    path = Path(root) / "CHANGELOG.md"
    if not path.is_file():
        raise ChangelogError("missing CHANGELOG.md (the source of <news> and changelog.txt)")
    return path.read_text(encoding="utf-8")
