"""Localized strings from resources/language/*/strings.po (ids: see docs/architecture.md)."""
import xbmcaddon


def localize(string_id):
    """The string in the user's language (kodi.ui.text formats it with arguments)."""
    return xbmcaddon.Addon().getLocalizedString(string_id)
