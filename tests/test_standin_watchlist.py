"""The stand-in's watchlist: /sync/all-items, next_to_watch from the history, and the
watching/completed/removed_from_list activities (../shared/simkl-api.md, "Watchlist and next
to watch")."""
import pytest

from tools.simkl_standin import StandIn
from tools.simkl_standin.state import iso
from tools.simkl_standin.testing import BREAKING_BAD, INCEPTION, OTHER_TOKEN, SEED, TITAN, Api

SHOWS = [
    {"type": "show", "title": "Short Show", "year": 2020, "seasons": {"1": 2, "2": 2},
     "ids": {"simkl": 500, "tvdb": 5000, "tmdb": 62417, "zap2it": "SH1"}},
    {"type": "anime", "title": "One Piece", "year": 1999, "absolute": True,
     "ids": {"simkl": 600, "tvdb": 81797, "mal": 21},
     "episodes": [{"season": 1, "number": 148, "tvdb_season": 4, "tvdb_number": 12},
                  {"season": 1, "number": 149, "tvdb_season": 4, "tvdb_number": 13}]},
]
SHORT = {"ids": {"tvdb": 5000}}
ONE_PIECE = {"ids": {"mal": 21}}


@pytest.fixture
def standin():
    with StandIn(seed=SEED) as server:
        server.seed(catalog=SHOWS)
        yield server


@pytest.fixture
def api(standin):
    client = Api(standin)
    yield client
    client.session.close()


