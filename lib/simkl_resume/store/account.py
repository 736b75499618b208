"""Who is signed in: the Simkl access token and the account's name and plan.

Kept in a small JSON file in the addon's profile folder, readable only by the user Kodi
runs as (the token gives full access to the Simkl account). Both the service and the
plugin read it; the plugin writes it at sign-in, either side clears it on a 401.
"""
import json
import os
import tempfile

# Simkl keeps a playback this many days, by plan (api.simkl.org "Playback" page).
RETENTION_DAYS = {"free": 7, "pro": 30, "vip": 90}


class AccountStore:
    def __init__(self, profile_dir, filename="account.json"):
        self.path = os.path.join(profile_dir, filename)

    def load(self):
        """The stored record: {"token", "name", "plan", "signed_out_reason"}; {} when none/corrupt."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def token(self):
        token = self.load().get("token")
        return token if isinstance(token, str) and token else None

    def sign_in(self, token, name="", plan=""):
        self._write({"token": token, "name": name or "", "plan": (plan or "").lower()})

    def sign_out(self, reason=""):
        """Forget the token. `reason` ("revoked" after a 401, "user") tells the UI what to say."""
        self._write({"signed_out_reason": reason})

    def retention_days(self):
        return RETENTION_DAYS.get(self.load().get("plan", ""), RETENTION_DAYS["free"])

    def _write(self, data):
        folder = os.path.dirname(self.path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".account-", dir=folder)
        try:
            if hasattr(os, "fchmod"):  # not on Windows, where the profile folder is private anyway
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
