"""HTTP side of the Simkl stand-in: a real ThreadingHTTPServer on 127.0.0.1.

Order for every API request: request log entry, then the first matching fault (consumed),
then the Simkl semantics of state.py (client id 412, token 401, endpoints).
Everything under /_control/ is the control API (never faulted, never logged).
"""
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .state import Reply, State, error

FAULTS = ("500", "502", "503", "429", "429-retry-after", "hang", "reset", "garbage", "empty", "html", "401")

HTML_PAGE = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
             b"<h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>")


class App:
    """State + faults + request log; shared by the HTTP handler and the StandIn helpers."""

    def __init__(self):
        self.state = State()
        self.faults = []
        self.log = []
        self.log_lock = threading.Lock()
        self.connections = set()
        self.conn_lock = threading.Lock()

    # ------------------------------------------------------------------------ faults

    def add_fault(self, spec):

        fault = str(spec.get("fault", ""))
        if fault not in FAULTS and not (fault.isdigit() and len(fault) == 3):
            raise ValueError("unknown fault {!r} (one of {} or a status code)".format(
                fault, ", ".join(FAULTS)))
        match = spec.get("match") or {}
        entry = {"method": (match.get("method") or "").upper() or None, "path": match.get("path") or "/",
                 "body": str(match["body"]) if match.get("body") else None,
                 "fault": fault, "times": int(spec.get("times", 1)),
                 "retry_after": spec.get("retry_after", 1),
                 "hang_seconds": float(spec.get("hang_seconds", 5)),
                 "then": spec.get("then", "answer"), "status": spec.get("status")}
        with self.log_lock:
            self.faults.append(entry)
        return entry

    def take_fault(self, method, path, raw=b""):
        """The first live fault matching the request (method, path prefix, and - when the
        fault names one - a text the raw request body contains, e.g. one item's imdb id)."""
        with self.log_lock:
            for entry in self.faults:
                if entry["times"] <= 0:
                    continue
                if entry["method"] and entry["method"] != method:
                    continue
                if not path.startswith(entry["path"]):
                    continue
                if entry.get("body") and entry["body"] not in raw.decode("utf-8", "replace"):
                    continue
                entry["times"] -= 1
                return dict(entry)
            return None

    def clear_faults(self):
        with self.log_lock:
            self.faults = []

    # ------------------------------------------------------------------------ request log

    def record(self, entry):
        with self.log_lock:
            self.log.append(entry)

    def requests(self, path=None, method=None):
        with self.log_lock:
            return [dict(e) for e in self.log if (path is None or e["path"].startswith(path))
                    and (method is None or e["method"] == method)]

    def clear_requests(self):
        with self.log_lock:
            self.log = []

    # ------------------------------------------------------------------------ control API

    def control(self, method, path, body):

        name = path[len("/_control/"):].strip("/")
        body = body if isinstance(body, dict) else {}
        state = self.state
        try:
            if name == "reset" and method == "POST":
                state.reset()
                self.clear_faults()
                self.clear_requests()
                return Reply(200, {"ok": True})
            if name == "seed" and method == "POST":
                state.seed(body)
                return Reply(200, {"ok": True})
            if name == "requests":
                if method == "DELETE":
                    self.clear_requests()
                    return Reply(200, {"ok": True})
                return Reply(200, self.requests())
            if name == "faults":
                if method == "DELETE":
                    self.clear_faults()
                    return Reply(200, {"ok": True})
                if method == "POST":
                    return Reply(200, self.add_fault(body))
                with self.log_lock:
                    return Reply(200, [dict(f) for f in self.faults if f["times"] > 0])
            if name == "pin" and method == "POST":
                if body.get("approve"):
                    state.approve_pin(body["approve"], token=body.get("token"), name=body.get("name"),
                                      plan=body.get("type"))
                    return Reply(200, {"approved": str(body["approve"]).upper()})
                if "approve_after_polls" in body:
                    state.configure(approve_after_polls=body["approve_after_polls"])
                    with state.lock:
                        for pin in state.pins.values():
                            pin["approve_after_polls"] = body["approve_after_polls"]
                opts = {k: body[k] for k in ("pin_interval", "pin_expires_in") if k in body}
                if "interval" in body:
                    opts["pin_interval"] = body["interval"]
                if "expires_in" in body:
                    opts["pin_expires_in"] = body["expires_in"]
                state.configure(**opts)
                return Reply(200, {"ok": True})
            if name == "state" and method == "GET":
                return Reply(200, state.snapshot())
            if name == "clock":
                if method == "POST":
                    if body.get("freeze"):
                        state.freeze(None if body["freeze"] is True else body["freeze"])
                    elif body.get("freeze") is False:
                        state.unfreeze()
                    if "now" in body:
                        state.set_now(body["now"])
                    if "offset" in body:
                        with state.lock:
                            state.clock_offset = float(body["offset"])
                    state.advance(body.get("advance", 0))
                return Reply(200, {"now": state.now(), "offset": state.clock_offset,
                                   "frozen": state.frozen_at is not None})
            if name in ("config", "options"):
                if method == "POST":
                    state.configure(**body)
                return Reply(200, dict(state.options))
            if name == "playbacks" and method == "POST":
                return Reply(200, state.add_playback(body))
            if name == "watchlist" and method == "POST":
                return Reply(200, state.list_status(body))
        except (KeyError, ValueError, TypeError) as exc:
            return error(400, "control_error", str(exc))
        return error(404, "not_found", "no such control endpoint")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SimklStandIn/1.0"
    app = None  # type: App  # set on the server-specific subclass

    def log_message(self, format, *args):  # noqa: A002 - silence stderr access log (URLs carry ids)
        pass

    def setup(self):
        super().setup()
        try:  # headers and body go out in separate writes: no Nagle/delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.app.conn_lock:
            self.app.connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.app.conn_lock:
                self.app.connections.discard(self.connection)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # ------------------------------------------------------------------------

    def dispatch(self, method):
        app = self.app
        parts = urlsplit(self.path)
        path = parts.path or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        body = None
        body_bad = False
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body, body_bad = raw.decode("utf-8", "replace"), True

        if path.startswith("/_control/"):
            self.send_reply(app.control(method, path, body))
            return

        entry = {"method": method, "path": path, "query": query, "headers": dict(self.headers.items()),
                 "body": body, "status": None, "time": app.state.now(), "fault": None, "done": False}
        app.record(entry)
        fault = app.take_fault(method, path, raw)
        if fault:
            entry["fault"] = fault["fault"]
            if self.apply_fault(fault, entry):
                entry["done"] = True  # answered by the fault, or dropped (status stays None)
                return
        if body_bad:
            reply = error(400, "body_invalid", "request body is not JSON")
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = app.state.api(method, path, query, headers, body)
        entry["status"] = reply.status
        self.send_reply(reply)
        entry["done"] = True

    def apply_fault(self, fault, entry):

        """Act out a fault. True when the request is finished; False to answer it normally."""
        kind = fault["fault"]
        status = int(fault["status"]) if fault.get("status") else None
        if kind == "hang":
            self.app.state.stop_event.wait(fault["hang_seconds"])
            if fault.get("then") == "close":
                self.drop(rst=False)
                return True
            return False
        if kind == "reset":
            self.drop(rst=True)
            return True
        if kind == "garbage":
            reply = Reply(status or 200, b'{"id": 5000000001, "progress": 4',
                          {"Content-Type": "application/json"})
        elif kind == "empty":
            reply = Reply(status or 200, b"", {"Content-Type": "application/json"})
        elif kind == "html":
            reply = Reply(status or 502, HTML_PAGE, {"Content-Type": "text/html; charset=UTF-8"})
        elif kind == "401":
            reply = error(401, "user_token_failed", "token revoked")
        elif kind == "429":
            reply = error(429, "rate_limit", "too many requests")
        elif kind == "429-retry-after":
            reply = error(429, "rate_limit", "too many requests")
            reply.headers["Retry-After"] = str(fault.get("retry_after", 1))
        else:
            reply = error(int(kind), "server_error", f"injected {kind}")
        entry["status"] = reply.status
        self.send_reply(reply)
        return True

    def drop(self, rst):
        """Close the connection without any reply; with rst=True the peer sees a TCP reset."""
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
        except OSError:
            pass

    def send_reply(self, reply):

        if isinstance(reply.body, (bytes, bytearray)):
            data = bytes(reply.body)
        elif reply.body is None or reply.status == 204:
            data = b""
        else:
            data = json.dumps(reply.body).encode("utf-8")
        try:
            self.send_response(reply.status)
            headers = dict(reply.headers)
            if reply.status != 204:
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
                headers["Content-Length"] = str(len(data))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if data and reply.status != 204:
                self.wfile.write(data)
        except OSError:
            self.close_connection = True


