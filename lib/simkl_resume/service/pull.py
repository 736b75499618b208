"""The pull half: learn where other devices stopped, cheaply (a service Component).

    pull = PullSync(ctx, on_change=builder.playbacks_changed)
    Service(monitor, [pull, ...], now).run()

Every `poll_interval` minutes (setting, default 15; the first poll after a random start-up
delay, core.sync.PollSchedule) and on Kodi's `System.OnWake`, the worker thread asks Simkl
for /sync/activities. Only when a bucket's `playback` timestamp moved (core.sync.decide_fetch)
does it fetch /sync/playback (narrowed to movies or episodes when only one kind moved),
merge it into the cached list (core.sync.merge_playbacks: removals disappear), write
KEY_PLAYBACKS and only then KEY_ACTIVITIES (a failed fetch is retried at the next check).

Opening the plugin's resume list sends JSONRPC.NotifyAll(sender=ADDON_ID, message="check"),
seen here as method "Other.check": one activities call with a short timeout and no retries,
at most one per 2 s (core.sync.OpenThrottle); a request inside that window is never dropped but
runs when the window ends (trailing), so every open is followed by a check started after it
(on the first tick after the window: the push half makes the loop tick every second). When the
list changed (or the check's online/offline state flipped) and our folder is on screen, the
container is refreshed.

When the activities' `settings.all` moved (or on the first check), /users/settings is read
again: the account's plan sets how long Simkl keeps playbacks (the list's expiry); a changed
retention rebuilds the list. A check whose token was signed out (or replaced by another
account's) while it ran keeps nothing.

Every check writes KEY_SYNC_STATUS = {"ok", "checked_at", "last_ok_at", "error"} (error is
"" or one of ERROR_* below) so the menu can say "offline since ...".

Errors: offline, timeouts, 5xx, 429 and malformed replies leave the cache as it was (status
not ok) and the service running. A 401 signs the account out ("revoked") once, shows ONE
notification saying how to sign in again, and nothing is called until a token is stored
again (the plugin's /login writes it). No token, or `pull_enabled` off: no calls at all.

`on_change(playbacks)` (List[core.model.Playback], newest first) is called on the worker
thread after the new list is in the cache, and also when up next's watching lists changed
(up_next.WatchlistSync, run after the playbacks on every check: it asks Simkl only when a
watchlist timestamp of the same activities reply moved).
"""
import random
from dataclasses import replace
from typing import Callable, List, Optional

from ..context import KEEP_FOREVER, KEY_ACTIVITIES, KEY_PLAYBACKS, KEY_SYNC_STATUS
from ..core.errors import (
    AuthRequired,
    ConfigError,
    MalformedReply,
    NetworkError,
    RateLimited,
    RequestTimeout,
    ServerError,
    SimklError,
)
from ..core.model import Activities, Playback
from ..core.sync import (
    DEFAULT_POLL_INTERVAL,
    OpenThrottle,
    PollSchedule,
    decide_fetch,
    merge_playbacks,
    settings_moved,
)
from .component import Component, is_check
from .up_next import WatchlistSync
from .worker import BackgroundWorker

WAKE_METHOD = "System.OnWake"

# KEY_SYNC_STATUS["error"]
ERROR_OFFLINE = "offline"
ERROR_TIMEOUT = "timeout"
ERROR_SERVER = "server"
ERROR_RATE_LIMITED = "rate_limited"
ERROR_MALFORMED = "malformed"
ERROR_SIGNED_OUT = "signed_out"
ERROR_CONFIG = "config"
ERROR_OTHER = "error"

QUICK_TIMEOUT = (2, 3)      # the on-open check: the user is looking at the list
POLL_TIMEOUT = (5, 20)
POLL_RETRIES = 2

# The status error of a failed check: the first class the exception is an instance of
# (RequestTimeout before its base NetworkError); anything else is ERROR_OTHER.
_ERROR_CODES = (
    (RequestTimeout, ERROR_TIMEOUT),
    (NetworkError, ERROR_OFFLINE),
    (RateLimited, ERROR_RATE_LIMITED),
    (ServerError, ERROR_SERVER),
    (MalformedReply, ERROR_MALFORMED),
    (ConfigError, ERROR_CONFIG),
)


def _error_code(exc):
    return next((code for cls, code in _ERROR_CODES if isinstance(exc, cls)), ERROR_OTHER)


def _kodi_settings():
    from ..kodi import settings

    return settings


class _KodiUi:
    """What PullSync shows or does in Kodi (replaceable in tests)."""

    @staticmethod
    def notify_sign_in_again():
        from ..kodi import ui

        ui.notify_sign_in_again()

    @staticmethod
    def refresh_if_on_screen():
        from ..kodi import ui

        return ui.refresh_if_on_screen()

    @staticmethod
    def sleep(seconds):
        from ..kodi import ui

        ui.wait(seconds)


