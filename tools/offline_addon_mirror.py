"""A loopback stand-in for Kodi's addon mirrors, used as an HTTP proxy.

kodi-addon-checker downloads the addons.xml.gz of every Kodi branch from the addon mirror it
has built in (30 s timeouts, 5 retries) even with --skip-dependency-checks. Without internet
it stalls for many minutes. Pointed at this server through HTTP_PROXY/HTTPS_PROXY it gets,
for ANY GET, a gzipped addons.xml listing the dependencies this addon needs, HEAD gets 200,
and CONNECT (https tunnels) is refused: nothing is ever forwarded, no request leaves the
machine. Every request is recorded in `.requests` so a caller can show what was asked.

    with OfflineAddonMirror() as mirror:
        env = mirror.proxy_env(os.environ)   # proxy variables set, NO_PROXY removed
        subprocess.run([...], env=env)

    python -m tools.offline_addon_mirror [--port 0]    # serve until Ctrl-C
"""
import argparse
import gzip
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Mapping, Optional, Tuple

# (addon id, version) pairs that the fake repository offers. script.module.requests is the
# addon's only non-core dependency; the xbmc.* entries mirror what the real repos list.
REPO_ADDONS = [
    ("xbmc.python", "3.0.1"),
    ("xbmc.gui", "5.15.0"),
    ("xbmc.addon", "19.1.0"),
    ("xbmc.json", "12.4.0"),
    ("xbmc.metadata", "2.1.0"),
    ("script.module.requests", "2.31.0"),
    ("script.module.urllib3", "2.2.3"),
    ("script.module.chardet", "5.2.0"),
    ("script.module.idna", "3.7.0"),
    ("script.module.certifi", "2024.7.4"),
]  # type: List[Tuple[str, str]]

PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")


def addons_xml(addons: List[Tuple[str, str]] = REPO_ADDONS) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', "<addons>"]
    for addon_id, version in addons:
        lines.append(
            f'  <addon id="{addon_id}" name="{addon_id}" version="{version}" provider-name="offline mirror">'
        )
        lines.append('    <extension point="xbmc.addon.metadata"><platform>all</platform></extension>')
        lines.append("  </addon>")
    lines.append("</addons>")
    return ("\n".join(lines) + "\n").encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server_version = "offline-addon-mirror/1"
    protocol_version = "HTTP/1.1"

    def _record(self) -> None:
        self.server.requests.append((self.command, self.path))  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802
        self._record()
        body = gzip.compress(self.server.addons_xml, mtime=0)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802
        self._record()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_CONNECT(self) -> None:  # noqa: N802
        # https through the proxy: refused, never tunnelled anywhere.
        self._record()
        self.send_response(403, "offline mirror does not tunnel")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep quiet
        pass


class OfflineAddonMirror:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; use as a context manager."""

    def __init__(self, port: int = 0, addons: Optional[List[Tuple[str, str]]] = None) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.requests = []  # type: ignore[attr-defined]
        self._server.addons_xml = addons_xml(addons or REPO_ADDONS)  # type: ignore[attr-defined]
        self._thread = None  # type: Optional[threading.Thread]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> List[Tuple[str, str]]:
        return list(self._server.requests)  # type: ignore[attr-defined]

    def proxy_env(self, base: Mapping[str, str]) -> Dict[str, str]:
        env = dict(base)
        for name in NO_PROXY_VARS:
            env.pop(name, None)
        for name in PROXY_VARS:
            env[name] = self.url
        return env

    def start(self) -> "OfflineAddonMirror":
        self._thread = threading.Thread(target=self._server.serve_forever, name="offline-addon-mirror")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "OfflineAddonMirror":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a fake Kodi addon repository on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    mirror = OfflineAddonMirror(args.port).start()
    print(f"listening on {mirror.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        mirror.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
