"""python -m tools.simkl_standin --port 8765 [--seed seed.json] [--option key=value ...]"""
import argparse
import json
import sys

from .server import serve


def parse_option(text):
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.simkl_standin", description="Simkl API stand-in")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", help="JSON seed file (catalog, users, playbacks, history, client_ids)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="stand-in option, e.g. shape=apiary or pin_interval=1 (JSON values)")
    args = parser.parse_args(argv)
    seed = {}
    if args.seed:
        with open(args.seed, encoding="utf-8") as handle:
            seed = json.load(handle)
    if args.option:
        seed.setdefault("options", {}).update(dict(parse_option(o) for o in args.option))

    def ready(standin):
        print(f"listening on {standin.url}", flush=True)

    serve(port=args.port, seed=seed, host=args.host, ready=ready)
    return 0


if __name__ == "__main__":
    sys.exit(main())
