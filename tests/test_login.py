"""Plugin routes /login (Simkl PIN flow) and /logout on the fake Kodi, against the stand-in.

The stand-in's clock is frozen and moved with the fake Kodi's virtual clock, so the
sign-in's waits (Monitor.waitForAbort) are the time Simkl sees: no real sleeping.
"""

import pytest

from simkl_resume import ADDON_ID
from simkl_resume.plugin import account
from simkl_resume.context import KEY_ACTIVITIES, KEY_PLAYBACKS, KEY_RESUME_LIST, KEY_SYNC_STATUS, AddonContext
from simkl_resume.kodi.router import PluginCall

CLIENT_ID = "test-client-id"


@pytest.fixture(autouse=True)
def progress_pin_dialog(monkeypatch):
    """These tests read the PIN flow off the DialogProgress fallback: the XML file is made
    missing, which is the real fallback path (Kodi refuses the window). The XML dialog with
    the QR code runs the same flows in tests/test_login_qr.py."""
    from simkl_resume.kodi import pin_dialog

    monkeypatch.setattr(pin_dialog, "WINDOW_XML", "missing-simkl-pin.xml")


def make_ctx(kodi, standin_url, client_id=CLIENT_ID):
    logs = []
    env = {"SIMKL_API_URL": standin_url, "SIMKL_CLIENT_ID": client_id}
    ctx = AddonContext(kodi.profile_dir, "1.0.0", memory=None, now=kodi.clock.now, log=logs.append, env=env)
    ctx.logs = logs
    return ctx


def run_login(ctx, handle=-1):
    account.login(PluginCall("/login", {}, handle), ctx=ctx)


def progress_dialogs(kodi):
    return [d for d in kodi.dialogs if d["type"] == "progress"]


def notify_calls(kodi):
    return [params for method, params in kodi.jsonrpc_calls if method == "JSONRPC.NotifyAll"]


def test_approved_code_signs_in_names_the_account_and_asks_the_service_to_check(kodi, make_standin):
    s = make_standin(approve_after_polls=3, pin_user_type="vip")
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    record = ctx.account.load()
    assert record["token"] and record["plan"] == "vip"
    assert ctx.account.token in s.server.app.state.users
    name = s.server.app.state.users[ctx.account.token].name
    assert record["name"] == name
    assert kodi.get_setting("account_name") == name
    assert [n["message"] for n in kodi.notifications] == [
        "Signed in as %s (VIP: playbacks kept 90 days)" % name]
    assert notify_calls(kodi) == [{"sender": ADDON_ID, "message": "check", "data": {"reason": "signed_in"}}]
    assert kodi.container_refreshes == 1
    dialog, = progress_dialogs(kodi)
    assert dialog["closed"] is True
    assert dialog["heading"] == "Sign in to Simkl"
    code = s.server.requests("/oauth/pin")[0]
    assert code["path"] == "/oauth/pin"
    assert len(s.polls()) == 3
    times = [r["time"] for r in s.polls()]
    assert all(b - a >= 2 for a, b in zip(times, times[1:]))   # never faster than `interval`
    assert "Slow down" not in str([r.get("status") for r in s.polls()])
    assert ctx.account.token not in "\n".join(ctx.logs) + kodi.log_text()


def test_dialog_shows_code_link_and_counts_down_to_expiry(kodi, make_standin):
    s = make_standin(approve_after_polls=2, pin_expires_in=60)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    dialog, = progress_dialogs(kodi)
    code = s.server.requests("/oauth/pin/")[-1]["path"].rsplit("/", 1)[1]
    assert "https://simkl.com/pin/" + code in dialog["message"]
    assert "[B]%s[/B]" % code in dialog["message"]
    percents = [p for p, _ in dialog["updates"]]
    assert percents[0] == 100 and percents == sorted(percents, reverse=True)
    assert "1:00" in dialog["updates"][0][1] and "0:59" in dialog["updates"][1][1]


def test_expired_code_stops_polling_and_says_so(kodi, make_standin):
    s = make_standin(pin_interval=2, pin_expires_in=10)
    ctx = make_ctx(kodi, s.server.url)
    start = kodi.clock.now()
    run_login(ctx)
    assert kodi.clock.now() - start == 10
    assert ctx.account.token is None
    assert len(s.polls()) == 4                       # at 2, 4, 6, 8 s; none after expiry
    assert [n["message"] for n in kodi.notifications] == [
        "The sign-in code expired. Choose Sign in to Simkl to get a new one."]
    dialog, = progress_dialogs(kodi)
    assert dialog["closed"] and dialog["updates"][-1][0] == 0
    assert notify_calls(kodi) == []


