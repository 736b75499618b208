"""core.identity: the order of the id sources for what plays, and which item a playback is."""
import json

import pytest

from simkl_resume.core.identity import (
    SOURCE_LIBRARY,
    SOURCE_TMDBHELPER,
    SOURCE_TRAKT_IDS,
    SOURCE_UNIQUEIDS,
    Observed,
    identify,
    is_excluded,
    same_item,
)
from simkl_resume.core.ids import PlayingItem, scrobble_item

MATRIX = {"imdb": "tt0133093", "tmdb": "603"}
GOT_SHOW = {"tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399, "slug": "game-of-thrones"}
GOT_EPISODE_OWN = {"tvdb": "3436461", "imdb": "tt1480055"}
LIBRARY_HEAT = PlayingItem(type="movie", title="Heat", year=1995, ids={"imdb": "tt0113277"})


def body(observed):
    return scrobble_item(identify(observed).item)


def test_library_item_comes_first_even_when_other_sources_name_something_else():
    found = identify(Observed(library=LIBRARY_HEAT, media_type="movie", uniqueids=MATRIX,
                              trakt_ids=json.dumps({"imdb": "tt0816692"})))
    assert found.source == SOURCE_LIBRARY
    assert scrobble_item(found.item)["movie"]["ids"] == {"imdb": "tt0113277"}


def test_library_item_without_ids_falls_through_to_the_next_source():
    bare = PlayingItem(type="movie", title="Heat", year=1995)
    found = identify(Observed(library=bare, media_type="movie", uniqueids=MATRIX))
    assert found.source == SOURCE_UNIQUEIDS


def test_movie_uniqueids_name_the_movie():
    found = identify(Observed(media_type="movie", title="The Matrix", year=1999, uniqueids=MATRIX))
    assert found.source == SOURCE_UNIQUEIDS
    assert scrobble_item(found.item) == {"movie": {"title": "The Matrix", "year": 1999,
                                                   "ids": {"imdb": "tt0133093", "tmdb": 603}}}


def test_uniqueids_win_over_the_window_properties():
    found = identify(Observed(media_type="movie", uniqueids=MATRIX,
                              trakt_ids=json.dumps({"imdb": "tt0816692"}),
                              tmdbhelper=json.dumps({"tmdb_type": "movie", "tmdb_id": 157336})))
    assert found.source == SOURCE_UNIQUEIDS
    assert scrobble_item(found.item)["movie"]["ids"]["imdb"] == "tt0133093"


def test_episode_own_uniqueids_are_never_taken_for_its_show_ids():
    found = identify(Observed(media_type="episode", show_title="Game of Thrones", season=1, episode=3,
                              uniqueids=GOT_EPISODE_OWN))
    assert found.item is None
    assert "episode" in found.reason and "show" in found.reason


def test_episode_with_show_ids_in_script_trakt_ids_uses_them_with_the_players_season_and_episode():
    found = identify(Observed(media_type="episode", title="Lord Snow", show_title="Game of Thrones", season=1,
                              episode=3, uniqueids=GOT_EPISODE_OWN, trakt_ids=json.dumps(GOT_SHOW)))
    assert found.source == SOURCE_TRAKT_IDS
    assert scrobble_item(found.item) == {
        "show": {"title": "Game of Thrones", "ids": {"tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399,
                                                     "slug": "game-of-thrones"}},
        "episode": {"season": 1, "number": 3}}


def test_explicit_tvshow_uniqueids_are_an_episodes_show_ids():
    ids = dict(GOT_EPISODE_OWN, **{"tvshow.tmdb": "1399", "tvshow.tvdb": "121361"})
    found = identify(Observed(media_type="episode", show_title="Game of Thrones", season=1, episode=3,
                              uniqueids=ids))
    assert found.source == SOURCE_UNIQUEIDS
    assert scrobble_item(found.item)["show"]["ids"] == {"tmdb": 1399, "tvdb": 121361}


def test_script_trakt_ids_alone_with_no_season_or_episode_is_a_movie():
    found = identify(Observed(title="Interstellar", trakt_ids=json.dumps({"imdb": "tt0816692", "tmdb": 157336,
                                                                           "slug": "interstellar"})))
    assert found.source == SOURCE_TRAKT_IDS
    assert scrobble_item(found.item)["movie"]["ids"] == {"imdb": "tt0816692", "tmdb": 157336,
                                                         "slug": "interstellar"}


def test_script_trakt_ids_with_season_and_episode_but_no_media_type_is_an_episode_of_that_show():
    found = identify(Observed(season=2, episode=5, trakt_ids=json.dumps(GOT_SHOW)))
    assert scrobble_item(found.item)["episode"] == {"season": 2, "number": 5}


def test_script_trakt_ids_with_a_show_title_but_no_numbers_is_not_guessed():
    found = identify(Observed(show_title="Game of Thrones", trakt_ids=json.dumps(GOT_SHOW)))
    assert found.item is None and "cannot tell" in found.reason


def test_episode_with_show_ids_but_no_episode_number_is_not_scrobbled():
    found = identify(Observed(media_type="episode", season=1, trakt_ids=json.dumps(GOT_SHOW)))
    assert found.item is None
    assert "season and episode" in found.reason


def test_tmdbhelper_player_info_string_names_an_episode_by_its_show_ids():
    info = {"tmdb_type": "episode", "tmdb_id": "1399", "imdb_id": "tt0944947", "tvdb_id": "121361",
            "season": "2", "episode": "1"}
    found = identify(Observed(media_type="episode", show_title="Game of Thrones",
                              tmdbhelper=json.dumps(info)))
    assert found.source == SOURCE_TMDBHELPER
    assert scrobble_item(found.item) == {
        "show": {"title": "Game of Thrones", "ids": {"imdb": "tt0944947", "tmdb": 1399, "tvdb": 121361}},
        "episode": {"season": 2, "number": 1}}


def test_tmdbhelper_tv_type_and_numbers_from_the_player_when_the_string_has_none():
    info = {"tmdb_type": "tv", "tmdb_id": 1399}
    found = identify(Observed(season=3, episode=4, tmdbhelper=json.dumps(info)))
    assert scrobble_item(found.item)["episode"] == {"season": 3, "number": 4}


def test_tmdbhelper_movie():
    found = identify(Observed(tmdbhelper=json.dumps({"tmdb_type": "movie", "tmdb_id": "603",
                                                     "imdb_id": "tt0133093"})))
    assert scrobble_item(found.item)["movie"]["ids"] == {"imdb": "tt0133093", "tmdb": 603}


def test_window_property_contradicting_kodis_media_type_is_skipped_as_stale():
    found = identify(Observed(media_type="episode", season=1, episode=1,
                              tmdbhelper=json.dumps({"tmdb_type": "movie", "tmdb_id": 603})))
    assert found.item is None and "names a movie" in found.reason


def test_script_trakt_ids_comes_before_tmdbhelper():
    found = identify(Observed(trakt_ids=json.dumps({"imdb": "tt0816692"}),
                              tmdbhelper=json.dumps({"tmdb_type": "movie", "tmdb_id": 603})))
    assert found.source == SOURCE_TRAKT_IDS


@pytest.mark.parametrize("value", ["true", "1", "True", "yes"])
def test_excluded_items_are_never_identified_even_from_the_library(value):
    found = identify(Observed(library=LIBRARY_HEAT, media_type="movie", uniqueids=MATRIX, exclude=value))
    assert found.item is None and "script.trakt.exclude" in found.reason


@pytest.mark.parametrize("value", ["", "false", "0", None])
def test_exclude_property_unset_or_false_excludes_nothing(value):
    assert not is_excluded(value)


def test_nothing_known_is_not_scrobbled_and_says_why():
    found = identify(Observed(title="A home video"))
    assert found.item is None and found.source == ""
    assert found.reason.startswith("no ids:")


@pytest.mark.parametrize("junk", ["not json", "[1, 2]", json.dumps({"imdb": "81189"}),
                                  json.dumps({"trakt": 5})])
def test_unreadable_or_idless_window_properties_identify_nothing(junk):
    assert identify(Observed(trakt_ids=junk, tmdbhelper=junk)).item is None


def test_neither_movie_nor_episode_is_not_scrobbled():
    found = identify(Observed(media_type="musicvideo", uniqueids=MATRIX))
    assert found.item is None and "musicvideo" in found.reason


def test_ids_go_through_the_one_normaliser():
    found = identify(Observed(media_type="movie", uniqueids={"IMDB": "TT133093", "tmdb": "0603"}))
    assert scrobble_item(found.item)["movie"]["ids"] == {"imdb": "tt0133093", "tmdb": 603}


# -- same_item: is a Simkl playback about the playing item? --------------------------------

def _movie_playback(ids):
    return {"type": "movie", "ids": ids, "season": None, "number": None}


def _episode_playback(ids, season, number):
    return {"type": "episode", "ids": ids, "season": season, "number": number}


def test_same_movie_when_one_id_matches():
    item = {"movie": {"ids": {"imdb": "tt0133093", "tmdb": 603}}}
    assert same_item(item, _movie_playback({"tmdb": "603", "simkl": "1"}))
    assert not same_item(item, _movie_playback({"tmdb": "604"}))
    assert not same_item(item, _episode_playback({"tmdb": "603"}, 1, 1))


def test_same_episode_needs_a_show_id_and_the_same_numbers():
    item = {"show": {"ids": {"tvdb": 121361}}, "episode": {"season": 1, "number": 3}}
    assert same_item(item, _episode_playback({"tvdb": "121361"}, 1, 3))
    assert not same_item(item, _episode_playback({"tvdb": "121361"}, 1, 4))
    assert not same_item(item, _episode_playback({"tvdb": "81189"}, 1, 3))
    assert not same_item(None, _episode_playback({"tvdb": "121361"}, 1, 3))


def test_same_episode_matches_an_anime_playback_by_its_tvdb_numbering():
    """Kodi numbers an anime like TVDB; Simkl's anime playback carries both numberings (as
    core.ids.same_item, which the sender's newest-wins check uses, already accepts)."""
    anime = dict(_episode_playback({"tvdb": "121361"}, 1, 26), tvdb_season=2, tvdb_number=1)
    assert same_item({"show": {"ids": {"tvdb": 121361}}, "episode": {"season": 2, "number": 1}}, anime)
    assert same_item({"show": {"ids": {"tvdb": 121361}}, "episode": {"season": 1, "number": 26}}, anime)
    assert not same_item({"show": {"ids": {"tvdb": 121361}}, "episode": {"season": 2, "number": 2}}, anime)
