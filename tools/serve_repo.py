"""Serve a folder (the addon repository of tools/build_repo) over HTTP, as a static web server.

    python -m tools.serve_repo [--dir build/repo] [--port 8080] [--host 127.0.0.1]

    with RepoServer("build/repo") as server:       # tests: a thread on 127.0.0.1, port picked
        server.url, server.requests                 # ["GET /addons.xml.md5", ...]

Why not `python3 -m http.server`: Kodi's "Install from zip file" browser opens every .zip it
lists as an archive (zip://http...) with HTTP Range requests, and hides the ones whose server
ignores Range (http.server does). Real static servers (nginx, Apache, any CDN) answer Range;
this one does too (single ranges, which is all Kodi asks for).
"""
import argparse
import functools
import os
import re
import sys
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class _Handler(SimpleHTTPRequestHandler):
    server_version = "serve_repo"
    requests_log = None  # type: Optional[List[str]]

    def log_message(self, fmt, *args):  # quiet; the log list says what was asked
        pass

    def send_head(self):
        if self.requests_log is not None:
            self.requests_log.append("%s %s" % (self.command, self.path))
        header = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not header or os.path.isdir(path):
            return super().send_head()
        m = _RANGE.match(header.strip())
        if not m or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = m.group(1), m.group(2)
        if first == "":  # suffix range: the last N bytes
            start, end = max(0, size - int(last or 0)), size - 1
        else:
            start, end = int(first), (int(last) if last else size - 1)
        end = min(end, size - 1)
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", "bytes */%d" % size)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        handle = open(path, "rb")
        handle.seek(start)
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def copyfile(self, source, outputfile):
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            return super().copyfile(source, outputfile)
        while remaining > 0:
            chunk = source.read(min(65536, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)
        self._remaining = None

    def end_headers(self):
        if self.command in ("GET", "HEAD") and "Range" not in self.headers:
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class RepoServer:
    def __init__(self, directory, port: int = 0, host: str = "127.0.0.1") -> None:
        self.directory = str(Path(directory).resolve())
        self.requests = []  # type: List[str]
        handler = type("Handler", (_Handler,), {"requests_log": self.requests})
        self.httpd = ThreadingHTTPServer((host, port), functools.partial(handler, directory=self.directory))
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self._thread = None  # type: Optional[threading.Thread]

    @property
    def url(self) -> str:
        return "http://%s:%d/" % (self.host, self.port)

    def start(self) -> "RepoServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="repo-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "RepoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="build/repo")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1",
                        help="0.0.0.0 to serve the other devices of the network")
    args = parser.parse_args(argv)
    server = RepoServer(args.dir, args.port, args.host)
    print("serving %s at %s (Ctrl-C stops)" % (server.directory, server.url), flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
