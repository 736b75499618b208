"""Plugin routes /login and /logout (run in the plugin process, never in the service).

/login: Simkl's PIN (device) flow in a dialog that shows the code, the address to open
(https://simkl.com/pin/CODE) with its QR code, and a bar counting down to `expires_in`
(kodi/pin_dialog.py; a plain progress dialog when the XML one cannot be used). Polls every
`interval` s (grown on "Slow down"), waiting through Kodi's Monitor so an abort ends it,
and stops on expiry, cancel, or when Simkl says the code is gone. On success: stores the
token with the account's name and plan (/users/settings), sets the `account_name`
setting, says whose account it is and how long Simkl keeps playbacks, asks the service for
a check (JSONRPC.NotifyAll message "check") and refreshes the container.

/logout: asks first; forgets the token, the `account_name` setting and everything of the
account (forget_account_data): cached playbacks, the resume list and its menu pages, sync
timestamps and status, this device's delivered events, and the resume points the mirror wrote.
A sign-in starts from the same clean state (the previous account's titles never show), and
clears the mirror's points too when it is another account than the one before.

Testable core: `run_pin_flow(client, dialog, wait)`; routes take optional `ctx`.
"""
from typing import Any, Callable, Dict

from ..context import ACCOUNT_KEYS, AddonContext
from ..core.errors import (
    AuthRequired,
    BadRequest,
    ConfigError,
    MalformedReply,
    NetworkError,
    RateLimited,
    ServerError,
    SimklError,
)

# strings.po ids of the sign-in and account range (see docs/architecture.md)
MSG_HEADING = 30100          # Sign in to Simkl
MSG_INSTRUCTIONS = 30101     # open %s ... code %s
MSG_TIME_LEFT = 30102        # Code valid for %s
MSG_SIGNED_IN = 30103        # Signed in as %s (%s: playbacks kept %d days)
MSG_EXPIRED = 30104
MSG_NO_CLIENT_ID = 30105
MSG_NETWORK = 30106
MSG_LOGOUT_HEADING = 30107
MSG_LOGOUT_CONFIRM = 30108   # %s = account name
MSG_SIGNED_OUT = 30109
MSG_REFUSED = 30110          # Simkl refused the sign-in (%s)
MSG_WAITING = 30111
MSG_SIGNED_IN_NO_NAME = 30112
MSG_SLOW_DOWN = 30113
MSG_CODE_GONE = 30114
MSG_BAD_CLIENT_ID = 30115
MSG_CONFIG = 30116           # %s = what is wrong

PLAN_NAMES = {"free": "Free", "pro": "PRO", "vip": "VIP"}

# Outcomes of run_pin_flow
APPROVED = "approved"
EXPIRED = "expired"
CANCELLED = "cancelled"
GONE = "gone"
ABORTED = "aborted"
FAILED = "failed"

REQUEST_TIMEOUT = (5, 10)
SLOW_DOWN_STEP = 5          # seconds added to the interval on "Slow down" (as RFC 8628)
MAX_POLL_FAILURES = 3       # consecutive network failures before giving up
DIALOG_STEP = 1.0           # the countdown moves (and cancel is noticed) every second


class PinResult:
    def __init__(self, outcome, token=None, error=None):
        self.outcome = outcome
        self.token = token
        self.error = error

    def __repr__(self):  # never the token
        return "PinResult(%s%s)" % (self.outcome, ", error=%r" % (self.error,) if self.error else "")


def verification_link(pin):
    """https://simkl.com/pin/CODE from a pin_start reply."""
    return pin["verification_url"].rstrip("/") + "/" + pin["user_code"]


def run_pin_flow(client, pin, dialog, wait: Callable[[float], bool], log=None) -> PinResult:
    """The PIN loop for a pin_start reply `pin`. `client` has pin_poll; `dialog` has
    show(remaining_s, status_id) and cancelled(); `wait(seconds)` returns True when Kodi
    aborts. Elapsed time is the sum of the waits (Kodi's clock). Never raises SimklError:
    repeated network failures come back as FAILED with the error."""
    log = log or (lambda message: None)
    code = pin["user_code"]
    expires = float(pin["expires_in"])
    interval = float(pin["interval"])
    elapsed = 0.0
    next_poll = interval
    failures = 0
    status_id = MSG_WAITING
    dialog.show(expires, status_id)
    while True:
        if dialog.cancelled():
            return PinResult(CANCELLED)
        if elapsed >= expires:
            return PinResult(EXPIRED)
        step = min(DIALOG_STEP, next_poll - elapsed, expires - elapsed)
        if step > 0:
            if wait(step):
                return PinResult(ABORTED)
            elapsed += step
            dialog.show(expires - elapsed, status_id)
            continue
        try:
            reply = client.pin_poll(code, timeout=REQUEST_TIMEOUT, retries=0)
        except (NetworkError, ServerError, RateLimited, MalformedReply) as exc:
            failures += 1
            log("PIN poll failed (%d): %s" % (failures, exc))
            if failures >= MAX_POLL_FAILURES:
                return PinResult(FAILED, error=exc)
            next_poll = elapsed + interval
            continue
        except SimklError as exc:  # 401/400/412/404...: a refusal that polling will not change
            log("PIN poll refused: %s" % (exc,))
            return PinResult(FAILED, error=exc)
        failures = 0
        if reply.get("result") == "OK":
            return PinResult(APPROVED, token=reply["access_token"])
        if reply.get("gone"):
            return PinResult(GONE)
        if reply.get("slow_down"):
            interval += SLOW_DOWN_STEP
            status_id = MSG_SLOW_DOWN
            log("Simkl asked to poll slower: every %d s" % interval)
        else:
            status_id = MSG_WAITING
        next_poll = elapsed + interval


