"""The Simkl stand-in honours the documented Simkl semantics (driven with plain requests)."""
import threading

import pytest

from tools.simkl_standin import StandIn
from tools.simkl_standin.testing import (BREAKING_BAD, HOUR25, INCEPTION, MATRIX, OTHER_TOKEN, SEED, TITAN,
                                         Api)

DAY = 86400


@pytest.fixture
def standin():
    with StandIn(seed=SEED) as server:
        yield server


@pytest.fixture
def api(standin):
    client = Api(standin)
    yield client
    client.session.close()


def titles(playbacks):
    return [(p.get("movie") or p.get("show") or p.get("anime"))["title"] for p in playbacks]


# ------------------------------------------------------------------------------ client id / token

def test_missing_client_id_is_412_client_id_failed(api):
    reply = api.get("/sync/activities", client_id="")
    assert reply.status_code == 412
    assert reply.json()["error"] == "client_id_failed"
    assert reply.json()["code"] == 412


def test_client_id_in_simkl_api_key_header_is_accepted(api):
    reply = api.get("/sync/activities", client_id="", headers={"simkl-api-key": "some-id"})
    assert reply.status_code == 200


def test_unknown_client_id_is_412_once_client_ids_are_seeded(standin, api):
    standin.seed(client_ids=["registered"])
    assert api.get("/sync/activities", client_id="other").status_code == 412
    assert api.get("/sync/activities", client_id="registered").status_code == 200


def test_user_endpoint_without_token_is_401_user_token_failed(api):
    reply = api.get("/sync/playback", token="")
    assert reply.status_code == 401
    assert reply.json()["error"] == "user_token_failed"


def test_unknown_token_is_401(api):
    assert api.post("/scrobble/pause", json={"progress": 10, "movie": INCEPTION},
                    token="nobody").status_code == 401


def test_users_settings_answer_to_get_and_post_with_plan(api):
    for method in ("GET", "POST"):
        reply = api.call(method, "/users/settings")
        assert reply.status_code == 200
        body = reply.json()
        assert body["user"]["name"] == "alice"
        assert body["account"]["type"] == "free"
        assert isinstance(body["account"]["id"], int)
        assert "connections" in body


# ------------------------------------------------------------------------------ scrobble

def test_pause_saves_one_resumable_playback_at_that_progress(api):
    reply = api.scrobble("pause", 42.5, movie=INCEPTION)
    assert reply.status_code == 201
    body = reply.json()
    assert body["action"] == "pause"
    assert body["progress"] == 42.5
    assert body["movie"]["title"] == "Inception"
    [playback] = api.playbacks()
    assert playback["id"] == body["id"]
    assert playback["progress"] == 42.5
    assert playback["type"] == "movie"


def test_second_pause_of_an_item_updates_its_one_playback(api):
    first = api.scrobble("pause", 10, movie=INCEPTION).json()
    second = api.scrobble("pause", 30, movie=INCEPTION).json()
    playbacks = api.playbacks()
    assert len(playbacks) == 1
    assert playbacks[0]["progress"] == 30
    assert first["id"] == second["id"] == playbacks[0]["id"]


def test_stop_below_80_percent_leaves_resumable_playback(api):
    reply = api.scrobble("stop", 79.99, movie=INCEPTION)
    assert reply.status_code == 201
    assert reply.json()["action"] == "pause"
    assert [p["progress"] for p in api.playbacks()] == [79.99]


def test_stop_at_85_percent_marks_watched_and_leaves_no_playback(standin, api):
    api.scrobble("pause", 40, movie=INCEPTION)
    reply = api.scrobble("stop", 85, movie=INCEPTION)
    assert reply.status_code == 201
    assert reply.json()["action"] == "scrobble"
    assert api.playbacks() == []
    history = standin.state()["history"]
    assert [(h["title"], h["user"]) for h in history] == [("Inception", "alice")]


def test_stop_at_exactly_80_percent_counts_as_watched(api):
    assert api.scrobble("stop", 80, movie=MATRIX).json()["action"] == "scrobble"
    assert api.playbacks() == []


def test_stop_above_80_again_within_an_hour_is_409_with_watched_and_expiry(standin, api):
    assert api.scrobble("stop", 90, movie=INCEPTION).status_code == 201
    standin.advance(3000)
    again = api.scrobble("stop", 95, movie=INCEPTION)
    assert again.status_code == 409
    assert set(again.json()) >= {"watched_at", "expires_at"}
    assert api.scrobble("pause", 85, movie=INCEPTION).status_code == 409
    assert len(standin.state()["history"]) == 1


