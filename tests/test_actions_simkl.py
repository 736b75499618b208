"""actions.remove / mark_watched against the Simkl stand-in on 127.0.0.1."""
import pytest

from simkl_resume.context import KEY_PLAYBACKS, KEY_RESUME_LIST
from simkl_resume.core.parse import parse_playbacks
from tests.test_menu_support import TOKEN, build_list, plugin_ctx, run, store_playbacks
from tools.simkl_standin import StandIn

UNREACHABLE = "Simkl could not be reached: nothing was changed, try again later"


@pytest.fixture
def simkl(kodi, monkeypatch):
    """The stand-in with two of alice's playbacks, mirrored into the plugin's cache."""
    with StandIn() as s:
        s.seed({"users": [{"token": TOKEN, "name": "alice", "type": "free"}]})
        heat = s.add_playback(movie={"title": "Heat", "year": 1995, "ids": {"imdb": "tt0113277"}},
                              progress=30, ago=600)
        bb = s.add_playback(show={"title": "Breaking Bad", "year": 2008, "ids": {"tvdb": 81189}},
                            episode={"season": 1, "number": 5}, progress=60, ago=60)
        monkeypatch.setenv("SIMKL_API_URL", s.url)
        monkeypatch.setenv("SIMKL_CLIENT_ID", "test-client-id")
        kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"})
        ctx = plugin_ctx()
        store_playbacks(ctx, [p.to_dict() for p in parse_playbacks([bb, heat])])
        build_list(ctx)
        s.clear_requests()
        s.heat_id, s.bb_id, s.ctx = heat["id"], bb["id"], ctx
        yield s


def _cached_ids(ctx):
    return ([p["id"] for p in ctx.cache.get(KEY_PLAYBACKS)],
            [e["playback_id"] for e in ctx.cache.get(KEY_RESUME_LIST)["entries"]])


def test_remove_deletes_the_playback_on_simkl_and_drops_it_locally_then_refreshes(kodi, simkl):
    run(kodi, "/remove?id=%d" % simkl.heat_id, handle=-1)
    assert [(r["method"], r["path"]) for r in simkl.requests()] == [
        ("DELETE", "/sync/playback/%d" % simkl.heat_id)]
    assert [p["id"] for p in simkl.state()["playbacks"]] == [simkl.bb_id]
    assert _cached_ids(simkl.ctx) == ([simkl.bb_id], [simkl.bb_id])
    assert kodi.notifications[-1]["message"] == "Removed from Simkl"
    assert kodi.container_refreshes == 1
    assert "alice-token" not in kodi.log_text()


def test_remove_of_a_playback_already_gone_on_simkl_still_drops_it(kodi, simkl):
    from tests.test_menu_support import dispatch

    dispatch(["plugin://plugin.video.simkl.resume/remove", "-1", "?id=%d" % simkl.heat_id])
    simkl.clear_requests()
    # the cache still had it (another device removed it meanwhile): 404 counts as done
    store_playbacks(simkl.ctx, simkl.ctx.cache.get(KEY_PLAYBACKS) + [
        {**simkl.ctx.cache.get(KEY_PLAYBACKS)[0], "id": simkl.heat_id}])
    run(kodi, "/remove?id=%d" % simkl.heat_id, handle=-1)
    assert [r["status"] for r in simkl.requests()] == [404]
    assert simkl.heat_id not in _cached_ids(simkl.ctx)[0]
    assert kodi.notifications[-1]["message"] == "Removed from Simkl"


def test_mark_watched_posts_history_then_deletes_the_playback(kodi, simkl):
    run(kodi, "/watched?id=%d" % simkl.bb_id, handle=-1)
    calls = simkl.requests()
    assert [(r["method"], r["path"]) for r in calls] == [
        ("POST", "/sync/history"), ("DELETE", "/sync/playback/%d" % simkl.bb_id)]
    body = calls[0]["body"]
    body = body if isinstance(body, dict) else __import__("json").loads(body)
    show = body["shows"][0]
    assert show["ids"]["tvdb"] == 81189
    assert show["seasons"] == [{"number": 1, "episodes": [{"number": 5}]}]
    assert [p["id"] for p in simkl.state()["playbacks"]] == [simkl.heat_id]
    assert _cached_ids(simkl.ctx) == ([simkl.heat_id], [simkl.heat_id])
    assert kodi.notifications[-1]["message"] == "Marked as watched on Simkl"
    assert kodi.container_refreshes == 1


@pytest.mark.parametrize("route", ["/remove", "/watched"])
def test_simkl_unreachable_gives_a_short_notification_and_loses_nothing(kodi, simkl, monkeypatch, route):
    simkl.fault("503", path="/sync", times=20)
    before = _cached_ids(simkl.ctx)
    run(kodi, "%s?id=%d" % (route, simkl.heat_id), handle=-1)
    assert _cached_ids(simkl.ctx) == before
    assert len(simkl.state()["playbacks"]) == 2
    assert kodi.notifications[-1]["message"] == UNREACHABLE
    assert kodi.container_refreshes == 0


def test_no_server_listening_counts_as_unreachable(kodi, simkl, monkeypatch):
    import socket

    with socket.socket() as sock:  # a free loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SIMKL_API_URL", "http://127.0.0.1:%d" % port)
    before = _cached_ids(simkl.ctx)
    run(kodi, "/remove?id=%d" % simkl.heat_id, handle=-1)
    assert _cached_ids(simkl.ctx) == before
    assert kodi.notifications[-1]["message"] == UNREACHABLE


def test_signed_out_account_is_told_to_sign_in_and_nothing_is_sent(kodi, simkl):
    simkl.ctx.account.sign_out("revoked")
    run(kodi, "/remove?id=%d" % simkl.heat_id, handle=-1)
    assert simkl.requests() == []
    assert kodi.notifications[-1]["message"] == "Sign in to Simkl again: the account was signed out"
