"""Localized strings from resources/language/*/strings.po (ids: see docs/architecture.md)."""
import xbmcaddon


def localize(string_id):
    """The string in the user's language (kodi.ui.text formats it with arguments)."""
    return xbmcaddon.Addon().getLocalizedString(string_id)


S_MINUTES = 30407   # %d min
S_HOURS = 30408     # %d h
S_DAYS = 30409      # %d days


def format_age(seconds, text=localize):
    """"12 min", "2 h", "3 days" (localized); None under a minute. `text(string_id)`: the
    lookup (the menu passes its per-run cache of strings). The menu and the prompt use it."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return None
    if seconds < 3600:
        return text(S_MINUTES) % (seconds // 60)
    if seconds < 48 * 3600:
        return text(S_HOURS) % (seconds // 3600)
    return text(S_DAYS) % (seconds // 86400)