def all_items(api, rest="", **params):
    reply = api.get("/sync/all-items" + rest, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def watch(api, show, season, number, action="stop", progress=90, kind="show"):
    reply = api.scrobble(action, progress, **{kind: show, "episode": {"season": season, "number": number}})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_empty_watchlist_is_null(api):
    assert all_items(api) is None
    assert all_items(api, "/shows/watching") is None


def test_stop_at_80_percent_puts_the_show_on_watching_with_the_next_episode(api):
    watch(api, BREAKING_BAD, 1, 1, progress=80)
    [item] = all_items(api, "/shows/watching")["shows"]
    assert item["status"] == "watching"
    assert item["last_watched"] == "S01E01"
    assert item["next_to_watch"] == "S01E02"
    assert item["last_watched_at"].endswith("Z")
    assert item["show"]["title"] == "Breaking Bad"
    assert item["show"]["ids"]["tmdb"] == "1396"  # Simkl sends some ids as strings


def test_stop_below_80_adds_nothing_to_the_watchlist(api):
    watch(api, BREAKING_BAD, 1, 1, progress=50)
    assert all_items(api) is None


def test_next_to_watch_follows_the_furthest_watched_episode(api):
    watch(api, BREAKING_BAD, 1, 4)
    watch(api, BREAKING_BAD, 1, 2)
    [item] = all_items(api, "/shows")["shows"]
    assert (item["last_watched"], item["next_to_watch"]) == ("S01E04", "S01E05")


def test_next_to_watch_crosses_into_the_next_season_and_completion_empties_it(standin, api):
    watch(api, SHORT, 1, 1)
    watch(api, SHORT, 1, 2)
    [item] = all_items(api, "/shows/watching")["shows"]
    assert item["next_to_watch"] == "S02E01"
    assert (item["watched_episodes_count"], item["total_episodes_count"]) == (2, 4)
    before = api.activities()["tv_shows"]
    watch(api, SHORT, 2, 1)
    watch(api, SHORT, 2, 2)
    after = api.activities()["tv_shows"]
    assert all_items(api, "/shows/watching") is None
    [done] = all_items(api, "/shows/completed")["shows"]
    assert done["next_to_watch"] is None and done["status"] == "completed"
    assert after["completed"] != before["completed"]
    assert after["watching"] != before["watching"]  # the show left the watching list


def test_episode_watched_moves_watching_not_completed_nor_playback(api):
    before = api.activities()
    watch(api, BREAKING_BAD, 1, 1)
    after = api.activities()
    assert after["tv_shows"]["watching"] != before["tv_shows"]["watching"]
    assert after["tv_shows"]["completed"] == before["tv_shows"]["completed"]
    assert after["tv_shows"]["playback"] == before["tv_shows"]["playback"]
    assert after["anime"] == before["anime"]
    assert after["all"] != before["all"]


def test_history_post_of_an_episode_moves_watching_and_a_movie_moves_completed(api):
    before = api.activities()
    api.post("/sync/history", json={"shows": [{"ids": {"tvdb": 81189},
                                               "seasons": [{"number": 1, "episodes": [{"number": 3}]}]}]})
    mid = api.activities()
    assert mid["tv_shows"]["watching"] != before["tv_shows"]["watching"]
    assert mid["movies"] == before["movies"]
    api.post("/sync/history", json={"movies": [INCEPTION]})
    after = api.activities()
    assert after["movies"]["completed"] != mid["movies"]["completed"]
    [movie] = all_items(api, "/movies/completed")["movies"]
    assert movie["movie"]["title"] == "Inception" and movie["last_watched_at"]
    [show] = all_items(api, "/shows/watching")["shows"]
    assert show["next_to_watch"] == "S01E04"


def test_anime_watching_moves_only_the_anime_bucket_and_numbers_absolutely(api):
    before = api.activities()
    watch(api, ONE_PIECE, 1, 148, kind="anime")
    after = api.activities()
    assert after["anime"]["watching"] != before["anime"]["watching"]
    assert after["tv_shows"] == before["tv_shows"]
    [item] = all_items(api, "/anime/watching")["anime"]
    assert (item["last_watched"], item["next_to_watch"]) == ("E148", "E149")
    assert item["anime_type"] == "tv"
    assert "seasons" not in item
    assert all_items(api, "/shows/watching") is None  # types are apart


def test_full_anime_seasons_adds_the_tvdb_numbers_of_each_episode(api):
    watch(api, ONE_PIECE, 1, 148, kind="anime")
    [item] = all_items(api, "/anime/watching", extended="full_anime_seasons")["anime"]
    [season] = item["seasons"]
    assert {"number": 149, "tvdb": {"season": 4, "episode": 13}} in season["episodes"]
    assert item["mapped_tvdb_seasons"] == [4]


def test_seasonal_anime_uses_season_numbering(api):
    watch(api, TITAN, 1, 26, kind="anime")
    [item] = all_items(api, "/anime")["anime"]
    assert (item["last_watched"], item["next_to_watch"]) == ("S01E26", "S01E27")


def test_date_from_lists_only_items_changed_since(standin, api):
    watch(api, BREAKING_BAD, 1, 1)
    standin.advance(60)
    mark = iso(standin.now())
    standin.advance(60)
    watch(api, SHORT, 1, 1)
    changed = all_items(api, "/shows/watching", date_from=mark)["shows"]
    assert [i["show"]["title"] for i in changed] == ["Short Show"]
    assert all_items(api, "/shows/watching", date_from="2999-01-01T00:00:00Z") is None
    assert api.get("/sync/all-items/shows", params={"date_from": "yesterday"}).status_code == 400


def test_ids_only_lists_every_item_with_just_its_ids(api):
    watch(api, BREAKING_BAD, 1, 1)
    watch(api, SHORT, 1, 1)
    items = all_items(api, "/shows/watching", extended="ids_only")["shows"]
    assert sorted(i["show"]["ids"]["simkl"] for i in items) == [500, 11121]
    assert all(set(i) == {"show"} for i in items)
    assert any(i["show"]["ids"].get("zap2it") == "SH1" for i in items)  # ids Simkl knows, we may not


def test_removing_a_show_from_the_list_moves_removed_from_list(standin, api):
    watch(api, BREAKING_BAD, 1, 1)
    watch(api, SHORT, 1, 1)
    before = api.activities()["tv_shows"]
    reply = api.post("/sync/history/remove", json={"shows": [SHORT]})
    assert reply.status_code == 200 and reply.json()["deleted"]["shows"] == 1
    after = api.activities()["tv_shows"]
    assert after["removed_from_list"] != before["removed_from_list"]
    assert after["watching"] != before["watching"]
    titles = [i["show"]["title"] for i in all_items(api, "/shows/watching", extended="ids_only")["shows"]]
    assert titles == ["Breaking Bad"]


def test_unmarking_an_episode_moves_watching_and_next_to_watch_back(api):
    watch(api, BREAKING_BAD, 1, 1)
    watch(api, BREAKING_BAD, 1, 2)
    before = api.activities()["tv_shows"]["watching"]
    second = [{"number": 1, "episodes": [{"number": 2}]}]
    api.post("/sync/history/remove", json={"shows": [{"ids": {"tvdb": 81189}, "seasons": second}]})
    assert api.activities()["tv_shows"]["watching"] != before
    [item] = all_items(api, "/shows/watching")["shows"]
    assert item["next_to_watch"] == "S01E02"


def test_list_status_helper_moves_a_show_off_watching(standin, api):
    watch(api, BREAKING_BAD, 1, 1)
    before = api.activities()["tv_shows"]
    assert standin.list_status("hold", show=BREAKING_BAD)["status"] == "hold"
    after = api.activities()["tv_shows"]
    assert after["hold"] != before["hold"] and after["watching"] != before["watching"]
    assert all_items(api, "/shows/watching") is None
    assert standin.list_status(None, title="Breaking Bad") is None
    assert all_items(api) is None
    assert standin.state()["watchlist"] == []


def test_watchlists_are_per_user(api):
    watch(api, BREAKING_BAD, 1, 1)
    reply = api.get("/sync/all-items", token=OTHER_TOKEN)
    assert reply.status_code == 200 and reply.json() is None


def test_unknown_type_or_status_is_404_and_post_is_405(api):
    assert api.get("/sync/all-items/books").status_code == 404
    assert api.get("/sync/all-items/shows/paused").status_code == 404
    assert api.post("/sync/all-items/shows", json={}).status_code == 405


def test_seeded_history_fills_the_watchlist(standin, api):
    standin.seed(history=[{"shows": [{"ids": {"tvdb": 5000}, "seasons": [{"number": 1, "episodes": [
        {"number": 1, "watched_at": "2024-01-15T10:30:00Z"}]}]}]}])
    [item] = all_items(api, "/shows/watching")["shows"]
    assert item["next_to_watch"] == "S01E02"
    assert item["last_watched_at"].startswith("2024-01-15T10:30:00")
