"""Localized strings from resources/language/*/strings.po (ids: see docs/architecture.md)."""
import xbmcaddon


def localize(string_id, *args):
    """The string in the user's language; `args` fill its %s placeholders."""
    text = xbmcaddon.Addon().getLocalizedString(string_id)
    return text % args if args else text
