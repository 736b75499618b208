"""python -m tools.bench [--runs N] [--quick] [--no-realkodi] [--only on_update] [--out FILE] [--json FILE]

Runs every benchmark of tools/bench and rewrites docs/benchmarks.md. --quick uses tiny sizes
(a check that the code paths work; its figures mean nothing and it writes nowhere by default)
and skips the real-Kodi part (section 4, about 3 minutes), as does --no-realkodi.
--only on_update runs the library-change section alone (about 10 s) and replaces just that
section of the report (between its <!-- on_update --> markers).
"""
import argparse
import json
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _p in (os.path.join(REPO, "lib"), REPO):
    if _p not in sys.path:
        sys.path.insert(0, _p)

FULL = {"menu": {"movies": 15000, "shows": 1000, "episodes": 4000, "playbacks": 1000},
        "library": {"movies": 10000, "shows": 1000, "episodes_per_show": 50, "lookups": 20000},
        "on_update": {"movies": 15000, "shows": 1000, "episodes": 4000, "playbacks": 200, "rounds": 20},
        "network": {"existing": 40, "pauses": 20, "interval_min": 15}}
QUICK = {"menu": {"movies": 60, "shows": 10, "episodes": 20, "playbacks": 20},
         "library": {"movies": 50, "shows": 5, "episodes_per_show": 4, "lookups": 40},
         "on_update": {"movies": 60, "shows": 5, "episodes": 20, "playbacks": 10, "rounds": 3},
         "network": {"existing": 4, "pauses": 3, "interval_min": 240}}


def run_all(sizes, runs, work_dir, say=print, realkodi=True):
    from . import library, menu, network
    from .stats import machine

    figures = {"machine": machine(), "sizes": sizes, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    t0 = time.perf_counter()
    say("==> 1. menu open: preparing state")
    state = menu.prepare(os.path.join(work_dir, "menu"), **sizes["menu"])
    say("==> 1. menu open: %d rounds of %d processes" % (runs + 1, len(menu.SCENARIOS)))
    figures["menu"] = menu.measure(state, runs=runs)
    figures["imports"] = menu.import_profile(state)
    say("==> 2. library index")
    figures["library"] = library.run(**sizes["library"])
    say("==> 2b. library changes (VideoLibrary.OnUpdate)")
    figures["on_update"] = library.on_update(**sizes["on_update"])
    say("==> 3. network cost of a day")
    figures["network"] = network.run(**sizes["network"])
    if realkodi:
        from . import realkodi as real

        say("==> 4. real Kodi (about 3 minutes)")
        try:
            figures["realkodi"] = real.run(say=say)
        except Exception as exc:  # noqa: BLE001 - the report says what failed instead of losing 1-3
            figures["realkodi"] = {"failed": "%s: %s" % (type(exc).__name__, exc)}
    else:
        figures["realkodi"] = {"skipped": "--quick or --no-realkodi"}
    figures["total_seconds"] = time.perf_counter() - t0
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[2])
    parser.add_argument("--runs", type=int, default=None, help="menu rounds (default 15, quick 2)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the code paths only")
    parser.add_argument("--no-realkodi", action="store_true", help="skip section 4 (real Kodi)")
    parser.add_argument("--out", default=None, help="markdown report (default docs/benchmarks.md; "
                                                    "none with --quick)")
    parser.add_argument("--json", default=None, help="also write the raw figures here")
    parser.add_argument("--only", choices=["on_update"], default=None,
                        help="run one section and replace only it in the report")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    out = args.out if args.out is not None else (None if args.quick else os.path.join(REPO, "docs",
                                                                                     "benchmarks.md"))
    figures = _only(sizes, out) if args.only else _all(args, sizes, out)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1, default=str)
    return 0


def _all(args, sizes, out):
    runs = args.runs if args.runs is not None else (2 if args.quick else 15)
    with tempfile.TemporaryDirectory(prefix="simkl-bench-") as work:
        figures = run_all(sizes, runs, work, realkodi=not (args.quick or args.no_realkodi))
    from .report import render

    text = render(figures, quick=args.quick)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
        print("==> wrote %s (%.0f s)" % (os.path.relpath(out, REPO), figures["total_seconds"]))
    else:
        print(text)
    return figures


def _only(sizes, out):
    """--only on_update: the library-change section alone, spliced into the report."""
    from . import library
    from .report import on_update_section, splice

    print("==> 2b. library changes (VideoLibrary.OnUpdate)")
    figures = library.on_update(**sizes["on_update"])
    section = on_update_section(figures)
    if out:
        with open(out, encoding="utf-8") as f:
            text = f.read()
        with open(out, "w", encoding="utf-8") as f:
            f.write(splice(text, section))
        print("==> replaced the OnUpdate section of %s" % os.path.relpath(out, REPO))
    else:
        print(section)
    return figures


if __name__ == "__main__":
    sys.exit(main())