def plan_label(plan):
    return PLAN_NAMES.get((plan or "").lower(), (plan or "Free").capitalize())


# ---------------------------------------------------------------------- routes


def login(call, ctx=None):
    """Route /login."""
    from ..kodi import ui

    ctx = ctx if ctx is not None else AddonContext.from_kodi()
    try:
        _login(ctx, ui)
    finally:
        call.fail()  # nothing to list: a directory request (the root's entry) ends empty


def _login(ctx, ui):
    from ..simkl import config

    log = ctx.log
    try:
        if not config.client_id(ctx.env):
            ui.ok(MSG_HEADING, MSG_NO_CLIENT_ID)
            return None
        client = ctx.client(token=None, log=lambda level, message: log(message))
    except ConfigError as exc:
        ui.ok(MSG_HEADING, MSG_CONFIG, str(exc))
        return None
    client.token = None  # PIN endpoints need no token; never send an old one
    try:
        pin = client.pin_start(timeout=REQUEST_TIMEOUT, retries=1)
    except SimklError as exc:
        _report(ui, exc, log)
        return None
    from ..kodi import pin_dialog

    dialog = pin_dialog.create(MSG_HEADING, MSG_INSTRUCTIONS, MSG_TIME_LEFT, qr_dir=ctx.profile_dir,
                               log=log)
    dialog.open(pin["expires_in"], verification_link(pin), pin["verification_url"], pin["user_code"])
    monitor = ui.new_monitor()
    try:
        result = run_pin_flow(client, pin, dialog, lambda s: ui.wait(s, monitor), log)
    finally:
        dialog.close()
    log("sign-in: %r" % (result,))
    if result.outcome == APPROVED:
        return _signed_in(ctx, ui, client, result.token)
    if result.outcome == EXPIRED:
        ui.notify(MSG_EXPIRED)
    elif result.outcome == GONE:
        ui.notify(MSG_CODE_GONE)
    elif result.outcome == FAILED:
        _report(ui, result.error, log)
    return result


def forget_account_data(ctx, resume_points=True):
    """Everything this addon keeps of the signed-in account, gone: the cached playbacks,
    resume list, menu pages, sync timestamps and status, delivered events (ACCOUNT_KEYS), and,
    with `resume_points`, the resume points the mirror wrote (those the user has not played
    since). The library index is the library's, not the account's: kept."""
    from ..resume_cache import forget_resume_list

    forget_resume_list(ctx.cache)
    for key in ACCOUNT_KEYS:
        ctx.cache.delete(key)
    if resume_points:
        from ..resume_points import ResumePoints

        try:
            cleared = ResumePoints(ctx, enabled=lambda: True).forget_written()
        except Exception as exc:  # noqa: BLE001 - the sign-out itself must go through
            ctx.log("sign-out: resume points not cleared: %r" % (exc,))
        else:
            if cleared:
                ctx.log("sign-out: %d resume point(s) written for the account cleared" % cleared)


def _signed_in(ctx, ui, client, token):
    from ..kodi import settings
    from ..kodi.jsonrpc import ask_service_to_check

    client.token = token
    info: Dict[str, Any] = {}
    try:
        info = client.user_settings(timeout=REQUEST_TIMEOUT, retries=1).get("parsed") or {}
    except SimklError as exc:  # the token is good; who it belongs to can wait
        ctx.log("sign-in: /users/settings failed: %s" % (exc,))
    name = info.get("name") or ""
    plan = info.get("plan") or ""
    previous = ctx.account.load().get("name") or ""
    # the next account starts clean: nothing cached of whoever was here before
    forget_account_data(ctx, resume_points=not (name and previous == name))
    ctx.account.sign_in(token, name, plan, account_id=info.get("account_id"))
    settings.set_str("account_name", name)
    if name:
        ui.notify(MSG_SIGNED_IN, name, plan_label(plan), ctx.account.retention_days())
    else:
        ui.notify(MSG_SIGNED_IN_NO_NAME)
    ask_service_to_check({"reason": "signed_in"})
    ui.refresh_container()
    return PinResult(APPROVED)


def _report(ui, exc, log):
    log("sign-in failed: %s" % (exc,))
    if isinstance(exc, (NetworkError, ServerError, RateLimited, MalformedReply)):
        ui.notify(MSG_NETWORK, error=True)
    elif isinstance(exc, BadRequest) and exc.error == "client_id_failed":
        ui.ok(MSG_HEADING, MSG_BAD_CLIENT_ID)
    elif isinstance(exc, AuthRequired):
        ui.notify(MSG_REFUSED, "401", error=True)
    else:
        ui.notify(MSG_REFUSED, getattr(exc, "status", "") or type(exc).__name__, error=True)


def logout(call, ctx=None):
    """Route /logout."""
    from ..kodi import settings, ui

    ctx = ctx if ctx is not None else AddonContext.from_kodi()
    try:
        name = ctx.account.load().get("name") or "Simkl"
        if not ui.yesno(MSG_LOGOUT_HEADING, MSG_LOGOUT_CONFIRM, name):
            return False
        ctx.account.sign_out("user")
        settings.set_str("account_name", "")
        forget_account_data(ctx)
        ui.notify(MSG_SIGNED_OUT)
        ui.refresh_container()
        return True
    finally:
        call.fail()


