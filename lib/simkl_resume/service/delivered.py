"""What this device delivered to Simkl, kept in the cache (KEY_DELIVERED), so that the pull
side knows its own playbacks (issue 13 item 2; the rules, own.own_event(events, playback),
are core.own).

    record_delivery(cache, body, action, at)   # the sender, after Simkl accepted a scrobble
    load_events(cache) -> {item_key: event}

Value: {"v": 1, "events": {item_key: {type, ids, season, number, progress, action, at}}}. It is
account data (context.ACCOUNT_KEYS): cleared at sign-out and when another account signs in.
"""
from typing import Any, Dict

from ..context import KEY_DELIVERED
from ..core import own

FORMAT = 1
KEEP = 365 * 24 * 3600


def load_events(cache) -> Dict[str, Any]:
    data = cache.get(KEY_DELIVERED)
    if isinstance(data, dict) and data.get("v") == FORMAT and isinstance(data.get("events"), dict):
        return data["events"]
    return {}


def record_delivery(cache, body, action, at) -> bool:
    """Remember one delivered scrobble (only pause/stop leave a playback). True when kept."""
    delivered = own.event_from_body(body, action, at)
    if delivered is None:
        return False
    events = own.remember(load_events(cache), delivered)
    cache.set(KEY_DELIVERED, {"v": FORMAT, "events": events}, expiration=KEEP)
    return True
