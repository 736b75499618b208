"""The thin Kodi helpers in lib/simkl_resume/kodi against the fake Kodi."""
import json

import pytest


def test_jsonrpc_call_round_trips_quotes_backslashes_and_emoji(kodi):
    from simkl_resume.kodi import jsonrpc

    title = 'He said "hi" \\ back\nslash 🎬'
    movie_id = kodi.library.add_movie(title=title, year=2001, uniqueid={"imdb": "tt0000001"})
    details = jsonrpc.call("VideoLibrary.GetMovieDetails", {"movieid": movie_id, "properties": ["title"]})
    assert details["moviedetails"]["title"] == title
    sent = kodi.jsonrpc_calls[-1]
    assert sent[0] == "VideoLibrary.GetMovieDetails"


def test_jsonrpc_error_reply_raises_typed_error(kodi):
    from simkl_resume.kodi import jsonrpc

    with pytest.raises(jsonrpc.JsonRpcError) as raised:
        jsonrpc.call("No.SuchMethod")
    assert raised.value.code == -32601


def test_log_masks_bearer_tokens_and_access_token_values(kodi):
    from simkl_resume.kodi import log

    log.log('request failed: Authorization: Bearer abc123secret, body {"access_token": "zzz999"}')
    log.log("token=qqq777 in url")
    text = "\n".join(str(entry) for entry in kodi.logs)
    for secret in ("abc123secret", "zzz999", "qqq777"):
        assert secret not in text
    assert "plugin.video.simkl.resume" in text


def test_settings_defaults_come_from_settings_xml(kodi):
    from simkl_resume.kodi import settings

    assert settings.get_int("poll_interval") == 15
    assert settings.get_bool("push_enabled") is True
    settings.set_str("account_name", "Ann")
    assert settings.get_str("account_name") == "Ann"


def test_localize_reads_strings_po(kodi):
    from simkl_resume.kodi import strings

    assert strings.localize(30000) == "Resume from Simkl"


def test_profile_dir_is_created(kodi):
    import os

    from simkl_resume.kodi import paths

    assert os.path.isdir(paths.profile_dir())
    assert paths.addon_version() == "0.1.0"


def test_home_window_memory_is_shared_between_instances(kodi):
    from simkl_resume.kodi.window import HomeWindowMemory

    HomeWindowMemory().set("k", json.dumps({"a": 1}))
    assert json.loads(HomeWindowMemory().get("k")) == {"a": 1}
    HomeWindowMemory().clear("k")
    assert HomeWindowMemory().get("k") is None


def test_log_levels_map_to_kodi_levels_and_unknown_level_is_info(kodi):
    import xbmc

    from simkl_resume.kodi import log

    for level, expected in (("debug", xbmc.LOGDEBUG), ("info", xbmc.LOGINFO),
                            ("warning", xbmc.LOGWARNING), ("error", xbmc.LOGERROR), ("loud", xbmc.LOGINFO)):
        log.log("x", level)
        assert kodi.logs[-1] == (expected, "[plugin.video.simkl.resume] x")


def test_jsonrpc_invalid_params_raise_with_kodis_code(kodi):
    from simkl_resume.kodi import jsonrpc

    with pytest.raises(jsonrpc.JsonRpcError) as raised:
        jsonrpc.call("VideoLibrary.GetMovies",
                     {"filter": {"field": "uniqueid", "operator": "is", "value": "x"}})
    assert raised.value.code == -32602
    sent = json.dumps(kodi.jsonrpc_calls[-1][1])
    assert "uniqueid" in sent


def test_settings_reflect_a_change_made_while_running(kodi):
    from simkl_resume.kodi import settings

    assert settings.get_bool("mirror_resume") is True
    kodi.change_setting("mirror_resume", False)
    assert settings.get_bool("mirror_resume") is False


def test_addon_dir_is_the_repo_root(kodi):
    import os

    from simkl_resume.kodi import paths

    assert os.path.isfile(os.path.join(paths.addon_dir(), "addon.xml"))
