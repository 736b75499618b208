"""kodi/router.py: Kodi's plugin argv -> PluginCall, and plugin URLs back."""
import pytest

from simkl_resume.kodi.router import PluginCall, parse_query, plugin_url


@pytest.mark.parametrize("argv, path, params, handle", [
    (["plugin://plugin.video.simkl.resume/", "7", "?", "resume:false"], "/", {}, 7),
    (["plugin://plugin.video.simkl.resume/play", "3", "?id=42", "resume:false"], "/play", {"id": "42"}, 3),
    (["plugin://plugin.video.simkl.resume/", "5", "?page=2"], "/", {"page": "2"}, 5),
    (["plugin://plugin.video.simkl.resume/login/", "-1", ""], "/login", {}, -1),
    (["plugin://plugin.video.simkl.resume", "1"], "/", {}, 1),
    (["plugin://plugin.video.simkl.resume/remove", "-1", "?id=9&x=a%20b%26c"], "/remove",
     {"id": "9", "x": "a b&c"}, -1),
])
def test_kodi_argv_becomes_path_params_and_handle(argv, path, params, handle):
    call = PluginCall.from_argv(argv)
    assert (call.path, call.params, call.handle) == (path, params, handle)


def test_plugin_url_round_trips_odd_values_and_leaves_out_none():
    url = plugin_url("/play", id=12, title='Amélie & "Nino" 100%', skip=None)
    assert url.startswith("plugin://plugin.video.simkl.resume/play?id=12&title=")
    call = PluginCall.from_argv([url.split("?")[0], "1", "?" + url.split("?")[1]])
    assert call.params == {"id": "12", "title": 'Amélie & "Nino" 100%'}


def test_plain_urls_need_no_percent_encoding():
    assert plugin_url("/", page=2) == "plugin://plugin.video.simkl.resume/?page=2"
    assert parse_query("?id=1&&b=") == {"id": "1", "b": ""}


def test_param_int_is_none_for_missing_or_non_numeric():
    call = PluginCall("/play", {"id": "x"}, 1)
    assert call.param_int("id") is None and call.param_int("nope") is None
