"""Run real, sandboxed, headless Kodi instances (tests/realkodi and `make demo`)."""
from .addons import ADDON_ID, PROBE_ADDON_ID, REQUESTS_ADDON_ID
from .instance import (
    JsonRpcError,
    KodiError,
    KodiInstance,
    ensure_template,
    free_port,
    kodi_available,
    time_to_seconds,
)
from .media import DEFAULT_LIBRARY, BuiltLibrary, Episode, Library, Movie, Show, build_library, probe_duration

__all__ = [
    "ADDON_ID", "PROBE_ADDON_ID", "REQUESTS_ADDON_ID", "JsonRpcError", "KodiError", "KodiInstance",
    "ensure_template", "free_port", "kodi_available", "time_to_seconds", "DEFAULT_LIBRARY",
    "BuiltLibrary", "Episode", "Library", "Movie", "Show", "build_library", "probe_duration",
]
