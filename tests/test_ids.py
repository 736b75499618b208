import pytest

from simkl_resume.core.ids import (
    PlayingItem,
    body_ids,
    history_body,
    item_key,
    same_item,
    scrobble_body,
    scrobble_item,
    simkl_ids,
)
from simkl_resume.core.model import EPISODE, KIND_ANIME, KIND_SHOW, MOVIE, Playback

# -- uniqueid -> Simkl ids --------------------------------------------------------------


def test_uniqueid_keys_are_lowercased_and_values_are_strings():
    assert simkl_ids({"IMDB": "tt1375666", "Tmdb": 27205}) == {"imdb": "tt1375666", "tmdb": "27205"}


def test_imdb_is_kept_only_when_it_looks_like_tt_digits():
    assert simkl_ids({"imdb": "tt0903747"}) == {"imdb": "tt0903747"}
    assert simkl_ids({"imdb": "81189"}) == {}
    assert simkl_ids({"imdb": "tt"}) == {}
    assert simkl_ids({"imdb": "nm0000123"}) == {}
    assert simkl_ids({"imdb": "tt123abc"}) == {}


def test_imdb_is_lowercased_and_trimmed():
    assert simkl_ids({"imdb": " TT0903747 "}) == {"imdb": "tt0903747"}


def test_short_imdb_is_padded_to_seven_digits():
    assert simkl_ids({"imdb": "tt111161"}) == {"imdb": "tt0111161"}
    assert simkl_ids({"imdb": "tt10872600"}) == {"imdb": "tt10872600"}


def test_imdb_of_only_zeros_is_dropped():
    assert simkl_ids({"imdb": "tt0000000"}) == {}


def test_numeric_id_written_as_a_float_string_is_accepted():
    assert simkl_ids({"tvdb": "81189.0"}) == {"tvdb": "81189"}


def test_tmdb_and_tvdb_are_kept_only_when_numeric():
    assert simkl_ids({"tmdb": "1429", "tvdb": 81189}) == {"tmdb": "1429", "tvdb": "81189"}
    assert simkl_ids({"tmdb": "tt0903747", "tvdb": "abc"}) == {}


def test_numeric_ids_lose_leading_zeros():
    assert simkl_ids({"tvdb": "0081189"}) == {"tvdb": "81189"}


@pytest.mark.parametrize("value", ["", "0", 0, None, "   ", "-5", 1.5, True])
def test_empty_zero_and_junk_ids_are_dropped(value):
    assert simkl_ids({"tmdb": value}) == {}


def test_whole_float_ids_are_accepted():
    assert simkl_ids({"tmdb": 1429.0}) == {"tmdb": "1429"}


def test_unknown_uniqueid_kinds_are_dropped():
    assert simkl_ids({"unknown": "77777", "tvmaze": "169", "tmdb": "1"}) == {"tmdb": "1"}


def test_anime_ids_are_kept():
    assert simkl_ids({"anidb": "69", "mal": "21"}) == {"anidb": "69", "mal": "21"}


def test_simkl_id_is_folded_into_simkl():
    assert simkl_ids({"simkl_id": 12345}) == {"simkl": "12345"}


def test_imdbnumber_not_trusted_as_imdb():
    # On a tvdb-default show Kodi's imdbnumber is the tvdb id.
    assert simkl_ids({"tvdb": "77777"}, imdbnumber="77777") == {"tvdb": "77777"}


def test_imdbnumber_that_looks_like_imdb_fills_a_missing_imdb():
    assert simkl_ids({"tmdb": "27205"}, imdbnumber="tt1375666") == {"tmdb": "27205", "imdb": "tt1375666"}


def test_uniqueid_imdb_wins_over_imdbnumber():
    assert simkl_ids({"imdb": "tt1111111"}, imdbnumber="tt2222222") == {"imdb": "tt1111111"}


@pytest.mark.parametrize("uniqueid", [None, [], "tt1", 5])
def test_non_dict_uniqueid_gives_no_ids(uniqueid):
    assert simkl_ids(uniqueid) == {}


