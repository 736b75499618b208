"""The delivery half of push: durable outbox -> Simkl /scrobble.

ScrobbleSender(ctx, log=None, real_clock=time.monotonic)   a worker.BackgroundWorker
  Each run: outbox.all(account) -> core.scrobble.collapse -> drop the superseded entries ->
  send the entry core.scrobble.next_to_send picks (order kept per item: one item waiting
  for a retry never holds back another) if the Pacer's 1 POST/s allows (Kodi's clock) ->
  classify failures: RETRY (outbox.retry_later; the whole account waits only when the
  verdict says hold_all: 429, scrobble lock, no answer), DROP (logged, removed),
  AUTH: a 401 signs the account out (AccountStore.revoke, one notification shared with the
  pull) and keeps everything until the next sign-in; any other AUTH verdict (412 client id,
  config) keeps everything until ctx.account.token changes (the sender looks again every
  AUTH_RECHECK seconds through next_due; a sign-in's check wakes it at once). At most one POST
  per run; `next_due` (Kodi clock) tells ScrobblePush.tick when to wake it again. Besides
  the Kodi clock, consecutive POSTs are also kept >= MIN_POST_GAP apart in real time (Simkl
  counts real seconds; on real Kodi the two clocks agree and this never waits).
  Newest wins on the way out: an entry older than core.scrobble.STALE_AFTER when its turn
  comes, or queued before this sender started (a power-cut recovery pause, dated at its
  checkpoint; last session's queue), is first checked against Simkl (GET /sync/activities;
  only when the item's bucket moved since the entry was queued, GET
  /sync/playback/<kind>?date_from=<queued>): when Simkl holds a position of that item saved
  after the entry was queued, the entry is dropped (logged), never sent. A failed check
  counts as the entry's failure.
  Parking: a RETRY that is the event's own fault (not hold_all) counts towards
  core.scrobble.should_park (10 such failures over 24 h): the event is parked (outbox.park:
  kept on disk, out of the queue, logged) instead of retried forever; `parked` counts them.
  Account identity (store/account.py): each run first asks /users/settings when the signed-in
  account's id is not known yet (retries 60 s, doubling up to 1 h; it wakes up for that only
  while events under other keys wait, e.g. kept through a 401), moves the events of the
  account's aliases to its queue key (outbox.rekey), and - once per sign-in - says how many
  events of another account are kept (never sent with this token). Only events under the
  queue key are sent.
  `waiting` = how many items of the account wait to be sent (ScrobblePush shows it on the
  settings page).
  `on_delivered(body, action, at)` (default: delivered.record_delivery into ctx.cache) is
  called for every scrobble Simkl accepted, before it leaves the outbox: the pull side
  recognises this device's own playbacks by it (issue 13 item 2).
"""
import threading
import time

from ..core import scrobble
from ..core.errors import AuthRequired
from ..store.account import queue_keys_of, token_of
from .worker import BackgroundWorker

AUTH_RECHECK = 10.0
IDENTITY_RETRY = 60.0        # first retry of /users/settings; doubles up to IDENTITY_RETRY_MAX
IDENTITY_RETRY_MAX = 3600.0
MSG_FOREIGN = 30354  # %d positions saved for another Simkl account are kept, not sent
_SEND, _SUPERSEDED, _FAILED = "send", "superseded", "failed"


def kodi_log(level, message):
    from ..kodi.log import log

    log(message, level)


def account_key(ctx):
    """The outbox key events are queued under (store.account: "id:<Simkl account id>", or a
    provisional key until the id is known; never the token): the signed-in account's, or
    the one Simkl signed out with a 401 until it signs in again; None when nobody is."""
    return ctx.account.queue_key


def _describe(entry):
    return "%s %s %.2f%%" % (entry.action, entry.item_key, float(entry.body.get("progress", 0)))


