"""core.upnext: reading Simkl's watching list and mapping next_to_watch to library episodes."""
import pytest

from simkl_resume.core.errors import MalformedReply
from simkl_resume.core.matching import LibraryIndex
from simkl_resume.core.model import KIND_ANIME, KIND_SHOW, Activities
from simkl_resume.core.upnext import (
    SKIP_EPISODE_NOT_IN_LIBRARY,
    SKIP_NO_NEXT,
    SKIP_NO_TVDB_MAPPING,
    SKIP_PAUSED,
    SKIP_SHOW_NOT_IN_LIBRARY,
    SKIP_TOO_OLD,
    SKIP_WATCHED_HERE,
    EpisodeCode,
    as_playback,
    cache_value,
    decide_list_fetch,
    merge_watching,
    parse_episode_code,
    parse_watchlist,
    parse_watchlist_keys,
    read_cache_value,
    shows_to_read,
    up_next,
)

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
DAY = 86400


def item(title="Breaking Bad", ids=None, last="S01E05", nxt="S01E06", at="2023-11-14T20:13:20Z",
         status="watching", **extra):
    out = {"added_to_watchlist_at": "2023-01-01T00:00:00Z", "last_watched_at": at, "user_rated_at": None,
           "status": status, "user_rating": None, "last_watched": last, "next_to_watch": nxt,
           "watched_episodes_count": 5, "total_episodes_count": 62, "not_aired_episodes_count": 0,
           "show": {"title": title, "poster": "x/y", "year": 2008, "runtime": 45,
                    "ids": ids if ids is not None else {"simkl": 11121, "slug": "breaking-bad",
                                                        "imdb": "tt0903747", "tmdb": "1396", "tvdb": "81189",
                                                        "zap2it": "SH01", "offen": "x"}}}
    out.update(extra)
    return out


SHOWS = [
    {"tvshowid": 1, "title": "Breaking Bad", "year": 2008,
     "uniqueid": {"tvdb": "81189", "imdb": "tt0903747"}},
    {"tvshowid": 2, "title": "One Piece", "year": 1999, "uniqueid": {"tvdb": "81797"}},
    {"tvshowid": 3, "title": "The Office", "year": 2005, "uniqueid": {"tmdb": "2316"}},
]
INDEX = LibraryIndex.build([], SHOWS)


def episodes(show, *numbers, **watched):
    return [{"episodeid": show * 100 + s * 10 + n, "season": s, "episode": n,
             "file": "/tv/%d/%d/%d.mkv" % (show, s, n),
             "playcount": watched.get("e%d_%d" % (s, n), 0), "title": "Ep %d" % n}
            for s, n in numbers]


EPISODES = {1: episodes(1, (1, 5), (1, 6), e1_5=1), 2: episodes(2, (4, 12), (4, 13)),
            3: episodes(3, (2, 1))}


def plan(shows, paused=(), window=30, eps=None):
    return up_next(shows, INDEX, EPISODES if eps is None else eps, paused, NOW, window)


# ------------------------------------------------------------------------------ parsing

@pytest.mark.parametrize("text,code", [
    ("S01E06", EpisodeCode(1, 6, False)), ("s1e6", EpisodeCode(1, 6, False)),
    (" S10E148 ", EpisodeCode(10, 148, False)), ("E148", EpisodeCode(None, 148, True)),
    ("E01", EpisodeCode(None, 1, True)), ("S00E02", EpisodeCode(0, 2, False)),
])
def test_episode_codes_in_both_numberings(text, code):
    assert parse_episode_code(text) == code


@pytest.mark.parametrize("text", [None, "", "S01", "Special", 6, "E0", "S01E", "S01E06x"])
def test_unreadable_episode_codes_are_none(text):
    assert parse_episode_code(text) is None


def test_watchlist_reply_with_string_ids_and_unknown_keys():
    [show] = parse_watchlist({"shows": [item()], "movies": [{"movie": {"title": "X"}}], "extra": 1})
    assert show.ids == {"simkl": "11121", "slug": "breaking-bad", "imdb": "tt0903747", "tmdb": "1396",
                        "tvdb": "81189"}
    assert (show.last_season, show.last_number, show.next_season, show.next_number) == (1, 5, 1, 6)
    assert show.kind == KIND_SHOW and show.key == "simkl=11121"
    assert show.last_watched_epoch == NOW - 2 * 3600


def test_null_reply_is_an_empty_watchlist():
    assert parse_watchlist(None) == []
    assert parse_watchlist_keys(None) == set()