def test_pause_below_80_within_the_hour_is_still_saved(api):
    api.scrobble("stop", 90, movie=INCEPTION)
    assert api.scrobble("pause", 20, movie=INCEPTION).status_code == 201
    assert len(api.playbacks()) == 1


def test_rescrobble_is_accepted_once_the_hour_has_passed(standin, api):
    api.scrobble("stop", 90, movie=INCEPTION)
    standin.advance(3601)
    assert api.scrobble("stop", 90, movie=INCEPTION).status_code == 201
    assert len(standin.state()["history"]) == 2


def test_409_rule_is_per_item(api):
    api.scrobble("stop", 90, movie=INCEPTION)
    assert api.scrobble("stop", 90, movie=MATRIX).status_code == 201


def test_start_clears_the_items_pause_and_moves_its_playback_activity(api):
    api.scrobble("pause", 40, movie=INCEPTION)
    api.scrobble("pause", 20, movie=MATRIX)
    before = api.activities()["movies"]["playback"]
    reply = api.scrobble("start", 40, movie=INCEPTION)
    assert reply.status_code == 201
    assert reply.json()["action"] == "start"
    assert titles(api.playbacks()) == ["The Matrix"]
    assert api.activities()["movies"]["playback"] != before


def test_start_without_a_pause_leaves_playback_activity_alone(api):
    before = api.activities()["movies"]["playback"]
    api.scrobble("start", 0, movie=INCEPTION)
    assert api.activities()["movies"]["playback"] == before


def test_checkin_saves_no_playback(api):
    reply = api.scrobble("checkin", 0, movie=INCEPTION)
    assert reply.status_code == 201
    assert reply.json()["action"] == "checkin"
    assert api.playbacks() == []


def test_episode_scrobble_answers_with_show_and_episode(api):
    reply = api.scrobble("pause", 33, show=BREAKING_BAD, episode={"season": 1, "number": 5})
    assert reply.status_code == 201
    body = reply.json()
    assert body["show"]["title"] == "Breaking Bad"
    assert body["episode"]["season"] == 1 and body["episode"]["number"] == 5
    [playback] = api.playbacks()
    assert playback["type"] == "episode"
    assert playback["episode"]["title"] == "Gray Matter"
    assert playback["show"]["ids"]["tvdb"] == 81189


def test_tmdb_id_resolves_only_within_the_right_type(api):
    movie = api.scrobble("pause", 10, movie=HOUR25).json()
    show = api.scrobble("pause", 20, show=TITAN, episode={"season": 1, "number": 26}).json()
    assert movie["movie"]["title"] == "25th Hour"
    assert show["anime"]["title"] == "Attack on Titan"
    assert sorted(titles(api.playbacks())) == ["25th Hour", "Attack on Titan"]


def test_anime_sent_as_show_with_tvdb_numbering_lands_on_simkl_numbering(api):
    api.scrobble("pause", 50, show={"ids": {"tvdb": 267440}}, episode={"season": 2, "number": 1})
    [playback] = api.playbacks()
    assert playback["anime"]["title"] == "Attack on Titan"
    assert (playback["episode"]["season"], playback["episode"]["number"]) == (1, 26)
    assert (playback["episode"]["tvdb_season"], playback["episode"]["tvdb_number"]) == (2, 1)


def test_unknown_item_is_404_id_err(api):
    reply = api.scrobble("pause", 10, movie={"ids": {"imdb": "tt9999999"}})
    assert reply.status_code == 404
    assert reply.json()["error"] == "id_err"


def test_auto_catalog_adds_unknown_items_instead_of_404(standin, api):
    standin.configure(auto_catalog=True)
    reply = api.scrobble("pause", 10, movie={"title": "New Film", "year": 2024, "ids": {"imdb": "tt9999999"}})
    assert reply.status_code == 201
    assert reply.json()["movie"]["ids"]["imdb"] == "tt9999999"
    assert titles(api.playbacks()) == ["New Film"]


@pytest.mark.parametrize("progress", [-1, 100.5, "50", None, True])
def test_progress_outside_0_to_100_or_not_a_number_is_400(api, progress):
    assert api.scrobble("pause", progress, movie=INCEPTION).status_code == 400
    assert api.playbacks() == []


