"""What the service and the plugin share: where state lives and how to reach Simkl.

Everything is built lazily: the plugin's menu path touches only the cache, so it never
opens the outbox, and never imports `requests` (only `client()` does).
"""
import os
import time

from . import ADDON_ID
from .store.account import AccountStore

# Cache keys (store.cache.SimpleCache); values are plain JSON.
KEY_ACTIVITIES = "activities"          # core.model.Activities.to_dict() of the last good check
KEY_PLAYBACKS = "playbacks"            # [Playback.to_dict()] newest first
KEY_SYNC_STATUS = "sync_status"        # {"ok": bool, "checked_at": epoch, "last_ok_at": epoch, "error": str}
KEY_RESUME_LIST = "resume_list"        # ready-to-draw entries of the plugin root (menu.py)
KEY_LIBRARY_INDEX = "library_index"    # core.matching.LibraryIndex.to_dict()
KEY_DELIVERED = "delivered"            # what this device delivered to Simkl (push.DeliveredEvents)
KEY_UP_NEXT = "up_next_watching"       # core.upnext.cache_value(): Simkl's watching shows (up next)

# What belongs to the signed-in account (cleared at sign-out and when another account signs
# in; account.forget_account_data). The menu pages (resume_cache) go with KEY_RESUME_LIST.
ACCOUNT_KEYS = (KEY_PLAYBACKS, KEY_RESUME_LIST, KEY_ACTIVITIES, KEY_SYNC_STATUS, KEY_DELIVERED,
                KEY_UP_NEXT)

# Expiration of what the cache holds until it is replaced (playbacks, activities, status, the
# watching list): ten years is "never" for a cache.
KEEP_FOREVER = 10 * 365 * 24 * 3600

APP_NAME = ADDON_ID


class AddonContext:
    def __init__(self, profile_dir, version, memory=None, now=time.time, log=None, env=None):
        self.profile_dir = profile_dir
        self.version = version
        self.memory = memory
        self.now = now
        self.log = log or (lambda message: None)
        self.env = os.environ if env is None else env
        self.account = AccountStore(profile_dir, log=self.log, now=now)
        self._cache = None
        self._outbox = None
        self._checkpoint = None

    @classmethod
    def from_kodi(cls):
        """The context of the running addon: its profile folder, Window(10000) as the cache's
        memory layer (shared by the service and every plugin run) and Kodi's log.

        The memory layer's names carry this Kodi profile's addon folder: Window(10000) outlives
        a profile switch (real Kodi 20.1), and two people sharing a Kodi with a profile each
        must never see the other one's list (nor the service read the other's sync state)."""
        from .kodi import paths
        from .kodi.log import log
        from .kodi.window import HomeWindowMemory

        profile = paths.profile_dir()
        memory = HomeWindowMemory(prefix="%s.%s." % (ADDON_ID, profile))
        return cls(profile, paths.addon_version(), memory=memory, log=log)

    @property
    def cache(self):
        if self._cache is None:
            from .store.cache import SimpleCache

            self._cache = SimpleCache(os.path.join(self.profile_dir, "cache.db"), memory=self.memory,
                                      now=self.now, log=self.log)
        return self._cache

    @property
    def outbox(self):
        if self._outbox is None:
            from .store.outbox import ScrobbleOutbox

            self._outbox = ScrobbleOutbox(os.path.join(self.profile_dir, "outbox.db"), now=self.now,
                                          log=self.log)
        return self._outbox

    @property
    def checkpoint(self):
        """store.checkpoint.PlayingCheckpoint: where the playing item was (power cuts)."""
        if self._checkpoint is None:
            from .store.checkpoint import PlayingCheckpoint

            self._checkpoint = PlayingCheckpoint(os.path.join(self.profile_dir, "playing.json"), log=self.log)
        return self._checkpoint

    def client(self, token=None, **kwargs):
        """A SimklClient for the signed-in account (or for `token`); raises ConfigError when
        SIMKL_API_URL is not acceptable."""
        from .simkl.client import SimklClient

        return SimklClient.from_env(APP_NAME, self.version, token=token or self.account.token,
                                    env=self.env, **kwargs)