def test_anime_items_are_anime_and_absolute_numbers_are_kept():
    [show] = parse_watchlist({"anime": [item("One Piece", {"simkl": 600, "tvdb": 81797}, "E148", "E149",
                                             anime_type="tv")]})
    assert show.kind == KIND_ANIME
    assert (show.next_season, show.next_number, show.next_absolute) == (None, 149, True)
    assert (show.next_tvdb_season, show.next_tvdb_number) == (None, None)


def test_full_anime_seasons_gives_the_tvdb_numbers_of_the_next_episode():
    seasons = [{"number": 1, "episodes": [{"number": 148, "tvdb": {"season": 4, "episode": 12}},
                                          {"number": 149, "tvdb": {"season": 4, "episode": 13}}]}]
    [show] = parse_watchlist({"anime": [item("One Piece", {"simkl": 600}, "E148", "E149", seasons=seasons,
                                             mapped_tvdb_seasons=[4])]})
    assert (show.next_tvdb_season, show.next_tvdb_number) == (4, 13)


def test_one_unreadable_item_is_skipped_and_reported():
    skipped = []
    shows = parse_watchlist({"shows": [item(), "garbage", {"show": {"ids": None}}, item(at="yesterday")]},
                            on_skip=lambda i, why: skipped.append(i))
    assert [s.title for s in shows] == ["Breaking Bad"]
    assert skipped == [1, 2, 3]


@pytest.mark.parametrize("data", ["null", 42, {"shows": {"a": 1}}, {"shows": ["x", "y"]}])
def test_a_reply_without_any_readable_show_is_malformed(data):
    with pytest.raises(MalformedReply):
        parse_watchlist(data)


def test_ids_only_reply_gives_the_keys_still_listed():
    reply = {"shows": [{"show": {"ids": {"simkl": 11121}}}, {"show": {"title": "No ids"}}, "junk"]}
    assert parse_watchlist_keys(reply) == {"simkl=11121", "title=no ids|"}
    with pytest.raises(MalformedReply):
        parse_watchlist_keys("not a list")


# ------------------------------------------------------------------------------ merging

def test_delta_replaces_a_show_and_drops_one_that_left_watching():
    old = parse_watchlist({"shows": [item(), item("The Office", {"simkl": 17122, "tmdb": 2316})]})
    delta = parse_watchlist({"shows": [item(last="S01E06", nxt="S01E07", at="2023-11-14T21:00:00Z"),
                                       item("The Office", {"simkl": 17122}, status="completed", nxt=None)]})
    merged = merge_watching(old, delta)
    assert [(s.title, s.next_number) for s in merged] == [("Breaking Bad", 7)]


def test_ids_only_keys_remove_shows_taken_off_the_list():
    old = parse_watchlist({"shows": [item(), item("The Office", {"simkl": 17122})]})
    assert [s.title for s in merge_watching(old, [], keys={"simkl=17122"})] == ["The Office"]


def test_cache_value_round_trips_and_anything_else_reads_as_never_fetched():
    shows = parse_watchlist({"shows": [item()]})
    lists = {"tv_shows": {"watching": "t1"}}
    assert read_cache_value(cache_value(lists, shows, NOW)) == (lists, shows)
    for bad in (None, [], {"v": 99}, {"v": 1, "lists": []}, {"v": 1, "lists": {}, "shows": [{"x": 1}]}):
        assert read_cache_value(bad) == (None, [])


# ------------------------------------------------------------------------------ when to fetch

def acts(tv=None, anime=None):
    base = {"watching": "w0", "completed": "c0", "hold": None, "dropped": None, "removed_from_list": "r0"}
    lists = {"tv_shows": dict(base, **(tv or {})), "anime": dict(base, **(anime or {}))}
    return Activities("a", {}, lists=lists)


def test_first_time_fetches_each_watching_list_in_full():
    plans = decide_list_fetch(None, acts())
    assert [(p.list_type, p.delta, p.date_from, p.prune) for p in plans] == [
        ("shows", True, None, False), ("anime", True, None, False)]


def test_nothing_moved_fetches_nothing():
    assert decide_list_fetch(acts().lists, acts()) == []


def test_watching_moved_fetches_the_changes_since_the_saved_timestamp():
    [p] = decide_list_fetch(acts().lists, acts(tv={"watching": "w1"}))
    assert (p.list_type, p.delta, p.date_from, p.prune) == ("shows", True, "w0", False)


def test_removal_or_completion_fetches_the_ids_only_list():
    [p] = decide_list_fetch(acts().lists, acts(anime={"removed_from_list": "r1"}))
    assert (p.list_type, p.delta, p.prune) == ("anime", False, True)
    [p] = decide_list_fetch(acts().lists, acts(tv={"completed": "c1", "watching": "w1"}))
    assert (p.delta, p.date_from, p.prune) == (True, "w0", True)


# ------------------------------------------------------------------------------ mapping rules

