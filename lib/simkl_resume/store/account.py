"""Who is signed in: the Simkl access token and the account's name and plan.

Kept in a small JSON file in the addon's profile folder, readable only by the user Kodi
runs as (the token gives full access to the Simkl account). Both the service and the
plugin read it; the plugin writes it at sign-in, either side clears it on a 401.

The file is versioned (`jsonfile.VersionedJsonFile`, key "v"): 0.1.0 wrote no "v", which is
format 1. To change the record, raise ACCOUNT_FORMAT and append a step to MIGRATIONS
(docs/architecture.md, "On-disk formats").
"""
import os
import time

from .jsonfile import VERSION_KEY, VersionedJsonFile

ACCOUNT_FORMAT = 1
# (format a step produces, fn(record at the format below) -> record); see store/_formats.py.
MIGRATIONS = []

# Simkl keeps a playback this many days, by plan (api.simkl.org "Playback" page).
RETENTION_DAYS = {"free": 7, "pro": 30, "vip": 90}

REVOKED = "revoked"  # sign_out reason after Simkl refused the token (401)


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
        token = self.load().get("token")
        return token if isinstance(token, str) and token else None

    def sign_in(self, token, name="", plan=""):
        self._write({"token": token, "name": name or "", "plan": (plan or "").lower()})

    def update_profile(self, token, name, plan):
        """The account's name/plan as /users/settings says now (the plan sets the retention),
        unless another account signed in meanwhile. True when something changed."""
        record = self.load()
        if not token or record.get("token") != token:
            return False
        name = name or record.get("name") or ""
        plan = (plan or "").lower() or record.get("plan") or ""
        if record.get("name") == name and record.get("plan") == plan:
            return False
        self._write(dict(record, name=name, plan=plan))
        return True

    def sign_out(self, reason=""):
        """Forget the token. `reason` ("revoked" after a 401, "user") tells the UI what to say.

        After a revocation the account's name stays: this Kodi keeps queueing the user's
        scrobbles under it, and they go out once the same account signs in again. A user
        who signs out on purpose disconnects this Kodi: nothing is kept."""
        record = {"signed_out_reason": reason}
        if reason == REVOKED:
            name = self.load().get("name")
            if name:
                record["name"] = name
        self._write(record)

    @property
    def queue_name(self):
        """Under which account this Kodi's scrobbles are queued: the signed-in account, or the
        revoked one awaiting a new sign-in; None when nobody is (or was) signed in."""
        record = self.load()
        token = record.get("token")
        if isinstance(token, str) and token:
            return str(record.get("name") or "default")
        if record.get("signed_out_reason") == REVOKED and record.get("name"):
            return str(record["name"])
        return None

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
