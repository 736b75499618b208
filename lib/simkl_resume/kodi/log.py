"""Logging into Kodi's log, prefixed with the addon id, with secrets masked.

The access token must never reach a log line: whatever is logged goes through `scrub`,
which masks bearer tokens and access_token values even inside error reprs."""
import re

import xbmc

from .. import ADDON_ID

DEBUG = "debug"
INFO = "info"
WARNING = "warning"
ERROR = "error"

_LEVELS = {DEBUG: xbmc.LOGDEBUG, INFO: xbmc.LOGINFO, WARNING: xbmc.LOGWARNING, ERROR: xbmc.LOGERROR}

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s'\",;}]+"),
    # access_token / token / authorization followed by : or =, quoted or not, also when the
    # JSON around it was itself JSON-encoded again (quotes escaped as \" or \\\").
    re.compile(r"(?i)((?:access_token|token|authorization)(?:\\*[\"'])?\s*[:=]\s*(?:\\*[\"'])?)"
               r"(?!Bearer\b)[^\s'\",;}&\\]+"),
)


def scrub(text):
    """`text` with anything that looks like a token replaced by ***."""
    text = str(text)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + "***", text)
    return text


def log(message, level=INFO):
    xbmc.log("[%s] %s" % (ADDON_ID, scrub(message)), _LEVELS.get(level, xbmc.LOGINFO))


def debug(message):
    log(message, DEBUG)


def warning(message):
    log(message, WARNING)


def error(message):
    log(message, ERROR)