def test_overlapping_scrobbles_of_one_user_get_400_rate_limit(standin, api):
    standin.configure(scrobble_delay=0.5)
    results = []
    first = threading.Thread(target=lambda: results.append(api.scrobble("pause", 10, movie=INCEPTION)))
    first.start()
    # Wait until the stand-in holds the first scrobble, then send the second one.
    while not standin.app.state.users[api.token].scrobble_lock.locked():
        first.join(0.01)
    second = Api(standin).scrobble("pause", 20, movie=MATRIX)
    first.join()
    assert second.status_code == 400
    assert second.json()["error"] == "RATE_LIMIT"
    assert results[0].status_code == 201
    assert titles(api.playbacks()) == ["Inception"]


def test_another_users_scrobble_is_not_blocked_by_the_lock(standin, api):
    standin.configure(scrobble_delay=0.5)
    first = threading.Thread(target=lambda: api.scrobble("pause", 10, movie=INCEPTION))
    first.start()
    while not standin.app.state.users[api.token].scrobble_lock.locked():
        first.join(0.01)
    assert Api(standin, token=OTHER_TOKEN).scrobble("pause", 20, movie=MATRIX).status_code == 201
    first.join()


def test_post_rate_limit_answers_429_to_a_second_post_within_a_second(standin, api):
    standin.configure(post_rate_limit=1)
    assert api.scrobble("pause", 10, movie=INCEPTION).status_code == 201
    assert api.scrobble("pause", 11, movie=INCEPTION).status_code == 429
    standin.advance(1.5)
    assert api.scrobble("pause", 12, movie=INCEPTION).status_code == 201


def test_posts_are_not_paced_by_default(api):
    for progress in (10, 11, 12):
        assert api.scrobble("pause", progress, movie=INCEPTION).status_code == 201


# ------------------------------------------------------------------------------ playbacks

def seed_three(standin):
    standin.add_playback(movie=INCEPTION, progress=10, ago=3 * 3600)
    standin.add_playback(show=BREAKING_BAD, episode={"season": 1, "number": 5}, progress=20, ago=2 * 3600)
    standin.add_playback(movie=MATRIX, progress=30, ago=3600)


def test_playbacks_are_listed_newest_first(standin, api):
    seed_three(standin)
    assert titles(api.playbacks()) == ["The Matrix", "Breaking Bad", "Inception"]


def test_playback_ids_increase_beyond_32_bits(standin, api):
    seed_three(standin)
    ids = [p["id"] for p in reversed(api.playbacks())]
    assert ids == sorted(ids)
    assert ids[0] > 2 ** 31


def test_playback_type_narrows_to_movies_or_episodes(standin, api):
    seed_three(standin)
    assert titles(api.playbacks("movies")) == ["The Matrix", "Inception"]
    assert titles(api.playbacks("episodes")) == ["Breaking Bad"]


def test_date_from_is_inclusive_and_date_to_exclusive(standin, api):
    seed_three(standin)
    middle = api.playbacks()[1]["paused_at"]
    assert titles(api.playbacks(date_from=middle)) == ["The Matrix", "Breaking Bad"]
    assert titles(api.playbacks(date_to=middle)) == ["Inception"]


def test_limit_slices_the_newest(standin, api):
    seed_three(standin)
    assert titles(api.playbacks(limit=2)) == ["The Matrix", "Breaking Bad"]
    assert api.get("/sync/playback", params={"limit": 0}).status_code == 400


def test_unreadable_date_is_400(api):
    assert api.get("/sync/playback", params={"date_from": "yesterday"}).status_code == 400


def test_hide_watched_hides_playbacks_watched_after_the_pause(standin, api):
    standin.add_playback(movie=INCEPTION, progress=10, ago=3600)
    standin.seed(history=[{"user": api.token, "movies": [{"ids": {"imdb": "tt1375666"}}]}])
    # History removes the playback; put one back from before the watch to see the filter itself.
    standin.add_playback(movie=INCEPTION, progress=10, ago=7200)
    assert api.playbacks() == []
    assert titles(api.playbacks(hide_watched="false")) == ["Inception"]


