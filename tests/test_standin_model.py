"""Random scrobble sequences against the stand-in agree with a tiny reference model of Simkl's rules:
one playback per item, start clears it, pause/stop<80 saves it, stop>=80 watches it (409 within an hour),
free-plan retention of 7 days, and a bucket's `playback` activity moves exactly when its playbacks change."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.simkl_standin import StandIn
from tools.simkl_standin.testing import BREAKING_BAD, INCEPTION, MATRIX, SEED, TITAN, Api

ITEMS = {
    "inception": ({"movie": INCEPTION}, "movies"),
    "matrix": ({"movie": MATRIX}, "movies"),
    "bb-1x5": ({"show": BREAKING_BAD, "episode": {"season": 1, "number": 5}}, "tv_shows"),
    "titan-1x26": ({"anime": TITAN, "episode": {"season": 1, "number": 26}}, "anime"),
}
BUCKETS = ("movies", "tv_shows", "anime")


def key_of(playback):
    if playback["type"] == "movie":
        return {"Inception": "inception", "The Matrix": "matrix"}[playback["movie"]["title"]]
    parent = playback.get("show") or playback.get("anime")
    return {"Breaking Bad": "bb-1x5", "Attack on Titan": "titan-1x26"}[parent["title"]]


class Model:
    def __init__(self):
        self.t = 0.0
        self.playbacks = {}  # item -> (progress, paused_at)
        self.completed = {}  # item -> watched_at

    def prune(self):
        horizon = self.t - 7 * 86400
        self.playbacks = {k: v for k, v in self.playbacks.items() if v[1] >= horizon}

    def scrobble(self, action, item, progress):
        """-> (status, reply action or None, whether the item's playback changed)."""
        self.prune()
        had = item in self.playbacks
        if action in ("pause", "stop") and progress >= 80:
            watched = self.completed.get(item)
            if watched is not None and self.t - watched < 3600:
                return 409, None, False
        if action == "start":
            self.playbacks.pop(item, None)
            return 201, "start", had
        if action == "pause" or progress < 80:
            self.playbacks[item] = (progress, self.t)
            return 201, "pause", True
        self.completed[item] = self.t
        self.playbacks.pop(item, None)
        return 201, "scrobble", had


operation = st.one_of(
    st.tuples(st.sampled_from(["start", "pause", "stop"]), st.sampled_from(sorted(ITEMS)),
              st.sampled_from([0, 12.5, 50, 79.99, 80, 85, 100])),
    st.tuples(st.just("advance"), st.sampled_from([60, 1800, 3599, 3600, 86400, 3 * 86400])),
)


@pytest.fixture(scope="module")
def server():
    with StandIn() as standin:
        yield standin


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_scrobble_sequences_match_the_reference_model(server, ops):
    server.reset()
    server.seed(SEED)
    server.freeze("2024-01-15T10:00:00Z")
    model = Model()
    api = Api(server)
    try:
        for op in ops:
            if op[0] == "advance":
                server.advance(op[1])
                model.t += op[1]
                continue
            action, item, progress = op
            body, bucket = ITEMS[item]
            before = api.activities()
            reply = api.scrobble(action, progress, **body)
            status, reply_action, changed = model.scrobble(action, item, progress)
            assert reply.status_code == status, (op, reply.text)
            if reply_action:
                assert reply.json()["action"] == reply_action
            after = api.activities()
            for other in BUCKETS:
                moved = after[other]["playback"] != before[other]["playback"]
                assert moved == (changed and other == bucket), (op, other)
            model.prune()
            listed = {key_of(p): p["progress"] for p in api.playbacks()}
            assert listed == {k: v[0] for k, v in model.playbacks.items()}, op
    finally:
        api.session.close()