class PullWorker(BackgroundWorker):
    name = "pull"

    def __init__(self, pull, log=None):
        super().__init__(log=log)
        self._pull = pull

    def work(self):
        self._pull.run_check()


class PullSync(Component):
    """Component of the service loop; see the module docstring.

    PullSync(ctx, on_change=None, rand=random.random, ui=None, settings=None,
             poll_timeout=POLL_TIMEOUT, quick_timeout=QUICK_TIMEOUT, poll_retries=POLL_RETRIES,
             client_kwargs=None)
    `ctx` is a context.AddonContext (cache, account, client(), now, log). `settings` needs
    get_bool(id) and get_int(id) (default: kodi.settings). `ui` needs notify_sign_in_again(),
    refresh_if_on_screen() and sleep(seconds) (default: kodi.ui). `client_kwargs` go to
    ctx.client() (tests pass e.g. sleep=).
    """

    def __init__(self, ctx, on_change: Optional[Callable[[List[Playback]], None]] = None,
                 rand: Callable[[], float] = random.random, ui=None, settings=None,
                 poll_timeout=POLL_TIMEOUT, quick_timeout=QUICK_TIMEOUT, poll_retries=POLL_RETRIES,
                 client_kwargs=None):
        self.ctx = ctx
        self.on_change = on_change
        self.ui = ui if ui is not None else _KodiUi()
        self._settings = settings
        self.poll_timeout = poll_timeout
        self.quick_timeout = quick_timeout
        self.poll_retries = poll_retries
        self.client_kwargs = dict(client_kwargs or {})
        self.schedule = PollSchedule(self._interval(), ctx.now(), rand=rand)
        self.throttle = OpenThrottle()
        self.worker = PullWorker(self, log=self._log_text)
        self._quick = False
        self._client = None
        self._client_token = None
        self.watchlist = WatchlistSync(ctx, lambda: self.settings, log=self._log_text)

    # ------------------------------------------------------------------ settings, log

    @property
    def settings(self):
        if self._settings is None:
            self._settings = _kodi_settings()
        return self._settings

    def _interval(self):
        try:
            minutes = int(self.settings.get_int("poll_interval"))
        except (TypeError, ValueError):
            minutes = 0
        return minutes * 60.0 if minutes > 0 else DEFAULT_POLL_INTERVAL

    def _enabled(self):
        try:
            return bool(self.settings.get_bool("pull_enabled"))
        except (TypeError, ValueError):
            return True

    def _log_text(self, message):
        self.ctx.log("pull: %s" % message)

    def _client_log(self, level, message):
        if level != "debug":
            self._log_text(message)

    def _may_call(self):
        """Signed in and pulling enabled: the only state in which any request is made."""
        return self._enabled() and self.ctx.account.token is not None

    # ------------------------------------------------------------------ Component

    def start(self):
        self.worker.start()

    def stop(self):
        self.worker.stop()

    def tick(self, now):
        if self.throttle.take_due(now):
            self.check_now(quick=True)  # the open that fell inside the throttle window
        if self.schedule.due(now):
            self.schedule.done(now)
            if self._may_call():
                self.worker.wake()
        waits = [w for w in (self.schedule.seconds_until(now), self.throttle.seconds_until(now))
                 if w is not None]
        return min(waits)

    def on_notification(self, sender, method, data):
        if is_check(sender, method):
            now = self.ctx.now()
            if self.throttle.allow(now):
                self.check_now(quick=True)
        elif method == WAKE_METHOD:
            self.check_now(quick=False)

    def on_settings_changed(self):
        self.schedule.set_interval(self._interval(), self.ctx.now())

    def check_now(self, quick=False):
        """Run a check on the worker now (the periodic poll restarts from here)."""
        self.schedule.done(self.ctx.now())
        if not self._may_call():
            return False
        if quick:
            self._quick = True
        self.worker.wake()
        return True

    # ------------------------------------------------------------------ the check (worker thread)

    def _client_for(self, token):
        if self._client is None or self._client_token != token:
            if self._client is not None:
                self._client.close()
            kwargs = {"log": self._client_log, "sleep": self.ui.sleep}
            kwargs.update(self.client_kwargs)
            self._client = self.ctx.client(token=token, **kwargs)
            self._client_token = token
        return self._client

    def _cached_state(self):
        """(stored Activities or None, cached playbacks or None); None when unreadable."""
        cache = self.ctx.cache
        raw_playbacks = cache.get(KEY_PLAYBACKS)
        playbacks = None
        if isinstance(raw_playbacks, list):
            try:
                playbacks = [Playback.from_dict(item) for item in raw_playbacks]
            except (TypeError, ValueError):
                playbacks = None
        stored = None
        raw_activities = cache.get(KEY_ACTIVITIES)
        if playbacks is not None and isinstance(raw_activities, dict):
            try:
                stored = Activities.from_dict(raw_activities)
            except (TypeError, ValueError):
                stored = None
        return stored, playbacks

    def run_check(self):
        """One activities check (and fetch when something moved). Returns True when the
        cached list changed. Runs on the worker thread; never raises a SimklError."""
        quick, self._quick = self._quick, False
        if not self._enabled():
            return False
        token = self.ctx.account.token
        if token is None:
            return False
        previous = self.ctx.cache.get(KEY_SYNC_STATUS)
        previous = previous if isinstance(previous, dict) else {}
        changed = False
        error = ""
        try:
            client = self._client_for(token)
            changed = self._sync(client, quick, token)
        except AuthRequired:
            error = ERROR_SIGNED_OUT
            self._revoked(token)
        except SimklError as exc:
            error = _error_code(exc)
            self._log_text("check failed (%s): %s" % (error, exc))
        now = self.ctx.now()
        ok = not error
        status = {
            "ok": ok,
            "checked_at": now,
            "last_ok_at": now if ok else previous.get("last_ok_at"),
            "error": error,
        }
        self.ctx.cache.set(KEY_SYNC_STATUS, status, expiration=KEEP_FOREVER)
        if changed or bool(previous.get("ok", True)) != ok:
            try:
                self.ui.refresh_if_on_screen()
            except Exception as exc:  # noqa: BLE001 - the cache is written; a UI hiccup is no failure
                self._log_text("refresh failed: %r" % (exc,))
        return changed

    def _signed_out_since(self, token):
        """The account's token is no longer `token` (signed out, or another account, while a
        request ran): nothing of what it brought is kept."""
        return self.ctx.account.token != token

    def _sync(self, client, quick, token):
        if quick:
            timeout, retries = self.quick_timeout, 0
        else:
            timeout, retries = self.poll_timeout, self.poll_retries
        fresh = client.activities(timeout=timeout, retries=retries)
        if self._signed_out_since(token):
            return False
        stored, cached = self._cached_state()
        plan = decide_fetch(stored, fresh)
        changed = False
        merged = cached or []
        if settings_moved(stored, fresh):
            retention_changed, fresh = self._reread_plan(client, token, stored, fresh, timeout, retries)
            # the retention changed: every entry's expiry does (the list is rebuilt below)
            changed = retention_changed and cached is not None and stored is not None
        if plan is not None:
            fetched = client.playbacks(kind=plan.kind, timeout=timeout, retries=retries)
            if self._signed_out_since(token):
                return False
            merged = merge_playbacks(cached or [], fetched, plan.types)
            changed = changed or cached is None or merged != cached
            self.ctx.cache.set(KEY_PLAYBACKS, [p.to_dict() for p in merged], expiration=KEEP_FOREVER)
            self._log_text("moved %s: fetched %d %s playback(s), %d cached"
                           % ("/".join(plan.moved), len(fetched), plan.kind or "all", len(merged)))
        # up next: the watching lists, when their timestamps moved (up_next.WatchlistSync)
        changed = self.watchlist.sync(client, fresh, timeout, retries, token) or changed
        self.ctx.cache.set(KEY_ACTIVITIES, fresh.to_dict(), expiration=KEEP_FOREVER)
        if changed and self.on_change is not None:
            try:
                self.on_change(merged)
            except Exception as exc:  # noqa: BLE001 - a subscriber's bug must not undo the sync
                self._log_text("on_change failed: %r" % (exc,))
        return changed

    def _reread_plan(self, client, token, stored, fresh, timeout, retries):
        """The account's settings moved: read its plan again (the playback retention). Returns
        (retention changed, the Activities to store: on failure with the OLD settings stamp, so
        the next check tries again; the sync itself goes on)."""
        account = self.ctx.account
        before = account.retention_days()
        try:
            info = client.user_settings(timeout=timeout, retries=retries).get("parsed") or {}
        except AuthRequired:
            raise
        except SimklError as exc:
            self._log_text("account settings not read (%s); retried at the next check" % (exc,))
            return False, replace(fresh, settings=stored.settings if stored is not None else None)
        updated = account.update_profile(token, info.get("name"), info.get("plan"),
                                         account_id=info.get("account_id"))
        after = account.retention_days()
        if updated:
            self._log_text("account plan now %r: playbacks kept %d days" % (info.get("plan") or "", after))
        return after != before, fresh

    def _revoked(self, token):
        """A 401: sign out once (unless a new token was stored meanwhile), tell the user once
        (AccountStore.revoke: whichever of pull and push sees the 401 first tells)."""
        if not self.ctx.account.revoke(token):
            return
        self._log_text("Simkl refused the token (401): signed out until the next sign-in")
        try:
            self.ui.notify_sign_in_again()
        except Exception as exc:  # noqa: BLE001
            self._log_text("notification failed: %r" % (exc,))