def test_playbacks_are_per_user(standin, api):
    api.scrobble("pause", 10, movie=INCEPTION)
    assert Api(standin, token=OTHER_TOKEN).playbacks() == []


def test_delete_playback_is_204_then_404(api):
    playback_id = api.scrobble("pause", 10, movie=INCEPTION).json()["id"]
    reply = api.delete(f"/sync/playback/{playback_id}")
    assert reply.status_code == 204
    assert reply.content == b""
    assert api.playbacks() == []
    assert api.delete(f"/sync/playback/{playback_id}").status_code == 404


def test_get_and_post_on_a_playback_id_do_not_delete_it(api):
    playback_id = api.scrobble("pause", 10, movie=INCEPTION).json()["id"]
    api.get(f"/sync/playback/{playback_id}")
    api.post(f"/sync/playback/{playback_id}", json={})
    assert [p["id"] for p in api.playbacks()] == [playback_id]


def test_new_shape_has_episode_number_simkl_ids_and_milliseconds(standin, api):
    standin.add_playback(show=BREAKING_BAD, episode={"season": 1, "number": 5}, progress=20)
    [playback] = api.playbacks()
    assert playback["episode"]["number"] == 5 and "episode" not in playback["episode"]
    assert playback["show"]["ids"]["simkl"] == 11121
    assert len(playback["paused_at"]) == len("2024-01-15T10:30:00.000Z")
    assert playback["paused_at"].endswith("Z")


def test_apiary_shape_has_episode_key_simkl_id_and_whole_seconds(standin, api):
    standin.configure(shape="apiary")
    standin.add_playback(show=BREAKING_BAD, episode={"season": 1, "number": 5}, progress=20)
    [playback] = api.playbacks()
    assert playback["episode"]["episode"] == 5 and "number" not in playback["episode"]
    assert playback["show"]["ids"]["simkl_id"] == 11121 and "simkl" not in playback["show"]["ids"]
    assert len(playback["paused_at"]) == len("2024-01-15T10:30:00Z")


def test_seeded_paused_at_is_listed_as_given(standin, api):
    standin.set_now("2024-01-15T12:00:00Z")
    standin.add_playback(movie=INCEPTION, progress=10, paused_at="2024-01-15T10:30:00Z")
    assert api.playbacks()[0]["paused_at"] == "2024-01-15T10:30:00.000Z"


def test_retention_drops_free_playbacks_after_7_days_and_keeps_vip_ones(standin, api):
    standin.add_playback(movie=INCEPTION, progress=10)
    standin.add_playback(movie=INCEPTION, progress=10, user=OTHER_TOKEN)
    standin.advance(8 * DAY)
    assert api.playbacks() == []
    assert len(Api(standin, token=OTHER_TOKEN).playbacks()) == 1
    standin.advance(83 * DAY)
    assert Api(standin, token=OTHER_TOKEN).playbacks() == []


def test_pro_retention_is_30_days(standin):
    token = standin.add_user(name="carol", type="pro")
    standin.add_playback(movie=INCEPTION, progress=10, user=token)
    standin.advance(29 * DAY)
    assert len(Api(standin, token=token).playbacks()) == 1
    standin.advance(2 * DAY)
    assert Api(standin, token=token).playbacks() == []


# ------------------------------------------------------------------------------ activities

def test_activities_have_the_full_documented_shape(api):
    body = api.activities()
    assert set(body) == {"all", "settings", "tv_shows", "anime", "movies"}
    assert set(body["settings"]) == {"all"}
    tv_keys = {"all", "rated_at", "playback", "plantowatch", "watching", "completed", "hold", "dropped",
               "removed_from_list"}
    assert set(body["tv_shows"]) == tv_keys
    assert set(body["anime"]) == tv_keys
    assert set(body["movies"]) == {"all", "rated_at", "playback", "plantowatch", "completed", "dropped",
                                   "removed_from_list"}


@pytest.mark.parametrize("item,bucket", [
    ({"movie": INCEPTION}, "movies"),
    ({"show": BREAKING_BAD, "episode": {"season": 1, "number": 5}}, "tv_shows"),
    ({"anime": TITAN, "episode": {"season": 1, "number": 26}}, "anime"),
])
def test_pause_moves_only_its_buckets_playback_timestamp(api, item, bucket):
    before = api.activities()
    body = {"progress": 30}
    body.update(item)
    assert api.post("/scrobble/pause", json=body).status_code == 201
    after = api.activities()
    assert after[bucket]["playback"] != before[bucket]["playback"]
    assert after[bucket]["all"] != before[bucket]["all"]
    assert after["all"] != before["all"]
    for other in {"movies", "tv_shows", "anime"} - {bucket}:
        assert after[other] == before[other]


