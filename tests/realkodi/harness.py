"""The harness the real-Kodi tests use; the implementation lives in tools/realkodi so that
`make demo` can share it. Import from here in tests:

    from tests.realkodi.harness import KodiInstance, build_library, steps

`steps` (tools/realkodi/steps.py) is the one home of what the tests do with a Kodi and the
stand-in: seed the account, sign in, open the plugin root, play, stop, talk to Simkl as
another device.
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
from tools.realkodi import steps  # noqa: F401 - re-export

TEST_CLIENT_ID = "realkodi-test-client-id"
