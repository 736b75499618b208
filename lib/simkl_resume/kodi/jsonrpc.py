"""THE one JSON-RPC helper. Requests are always built with json.dumps (titles with quotes,
backslashes or emoji must round-trip), never by string formatting.

    call(method, params=None) -> result        JsonRpcError when Kodi answers an error
    ask_service_to_check(data) -> bool         JSONRPC.NotifyAll "check" to our service
                                               (also left on Window(10000) for a service not
                                               listening yet: window.take_check_asked)
"""
import json

import xbmc

from .. import ADDON_ID
from .window import CHECK_MESSAGE, leave_check_asked


class JsonRpcError(Exception):
    """Kodi answered with a JSON-RPC error (e.g. -32602 invalid params, -32601 no such method)."""

    def __init__(self, code, message, method=""):
        super().__init__("%s: JSON-RPC error %s %s" % (method, code, message))
        self.code = code
        self.message = message
        self.method = method


def call(method, params=None):
    """Run one JSON-RPC method inside Kodi and return its `result`; JsonRpcError on error."""
    request = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        request["params"] = params
    raw = xbmc.executeJSONRPC(json.dumps(request))
    try:
        reply = json.loads(raw)
    except (TypeError, ValueError):
        raise JsonRpcError(-32700, "unreadable reply", method) from None
    if not isinstance(reply, dict):
        raise JsonRpcError(-32700, "unreadable reply", method)
    error = reply.get("error")
    if error is not None:
        if not isinstance(error, dict):
            error = {}
        raise JsonRpcError(error.get("code", 0), error.get("message", ""), method)
    return reply.get("result")


def ask_service_to_check(data):
    """JSONRPC.NotifyAll(sender=ADDON_ID, message="check", data): the service's Monitor sees
    Other.check from our addon id. Never raises: False when Kodi refused (the periodic poll
    catches up anyway). The request is also left on Window(10000) first: NotifyAll reaches only
    monitors that exist, and while Kodi starts the home screen's widgets run the plugin before
    (or while) add-on services start; the service takes it when it starts."""
    try:
        leave_check_asked(data)
        call("JSONRPC.NotifyAll", {"sender": ADDON_ID, "message": CHECK_MESSAGE, "data": data})
    except Exception:  # noqa: BLE001
        return False
    return True