def test_every_playback_change_moves_the_timestamp_even_within_a_millisecond(api):
    seen = [api.activities()["movies"]["playback"]]
    for progress in (10, 20, 30):
        api.scrobble("pause", progress, movie=INCEPTION)
        seen.append(api.activities()["movies"]["playback"])
    assert len(set(seen)) == 4


def test_stop_below_80_and_delete_and_history_move_playback_activity(api):
    def moved(action):
        before = api.activities()["movies"]["playback"]
        action()
        return api.activities()["movies"]["playback"] != before

    assert moved(lambda: api.scrobble("stop", 30, movie=INCEPTION))
    playback_id = api.playbacks()[0]["id"]
    assert moved(lambda: api.delete(f"/sync/playback/{playback_id}"))
    api.scrobble("pause", 30, movie=INCEPTION)
    assert moved(lambda: api.post("/sync/history", json={"movies": [INCEPTION]}))


def test_activities_post_only_makes_get_405(standin, api):
    standin.configure(activities_method="POST-only")
    assert api.get("/sync/activities").status_code == 405
    assert api.post("/sync/activities").status_code == 200


def test_activities_answer_both_get_and_post_by_default(api):
    assert api.get("/sync/activities").status_code == 200
    assert api.post("/sync/activities").status_code == 200


def test_legacy_activity_key_is_paused_at(standin, api):
    standin.configure(legacy_paused_at_key=True)
    body = api.activities()
    for bucket in ("movies", "tv_shows", "anime"):
        assert "paused_at" in body[bucket] and "playback" not in body[bucket]


# ------------------------------------------------------------------------------ history

def test_history_counts_added_and_not_found_and_removes_matching_playbacks(api):
    api.scrobble("pause", 30, movie=INCEPTION)
    api.scrobble("pause", 30, show=BREAKING_BAD, episode={"season": 1, "number": 5})
    api.scrobble("pause", 30, show=BREAKING_BAD, episode={"season": 1, "number": 6})
    reply = api.post("/sync/history", json={
        "movies": [{"ids": {"imdb": "tt1375666"}, "watched_at": "2024-01-15T10:30:00Z"},
                   {"ids": {"imdb": "tt0000001"}}],
        "shows": [{"ids": {"tvdb": 81189}, "seasons": [{"number": 1, "episodes": [{"number": 5}]}]}],
    })
    assert reply.status_code == 201
    body = reply.json()
    assert body["added"]["movies"] == 1
    assert body["added"]["episodes"] == 1
    assert body["not_found"]["movies"] == [{"ids": {"imdb": "tt0000001"}}]
    [left] = api.playbacks()
    assert left["episode"]["number"] == 6


def test_history_episode_by_its_own_ids(api):
    api.scrobble("pause", 30, show=BREAKING_BAD, episode={"season": 1, "number": 5})
    body = api.post("/sync/history", json={"episodes": [{"ids": {"tvdb": 349236}}]}).json()
    assert body["added"]["episodes"] == 1
    assert api.playbacks() == []


def test_unknown_endpoint_is_404(api):
    assert api.get("/sync/nothing").status_code == 404


def test_expired_playback_cannot_be_deleted_and_start_does_not_move_activity_for_it(standin, api):
    playback = standin.add_playback(movie=INCEPTION, progress=10)
    standin.advance(8 * DAY)
    before = api.activities()["movies"]["playback"]
    assert api.delete("/sync/playback/{}".format(playback["id"])).status_code == 404
    api.scrobble("start", 0, movie=INCEPTION)
    assert api.activities()["movies"]["playback"] == before


def test_frozen_clock_stamps_paused_at_exactly(standin, api):
    standin.freeze("2024-01-15T10:30:00Z")
    api.scrobble("pause", 10, movie=INCEPTION)
    standin.advance(90)
    api.scrobble("pause", 10, movie=MATRIX)
    stamps = [p["paused_at"] for p in api.playbacks()]
    assert stamps == ["2024-01-15T10:31:30.000Z", "2024-01-15T10:30:00.000Z"]
