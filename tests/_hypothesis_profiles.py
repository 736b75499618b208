"""Hypothesis settings of the fuzz suite (tests/test_fuzz_replies.py and friends).

Profiles (pick one with SIMKL_FUZZ_PROFILE; default "ci"):
- "ci":    derandomized (same examples on every run, so CI never flakes on a new draw),
           no deadline (machines are noisy), no example database. Every fuzz test runs the
           number of examples it asks for in `fuzz(n)`; together they are >= 10,000
           (pinned by test_ci_profile_runs_at_least_10000_fuzz_examples).
- "quick": the same at a twentieth of the examples, for editing loops.
- "hunt":  randomized and ten times the examples, to look for new failures locally; a failure
           prints a reproduce blob (@reproduce_failure).

These profiles are only applied through `fuzz(n)`. The rest of the suite runs under "suite",
loaded by tests/conftest.py before any test module: Hypothesis' defaults without the 200 ms
deadline or the too_slow check. Both are wall-clock asserts, and make test runs the fast tests
at nice 19 beside real Kodi: one example once took 410 ms there and failed a correct rule
("Unreliable test timings"). Speed is measured in make bench, not asserted in tests.
"""
import os

from hypothesis import HealthCheck, settings

# function_scoped_fixture: fixtures our fuzz tests take are stateless per example. It exists
# from Hypothesis 5.44; Debian bullseye's 5.43 (the Kodi 19.1 root's fast-test run) has no such
# check to suppress.
_SUPPRESSED = [getattr(HealthCheck, name) for name in (
    "too_slow", "data_too_large", "filter_too_much", "large_base_example", "function_scoped_fixture")
    if hasattr(HealthCheck, name)]

# too_slow is the other wall-clock check (slow example generation): also a machine's load.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True,
                          suppress_health_check=_SUPPRESSED)
settings.register_profile("quick", parent=settings.get_profile("ci"))
settings.register_profile("hunt", parent=settings.get_profile("ci"), derandomize=False)



def load_suite_profile():
    """Every Hypothesis test of the run without a deadline (called by tests/conftest.py)."""
    settings.load_profile("suite")


SCALE = {"ci": 1.0, "quick": 0.05, "hunt": 10.0}
PROFILE = os.environ.get("SIMKL_FUZZ_PROFILE", "ci")
if PROFILE not in SCALE:
    raise RuntimeError("SIMKL_FUZZ_PROFILE must be one of %s" % ", ".join(sorted(SCALE)))

# examples each fuzz test asks for in the "ci" profile, by test name (filled as tests are defined)
CI_BUDGET = {}


def fuzz(examples):
    """Decorator: Hypothesis settings of the chosen profile with `examples` examples in "ci"."""
    def decorate(test):
        CI_BUDGET[test.__name__] = examples
        scaled = max(10, int(examples * SCALE[PROFILE]))
        return settings(settings.get_profile(PROFILE), max_examples=scaled)(test)
    return decorate
