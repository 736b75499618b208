"""A newer release of this addon, for the repository tests (unit and real Kodi)."""
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FILES = ("addon.xml", "default.py", "service.py", "LICENSE.txt", "CHANGELOG.md")


def newer_tree(dest: Path, version: str, source: Path = ROOT) -> Path:
    """A copy of the addon's source at `dest` with `version` in addon.xml and its own
    CHANGELOG.md section (the build refuses a version without one)."""
    dest = Path(dest)
    dest.mkdir(parents=True)
    for name in SOURCE_FILES:
        shutil.copy(str(Path(source) / name), str(dest / name))
    for name in ("lib", "resources"):
        shutil.copytree(str(Path(source) / name), str(dest / name),
                        ignore=shutil.ignore_patterns("__pycache__"))
    addon = (dest / "addon.xml").read_text(encoding="utf-8")
    addon = re.sub(r'(<addon\b[^>]*\bversion=")[^"]*"', r'\g<1>%s"' % version, addon, count=1)
    (dest / "addon.xml").write_text(addon, encoding="utf-8")
    notes = (dest / "CHANGELOG.md").read_text(encoding="utf-8")
    notes = notes.replace("\n## ", "\n## %s\n- A newer build.\n\n## " % version, 1)
    (dest / "CHANGELOG.md").write_text(notes, encoding="utf-8")
    return dest
