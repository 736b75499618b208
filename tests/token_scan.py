"""Session-wide check (issue 8 part 6): no access token of the test run in any log line.

A pytest plugin (registered in tests/conftest.py). It learns every token the suite uses as
the suite runs - each user the stand-in gets (seeded, added, approved through a PIN) and
each token stored with AccountStore.sign_in - and, for every test phase, looks for them in:
  * what pytest captured: stdout, stderr and log records ("Captured ..." sections),
  * every Python logging record emitted (a handler on the root logger, any level that
    reaches it, e.g. urllib3 DEBUG when a test turns it on),
  * the Kodi log (FakeKodi.logs) of every fake Kodi created during the test.
A phase whose output holds a known token is turned into a failure naming where (the
token itself is never printed). Tokens shorter than MIN_LEN are ignored (too likely to
occur by chance, e.g. "x").
"""
import logging
import threading

MIN_LEN = 8

_known = set()
_lock = threading.Lock()
_records = []
_kodis = []
_installed = []


def register(token):
    if isinstance(token, str) and len(token) >= MIN_LEN:
        with _lock:
            _known.add(token)


def known_tokens():
    with _lock:
        return set(_known)


def find_leaks(texts):
    """[(where, masked token)] for every known token inside one of `texts` {where: text}."""
    tokens = known_tokens()
    found = []
    for where, text in texts.items():
        if not text:
            continue
        for token in tokens:
            if token in text:
                found.append((where, mask(token)))
    return sorted(found)


def mask(token):
    return token[:3] + "..." + "(%d chars)" % len(token)


class _RecordAll(logging.Handler):
    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not our concern here
            return
        with _lock:
            _records.append("%s: %s" % (record.name, text))


def _wrap(cls, name, before):
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        before(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    wrapper.__wrapped__ = original
    setattr(cls, name, wrapper)


def install():
    """Start learning tokens and recording logs (idempotent)."""
    if _installed:
        return
    _installed.append(True)
    from simkl_resume.store.account import AccountStore
    from tests.fakekodi.fake import FakeKodi
    from tools.simkl_standin import state

    _wrap(AccountStore, "sign_in", lambda self, token, *a, **k: register(token))
    _wrap(FakeKodi, "__init__", lambda self, *a, **k: _kodis.append(self))
    original_add_user = state.State.add_user

    def add_user(self, *args, **kwargs):
        user = original_add_user(self, *args, **kwargs)
        register(getattr(user, "token", None))
        return user

    state.State.add_user = add_user
    logging.getLogger().addHandler(_RecordAll(level=logging.NOTSET))


def phase_texts(report):
    """Everything logged in this phase of the test (see the module docstring)."""
    texts = {name: content for name, content in getattr(report, "sections", [])}
    with _lock:
        texts["python logging"] = "\n".join(_records)
        del _records[:]
    for index, kodi in enumerate(list(_kodis)):
        texts["Kodi log #%d" % index] = "\n".join(str(message) for _, message in list(kodi.logs))
    if report.when == "teardown":
        del _kodis[:]
    return texts


def check_report(report):
    leaks = find_leaks(phase_texts(report))
    if leaks:
        report.outcome = "failed"
        report.longrepr = "access token(s) in the logs of this test (tests/token_scan.py):\n" + "\n".join(
            "  %s: %s" % leak for leak in leaks)
    return leaks