def test_next_episode_maps_to_the_library_episode_by_show_ids_and_numbers():
    shows = parse_watchlist({"shows": [item()]})
    result = plan(shows)
    [(show, match, [ep])] = result.entries
    assert (match.dbid, match.tvshowid, match.season, match.episode) == (116, 1, 1, 6)
    assert ep["file"] == "/tv/1/1/6.mkv"
    assert shows_to_read(shows, INDEX, NOW) == {1}


def test_next_episode_missing_from_the_library_is_left_out():
    result = plan(parse_watchlist({"shows": [item(last="S01E06", nxt="S01E07")]}))
    assert result.entries == [] and result.skipped[0][1] == SKIP_EPISODE_NOT_IN_LIBRARY


def test_show_missing_from_the_library_is_left_out():
    result = plan(parse_watchlist({"shows": [item("Lost", {"simkl": 1, "tvdb": 73739})]}))
    assert result.skipped[0][1] == SKIP_SHOW_NOT_IN_LIBRARY


def test_next_episode_already_watched_here_is_left_out():
    result = plan(parse_watchlist({"shows": [item(last="S01E04", nxt="S01E05")]}))
    assert result.entries == [] and result.skipped[0][1] == SKIP_WATCHED_HERE


def test_next_episode_paused_elsewhere_too_leaves_it_to_the_paused_entry():
    result = plan(parse_watchlist({"shows": [item()]}), paused={116})
    assert result.entries == [] and result.skipped[0][1] == SKIP_PAUSED


def test_anime_absolute_number_without_tvdb_mapping_is_left_out():
    shows = parse_watchlist({"anime": [item("One Piece", {"simkl": 600, "tvdb": 81797}, "E148", "E149")]})
    result = plan(shows)
    assert result.entries == [] and result.skipped[0][1] == SKIP_NO_TVDB_MAPPING
    assert shows_to_read(shows, INDEX, NOW) == set()  # not even its episodes are read


def test_anime_absolute_number_with_tvdb_mapping_maps_to_the_tvdb_episode():
    seasons = [{"number": 1, "episodes": [{"number": 149, "tvdb": {"season": 4, "episode": 13}}]}]
    shows = parse_watchlist({"anime": [item("One Piece", {"simkl": 600, "tvdb": 81797}, "E148", "E149",
                                            seasons=seasons)]})
    [(_show, match, _ep)] = plan(shows).entries
    assert (match.dbid, match.season, match.episode, match.numbering) == (253, 4, 13, "tvdb")


def test_shows_are_ordered_by_last_watched_newest_first_within_the_window():
    shows = parse_watchlist({"shows": [
        item("The Office", {"tmdb": 2316}, "S01E06", "S02E01", at="2023-11-14T10:00:00Z"),
        item(at="2023-11-14T12:00:00Z"),
        item("Old", {"tvdb": 1}, at="2023-10-01T00:00:00Z"),
    ]})
    result = plan(shows)
    assert [s.title for s, _m, _e in result.entries] == ["Breaking Bad", "The Office"]
    assert ("Old", SKIP_TOO_OLD) in [(s.title, why) for s, why in result.skipped]
    assert [s.title for s, _m, _e in plan(shows, window=0.5).entries] == ["Breaking Bad"]


def test_a_show_without_next_episode_is_skipped():
    result = plan(parse_watchlist({"shows": [item(nxt=None)]}))
    assert result.skipped[0][1] == SKIP_NO_NEXT


def test_as_playback_is_what_core_matching_maps():
    [show] = parse_watchlist({"shows": [item()]})
    playback = as_playback(show)
    assert (playback.type, playback.season, playback.number) == ("episode", 1, 6)
    assert playback.ids["tvdb"] == "81189"


def test_every_library_copy_of_the_show_counts():
    shows = SHOWS + [{"tvshowid": 4, "title": "Breaking Bad", "year": 2008, "uniqueid": {"tvdb": "81189"}}]
    index = LibraryIndex.build([], shows)
    watching = parse_watchlist({"shows": [item()]})
    assert shows_to_read(watching, index, NOW) == {1, 4}
    copy = episodes(4, (1, 6))  # S01E06 also in the second copy of the show (episode id 416)
    [(_show, match, items)] = up_next(watching, index, {**EPISODES, 4: copy}, (), NOW).entries
    assert match.all_dbids == (116, 416) and [i["episodeid"] for i in items] == [116, 416]
    watched = up_next(watching, index, {**EPISODES, 4: episodes(4, (1, 6), e1_6=1)}, (), NOW)
    assert watched.skipped[0][1] == SKIP_WATCHED_HERE  # played here in either copy
    paused = up_next(watching, index, {**EPISODES, 4: copy}, {416}, NOW)
    assert paused.skipped[0][1] == SKIP_PAUSED
