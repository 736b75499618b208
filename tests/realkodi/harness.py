"""The harness the real-Kodi tests use; the implementation lives in tools/realkodi so that
`make demo` can share it. Import from here in tests:

    from tests.realkodi.harness import KodiInstance, build_library
"""
from tools.realkodi import (  # noqa: F401 - re-exports
    ADDON_ID,
    DEFAULT_LIBRARY,
    PROBE_ADDON_ID,
    REQUESTS_ADDON_ID,
    BuiltLibrary,
    Episode,
    JsonRpcError,
    KodiError,
    KodiInstance,
    Library,
    Movie,
    Show,
    build_library,
    ensure_template,
    free_port,
    kodi_available,
    probe_duration,
    time_to_seconds,
)

TEST_CLIENT_ID = "realkodi-test-client-id"