def test_body_ids_sends_numeric_ids_as_int_and_imdb_as_string():
    assert body_ids({"imdb": "tt0903747", "tmdb": "1429", "slug": "breaking-bad"}) == {
        "imdb": "tt0903747",
        "tmdb": 1429,
        "slug": "breaking-bad",
    }


# -- what Kodi plays -> scrobble body --------------------------------------------------

MOVIE_ITEM = {
    "type": "movie",
    "title": "Inception",
    "year": 2010,
    "uniqueid": {"imdb": "tt1375666", "tmdb": "27205"},
    "imdbnumber": "tt1375666",
}
EPISODE_ITEM = {"type": "episode", "title": "Ozymandias", "showtitle": "BB", "season": 5, "episode": 14}
SHOW_DETAILS = {
    "title": "Breaking Bad",
    "year": 2008,
    "uniqueid": {"tvdb": "81189", "imdb": "tt0903747"},
    "imdbnumber": "81189",
}


def test_movie_body_carries_title_year_and_ids():
    body = scrobble_item(PlayingItem.from_kodi(MOVIE_ITEM))
    assert body == {
        "movie": {"title": "Inception", "year": 2010, "ids": {"imdb": "tt1375666", "tmdb": 27205}}
    }


def test_episode_body_carries_the_show_ids_and_season_number():
    body = scrobble_item(PlayingItem.from_kodi(EPISODE_ITEM, SHOW_DETAILS))
    assert body == {
        "show": {"title": "Breaking Bad", "year": 2008, "ids": {"tvdb": 81189, "imdb": "tt0903747"}},
        "episode": {"season": 5, "number": 14},
    }


def test_episode_uniqueid_is_not_used_as_show_ids():
    item = dict(EPISODE_ITEM, uniqueid={"tvdb": "4639463"})
    body = scrobble_item(PlayingItem.from_kodi(item, SHOW_DETAILS))
    assert body["show"]["ids"]["tvdb"] == 81189


def test_episode_without_show_details_is_not_identifiable():
    assert scrobble_item(PlayingItem.from_kodi(EPISODE_ITEM)) is None


def test_episode_title_falls_back_to_the_items_showtitle():
    show = dict(SHOW_DETAILS)
    del show["title"]
    body = scrobble_item(PlayingItem.from_kodi(EPISODE_ITEM, show))
    assert body["show"]["title"] == "BB"


def test_movie_without_ids_is_not_identifiable_even_with_a_title():
    item = dict(MOVIE_ITEM, uniqueid={"unknown": "x"}, imdbnumber="")
    assert scrobble_item(PlayingItem.from_kodi(item)) is None


@pytest.mark.parametrize("season, number", [(None, 3), (1, None), (1, 0), (-1, 3), ("x", 3)])
def test_episode_without_a_valid_season_or_number_is_not_identifiable(season, number):
    playing = PlayingItem(type=EPISODE, show_title="S", show_ids={"tvdb": "1"}, season=season, number=number)
    assert scrobble_item(playing) is None


def test_specials_season_zero_is_identifiable():
    playing = PlayingItem(type=EPISODE, show_title="S", show_ids={"tvdb": "1"}, season=0, number=2)
    assert scrobble_item(playing)["episode"] == {"season": 0, "number": 2}


def test_anime_library_episode_goes_through_show_with_its_ids():
    show = {"title": "Cowboy Bebop", "year": 1998, "uniqueid": {"anidb": "23", "tvdb": "76885"}}
    body = scrobble_item(PlayingItem.from_kodi(dict(EPISODE_ITEM, season=1, episode=3), show))
    assert set(body) == {"show", "episode"}
    assert body["show"]["ids"] == {"anidb": 23, "tvdb": 76885}


def test_item_marked_anime_goes_under_anime():
    playing = PlayingItem(
        type=EPISODE, show_title="Bebop", show_ids={"simkl": "39687"}, season=1, number=3, kind=KIND_ANIME
    )
    assert scrobble_item(playing) == {
        "anime": {"title": "Bebop", "ids": {"simkl": 39687}},
        "episode": {"season": 1, "number": 3},
    }