class StandIn:
    """The stand-in on a background thread. `with StandIn() as s: requests.get(s.url + ...)`.

    Python helpers act on the same state as the control API, without HTTP."""

    def __init__(self, port=0, host="127.0.0.1", seed=None, **options):

        self.host = host
        self.port = port
        self.app = App()
        self._server = None
        self._thread = None
        if options:
            self.configure(**options)
        if seed:
            self.seed(seed)

    # ------------------------------------------------------------------------ lifecycle

    def start(self):
        handler = type("BoundHandler", (Handler,), {"app": self.app})
        self.app.state.stop_event.clear()
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="simkl-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self.app.state.stop_event.set()  # ends scrobble delays and hangs
        self._server.shutdown()
        with self.app.conn_lock:
            conns = list(self.app.connections)
        for conn in conns:  # idle keep-alive connections would otherwise linger
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------------ helpers

    def reset(self):
        self.app.state.reset()
        self.app.clear_faults()
        self.app.clear_requests()

    def seed(self, data=None, **parts):
        """Merge seed data: catalog, users, playbacks, history, client_ids, options."""
        merged = dict(data or {})
        merged.update(parts)
        self.app.state.seed(merged)
        return self

    def add_user(self, token=None, name=None, type="free"):  # noqa: A002 - mirrors the seed key
        return self.app.state.add_user(token, name, type).token

    def add_token(self, token, new_token):
        """A second token of the SAME account (a new sign-in of that user: same account id,
        same playbacks and history)."""
        with self.app.state.lock:
            self.app.state.users[new_token] = self.app.state.users[token]
        return new_token

    def account_id(self, token):
        """Simkl's stable account id of the user `token` (what /users/settings says)."""
        return self.app.state.users[token].id

    def add_catalog(self, **item):
        return self.app.state.add_catalog(item)

    def set_plan(self, token, type):  # noqa: A002 - mirrors the seed key
        """The user `token` changes plan (free/pro/vip): the settings activity moves."""
        self.app.state.set_plan(token, type)

    def add_playback(self, spec=None, **kw):
        """add_playback(movie={"ids":{"imdb":..}}, progress=40, ago=3600) or
        add_playback(show={"ids":..}, episode={"season":1,"number":2}, progress=10, user=token);
        returns the playback as the API would list it."""
        merged = dict(spec or {})
        merged.update(kw)
        return self.app.state.add_playback(merged)

    def fault(self, fault, path="/", method=None, times=1, body=None, **params):
        """Inject `fault` (one of server.FAULTS or a status code) for requests whose path starts
        with `path` (and method matches, and the request body contains the text `body` when
        given: one item's faults); consumed `times` times, in the order added."""
        spec = dict(params)
        spec.update({"fault": str(fault), "match": {"path": path, "method": method, "body": body},
                     "times": times})
        return self.app.add_fault(spec)

    def clear_faults(self):
        self.app.clear_faults()

    def requests(self, path=None, method=None):
        """Logged API requests, oldest first; `path` matches as a prefix."""
        return self.app.requests(path, method)

    def clear_requests(self):
        self.app.clear_requests()

    def state(self):
        return self.app.state.snapshot()

    def configure(self, **options):
        self.app.state.configure(**options)
        return self

    def approve_pin(self, code, token=None, name=None, type=None):  # noqa: A002
        return self.app.state.approve_pin(code, token=token, name=name, plan=type)

    def advance(self, seconds):
        """Move the stand-in's clock forward (ages playbacks, expires PINs, closes the 409 window)."""
        self.app.state.advance(seconds)

    def now(self):
        return self.app.state.now()

    def freeze(self, when=None):
        """Stop the stand-in's clock (at `when`, default now); only advance()/set_now() move it."""
        self.app.state.freeze(when)

    def unfreeze(self):
        self.app.state.unfreeze()

    def set_now(self, when):
        """Make the stand-in's clock read `when` (epoch seconds or ISO-8601 string) from now on."""
        self.app.state.set_now(when)

    def list_status(self, status, spec=None, **kw):
        """Move an item on a user's watchlist: list_status("hold", show={"ids": {"tvdb": 81189}})
        or list_status(None, title="Breaking Bad", user=token) to take it off the list (its
        history goes too, as Simkl's /sync/history/remove of a whole show). Returns the list
        item as /sync/all-items shows it (None when removed)."""
        merged = dict(spec or {})
        merged.update(kw)
        merged["status"] = status
        return self.app.state.list_status(merged)


def serve(port=8765, seed=None, host="127.0.0.1", ready=None):

    """Run in the foreground until interrupted (python -m tools.simkl_standin)."""
    standin = StandIn(port=port, host=host, seed=seed)
    standin.start()
    if ready:
        ready(standin)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
