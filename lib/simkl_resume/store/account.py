"""Who is signed in: the Simkl access token and the account's name and plan.

Kept in a small JSON file in the addon's profile folder, readable only by the user Kodi
runs as (the token gives full access to the Simkl account). Both the service and the
plugin read it; the plugin writes it at sign-in, either side clears it on a 401.

The file is versioned (`jsonfile.VersionedJsonFile`, key "v"): 0.1.0 wrote no "v", which is
format 1. To change the record, raise ACCOUNT_FORMAT and append a step to MIGRATIONS
(docs/architecture.md, "On-disk formats").

Format 2 (issue 12): whose scrobbles are queued is Simkl's STABLE account id, not the
display name. The record gains
    "account_id": int or null   Simkl's account.id from /users/settings (null: not known yet)
    "queue":   the outbox key this sign-in queues under: "id:<account_id>" once the id is
               known; before that the account's name (what 0.1.0 queued under), or
               "signin:<random>" when even the name is unknown (/users/settings failed)
    "aliases": other outbox keys whose events are this account's (an earlier provisional key
               of this sign-in, a 0.1.0 name key of the same name): the sender moves them to
               "queue" (ScrobbleOutbox.rekey) and sends them
    "foreign_told": true once the user was told that events of another account are kept
A 0.1.0 record migrates to queue = its name ("default" when it had none), account_id null.
After a 401 the record keeps name, account_id, queue and aliases (events keep being queued
under it); the next sign-in of the SAME account (same id, once known) sends them; another
account's events are never sent with the new token.
"""
import binascii
import os
import time

from .jsonfile import VERSION_KEY, VersionedJsonFile

# Simkl keeps a playback this many days, by plan (api.simkl.org "Playback" page).
RETENTION_DAYS = {"free": 7, "pro": 30, "vip": 90}

REVOKED = "revoked"  # sign_out reason after Simkl refused the token (401)
ID_PREFIX = "id:"
SIGNIN_PREFIX = "signin:"


def _legacy_queue(record):
    """The key 0.1.0 queued this record's scrobbles under (its queue_name), or None."""
    token = record.get("token")
    if isinstance(token, str) and token:
        return str(record.get("name") or "default")
    if record.get("signed_out_reason") == REVOKED and record.get("name"):
        return str(record["name"])
    return None


def _add_identity(record):
    """Format 1 (0.1.0) -> 2: the account id is not known yet; events keep the 0.1.0 key."""
    record = dict(record)
    queue = _legacy_queue(record)
    if queue is not None:
        record["queue"] = queue
    record["account_id"] = None
    return record


ACCOUNT_FORMAT = 2
# (format a step produces, fn(record at the format below) -> record); see store/_formats.py.
MIGRATIONS = [(2, _add_identity)]


def is_name_key(key):
    """A queue key that is an account NAME (0.1.0, or a sign-in whose id is not known yet)."""
    return bool(key) and not key.startswith(ID_PREFIX) and not key.startswith(SIGNIN_PREFIX)