@pytest.mark.parametrize("item", [None, {}, {"type": "song"}, {"type": "unknown", "title": "x"}, "movie"])
def test_things_that_are_neither_movie_nor_episode_give_no_playing_item(item):
    assert PlayingItem.from_kodi(item) is None
    assert scrobble_item(PlayingItem.from_kodi(item)) is None


def test_missing_year_is_left_out_of_the_body():
    body = scrobble_item(PlayingItem(type=MOVIE, title="X", year=0, ids={"tmdb": "5"}))
    assert body == {"movie": {"title": "X", "ids": {"tmdb": 5}}}


def test_scrobble_body_adds_clamped_progress_without_touching_the_item():
    item = scrobble_item(PlayingItem.from_kodi(MOVIE_ITEM))
    body = scrobble_body(item, 42.456)
    assert body["progress"] == 42.46
    assert "progress" not in item
    assert scrobble_body(item, -0.5)["progress"] == 0.0
    assert scrobble_body(item, 101)["progress"] == 100.0


# -- item_key --------------------------------------------------------------------------


def test_item_key_is_the_same_whatever_the_progress():
    item = scrobble_item(PlayingItem.from_kodi(EPISODE_ITEM, SHOW_DETAILS))
    assert item_key(scrobble_body(item, 10)) == item_key(scrobble_body(item, 95)) == item_key(item)


def test_item_key_differs_between_episodes_of_one_show():
    a = scrobble_item(PlayingItem.from_kodi(dict(EPISODE_ITEM, episode=1), SHOW_DETAILS))
    b = scrobble_item(PlayingItem.from_kodi(dict(EPISODE_ITEM, episode=2), SHOW_DETAILS))
    c = scrobble_item(PlayingItem.from_kodi(dict(EPISODE_ITEM, season=2, episode=1), SHOW_DETAILS))
    assert len({item_key(a), item_key(b), item_key(c)}) == 3


def test_item_key_separates_movies_from_episodes_with_the_same_id():
    movie = {"movie": {"ids": {"tmdb": 1}}}
    episode = {"show": {"ids": {"tmdb": 1}}, "episode": {"season": 1, "number": 1}}
    assert item_key(movie) != item_key(episode)


def test_item_key_ignores_id_order_title_and_extra_ids():
    a = {"movie": {"title": "Inception", "ids": {"tmdb": 27205, "imdb": "tt1375666"}}}
    b = {"movie": {"title": "inception (2010)", "ids": {"imdb": "tt1375666"}}}
    assert item_key(a) == item_key(b) == "movie:imdb=tt1375666"


def test_item_key_of_show_and_anime_bodies_with_same_ids_agree():
    show = {"show": {"ids": {"simkl": 5}}, "episode": {"season": 1, "number": 2}}
    anime = {"anime": {"ids": {"simkl": "5"}}, "episode": {"season": 1, "number": 2}}
    assert item_key(show) == item_key(anime) == "episode:simkl=5:1x2"


def test_item_key_without_ids_falls_back_to_title_and_year():
    assert item_key({"movie": {"title": "Heat", "year": 1995, "ids": {}}}) == "movie:title=heat|1995"


@pytest.mark.parametrize("body", [{}, {"progress": 4}, None, {"episode": {"season": 1}}])
def test_item_key_refuses_bodies_without_an_item(body):
    with pytest.raises(ValueError):
        item_key(body)


# -- history body ----------------------------------------------------------------------


def _playback(**changes):
    base = dict(
        id=7,
        progress=45.0,
        paused_at="2024-01-15T10:30:00Z",
        paused_epoch=1705314600.0,
        type=EPISODE,
        kind=KIND_SHOW,
        title="Breaking Bad",
        year=2008,
        ids={"simkl": "12345", "imdb": "tt0903747", "slug": "breaking-bad"},
        season=1,
        number=5,
    )
    base.update(changes)
    return Playback(**base)


def test_history_body_of_an_episode_names_show_season_and_episode():
    assert history_body(_playback()) == {
        "shows": [
            {
                "title": "Breaking Bad",
                "year": 2008,
                "ids": {"simkl": 12345, "imdb": "tt0903747", "slug": "breaking-bad"},
                "seasons": [{"number": 1, "episodes": [{"number": 5}]}],
            }
        ]
    }


