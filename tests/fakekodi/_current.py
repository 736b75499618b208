"""The FakeKodi that the fake xbmc* modules talk to (one at a time, set by install())."""
_ACTIVE = [None]


def get():
    kodi = _ACTIVE[0]
    if kodi is None:
        raise RuntimeError(
            "fake Kodi is not active: use the `kodi` pytest fixture (tests/conftest.py) "
            "before calling xbmc* functions"
        )
    return kodi


def set_active(kodi):
    _ACTIVE[0] = kodi