def test_cancel_stops_at_once_without_signing_in(kodi, make_standin):
    s = make_standin(pin_interval=2, approve_after_polls=10)
    kodi.progress_cancel_after = 4                   # the user presses Cancel at 3 s
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is None
    assert len(s.polls()) == 1
    assert kodi.notifications == []
    dialog, = progress_dialogs(kodi)
    assert dialog["closed"] is True
    kodi.clock.advance(60)
    assert len(s.polls()) == 1


def test_slow_down_grows_the_interval_and_still_signs_in(kodi, make_standin):
    # Simkl's clock runs at half speed: polls every 2 s look 1 s apart -> "Slow down".
    s = make_standin(rate=0.5, pin_interval=2, approve_after_polls=3)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is not None
    kodi_times = [s.base + (r["time"] - s.base) / 0.5 for r in s.polls()]
    gaps = [round(b - a) for a, b in zip(kodi_times, kodi_times[1:])]
    assert gaps[0] == 2                              # first answer "pending", second "Slow down"
    assert all(gap >= 7 for gap in gaps[1:])         # 2 s + 5 s after the slow down
    dialog, = progress_dialogs(kodi)
    assert any("less often" in message for _, message in dialog["updates"])


def test_code_gone_stops_polling_and_says_so(kodi, make_standin):
    s = make_standin(pin_interval=2, pin_expires_in=60)

    def forget_codes(elapsed):
        if elapsed >= 3:
            with s.server.app.state.lock:
                s.server.app.state.pins.clear()      # used on another device / deleted
    s.on_tick.append(forget_codes)
    ctx = make_ctx(kodi, s.server.url)
    start = kodi.clock.now()
    run_login(ctx)
    assert ctx.account.token is None
    assert len(s.polls()) == 2                       # pending at 2 s, gone at 4 s
    assert kodi.clock.now() - start == 4
    assert [n["message"] for n in kodi.notifications] == [
        "The sign-in code is no longer valid. Choose Sign in to Simkl to get a new one."]


def test_build_without_client_id_says_so_and_makes_no_request(kodi, make_standin, monkeypatch):
    from simkl_resume.simkl import config

    monkeypatch.setattr(config, "_built_in_client_id", lambda: "")
    s = make_standin()
    ctx = make_ctx(kodi, s.server.url, client_id="")
    run_login(ctx)
    assert s.server.requests() == []
    ok, = [d for d in kodi.dialogs if d["type"] == "ok"]
    assert "no Simkl client id" in ok["message"]
    assert "412" not in ok["message"]


def test_unreachable_simkl_gives_a_short_notification(kodi, make_standin):
    s = make_standin()
    url = s.server.url
    s.server.stop()
    ctx = make_ctx(kodi, url)
    run_login(ctx)
    assert [n["message"] for n in kodi.notifications] == [
        "Cannot reach Simkl. Check the network and try again."]
    assert progress_dialogs(kodi) == []
    assert ctx.account.token is None


def test_directory_request_for_login_ends_the_directory(kodi, make_standin):
    s = make_standin(approve_after_polls=1)
    ctx = make_ctx(kodi, s.server.url)
    run = kodi.run_plugin("/login", handle=7,
                          entry=lambda argv: account.login(PluginCall.from_argv(argv), ctx=ctx))
    assert run.directory.succeeded is False
    assert ctx.account.token is not None


def signed_in_ctx(kodi, standin_url="http://127.0.0.1:9"):
    ctx = make_ctx(kodi, standin_url)
    ctx.account.sign_in("secret-token", "Alice", "pro")
    kodi.set_setting("account_name", "Alice")
    for key in (KEY_PLAYBACKS, KEY_RESUME_LIST, KEY_ACTIVITIES, KEY_SYNC_STATUS):
        ctx.cache.set(key, [{"x": 1}], expiration=3600)
    return ctx


