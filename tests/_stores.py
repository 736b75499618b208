"""Helpers the store tests share (cache, outbox, the service sharing them with plugin runs)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Clock:
    """A settable clock: `clock()` is `clock.t`."""

    def __init__(self, t=1_700_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def spawn(code, *args):
    """`python -c code args...` with lib/ and the project root importable; text pipes."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "lib"), ROOT]))
    return subprocess.Popen([sys.executable, "-c", code] + [str(a) for a in args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def plugin_writes(profile, name, writes, errors):
    """One plugin run on `profile`: its own store objects, `writes` cache writes (each read
    back) and `writes` outbox events; every error met is appended to `errors`."""
    from simkl_resume.store.cache import SimpleCache
    from simkl_resume.store.outbox import ScrobbleOutbox

    cache = SimpleCache(os.path.join(profile, "cache.db"), log=errors.append)
    outbox = ScrobbleOutbox(os.path.join(profile, "outbox.db"), log=errors.append)
    for k in range(writes):
        try:
            cache.set("%s-%d" % (name, k), {"k": k})
            if cache.get("%s-%d" % (name, k)) != {"k": k}:
                errors.append("read back %d" % k)
            outbox.add(name, "movie:imdb=tt%07d" % k, "pause",
                       {"movie": {"ids": {"imdb": "tt%07d" % k}}, "progress": 10.0})
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            errors.append(repr(exc))