def test_history_body_of_a_movie_lists_it_under_movies():
    movie = _playback(
        type=MOVIE,
        kind="movie",
        title="Inception",
        year=2010,
        ids={"tmdb": "27205"},
        season=None,
        number=None,
    )
    assert history_body(movie) == {"movies": [{"title": "Inception", "year": 2010, "ids": {"tmdb": 27205}}]}


def test_history_body_carries_watched_at_when_given():
    movie = _playback(type=MOVIE, kind="movie", season=None, number=None)
    assert history_body(movie, "2024-01-16T20:00:00Z")["movies"][0]["watched_at"] == "2024-01-16T20:00:00Z"
    episode = history_body(_playback(), "2024-01-16T20:00:00Z")
    assert episode["shows"][0]["seasons"][0]["episodes"][0] == {
        "number": 5,
        "watched_at": "2024-01-16T20:00:00Z",
    }


def test_history_body_of_an_anime_playback_goes_under_shows_with_simkl_numbering():
    anime = _playback(kind=KIND_ANIME, season=1, number=30, tvdb_season=2, tvdb_number=4)
    seasons = history_body(anime)["shows"][0]["seasons"]
    assert seasons == [{"number": 1, "episodes": [{"number": 30}]}]


def test_history_body_refuses_an_episode_without_season_or_number():
    with pytest.raises(ValueError):
        history_body(_playback(number=None))


@pytest.mark.parametrize(
    "uniqueid",
    [
        {"imdb": "TT111161", "tmdb": " 01399 ", "tvdb": 81189.0},
        {"imdb": "81189", "tmdb": "0", "tvdb": "", "anidb": "-3", "mal": True},
        {"Imdb": "tt0903747", "TVDB": "81189", "simkl_id": 5},
    ],
)
def test_ids_from_kodi_agree_with_the_library_matcher(uniqueid):
    from simkl_resume.core.matching import normalize_ids

    # The same uniqueid must give the same ids on the push side (bodies, outbox keys) and
    # the pull side (library matching), else a scrobbled item would not find itself again.
    assert simkl_ids(uniqueid) == normalize_ids(uniqueid)


# -- same_item: is a queued scrobble about the item of a Simkl playback? -------------------------
EPISODE_BODY = {"show": {"title": "Breaking Bad", "ids": {"imdb": "tt0903747", "tvdb": 81189}},
                "episode": {"season": 1, "number": 5}, "progress": 20.0}
MOVIE_BODY = {"movie": {"title": "Heat", "ids": {"imdb": "tt0113277", "tmdb": 949}}, "progress": 20.0}


def test_same_item_matches_an_episode_by_one_shared_show_id_and_its_numbers():
    assert same_item(EPISODE_BODY, _playback())
    assert not same_item(EPISODE_BODY, _playback(number=6))
    assert not same_item(EPISODE_BODY, _playback(ids={"imdb": "tt9999999"}))


def test_same_item_matches_a_movie_by_one_shared_id_whatever_its_type_or_format():
    heat = _playback(type=MOVIE, kind="movie", title="Heat", season=None, number=None,
                     ids={"simkl": "1", "tmdb": "949"})
    assert same_item(MOVIE_BODY, heat)
    assert not same_item(EPISODE_BODY, heat) and not same_item(MOVIE_BODY, _playback())


def test_same_item_matches_an_anime_playback_by_its_tvdb_numbering():
    anime = _playback(kind=KIND_ANIME, season=1, number=26, tvdb_season=2, tvdb_number=1)
    body = dict(EPISODE_BODY, episode={"season": 2, "number": 1})
    assert same_item(body, anime)
    assert same_item(dict(EPISODE_BODY, episode={"season": 1, "number": 26}), anime)


def test_same_item_never_matches_on_a_title_alone():
    body = {"movie": {"title": "Heat", "ids": {}}, "progress": 1.0}
    heat = _playback(type=MOVIE, kind="movie", title="Heat", season=None, number=None, ids={})
    assert not same_item(body, heat)