def test_logout_after_yes_forgets_token_name_and_cached_lists(kodi):
    ctx = signed_in_ctx(kodi)
    kodi.answer("yesno", True)
    account.logout(PluginCall("/logout", {}, -1), ctx=ctx)
    assert ctx.account.token is None
    assert ctx.account.load().get("signed_out_reason") == "user"
    assert kodi.get_setting("account_name") == ""
    for key in (KEY_PLAYBACKS, KEY_RESUME_LIST, KEY_ACTIVITIES, KEY_SYNC_STATUS):
        assert ctx.cache.get(key) is None
    yesno, = [d for d in kodi.dialogs if d["type"] == "yesno"]
    assert "Alice" in yesno["message"]
    assert kodi.container_refreshes == 1


def test_logout_answered_no_changes_nothing(kodi):
    ctx = signed_in_ctx(kodi)
    kodi.answer("yesno", False)
    account.logout(PluginCall("/logout", {}, -1), ctx=ctx)
    assert ctx.account.token == "secret-token"
    assert kodi.get_setting("account_name") == "Alice"
    assert ctx.cache.get(KEY_PLAYBACKS) == [{"x": 1}]
    assert kodi.container_refreshes == 0


def _alice_with_a_mirrored_point(kodi):
    """Alice signed in, her playback listed (list + menu pages) and mirrored into the library."""
    from simkl_resume.context import KEY_DELIVERED
    from simkl_resume.service.mirror import ResumeMirror
    from tests.fakekodi.library import stream_details
    from tests.test_menu_support import build_list, movie_playback, store_playbacks

    heat = kodi.library.add_movie("Heat", 1995, {"imdb": "tt0113277"}, runtime=6000,
                                  streamdetails=stream_details(6000))
    ctx = signed_in_ctx(kodi)
    store_playbacks(ctx, [movie_playback(11, "Heat", 1995, {"imdb": "tt0113277"}, progress=40.0)])
    ctx.cache.set(KEY_DELIVERED, {"v": 1, "events": []})
    build_list(ctx)
    assert ResumeMirror(ctx).sync() == 1
    assert kodi.library.movies[heat]["resume"]["position"] == 2400.0
    return ctx, heat


def test_logout_clears_every_trace_of_the_account_menu_pages_and_mirrored_points_included(kodi):
    from simkl_resume.context import ACCOUNT_KEYS
    from simkl_resume.resume_cache import load_menu_page

    ctx, heat = _alice_with_a_mirrored_point(kodi)
    assert load_menu_page(ctx.cache, 1) is not None
    kodi.answer("yesno", True)
    account.logout(PluginCall("/logout", {}, -1), ctx=ctx)
    for key in ACCOUNT_KEYS:
        assert ctx.cache.get(key) is None, key
    assert load_menu_page(ctx.cache, 1) is None
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0
    import json
    import os
    assert json.load(open(os.path.join(ctx.profile_dir, "mirror.json")))["written"] == {}


def test_logout_keeps_a_point_the_user_played_since(kodi):
    ctx, heat = _alice_with_a_mirrored_point(kodi)
    kodi.clock.advance(60)
    kodi.player.play_movie(heat, at=2400)
    kodi.clock.advance(300)
    kodi.player.stop()
    kodi.answer("yesno", True)
    account.logout(PluginCall("/logout", {}, -1), ctx=ctx)
    assert kodi.library.movies[heat]["resume"]["position"] == 2700.0


def test_another_account_signing_in_starts_clean_and_never_sees_the_previous_titles(kodi, make_standin):
    from simkl_resume.plugin.menu import show_root

    s = make_standin(approve_after_polls=1, pin_user_type="free")
    ctx, heat = _alice_with_a_mirrored_point(kodi)
    ctx.env = {"SIMKL_API_URL": s.server.url, "SIMKL_CLIENT_ID": CLIENT_ID}
    run_login(ctx)                                   # Bob, without signing Alice out first
    assert ctx.account.load()["name"] != "Alice"
    assert ctx.cache.get(KEY_PLAYBACKS) is None and ctx.cache.get(KEY_RESUME_LIST) is None
    assert kodi.library.movies[heat]["resume"]["position"] == 0.0
    run = kodi.run_plugin("/", entry=lambda argv: show_root(PluginCall.from_argv(argv), ctx=ctx))
    assert not any("Heat" in label for label in run.directory.labels())
