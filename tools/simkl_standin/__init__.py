"""Simkl stand-in: a stateful fake of the Simkl API on 127.0.0.1 for tests and `make demo`.

    from tools.simkl_standin import StandIn
    with StandIn() as s:
        token = s.add_user("tok", "alice", "free")
        requests.get(s.url + "/sync/playback", params={"client_id": "x"},
                     headers={"Authorization": "Bearer " + token})

See docs/architecture.md ("Simkl stand-in") and README.md in this folder.
"""
from .server import FAULTS, App, StandIn, serve
from .state import DEFAULT_OPTIONS, State

__all__ = ["FAULTS", "App", "DEFAULT_OPTIONS", "StandIn", "State", "serve"]
