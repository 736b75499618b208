"""Run kodi-addon-checker on the packaged addon for several Kodi branches, offline.

    python -m tools.check_addon build/plugin.video.simkl.resume [--branch matrix ...]

Each branch runs in its own `kodi-addon-checker` process whose proxy variables point at
tools/offline_addon_mirror.py on 127.0.0.1 (no request leaves the machine). Two things the
checker would do online are replaced, and say so in the output:
  * the mirrors' addons.xml.gz: the loopback mirror serves a small stand-in list;
  * the reachability of the <source>/<website>/<forum> URLs of addon.xml: not checked offline
    (reported as INFO).

Verdict (exit status 0 = pass, 1 = fail):
  * matrix: no WARN and no ERROR at all;
  * nexus, omega (and newer): nothing but the expected advice to require xbmc.python 3.0.1
    (we require 3.0.0 so that Kodi 19 keeps working).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Tuple

from tools.offline_addon_mirror import OfflineAddonMirror

ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
LEVEL_RE = re.compile(r"^(INFO|WARN|ERROR):\s*(.*)$")
SUMMARY_RE = re.compile(r"^We found (no|\d+) problems and (no|\d+) warnings")
EXPECTED_ADVICE_RE = re.compile(r"^For (\w+) it is advised to set xbmc\.python version to 3\.0\.1$")
STRICT_BRANCHES = ("matrix",)
DEFAULT_BRANCHES = ("matrix", "nexus", "omega")

# Run inside the child process: kodi-addon-checker with the URL reachability check replaced.
_INNER = r"""
import sys
from kodi_addon_checker import check_url
from kodi_addon_checker.record import INFORMATION, Record

def _offline_check_url(report, parsed_xml):
    for tag in ("source", "website", "forum"):
        for node in parsed_xml.findall("./extension[@point='xbmc.addon.metadata']/" + tag):
            if node.text:
                report.add(Record(INFORMATION, "offline: %s URL %s not checked" % (tag, node.text)))

check_url.check_url = _offline_check_url
from kodi_addon_checker.__main__ import main
sys.argv = ["kodi-addon-checker"] + sys.argv[1:]
main()
"""


def strip_ansi(text: str) -> str:
    return ANSI_RE.sub("", text)


def parse_report(output: str) -> List[Tuple[str, str]]:
    """(level, message) for every INFO/WARN/ERROR line, colours stripped, summaries dropped."""
    records = []
    for raw in strip_ansi(output).splitlines():
        m = LEVEL_RE.match(raw.strip())
        if m and not SUMMARY_RE.match(m.group(2)):
            records.append((m.group(1), m.group(2).strip()))
    return records


def unexpected(branch: str, records: List[Tuple[str, str]]) -> List[Tuple[str, str]]:
    """The WARN/ERROR records that fail this branch."""
    bad = []
    for level, message in records:
        if level == "INFO":
            continue
        m = EXPECTED_ADVICE_RE.match(message)
        if level == "WARN" and branch not in STRICT_BRANCHES and m and m.group(1) == branch:
            continue
        bad.append((level, message))
    return bad


def run_branch(
    addon_dir: Path, branch: str, mirror: OfflineAddonMirror, timeout: float = 300
) -> Tuple[int, str]:
    with tempfile.TemporaryDirectory(prefix="addon-checker-") as cwd:  # it writes a log file in cwd
        env = mirror.proxy_env(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        proc = subprocess.run(
            [sys.executable, "-c", _INNER, "--branch", branch, str(addon_dir)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    return proc.returncode, proc.stdout


def check(addon_dir: Path, branches: List[str], verbose: bool = False) -> bool:
    ok = True
    with OfflineAddonMirror() as mirror:
        for branch in branches:
            code, output = run_branch(addon_dir, branch, mirror)
            records = parse_report(output)
            bad = unexpected(branch, records)
            if not records:
                bad = [("ERROR", f"kodi-addon-checker printed no report (exit {code})")]
            warns = sum(1 for lvl, _ in records if lvl == "WARN")
            errors = sum(1 for lvl, _ in records if lvl == "ERROR")
            verdict = "ok" if not bad else "FAIL"
            print(f"addon-checker {branch:7s} {verdict}: {errors} errors, {warns} warnings")
            for level, message in bad:
                print(f"    {level}: {message}")
            if bad and not records:
                print(strip_ansi(output)[-3000:])
            if verbose:
                for level, message in records:
                    print(f"      {level}: {message}")
            ok = ok and not bad
        hosts = sorted({path.split("/")[2] if "://" in path else path for _, path in mirror.requests})
    print(f"addon-checker: {len(mirror.requests)} requests answered by the loopback mirror "
          f"({', '.join(hosts) or 'none'}); none forwarded")
    return ok


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("addon_dir", help="the unpacked addon folder (named after the addon id)")
    parser.add_argument(
        "--branch", action="append", help="Kodi branch (repeatable); default: matrix nexus omega"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print the INFO lines")
    args = parser.parse_args(argv)
    addon_dir = Path(args.addon_dir).resolve()
    if not (addon_dir / "addon.xml").is_file():
        print(f"check_addon: no addon.xml in {addon_dir}", file=sys.stderr)
        return 2
    return 0 if check(addon_dir, args.branch or list(DEFAULT_BRANCHES), args.verbose) else 1


if __name__ == "__main__":
    sys.exit(main())