def _account_id(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 and not isinstance(value, bool) else None


def token_of(record):
    """AccountStore.token of a record load() returned."""
    token = record.get("token")
    return token if isinstance(token, str) and token else None


def queue_key_of(record):
    """AccountStore.queue_key of a record load() returned (one read serves several questions)."""
    if token_of(record) or record.get("signed_out_reason") == REVOKED:
        queue = record.get("queue")
        return str(queue) if queue else None
    return None


def queue_keys_of(record):
    """AccountStore.queue_keys of a record load() returned."""
    queue = queue_key_of(record)
    if queue is None:
        return []
    return [queue] + [str(a) for a in record.get("aliases") or [] if a and str(a) != queue]


class AccountStore:
    def __init__(self, profile_dir, filename="account.json", log=None, now=time.time):
        self.path = os.path.join(profile_dir, filename)
        self._file = VersionedJsonFile(self.path, ACCOUNT_FORMAT, "account file", MIGRATIONS,
                                       legacy_version=1, lost="sign in to Simkl again", log=log, now=now)

    def load(self):
        """The stored record: {"token", "name", "plan", "signed_out_reason"}; {} when there is
        none, it is damaged or written by a newer version (both kept aside and logged)."""
        data = self._file.load()
        if not data:
            return {}
        data.pop(VERSION_KEY, None)
        return data

    @property
    def token(self):
        return token_of(self.load())

    def sign_in(self, token, name="", plan="", account_id=None):
        """A new sign-in (the plugin's /login). `account_id` (Simkl's account.id) decides the
        outbox key; without it the name, else a random provisional key (the sender learns
        the id later). A name key left by the previous record (0.1.0, or a sign-in whose id
        was never learned) with the same name becomes an alias: same account."""
        previous = self.load()
        account_id = _account_id(account_id)
        name = name or ""
        if account_id is not None:
            queue = ID_PREFIX + str(account_id)
        elif name:
            queue = name
        else:
            queue = SIGNIN_PREFIX + binascii.hexlify(os.urandom(6)).decode("ascii")
        old = previous.get("queue")
        aliases = [str(a) for a in previous.get("aliases") or []] if old == queue else []
        if old and old != queue and is_name_key(old) and name and old == name:
            aliases.append(old)
        self._write({"token": token, "name": name, "plan": (plan or "").lower(), "account_id": account_id,
                     "queue": queue, "aliases": aliases})

    def update_profile(self, token, name, plan, account_id=None):
        """What /users/settings says now: the account's name/plan (the plan sets the
        retention) and, when it was not known yet, its account id - the outbox key becomes
        "id:<account_id>" and the old provisional key an alias. Nothing when another account
        signed in meanwhile. True when something changed."""
        record = self.load()
        if not token or record.get("token") != token:
            return False
        name = name or record.get("name") or ""
        plan = (plan or "").lower() or record.get("plan") or ""
        updated = dict(record, name=name, plan=plan)
        account_id = _account_id(account_id)
        if account_id is not None and record.get("account_id") is None:
            updated["account_id"] = account_id
            updated["queue"] = ID_PREFIX + str(account_id)
            aliases = [a for a in record.get("aliases") or [] if a != updated["queue"]]
            old = record.get("queue")
            if old and old != updated["queue"] and old not in aliases:
                aliases.append(old)
            updated["aliases"] = aliases
        if updated == record:
            return False
        self._write(updated)
        return True

    def sign_out(self, reason=""):
        """Forget the token. `reason` ("revoked" after a 401, "user") tells the UI what to say.

        After a revocation the account's identity stays (name, account_id, queue, aliases):
        this Kodi keeps queueing the user's scrobbles under it, and they go out once the same
        account signs in again. A user who signs out on purpose disconnects this Kodi: its
        queued events stay on disk but belong to nobody signed in (another account signing in
        is told they are kept)."""
        record = {"signed_out_reason": reason}
        if reason == REVOKED:
            previous = self.load()
            for key in ("name", "account_id", "queue", "aliases"):
                if previous.get(key):
                    record[key] = previous[key]
        self._write(record)

    @property
    def queue_key(self):
        """Under which outbox key this Kodi's scrobbles are queued: the signed-in account's,
        or the revoked one's awaiting a new sign-in; None when nobody is (or was)."""
        return queue_key_of(self.load())

    @property
    def queue_keys(self):
        """[queue_key] + the aliases whose events are this account's too; [] when nobody.
        From one read of the file (key and aliases of the same record)."""
        return queue_keys_of(self.load())

    def mark_foreign_told(self, token):
        """The user is about to be told that another account's events are kept: True the first
        time since this sign-in (then it is remembered), False after, or for another token."""
        record = self.load()
        if not token or record.get("token") != token or record.get("foreign_told"):
            return False
        self._write(dict(record, foreign_told=True))
        return True

    def revoke(self, token):
        """Simkl refused `token` (401): sign out, unless another token was stored meanwhile.
        True when this call signed out, so that exactly one caller tells the user."""
        if not token or self.token != token:
            return False
        self.sign_out(REVOKED)
        return True

    def retention_days(self):
        return RETENTION_DAYS.get(self.load().get("plan", ""), RETENTION_DAYS["free"])

    def _write(self, data):
        self._file.save(data)
