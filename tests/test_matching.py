"""core.matching: library index from JSON-RPC lists, playback -> Match/NoMatch. Pure, no fakes."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simkl_resume.core.matching import (
    AMBIGUOUS_TITLE,
    EPISODE_NOT_IN_LIBRARY,
    NOT_IN_LIBRARY,
    SHOW_NOT_IN_LIBRARY,
    LibraryIndex,
    Match,
    NoMatch,
    match_all,
    match_episode,
    match_playback,
    match_show,
    matched_first,
    normalize_ids,
    normalize_title,
    shows_needed,
)
from simkl_resume.core import ids
from simkl_resume.core.model import EPISODE, KIND_ANIME, KIND_MOVIE, KIND_SHOW, MOVIE, Playback

_next_id = [1000]
PAUSED_AT = "2024-01-15T10:30:00Z"
PAUSED_EPOCH = 1705314600.0


def movie_pb(title="Some Movie", year=None, ids=None, kind=KIND_MOVIE):
    _next_id[0] += 1
    return Playback(id=_next_id[0], progress=42.0, paused_at=PAUSED_AT, paused_epoch=PAUSED_EPOCH,
                    type=MOVIE, kind=kind, title=title, year=year, ids=dict(ids or {}))


def episode_pb(title="Some Show", year=None, ids=None, season=1, number=1, kind=KIND_SHOW,
               tvdb_season=None, tvdb_number=None):
    _next_id[0] += 1
    return Playback(id=_next_id[0], progress=42.0, paused_at=PAUSED_AT, paused_epoch=PAUSED_EPOCH,
                    type=EPISODE, kind=kind, title=title, year=year, ids=dict(ids or {}), season=season,
                    number=number, tvdb_season=tvdb_season, tvdb_number=tvdb_number)


def movie(movieid, title, year=0, uniqueid=None, **extra):
    item = {"movieid": movieid, "label": title, "title": title, "year": year, "uniqueid": uniqueid or {},
            "imdbnumber": "", "file": f"/media/movies/{movieid}.mkv"}
    item.update(extra)
    return item


def show(tvshowid, title, year=0, uniqueid=None, **extra):
    item = {"tvshowid": tvshowid, "label": title, "title": title, "year": year, "uniqueid": uniqueid or {},
            "imdbnumber": ""}
    item.update(extra)
    return item


def ep(episodeid, season, episode, tvshowid=1):
    return {"episodeid": episodeid, "season": season, "episode": episode, "tvshowid": tvshowid,
            "file": f"/media/tv/{tvshowid}/S{season:02d}E{episode:02d}.mkv"}


SHAWSHANK = movie(1, "The Shawshank Redemption", 1994, {"imdb": "tt0111161", "tmdb": "278"})
GOT_MOVIE_TMDB_CLASH = movie(2, "Some Film With Tmdb 1399", 2001, {"tmdb": "1399"})
GOT = show(10, "Game of Thrones", 2011, {"tvdb": "121361", "tmdb": "1399", "imdb": "tt0944947"})
# A tvdb-default show: Kodi reports imdbnumber "77777" although that is a tvdb id.
TVDB_DEFAULT = show(11, "Tvdb Default Show", 2005, {"tvdb": "77777"}, imdbnumber="77777")


# --------------------------------------------------------------------------- id routes

def test_movie_matches_through_imdb():
    index = LibraryIndex.build([SHAWSHANK], [])
    result = match_playback(index, movie_pb("Other Title", ids={"imdb": "tt0111161"}))
    assert result == Match("movie", 1, via="imdb")


def test_movie_matches_through_tmdb_when_imdb_is_absent_from_library():
    index = LibraryIndex.build([movie(5, "Film", 2000, {"tmdb": "603"})], [])
    result = match_playback(index, movie_pb("Other", ids={"imdb": "tt0133093", "tmdb": "603"}))
    assert result == Match("movie", 5, via="tmdb")


def test_show_matches_through_tvdb_only_id_in_common():
    index = LibraryIndex.build([], [show(7, "A Show", 2010, {"tvdb": "81189"})])
    result = match_show(index, episode_pb("Different", ids={"tvdb": "81189", "tmdb": "1"}))
    assert result == Match("tvshow", 7, tvshowid=7, via="tvdb", tvdb_confirmed=True)


def test_imdb_is_tried_before_tmdb_and_tvdb():
    shows = [show(1, "By Imdb", 2000, {"imdb": "tt1234567"}), show(2, "By Tmdb", 2000, {"tmdb": "55"}),
             show(3, "By Tvdb", 2000, {"tvdb": "66"})]
    index = LibraryIndex.build([], shows)
    pb = episode_pb(ids={"imdb": "tt1234567", "tmdb": "55", "tvdb": "66"})
    assert match_show(index, pb).dbid == 1
    assert match_show(index, episode_pb(ids={"tmdb": "55", "tvdb": "66"})).dbid == 2


def test_anidb_id_in_library_uniqueid_matches_anime_show():
    index = LibraryIndex.build([], [show(4, "Shingeki no Kyojin", 2013, {"anidb": "9541"})])
    result = match_show(index, episode_pb("Attack on Titan", ids={"anidb": "9541"}, kind=KIND_ANIME))
    assert result.dbid == 4 and result.via == "anidb"


def test_tmdb_movie_id_does_not_match_show_with_same_tmdb_id():
    index = LibraryIndex.build([GOT_MOVIE_TMDB_CLASH], [GOT])
    movie_result = match_playback(index, movie_pb("Nothing Alike", ids={"tmdb": "1399"}))
    assert movie_result == Match("movie", 2, via="tmdb")
    show_result = match_show(index, episode_pb("Nothing Alike", ids={"tmdb": "1399"}))
    assert show_result.kind == "tvshow" and show_result.dbid == 10 and show_result.via == "tmdb"


def test_tmdb_show_id_does_not_match_movie_when_only_a_movie_has_it():
    index = LibraryIndex.build([GOT_MOVIE_TMDB_CLASH], [])
    assert match_playback(index, episode_pb("Nothing Alike", ids={"tmdb": "1399"})) == \
        NoMatch(SHOW_NOT_IN_LIBRARY)


def test_movie_playback_never_matches_a_show_even_by_title():
    index = LibraryIndex.build([], [GOT])
    assert match_playback(index, movie_pb("Game of Thrones", 2011)) == NoMatch(NOT_IN_LIBRARY)


def test_anime_movie_playback_matches_library_movies():
    index = LibraryIndex.build([movie(3, "Spirited Away", 2001, {"tmdb": "129"})], [])
    result = match_playback(index, movie_pb("Sen to Chihiro", ids={"tmdb": "129"}, kind=KIND_ANIME))
    assert result == Match("movie", 3, via="tmdb")


# --------------------------------------------------------------------------- imdbnumber trap

@pytest.mark.parametrize("imdb", ["77777", "tt0077777", "tt77777"])
def test_imdbnumber_of_tvdb_default_show_is_not_read_as_imdb(imdb):
    index = LibraryIndex.build([], [TVDB_DEFAULT])
    result = match_show(index, episode_pb("Unrelated Name", ids={"imdb": imdb}))
    assert result == NoMatch(SHOW_NOT_IN_LIBRARY)


def test_movie_imdbnumber_without_imdb_uniqueid_is_ignored():
    item = movie(9, "Tmdb Default Film", 1999, {"tmdb": "77777"}, imdbnumber="tt0077777")
    index = LibraryIndex.build([item], [])
    assert match_playback(index, movie_pb("Something Else", ids={"imdb": "tt0077777"})) == \
        NoMatch(NOT_IN_LIBRARY)


def test_tvdb_default_show_still_matches_through_its_tvdb_uniqueid():
    index = LibraryIndex.build([], [TVDB_DEFAULT])
    assert match_show(index, episode_pb("Unrelated", ids={"tvdb": "77777"})).dbid == 11


# --------------------------------------------------------------------------- id normalization

def normalize_id(id_type, value):
    """core.ids.normalize_id (the rules matching indexes by), None for an unusable value."""
    return ids.normalize_id(id_type, value) or None


@pytest.mark.parametrize("raw, expected", [
    ("tt0111161", "tt0111161"), (" TT0111161 ", "tt0111161"), ("tt111161", "tt0111161"),
    ("tt12345678", "tt12345678"), ("0111161", None), ("111161", None), (111161, None),
    ("", None), ("tt", None), ("tt0000000", None), (None, None), ("nm0000001", None),
])
def test_imdb_ids_normalize_to_lowercase_tt_and_seven_digits(raw, expected):
    assert normalize_id("imdb", raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("1399", "1399"), (" 1399 ", "1399"), ("01399", "1399"), (1399, "1399"), (1399.0, "1399"),
    ("1399.0", "1399"), ("1\n.0", None), ("\u0661\u0663", None),
    ("0", None), (0, None), ("", None), ("  ", None), (None, None), (True, None),
    (-5, None), ("abc", None), ("13a9", None), (1399.5, None), (float("nan"), None),
])
def test_tmdb_and_tvdb_ids_normalize_to_decimal_strings(raw, expected):
    assert normalize_id("tmdb", raw) == expected
    assert normalize_id("tvdb", raw) == expected


def test_normalize_ids_lowercases_keys_folds_simkl_id_and_drops_unusable_values():
    raw = {"IMDB": " tt0111161", "tmdb": 278, "tvdb": None, "simkl_id": 53536, "slug": " The-Slug ",
           "anidb": "0", 5: "x"}
    assert normalize_ids(raw) == {"imdb": "tt0111161", "tmdb": "278", "simkl": "53536", "slug": "the-slug"}
    assert normalize_ids(None) == {} and normalize_ids(["tt0111161"]) == {}


def test_library_uniqueid_with_whitespace_ints_and_nulls_matches_clean_playback_ids():
    movies = [movie(1, "A", 2000, {"imdb": " TT0111161 ", "tmdb": 278, "tvdb": None}),
              movie(2, "B", 2000, {"tmdb": "", "imdb": None, "unknown": "0"}),
              movie(3, "C", 2000, None)]
    index = LibraryIndex.build(movies, [])
    assert match_playback(index, movie_pb("x", ids={"imdb": "tt0111161"})).dbid == 1
    assert match_playback(index, movie_pb("x", ids={"tmdb": "278"})).dbid == 1
    assert match_playback(index, movie_pb("x", ids={"tmdb": "0"})) == NoMatch(NOT_IN_LIBRARY)


def test_playback_ids_with_ints_and_padding_match_library_strings():
    index = LibraryIndex.build([], [show(8, "X", 2000, {"tvdb": "81189"})])
    pb = episode_pb("nope", ids={"tvdb": " 081189 ", "imdb": ""})
    assert match_show(index, pb).dbid == 8


def test_library_items_without_usable_db_id_are_skipped():
    movies = [{"title": "No Id", "uniqueid": {"imdb": "tt0000001"}},
              movie(0, "Zero", 2000, {"imdb": "tt0000002"}), "garbage", None,
              movie("12", "String Id", 2000, {"imdb": "tt0000003"})]
    index = LibraryIndex.build(movies, None)
    assert match_playback(index, movie_pb("No Id", ids={"imdb": "tt0000001"})) == NoMatch(NOT_IN_LIBRARY)
    assert match_playback(index, movie_pb("Zero", ids={"imdb": "tt0000002"})) == NoMatch(NOT_IN_LIBRARY)
    assert match_playback(index, movie_pb("x", ids={"imdb": "tt0000003"})) == Match("movie", 12, via="imdb")


def test_two_library_copies_with_one_id_resolve_to_lowest_dbid_in_any_order():
    copies = [movie(40, "Film", 2000, {"imdb": "tt0000040"}), movie(31, "Film", 2000, {"imdb": "tt0000040"})]
    for order in (copies, copies[::-1]):
        index = LibraryIndex.build(order, [])
        assert match_playback(index, movie_pb("Film", ids={"imdb": "tt0000040"})).dbid == 31


# --------------------------------------------------------------------------- titles

@pytest.mark.parametrize("a, b", [
    ("Amélie", "AMELIE"), ("The Matrix", "Matrix, The"), ("Spider-Man", "Spiderman"),
    ("S.W.A.T.", "SWAT"), ("Schindler\u2019s List", "Schindler's List"),
    ("Fast & Furious", "Fast and Furious"), ("\U0001F190 Hero", "dj hero"),
    ("Doctor Who (2005)", "Doctor Who"), ("The Office (US)", "Office"), ("Pokémon", "Pokemon"),
])
def test_title_normalization_equates(a, b):
    assert normalize_title(a) == normalize_title(b)


@pytest.mark.parametrize("a, b", [("Alien", "Aliens"), ("Up", "Us"), ("進撃の巨人", "進撃の巨")])
def test_title_normalization_keeps_different_titles_apart(a, b):
    assert normalize_title(a) != normalize_title(b)


def test_title_normalization_keeps_a_lone_article_and_non_latin_letters():
    assert normalize_title("A") == "a"
    assert normalize_title("進撃の巨人") == "進撃の巨人"
    assert normalize_title("!!!") == "" and normalize_title(None) == ""


def test_title_and_year_fallback_ignores_case_and_accents():
    index = LibraryIndex.build([movie(21, "Le Fabuleux Destin d'Amélie Poulain", 2001)], [])
    pb = movie_pb("LE FABULEUX DESTIN D'AMELIE POULAIN", 2001, ids={"imdb": "tt0211915"})
    result = match_playback(index, pb)
    assert result == Match("movie", 21, via="title")


def test_title_fallback_requires_the_same_year_when_both_are_known():
    index = LibraryIndex.build([movie(22, "Dune", 1984)], [])
    assert match_playback(index, movie_pb("Dune", 2021)) == NoMatch(NOT_IN_LIBRARY)
    assert match_playback(index, movie_pb("Dune", 1984)) == Match("movie", 22, via="title")


def test_title_with_the_year_picks_that_year_among_remakes():
    index = LibraryIndex.build([movie(22, "Dune", 1984), movie(23, "Dune", 2021)], [])
    assert match_playback(index, movie_pb("Dune", 2021)).dbid == 23


def test_title_without_year_matches_only_a_unique_title():
    index = LibraryIndex.build([movie(24, "Heat", 1995)], [])
    assert match_playback(index, movie_pb("Heat", None)) == Match("movie", 24, via="title")
    index = LibraryIndex.build([movie(22, "Dune", 1984), movie(23, "Dune", 2021)], [])
    assert match_playback(index, movie_pb("Dune", None)) == NoMatch(AMBIGUOUS_TITLE, (22, 23))


def test_playback_year_zero_counts_as_unknown_year():
    index = LibraryIndex.build([movie(24, "Heat", 1995)], [])
    assert match_playback(index, movie_pb("Heat", 0)) == Match("movie", 24, via="title")


def test_year_in_playback_title_is_used_when_playback_has_no_year():
    index = LibraryIndex.build([], [show(50, "Doctor Who", 2005), show(51, "Doctor Who", 1963)])
    assert match_show(index, episode_pb("Doctor Who (2005)", None)).dbid == 50


def test_two_library_items_with_same_title_and_year_are_ambiguous_not_guessed():
    index = LibraryIndex.build([], [show(31, "The Office", 2005), show(32, "Office", 2005)])
    result = match_playback(index, episode_pb("The Office", 2005))
    assert result == NoMatch(AMBIGUOUS_TITLE, (31, 32))


def test_ambiguous_title_is_still_matched_when_an_id_decides():
    shows = [show(31, "The Office", 2005, {"tvdb": "73244"}), show(32, "Office", 2005)]
    index = LibraryIndex.build([], shows)
    assert match_show(index, episode_pb("The Office", 2005, ids={"tvdb": "73244"})).dbid == 31


def test_library_item_without_year_matches_a_dated_playback_only_when_no_exact_year_exists():
    index = LibraryIndex.build([movie(41, "Heat", 0)], [])
    assert match_playback(index, movie_pb("Heat", 1995)).dbid == 41
    index = LibraryIndex.build([movie(41, "Heat", 0), movie(42, "Heat", 1995)], [])
    assert match_playback(index, movie_pb("Heat", 1995)).dbid == 42
    index = LibraryIndex.build([movie(41, "Heat", 0), movie(43, "Heat", None)], [])
    assert match_playback(index, movie_pb("Heat", 1995)) == NoMatch(AMBIGUOUS_TITLE, (41, 43))


def test_show_year_comes_from_premiered_when_year_is_missing():
    index = LibraryIndex.build([], [show(44, "Lost", 0, premiered="2004-09-22"), show(45, "Lost", 0,
                                                                                       premiered="2020-01-01")])
    assert match_show(index, episode_pb("Lost", 2004)).dbid == 44


def test_year_written_in_library_title_disambiguates_revivals():
    index = LibraryIndex.build([], [show(50, "Doctor Who (2005)", 0), show(51, "Doctor Who", 1963)])
    assert match_show(index, episode_pb("Doctor Who", 2005)).dbid == 50
    assert match_show(index, episode_pb("Doctor Who", 1963)).dbid == 51


def test_original_title_of_a_translated_library_matches():
    item = movie(60, "Die Verurteilten", 1994, originaltitle="The Shawshank Redemption")
    index = LibraryIndex.build([item], [])
    result = match_playback(index, movie_pb("The Shawshank Redemption", 1994))
    assert result == Match("movie", 60, via="title")
    assert match_playback(index, movie_pb("Die Verurteilten", 1994)).dbid == 60


def test_unknown_title_and_ids_give_not_in_library():
    index = LibraryIndex.build([SHAWSHANK], [GOT])
    assert match_playback(index, movie_pb("Nope", 2000, ids={"imdb": "tt9999999"})) == NoMatch(NOT_IN_LIBRARY)
    assert match_playback(index, episode_pb("Nope", 2000, ids={"tvdb": "1"})) == NoMatch(SHOW_NOT_IN_LIBRARY)
    assert match_playback(index, movie_pb("", None)) == NoMatch(NOT_IN_LIBRARY)


# --------------------------------------------------------------------------- episodes

GOT_EPISODES = [ep(100, 1, 1, 10), ep(101, 1, 2, 10), ep(102, 2, 1, 10), ep(103, 0, 1, 10)]


def test_episode_matches_by_season_and_number():
    index = LibraryIndex.build([], [GOT])
    pb = episode_pb("Game of Thrones", ids={"tvdb": "121361"}, season=1, number=2)
    result = match_playback(index, pb, {10: GOT_EPISODES})
    assert result == Match("episode", 101, tvshowid=10, via="tvdb", season=1, episode=2, numbering="simkl",
                           file="/media/tv/10/S01E02.mkv", tvdb_confirmed=True)


def test_special_in_season_zero_matches():
    index = LibraryIndex.build([], [GOT])
    pb = episode_pb(ids={"imdb": "tt0944947"}, season=0, number=1)
    assert match_playback(index, pb, {10: GOT_EPISODES}).dbid == 103


def test_missing_episode_gives_episode_not_in_library():
    index = LibraryIndex.build([], [GOT])
    pb = episode_pb(ids={"imdb": "tt0944947"}, season=3, number=7)
    assert match_playback(index, pb, {10: GOT_EPISODES}) == NoMatch(EPISODE_NOT_IN_LIBRARY)


def test_episode_playback_without_numbers_gives_episode_not_in_library():
    index = LibraryIndex.build([], [GOT])
    pb = episode_pb(ids={"imdb": "tt0944947"}, season=None, number=None)
    assert match_playback(index, pb, {10: GOT_EPISODES}) == NoMatch(EPISODE_NOT_IN_LIBRARY)


def test_show_absent_from_episodes_by_show_counts_as_no_episodes():
    index = LibraryIndex.build([], [GOT])
    pb = episode_pb(ids={"imdb": "tt0944947"}, season=1, number=1)
    assert match_playback(index, pb, {}) == NoMatch(EPISODE_NOT_IN_LIBRARY)


def test_duplicate_library_episode_numbers_resolve_to_lowest_episodeid():
    index = LibraryIndex.build([], [GOT])
    eps = [ep(120, 1, 1, 10), ep(110, 1, 1, 10)]
    pb = episode_pb(ids={"imdb": "tt0944947"}, season=1, number=1)
    assert match_playback(index, pb, {10: eps}).dbid == 110


def test_episode_numbers_given_as_strings_by_the_library_still_match():
    index = LibraryIndex.build([], [GOT])
    pb = episode_pb(ids={"imdb": "tt0944947"}, season=2, number=1)
    eps = [{"episodeid": "130", "season": "2", "episode": "1"}]
    result = match_playback(index, pb, {10: eps})
    assert result.dbid == 130 and result.file is None


AOT = show(70, "Attack on Titan", 2013, {"tvdb": "267440", "tmdb": "1429"})
AOT_EPISODES = [ep(700 + n, 1, n, 70) for n in range(1, 26)] + [ep(800 + n, 2, n, 70) for n in range(1, 13)]


def test_anime_matched_through_tvdb_uses_tvdb_numbering():
    # Simkl/AniDB count S1E13 where TVDB (and so the Kodi library) has S2E1.
    index = LibraryIndex.build([], [show(70, "Shingeki", 2013, {"tvdb": "267440"})])
    pb = episode_pb("Attack on Titan", ids={"tvdb": "267440", "mal": "16498"}, season=1, number=13,
                    kind=KIND_ANIME, tvdb_season=2, tvdb_number=1)
    eps = [ep(713, 1, 13, 70), ep(801, 2, 1, 70)]
    result = match_playback(index, pb, {70: eps})
    assert result.dbid == 801 and result.via == "tvdb"
    assert (result.season, result.episode, result.numbering) == (2, 1, "tvdb")


def test_anime_matched_through_tmdb_uses_tvdb_numbering_when_its_tvdb_id_names_the_same_show():
    index = LibraryIndex.build([], [AOT])
    pb = episode_pb("Attack on Titan", ids={"tmdb": "1429", "tvdb": "267440"}, season=1, number=13,
                    kind=KIND_ANIME, tvdb_season=2, tvdb_number=1)
    result = match_playback(index, pb, {70: AOT_EPISODES})
    assert result.via == "tmdb" and result.dbid == 801 and result.numbering == "tvdb"


def test_anime_matched_without_tvdb_keeps_simkl_numbering():
    index = LibraryIndex.build([], [show(71, "Attack on Titan", 2013, {"anidb": "9541"})])
    pb = episode_pb("Attack on Titan", ids={"anidb": "9541", "tvdb": "267440"}, season=1, number=13,
                    kind=KIND_ANIME, tvdb_season=2, tvdb_number=1)
    result = match_playback(index, pb, {71: [ep(713, 1, 13, 71), ep(801, 2, 1, 71)]})
    assert result.dbid == 713 and result.numbering == "simkl"


def test_anime_without_tvdb_mapping_uses_season_and_number():
    index = LibraryIndex.build([], [AOT])
    pb = episode_pb(ids={"tvdb": "267440"}, season=1, number=13, kind=KIND_ANIME)
    assert match_playback(index, pb, {70: AOT_EPISODES}).dbid == 713


def test_anime_tvdb_mapping_missing_from_library_does_not_fall_back_to_simkl_numbers():
    index = LibraryIndex.build([], [AOT])
    pb = episode_pb(ids={"tvdb": "267440"}, season=1, number=13, kind=KIND_ANIME,
                    tvdb_season=4, tvdb_number=1)
    assert match_playback(index, pb, {70: AOT_EPISODES}) == NoMatch(EPISODE_NOT_IN_LIBRARY)


def test_match_episode_takes_the_show_match_directly():
    index = LibraryIndex.build([], [AOT])
    pb = episode_pb(ids={"tvdb": "267440"}, season=2, number=3)
    show_match = match_show(index, pb)
    assert match_episode(show_match, pb, AOT_EPISODES).dbid == 803


# --------------------------------------------------------------------------- shows_needed / match_all

def test_shows_needed_names_only_matched_shows_of_episode_playbacks():
    index = LibraryIndex.build([SHAWSHANK], [GOT, AOT, TVDB_DEFAULT])
    playbacks = [movie_pb(ids={"imdb": "tt0111161"}), episode_pb(ids={"tvdb": "121361"}),
                 episode_pb(ids={"tvdb": "121361"}, number=2), episode_pb("Attack on Titan", 2013),
                 episode_pb("Unknown Show", ids={"tvdb": "5"}), movie_pb("Game of Thrones", 2011)]
    assert shows_needed(index, playbacks) == {10, 70}
    assert shows_needed(index, []) == set()


def test_match_all_keeps_playback_order_and_matched_first_moves_unmatched_last():
    index = LibraryIndex.build([SHAWSHANK], [GOT])
    playbacks = [
        movie_pb("Nope", ids={"imdb": "tt9999999"}),                     # newest, unmatched
        episode_pb(ids={"imdb": "tt0944947"}, season=1, number=1),       # matched
        episode_pb(ids={"imdb": "tt0944947"}, season=9, number=9),       # episode missing
        movie_pb(ids={"imdb": "tt0111161"}),                             # matched
        episode_pb("Other", ids={"tvdb": "3"}),                          # show missing
    ]
    results = match_all(index, playbacks, {10: GOT_EPISODES})
    assert [pb for pb, _ in results] == playbacks
    assert [r.reason if isinstance(r, NoMatch) else r.dbid for _, r in results] == \
        [NOT_IN_LIBRARY, 100, EPISODE_NOT_IN_LIBRARY, 1, SHOW_NOT_IN_LIBRARY]
    ordered = matched_first(results)
    assert [pb.id for pb, _ in ordered] == [playbacks[i].id for i in (1, 3, 0, 2, 4)]
    assert [r.matched for _, r in ordered] == [True, True, False, False, False]


def test_results_serialize_to_json():
    assert json.loads(json.dumps(Match("movie", 1, via="imdb").to_dict()))["dbid"] == 1
    assert json.loads(json.dumps(NoMatch(AMBIGUOUS_TITLE, (2, 3)).to_dict())) == \
        {"reason": AMBIGUOUS_TITLE, "candidates": [2, 3]}


# --------------------------------------------------------------------------- serialization

def test_index_round_trips_through_json_and_matches_the_same():
    movies = [SHAWSHANK, GOT_MOVIE_TMDB_CLASH, movie(22, "Dune", 1984), movie(23, "Dune", 2021),
              movie(41, "Heat", 0)]
    index = LibraryIndex.build(movies, [GOT, AOT, TVDB_DEFAULT])
    restored = LibraryIndex.from_dict(json.loads(json.dumps(index.to_dict())))
    assert restored.to_dict() == index.to_dict()
    playbacks = [movie_pb(ids={"imdb": "tt0111161"}), movie_pb("x", ids={"tmdb": "1399"}), movie_pb("Dune"),
                 movie_pb("Dune", 2021), movie_pb("Heat", 1995), episode_pb(ids={"tmdb": "1399"}),
                 episode_pb("Attack on Titan", 2013, season=2, number=1), episode_pb(ids={"imdb": "77777"})]
    episodes = {10: GOT_EPISODES, 70: AOT_EPISODES}
    assert match_all(restored, playbacks, episodes) == match_all(index, playbacks, episodes)
    assert len(restored) == len(index) == 8


def test_index_dict_is_compact_json():
    movies = [movie(i, f"Movie {i}", 2000, {"imdb": f"tt{i:07d}", "tmdb": str(i)}) for i in range(1, 1001)]
    text = json.dumps(LibraryIndex.build(movies, []).to_dict(), separators=(",", ":"))
    # ids and title keys only: no files, art or labels carried along.
    assert "/media" not in text and "label" not in text
    assert len(text) < 80 * 1000


@pytest.mark.parametrize("bad", [None, [], {}, {"v": 99}, {"v": 1}, {"v": 1, "movies": [], "shows": {}},
                                 {"v": 1, "movies": {"ids": {}, "titles": {}}, "shows": {"ids": 3}},
                                 {"v": 1, "movies": {"ids": {"imdb": {"tt1": "x"}}, "titles": {}},
                                  "shows": {"ids": {}, "titles": {}}}])
def test_from_dict_rejects_anything_but_an_index_with_value_error(bad):
    with pytest.raises(ValueError):
        LibraryIndex.from_dict(bad)


# No wall-clock limits (machines are noisy): no deadline, no too-slow health check.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["imdb", "tmdb", "tvdb", "anidb", "slug"]),
                       st.one_of(st.none(), st.integers(-5, 10**9), st.text(max_size=12),
                                 st.from_regex(r"\s*[tT]{2}\d{1,9}\s*", fullmatch=True))))
def test_normalize_ids_is_idempotent(raw):
    once = normalize_ids(raw)
    assert normalize_ids(once) == once
    assert all(isinstance(v, str) and v and v == v.strip() for v in once.values())


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_normalize_title_is_idempotent_and_separator_free(title):
    key = normalize_title(title)
    assert normalize_title(key) == key
    assert " " not in key and key == key.casefold()


# --------------------------------------------------------------------------- scale

def test_twenty_thousand_movies_index_matches_a_thousand_playbacks_correctly():
    movies = []
    for i in range(1, 20001):
        uniqueid = {"tmdb": str(100000 + i)}
        if i % 3:
            uniqueid["imdb"] = f"tt{2000000 + i:07d}"
        movies.append(movie(i, f"Generated Film Number {i}", 1950 + i % 70, uniqueid))
    shows = [show(i, f"Generated Show {i}", 2000, {"tvdb": str(300000 + i), "tmdb": str(100000 + i)})
             for i in range(1, 5001)]
    index = LibraryIndex.build(movies, shows)
    index = LibraryIndex.from_dict(json.loads(json.dumps(index.to_dict())))

    playbacks, expected = [], []
    for k in range(1000):
        i = 1 + (k * 19) % 20000
        route = k % 4
        if route == 0 and i % 3:
            playbacks.append(movie_pb("x", ids={"imdb": f"tt{2000000 + i:07d}"}))
            expected.append(("imdb", i))
        elif route == 1:
            playbacks.append(movie_pb("x", ids={"tmdb": str(100000 + i)}))
            expected.append(("tmdb", i))
        elif route == 2:
            playbacks.append(movie_pb(f"GENERATED film number {i}", 1950 + i % 70))
            expected.append(("title", i))
        else:
            playbacks.append(movie_pb(f"Not Here {i}", 1990, ids={"tmdb": str(900000 + i)}))
            expected.append((NOT_IN_LIBRARY, None))
    results = match_all(index, playbacks, {})
    got = [(r.via, r.dbid) if isinstance(r, Match) else (r.reason, None) for _, r in results]
    assert got == expected
    # Show tmdb ids overlap the movie tmdb ids 100001..105000 and must not leak into movie matches.
    assert all(r.kind == "movie" for _, r in results if isinstance(r, Match))


def test_anime_movie_as_simkl_sends_it_is_matched_against_library_movies_not_shows():
    from simkl_resume.core.parse import parse_playback

    playback = parse_playback({
        "id": 5, "progress": 40, "paused_at": "2024-03-01T20:00:00Z", "type": "movie",
        "anime": {"title": "Kimi no Na wa.", "year": 2016, "anime_type": "movie",
                  "ids": {"mal": "32281", "tmdb": "372058", "extra_site": "q"}}})
    index = LibraryIndex.build([movie(9, "Your Name.", 2016, {"tmdb": "372058"})],
                               [{"tvshowid": 9, "title": "Your Name.", "uniqueid": {"tmdb": "372058"}}])
    assert match_playback(index, playback) == Match("movie", 9, via="tmdb")


def test_every_copy_of_a_film_is_listed_whichever_id_each_copy_carries():
    index = LibraryIndex.build([movie(40, "Film", 2000, {"imdb": "tt0000040", "tmdb": "77"}),
                                movie(31, "Film", 2000, {"tmdb": "77"}),        # other source, tmdb only
                                movie(50, "Other", 2000, {"imdb": "tt0000050"})], [])
    result = match_playback(index, movie_pb("Film", ids={"imdb": "tt0000040", "tmdb": "77"}))
    assert result.dbid == 31 and result.copies == (31, 40) and result.all_dbids == (31, 40)
    single = match_playback(index, movie_pb("Other", ids={"imdb": "tt0000050"}))
    assert single.copies == () and single.all_dbids == (50,)


def test_every_copy_of_an_episode_is_listed_also_across_two_copies_of_the_show():
    shows = [{"tvshowid": 2, "title": "Show", "uniqueid": {"tvdb": "81189"}},
             {"tvshowid": 9, "title": "Show", "uniqueid": {"tvdb": "81189"}}]
    index = LibraryIndex.build([], shows)
    episodes = {2: [{"episodeid": 20, "tvshowid": 2, "season": 1, "episode": 2},
                    {"episodeid": 21, "tvshowid": 2, "season": 1, "episode": 2}],    # 4K + 1080p
                9: [{"episodeid": 90, "tvshowid": 9, "season": 1, "episode": 2}]}
    playback = Playback(1, 40.0, "", 1.0, EPISODE, KIND_SHOW, "Show", ids={"tvdb": "81189"},
                        season=1, number=2)
    assert shows_needed(index, [playback]) == {2, 9}
    result = match_playback(index, playback, episodes)
    assert result.dbid == 20 and result.copies == (20, 21, 90)