class ScrobbleSender(BackgroundWorker):
    name = "scrobble-sender"

    def __init__(self, ctx, log=None, real_clock=time.monotonic, on_delivered=None):
        self._logf = log or kodi_log
        self.on_delivered = on_delivered or self._remember_delivery
        super().__init__(log=lambda message: self._logf("error", message))
        self.ctx = ctx
        self._now = ctx.now
        self._started = self._now()  # older entries waited across a restart: checked (newest wins)
        self._real_clock = real_clock
        self.pacer = scrobble.Pacer()
        self._lock = threading.Lock()
        self._next_due = None
        self._blocked_token = None
        self._last_real_post = None
        self._client = None
        self._client_token = None
        self._halt = threading.Event()
        self._waiting = None
        self._parked = 0
        self._identity_next = None
        self._identity_failures = 0

    # -- what the main thread reads ------------------------------------------------------
    @property
    def next_due(self):
        with self._lock:
            return self._next_due

    def _set_due(self, when):
        with self._lock:
            self._next_due = when

    def take_due(self, now):
        """True (and forgets the due time) when the sender should be woken at `now`."""
        with self._lock:
            if self._next_due is not None and now >= self._next_due:
                self._next_due = None
                return True
            return False

    def stop(self, timeout=1.0):
        self._halt.set()
        super().stop(timeout)

    # -- one run -------------------------------------------------------------------------
    @property
    def waiting(self):
        """How many items (positions) of the current account are waiting to be sent, as
        of the last run; None before the first run."""
        with self._lock:
            return self._waiting

    @property
    def parked(self):
        """How many events of the current account are parked, as of the last run."""
        with self._lock:
            return self._parked

    def _set_waiting(self, entries):
        with self._lock:
            self._waiting = len({entry.item_key for entry in entries})

    def work(self):
        self._set_due(None)
        try:
            self._work()
        finally:
            if self._identity_next is not None and self._identity_matters():
                with self._lock:  # wake up for the next /users/settings try as well
                    due = self._next_due
                    self._next_due = self._identity_next if due is None else min(due, self._identity_next)

    def _identity_matters(self):
        """Worth waking up for: signed in, the account id unknown, AND events under other keys
        wait (kept through a 401: they may be this account's). Otherwise the id is learnt on
        the next run anyway - an idle Kodi asks Simkl nothing."""
        record = self.ctx.account.load()
        if not record.get("token") or record.get("account_id") is not None:
            return False
        return self.ctx.outbox.count_others(self.ctx.account.queue_keys) > 0

    def _work(self):
        record = self._learn_identity(self.ctx.account.load())  # account.json read once per run
        keys = queue_keys_of(record)
        if not keys:
            self._set_waiting([])
            return
        account = keys[0]
        outbox = self.ctx.outbox
        if len(keys) > 1:
            moved = outbox.rekey(keys[1:], account)
            if moved:
                self._logf("info", "scrobble: %d queued event(s) of this account now filed under %s"
                           % (moved, account))
        self._tell_foreign(keys, record)
        to_send, to_drop = scrobble.collapse(outbox.all(account))
        if to_drop:
            outbox.drop([entry.id for entry in to_drop])
            self._logf("debug", "scrobble: %d superseded event(s) collapsed" % len(to_drop))
        self._set_waiting(to_send)
        parked = len(outbox.parked(account))
        with self._lock:
            self._parked = parked
        token = token_of(record)
        if not token or not to_send:
            return
        if self._blocked_token is not None:
            if token == self._blocked_token:
                self._set_due(self._now() + AUTH_RECHECK)
                return
            self._blocked_token = None
            self._logf("info", "scrobble: signed in again, sending the queued events")
        now = self._now()
        head, due = scrobble.next_to_send(to_send, now)
        paced = now + self.pacer.wait(now)
        if head is None or paced > now:
            self._set_due(max(due if due is not None else paced, paced))
            return
        if scrobble.needs_remote_check(head, now, started=self._started):
            checked = self._check_newer(head, token)
            if checked != _SEND:
                if checked == _SUPERSEDED:
                    self._set_waiting([entry for entry in to_send if entry is not head])
                self._set_due(self._now())  # the next one at once: no POST went out
                return
        self._real_gap()
        if self.stopping:
            return
        if self._send(head, token):
            self._set_waiting([entry for entry in to_send if entry is not head])
        now = self._now()
        self._set_due(now + self.pacer.wait(now))  # the next run finds what is due then

    def _learn_identity(self, record):
        """Signed in but Simkl's account id is not known (/users/settings failed at sign-in,
        or a 0.1.0 record): ask again, at most every IDENTITY_RETRY s. Once known, the queue
        key becomes "id:<account_id>" (AccountStore.update_profile) and work() moves the
        provisional key's events there. Returns the account record as it is now."""
        token = record.get("token")
        if not token or record.get("account_id") is not None:
            return record
        now = self._now()
        if self._identity_next is not None and now < self._identity_next:
            return record
        delay = min(IDENTITY_RETRY_MAX, IDENTITY_RETRY * 2 ** min(self._identity_failures, 16))
        self._identity_next = now + delay
        try:
            info = self._get_client(token).user_settings(retries=0).get("parsed") or {}
        except Exception as exc:  # noqa: BLE001 - retried later; the events go out meanwhile
            self._identity_failures += 1
            self._logf("info", "scrobble: which Simkl account is signed in is not known yet (%s: %s);"
                       " asking again in %d s" % (type(exc).__name__, exc, delay))
            return record
        if info.get("account_id") is None:  # Simkl answered without one: no point asking soon
            self._identity_next = now + IDENTITY_RETRY_MAX
        if self.ctx.account.update_profile(token, info.get("name"), info.get("plan"),
                                           account_id=info.get("account_id")):
            self._logf("info", "scrobble: the signed-in account is Simkl account %s"
                       % (info.get("account_id"),))
            return self.ctx.account.load()
        return record

    def _tell_foreign(self, keys, record):
        """Events queued for ANOTHER account (signed out by the user, or signed in as someone
        else since) are kept and never sent with this token; said once per sign-in."""
        token = record.get("token")
        if not token or record.get("foreign_told") or record.get("account_id") is None:
            return  # (until the id is known, an "id:" key may still turn out to be this account's)
        others = self.ctx.outbox.count_others(keys)
        if not others or not self.ctx.account.mark_foreign_told(token):
            return
        self._logf("warning", "scrobble: %d queued event(s) belong to another Simkl account than the"
                   " one signed in: kept, not sent" % others)
        try:
            from ..kodi import ui

            ui.notify(MSG_FOREIGN, others, time_ms=10000)
        except Exception as exc:  # noqa: BLE001 - telling the user must not break delivery
            self._logf("warning", "notification failed: %r" % (exc,))

    def _real_gap(self):
        if self._last_real_post is None:
            return
        left = scrobble.MIN_POST_GAP - (self._real_clock() - self._last_real_post)
        if left > 0:
            self._halt.wait(min(left, scrobble.MIN_POST_GAP))

    def _get_client(self, token):
        if self._client is None or self._client_token != token:
            self._client = self.ctx.client(token=token, log=self._client_log)
            self._client_token = token
        return self._client

    def _client_log(self, level, message):
        self._logf(level, message)

    def _check_newer(self, entry, token):
        """Newest wins on the way out: _SUPERSEDED (and the entry dropped) when Simkl holds a
        position of the same item saved after the entry was queued (another device), else
        _SEND. A failed check is the entry's failure (_FAILED; classify: retry later, or the
        401 path), as for the POST itself."""
        try:
            client = self._get_client(token)
            activities = client.activities(retries=0)
            if not scrobble.moved_since(activities, entry.body, entry.created):
                return _SEND
            kind = "movies" if "movie" in entry.body else "episodes"
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(float(entry.created))))
            newer = scrobble.newer_remote(entry.body, entry.created,
                                          client.playbacks(kind=kind, date_from=since, retries=0))
        except Exception as exc:  # noqa: BLE001 - classify decides, as for the POST itself
            self._failed(entry, exc, _describe(entry) + " (checking Simkl for a newer position)", token)
            return _FAILED
        if newer is None:
            return _SEND
        self.ctx.outbox.done(entry.id)
        self._logf("info", "scrobble: %s not sent: Simkl holds a newer position of it (%.2f%%, saved %s,"
                   " by another device)" % (_describe(entry), newer.progress, newer.paused_at))
        return _SUPERSEDED

    def _send(self, entry, token):
        what = _describe(entry)
        try:
            client = self._get_client(token)
            reply = client.scrobble(entry.action, entry.body)
        except Exception as exc:  # noqa: BLE001 - classify decides; a bug must not lose events
            self._post_done()
            self._failed(entry, exc, what, token)
            return False
        self._post_done()
        self._delivered(entry)
        self.ctx.outbox.done(entry.id)
        result = reply.get("action") if isinstance(reply, dict) else None
        self._logf("info", "scrobble: %s delivered (%s)" % (what, result or "ok"))
        return True

    def _remember_delivery(self, body, action, at):
        from .delivered import record_delivery

        record_delivery(self.ctx.cache, body, action, at)

    def _delivered(self, entry):
        try:
            self.on_delivered(entry.body, entry.action, self._now())
        except Exception as exc:  # noqa: BLE001 - remembering must never cost the delivery
            self._logf("warning", "scrobble: delivery not remembered: %r" % (exc,))

    def _post_done(self):
        self.pacer.sent(self._now())
        self._last_real_post = self._real_clock()

    def _failed(self, entry, exc, what, token):
        attempt = int(entry.attempts) + 1
        verdict = scrobble.classify(exc, attempt)
        reason = "%s: %s" % (type(exc).__name__, exc)
        if verdict.kind == scrobble.RETRY:
            counts = not verdict.hold_all  # "offline" and rate limits are not the event's fault
            now = self._now()
            failures = int(entry.failures) + (1 if counts else 0)
            first = entry.first_failure if entry.first_failure is not None else (now if counts else None)
            if counts and scrobble.should_park(failures, first, now):
                self.ctx.outbox.park(entry.id, reason)
                self._logf("warning", "scrobble: %s failed %d times over %.0f h (last: %s); parked: kept on"
                           " disk, not sent again" % (what, failures, (now - first) / 3600.0, reason))
                return
            self.ctx.outbox.retry_later(entry.id, verdict.delay, reason, counts=counts)
            if verdict.hold_all:
                self.pacer.hold_until(self._now() + verdict.delay)
            self._logf("info", "scrobble: %s failed (%s); retry %d in %.0f s%s"
                       % (what, reason, attempt, verdict.delay,
                          "" if verdict.hold_all else " (other items go on)"))
        elif verdict.kind == scrobble.DROP:
            self.ctx.outbox.done(entry.id)
            self._logf("warning", "scrobble: %s refused for good (%s); dropped" % (what, reason))
        elif isinstance(exc, AuthRequired):
            # Signed out (once, for pull and push together): the events wait under this
            # account's queue key and go out after the next sign-in of the SAME account
            # (same Simkl account id), whatever token it brings.
            self._logf("warning", "scrobble: %s refused, Simkl no longer accepts the sign-in (%s); "
                       "events kept until the next sign-in" % (what, reason))
            if self.ctx.account.revoke(token):
                self._notify_sign_in_again()
        else:
            # A build without a valid client id (412) or a bad base URL: signing in again
            # will not help, retrying will not either; keep everything for a fixed build.
            self._blocked_token = token
            self._set_due(self._now() + AUTH_RECHECK)
            self._logf("warning", "scrobble: %s not accepted (%s); events kept" % (what, reason))

    def _notify_sign_in_again(self):
        try:
            from ..kodi import ui

            ui.notify_sign_in_again()
        except Exception as exc:  # noqa: BLE001 - telling the user must not break delivery
            self._logf("warning", "notification failed: %r" % (exc,))
