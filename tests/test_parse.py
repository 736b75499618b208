"""Simkl replies -> model: every documented variant, every class of garbage."""
import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simkl_resume.core import parse
from simkl_resume.core.errors import MalformedReply
from simkl_resume.core.model import Activities, Playback

# Real-looking replies, shaped like the examples of Simkl's API reference.
EPISODE_ITEM = {
    "id": 123,
    "progress": 45.5,
    "paused_at": "2024-01-15T10:30:00.000Z",
    "type": "episode",
    "episode": {"season": 1, "episode": 5, "title": "Episode 5", "tvdb_season": 1, "tvdb_number": 5},
    "show": {
        "title": "Breaking Bad",
        "year": 2008,
        "ids": {"simkl": 12345, "slug": "breaking-bad", "tmdb": 1429, "imdb": "tt0903747"},
    },
}
MOVIE_ITEM = {
    "id": 124,
    "progress": 75,
    "paused_at": "2024-01-15T11:15:00.000Z",
    "type": "movie",
    "movie": {
        "title": "Inception",
        "year": 2010,
        "ids": {"simkl": 67890, "slug": "inception", "tmdb": 27205, "imdb": "tt1375666"},
    },
}
ANIME_ITEM = {
    "id": 9007199254740993,
    "progress": "12.25",
    "paused_at": "2025-11-02T21:04:59Z",
    "type": "episode",
    "episode": {"season": 1, "number": 28, "title": None, "tvdb_season": 2, "tvdb_number": 3},
    "anime": {
        "title": "Frieren: Beyond Journey's End",
        "year": 2023,
        "ids": {"simkl_id": 1982043, "mal": "52991", "anidb": 17617, "tvdb": None, "slug": ""},
    },
}
ACTIVITIES = {
    "all": "2024-01-15T11:15:00Z",
    "settings": {"all": "2023-12-01T08:00:00Z"},
    "tv_shows": {
        "all": "2024-01-15T10:30:00Z", "rated_at": None, "playback": "2024-01-15T10:30:00Z",
        "plantowatch": None, "watching": "2024-01-15T10:30:00Z", "completed": None, "hold": None,
        "dropped": None, "removed_from_list": None,
    },
    "anime": {"all": None, "playback": None},
    "movies": {
        "all": "2024-01-15T11:15:00Z", "rated_at": None, "playback": "2024-01-15T11:15:00Z",
        "plantowatch": None, "completed": None, "dropped": None, "removed_from_list": None,
    },
}


def variant(base, **changes):
    item = copy.deepcopy(base)
    for key, value in changes.items():
        if value is DELETE:
            item.pop(key, None)
        else:
            item[key] = value
    return item


DELETE = object()


# ---------------------------------------------------------------------------------------
# one playback


def test_episode_playback_reads_every_field():
    pb = parse.parse_playback(EPISODE_ITEM)
    assert pb == Playback(
        id=123, progress=45.5, paused_at="2024-01-15T10:30:00Z", paused_epoch=1705314600.0,
        type="episode", kind="show", title="Breaking Bad", year=2008,
        ids={"simkl": "12345", "slug": "breaking-bad", "tmdb": "1429", "imdb": "tt0903747"},
        season=1, number=5, episode_title="Episode 5", tvdb_season=1, tvdb_number=5,
    )


def test_movie_playback_has_no_episode_fields():
    pb = parse.parse_playback(MOVIE_ITEM)
    assert (pb.type, pb.kind, pb.title, pb.year, pb.progress) == ("movie", "movie", "Inception", 2010, 75.0)
    assert isinstance(pb.progress, float)
    assert pb.season is None and pb.number is None and pb.episode_title is None
    assert pb.ids["imdb"] == "tt1375666"


def test_anime_playback_uses_number_key_string_progress_and_folds_simkl_id():
    pb = parse.parse_playback(ANIME_ITEM)
    assert pb.kind == "anime" and pb.type == "episode"
    assert pb.id == 9007199254740993  # int64 survives
    assert pb.progress == 12.25
    assert (pb.season, pb.number, pb.tvdb_season, pb.tvdb_number) == (1, 28, 2, 3)
    assert pb.episode_title is None
    # simkl_id -> simkl, ints -> strings, null and empty dropped
    assert pb.ids == {"simkl": "1982043", "mal": "52991", "anidb": "17617"}


def test_episode_number_key_wins_over_episode_key_when_both_present():
    item = variant(EPISODE_ITEM, episode={"season": 2, "number": 7, "episode": 9})
    assert parse.parse_playback(item).number == 7


def test_paused_at_without_milliseconds_gives_same_instant():
    with_ms = parse.parse_playback(EPISODE_ITEM)
    without = parse.parse_playback(variant(EPISODE_ITEM, paused_at="2024-01-15T10:30:00Z"))
    assert (with_ms.paused_at, with_ms.paused_epoch) == (without.paused_at, without.paused_epoch)


def test_paused_at_milliseconds_are_kept_in_epoch_but_not_in_string():
    pb = parse.parse_playback(variant(EPISODE_ITEM, paused_at="2024-01-15T10:30:00.250Z"))
    assert pb.paused_at == "2024-01-15T10:30:00Z"
    assert pb.paused_epoch == pytest.approx(1705314600.25)


@pytest.mark.parametrize("raw", [
    "2024-01-15T12:30:00+02:00", "2024-01-15T05:30:00-0500", "2024-01-15T10:30:00",
    "2024-01-15 10:30:00Z", "2024-01-15T10:30:00.000000+00:00",
])
def test_paused_at_offsets_and_missing_zone_normalize_to_utc_z(raw):
    assert parse.parse_timestamp(raw) == ("2024-01-15T10:30:00Z", 1705314600.0)


def test_paused_at_offset_can_cross_midnight_and_month():
    assert parse.parse_timestamp("2024-03-01T01:00:00+02:00")[0] == "2024-02-29T23:00:00Z"


def test_older_watched_at_name_is_read_when_paused_at_is_missing():
    item = variant(MOVIE_ITEM, paused_at=DELETE, watched_at="2024-01-15T11:15:00Z")
    assert parse.parse_playback(item).paused_at == "2024-01-15T11:15:00Z"


def test_null_paused_at_keeps_the_playback_with_epoch_zero():
    pb = parse.parse_playback(variant(MOVIE_ITEM, paused_at=None))
    assert (pb.paused_at, pb.paused_epoch) == ("", 0.0)


@pytest.mark.parametrize("progress, expected", [
    (0, 0.0), (100, 100.0), (42, 42.0), (42.75, 42.75), ("42", 42.0), (" 42.5 ", 42.5), (33.333, 33.333),
])
def test_progress_accepts_int_float_and_numeric_string(progress, expected):
    assert parse.parse_playback(variant(MOVIE_ITEM, progress=progress)).progress == expected


def test_numeric_string_id_is_read_as_int():
    assert parse.parse_playback(variant(MOVIE_ITEM, id="124")).id == 124


def test_missing_type_is_inferred_from_the_keys():
    assert parse.parse_playback(variant(MOVIE_ITEM, type=DELETE)).type == "movie"
    assert parse.parse_playback(variant(EPISODE_ITEM, type=None)).type == "episode"


def test_type_is_case_insensitive():
    assert parse.parse_playback(variant(MOVIE_ITEM, type="Movie")).type == "movie"


def test_nulls_in_optional_fields_are_tolerated():
    item = variant(EPISODE_ITEM, show={"title": None, "year": None, "ids": None},
                   episode={"season": None, "number": 5, "title": None, "tvdb_season": None})
    pb = parse.parse_playback(item)
    assert (pb.title, pb.year, pb.ids, pb.season, pb.number) == ("", None, {}, None, 5)


def test_numeric_title_becomes_text():
    item = variant(EPISODE_ITEM, show={"title": 1899, "year": "2022", "ids": {"simkl": 1}})
    pb = parse.parse_playback(item)
    assert (pb.title, pb.year) == ("1899", 2022)


def test_unreadable_year_is_dropped_not_fatal():
    item = variant(MOVIE_ITEM, movie={"title": "X", "year": "unknown", "ids": {"imdb": "tt1"}})
    assert parse.parse_playback(item).year is None


def test_anime_key_wins_when_show_is_also_present():
    item = variant(ANIME_ITEM, show={"title": "Other", "ids": {"tvdb": 1}})
    assert parse.parse_playback(item).kind == "anime"


def test_ids_keys_are_lowercased_and_values_stripped_and_nested_dropped():
    ids = {"IMDB": " tt0903747 ", "TMDB": 1429.0, "Simkl_ID": "12345", "extra": {"x": 1}, "flag": True,
           "tvdb": 81189}
    expected = {"imdb": "tt0903747", "tmdb": "1429", "simkl": "12345", "tvdb": "81189"}
    assert parse.normalize_ids(ids) == expected


def test_explicit_simkl_id_wins_over_simkl_id_alias_in_any_order():
    assert parse.normalize_ids({"simkl_id": 1, "simkl": 2}) == {"simkl": "2"}
    assert parse.normalize_ids({"simkl": 2, "simkl_id": 1}) == {"simkl": "2"}


def test_playback_round_trips_through_to_dict_and_json():
    pb = parse.parse_playback(ANIME_ITEM)
    assert Playback.from_dict(json.loads(json.dumps(pb.to_dict()))) == pb


# ---------------------------------------------------------------------------------------
# garbage -> MalformedReply, never a bare exception


GARBAGE_ITEMS = [
    ("not an object", ["id", 1]),
    ("string", "123"),
    ("null", None),
    ("no id", variant(MOVIE_ITEM, id=DELETE)),
    ("null id", variant(MOVIE_ITEM, id=None)),
    ("id a word", variant(MOVIE_ITEM, id="abc")),
    ("id a fraction", variant(MOVIE_ITEM, id=1.5)),
    ("id a boolean", variant(MOVIE_ITEM, id=True)),
    ("id a list", variant(MOVIE_ITEM, id=[1])),
    ("no progress", variant(MOVIE_ITEM, progress=DELETE)),
    ("null progress", variant(MOVIE_ITEM, progress=None)),
    ("progress a word", variant(MOVIE_ITEM, progress="half")),
    ("progress over 100", variant(MOVIE_ITEM, progress=100.5)),
    ("progress negative", variant(MOVIE_ITEM, progress=-1)),
    ("progress NaN", variant(MOVIE_ITEM, progress=float("nan"))),
    ("progress infinite string", variant(MOVIE_ITEM, progress="1" * 400)),
    ("progress a boolean", variant(MOVIE_ITEM, progress=True)),
    ("progress an object", variant(MOVIE_ITEM, progress={"value": 4})),
    ("unknown type", variant(MOVIE_ITEM, type="podcast")),
    ("type a number", variant(MOVIE_ITEM, type=3)),
    ("movie without movie", variant(MOVIE_ITEM, movie=None)),
    ("movie a list", variant(MOVIE_ITEM, movie=["Inception"])),
    ("episode without show", variant(EPISODE_ITEM, show=DELETE)),
    ("episode without episode", variant(EPISODE_ITEM, episode=DELETE)),
    ("episode a string", variant(EPISODE_ITEM, episode="S01E05")),
    ("season a word", variant(EPISODE_ITEM, episode={"season": "one", "number": 5})),
    ("number a fraction", variant(EPISODE_ITEM, episode={"season": 1, "number": 5.5})),
    ("ids a list", variant(MOVIE_ITEM, movie={"title": "X", "ids": ["tt1"]})),
    ("title an object", variant(MOVIE_ITEM, movie={"title": {"en": "X"}, "ids": {}})),
    ("paused_at garbage", variant(MOVIE_ITEM, paused_at="yesterday")),
    ("paused_at a number", variant(MOVIE_ITEM, paused_at=1705314600)),
    ("paused_at impossible date", variant(MOVIE_ITEM, paused_at="2024-02-30T10:00:00Z")),
    ("paused_at year zero", variant(MOVIE_ITEM, paused_at="0000-01-01T00:00:00Z")),
    ("no type and no keys", {"id": 5, "progress": 10}),
    ("huge digit id", variant(MOVIE_ITEM, id="9" * 5000)),
]


@pytest.mark.parametrize("label, item", GARBAGE_ITEMS, ids=[g[0] for g in GARBAGE_ITEMS])
def test_garbage_playback_item_raises_malformed_reply_with_a_reason(label, item):
    with pytest.raises(MalformedReply) as info:
        parse.parse_playback(item)
    assert str(info.value)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("data", [{"id": 1}, "[]", 42, True, {"playbacks": []}])
def test_playback_list_that_is_not_a_list_raises(data):
    with pytest.raises(MalformedReply):
        parse.parse_playbacks(data)


def test_empty_and_null_playback_lists_mean_no_playbacks():
    assert parse.parse_playbacks([]) == []
    assert parse.parse_playbacks(None) == []


def test_playback_list_keeps_order_as_sent():
    result = parse.parse_playbacks([MOVIE_ITEM, EPISODE_ITEM, ANIME_ITEM])
    assert [pb.id for pb in result] == [124, 123, 9007199254740993]


def test_one_odd_item_among_1000_is_skipped_and_999_are_kept():
    items = []
    for n in range(1000):
        items.append(variant(MOVIE_ITEM, id=n + 1, progress=n % 100))
    items[500] = variant(MOVIE_ITEM, id=501, progress="lots")
    skipped = []
    result = parse.parse_playbacks(items, on_skip=lambda index, reason: skipped.append((index, reason)))
    assert len(result) == 999
    assert 501 not in {pb.id for pb in result}
    assert [index for index, _ in skipped] == [500]
    assert "progress" in skipped[0][1]


@pytest.mark.parametrize("label, item", GARBAGE_ITEMS, ids=[g[0] for g in GARBAGE_ITEMS])
def test_each_kind_of_garbage_item_is_skipped_next_to_a_good_one(label, item):
    result = parse.parse_playbacks([item, EPISODE_ITEM])
    assert [pb.id for pb in result] == [123]


def test_list_where_every_item_is_garbage_raises_instead_of_looking_empty():
    with pytest.raises(MalformedReply, match="no readable playback"):
        parse.parse_playbacks([1, "x", None])


# ---------------------------------------------------------------------------------------
# activities


def test_activities_read_playback_timestamp_of_each_bucket():
    act = parse.parse_activities(ACTIVITIES)
    assert act == Activities(
        all="2024-01-15T11:15:00Z",
        playback={"movies": "2024-01-15T11:15:00Z", "tv_shows": "2024-01-15T10:30:00Z", "anime": None},
        settings=parse.parse_activities(ACTIVITIES).settings,
    )


def test_activities_settings_stamp_is_read_and_odd_values_are_none():
    data = copy.deepcopy(ACTIVITIES)
    data["settings"] = {"all": "2024-02-01T08:00:00Z"}
    assert parse.parse_activities(data).settings == "2024-02-01T08:00:00Z"
    data["settings"] = {"all": {"odd": 1}}
    assert parse.parse_activities(data).settings is None
    del data["settings"]
    assert parse.parse_activities(data).settings is None


def test_activities_read_older_paused_at_name():
    data = {"all": "t0", "movies": {"paused_at": "t1"}, "tv_shows": {"paused_at": "t2", "playback": None},
            "anime": {"playback": "t3", "paused_at": "old"}}
    assert parse.parse_activities(data).playback == {"movies": "t1", "tv_shows": "t2", "anime": "t3"}


def test_activities_with_null_and_missing_buckets_give_none_for_each():
    act = parse.parse_activities({"all": None, "movies": None})
    assert act == Activities(all=None, playback={"movies": None, "tv_shows": None, "anime": None})


def test_activities_numeric_timestamp_is_kept_as_opaque_text():
    assert parse.parse_activities({"movies": {"playback": 1705314600}}).playback["movies"] == "1705314600"


@pytest.mark.parametrize("data", [
    None, [], "2024", 5, {"movies": "2024-01-01"}, {"movies": {"playback": {"at": 1}}}, {"all": ["x"]},
    {"tv_shows": []},
])
def test_garbage_activities_raise_malformed_reply(data):
    with pytest.raises(MalformedReply):
        parse.parse_activities(data)


def test_activities_round_trip_through_to_dict():
    act = parse.parse_activities(ACTIVITIES)
    assert Activities.from_dict(json.loads(json.dumps(act.to_dict()))) == act


# ---------------------------------------------------------------------------------------
# scrobble replies


def test_scrobble_stop_below_80_answers_pause_action():
    reply = {"id": 0, "action": "pause", "progress": 42.5,
             "movie": {"title": "Inception", "year": 2010, "ids": {"simkl": 67890}}}
    parsed = parse.parse_scrobble(reply)
    assert (parsed["id"], parsed["action"], parsed["progress"]) == (0, "pause", 42.5)
    assert parsed["movie"]["title"] == "Inception"


def test_scrobble_reply_normalizes_action_case_and_string_numbers():
    parsed = parse.parse_scrobble({"id": "77", "action": "Scrobble", "progress": "90"})
    assert (parsed["id"], parsed["action"], parsed["progress"]) == (77, "scrobble", 90.0)


def test_scrobble_reply_without_action_gives_empty_action():
    assert parse.parse_scrobble({"id": None})["action"] == ""


@pytest.mark.parametrize("data", [None, [], "ok", {"id": "x"}, {"action": ["pause"]},
                                  {"progress": "half"}])
def test_garbage_scrobble_reply_raises(data):
    with pytest.raises(MalformedReply):
        parse.parse_scrobble(data)


# ---------------------------------------------------------------------------------------
# PIN


PIN_START = {"result": "OK", "device_code": "DEVICE_CODE", "user_code": "5G6JAH",
             "verification_url": "https://simkl.com/pin/", "expires_in": 900, "interval": 5}


def test_pin_start_reads_codes_url_and_timings():
    assert parse.parse_pin_start(PIN_START) == {
        "device_code": "DEVICE_CODE", "user_code": "5G6JAH", "verification_url": "https://simkl.com/pin/",
        "expires_in": 900, "interval": 5,
    }


def test_pin_start_accepts_verification_uri_alias_and_defaults_timings():
    data = {"user_code": "ABC123", "verification_uri": "https://simkl.com/pin/"}
    parsed = parse.parse_pin_start(data)
    assert parsed["verification_url"] == "https://simkl.com/pin/"
    assert (parsed["expires_in"], parsed["interval"], parsed["device_code"]) == (900, 5, "")


def test_pin_start_interval_is_at_least_one_second():
    assert parse.parse_pin_start(dict(PIN_START, interval=0))["interval"] == 1


@pytest.mark.parametrize("data", [
    None, [], {"result": "OK"}, dict(PIN_START, user_code=None), dict(PIN_START, verification_url=None),
    {"result": "KO", "message": "bad client"}, dict(PIN_START, expires_in="soon"),
])
def test_garbage_pin_start_raises(data):
    with pytest.raises(MalformedReply):
        parse.parse_pin_start(data)


def test_pin_poll_ok_returns_token():
    assert parse.parse_pin_poll({"result": "OK", "access_token": "tok-123"}) == {
        "result": "OK", "access_token": "tok-123"}


def test_pin_poll_pending_keeps_polling():
    parsed = parse.parse_pin_poll({"result": "KO", "message": "Authorization pending"})
    assert parsed == {"result": "KO", "message": "Authorization pending", "slow_down": False, "gone": False}


def test_pin_poll_slow_down_is_flagged():
    assert parse.parse_pin_poll({"result": "KO", "message": "Slow down"})["slow_down"] is True


def test_pin_poll_reply_with_device_code_means_code_gone():
    parsed = parse.parse_pin_poll(PIN_START)
    assert parsed["gone"] is True and parsed["result"] == "KO"
    assert "access_token" not in parsed


@pytest.mark.parametrize("data", [
    None, "OK", {}, {"result": "OK"}, {"result": "OK", "access_token": ""},
    {"result": "OK", "access_token": 5}, {"result": "maybe"},
])
def test_garbage_pin_poll_raises(data):
    with pytest.raises(MalformedReply):
        parse.parse_pin_poll(data)


# ---------------------------------------------------------------------------------------
# user settings


def test_user_settings_give_name_plan_and_retention():
    data = {"user": {"name": "Ann", "joined_at": "2020-01-01T00:00:00Z", "avatar": "https://x/a.jpg"},
            "account": {"id": 51, "timezone": "America/New_York", "type": "VIP"}, "connections": {}}
    assert parse.parse_user_settings(data) == {
        "name": "Ann", "plan": "vip", "account_id": 51, "timezone": "America/New_York", "retention_days": 90}


def test_user_settings_with_nulls_fall_back_to_free_retention():
    parsed = parse.parse_user_settings({"user": None, "account": {"type": None}})
    assert (parsed["name"], parsed["plan"], parsed["retention_days"]) == ("", "", 7)


@pytest.mark.parametrize("data", [None, [], {"user": "Ann"}, {"account": {"type": ["pro"]}}])
def test_garbage_user_settings_raise(data):
    with pytest.raises(MalformedReply):
        parse.parse_user_settings(data)


# ---------------------------------------------------------------------------------------
# Retry-After


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), (" 3 ", 3.0), ("1.5", 1.5), ("-4", 0.0), ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
    ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0), ("soon", None), ("", None), (None, None),
])
def test_retry_after_reads_seconds_or_http_date(value, expected):
    now = 1445412480.0  # Wed, 21 Oct 2015 07:28:00 GMT
    assert parse.parse_retry_after(value, now) == expected


# ---------------------------------------------------------------------------------------
# arbitrary JSON: only ever data or MalformedReply

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
PLAYBACK_KEYS = st.sampled_from(["id", "progress", "paused_at", "watched_at", "type", "episode", "show",
                                 "anime", "movie", "ids", "title", "year", "season", "number", "simkl",
                                 "simkl_id", "tvdb_season", "result", "access_token", "device_code",
                                 "user_code", "verification_url", "user", "account", "movies", "tv_shows",
                                 "playback", "all", "action"])
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(PLAYBACK_KEYS | st.text(max_size=5),
                                                                      children, max_size=6),
    max_leaves=25,
)
PARSERS = [parse.parse_playback, parse.parse_playbacks, parse.parse_activities, parse.parse_scrobble,
           parse.parse_pin_start, parse.parse_pin_poll, parse.parse_user_settings, parse.normalize_ids,
           parse.parse_timestamp]


@settings(max_examples=150, deadline=None)
@given(data=JSON_VALUES)
def test_any_json_gives_data_or_malformed_reply_never_a_bare_error(data):
    for parser in PARSERS:
        try:
            parser(data)
        except MalformedReply:
            pass


@settings(max_examples=100, deadline=None)
@given(mutation=st.dictionaries(PLAYBACK_KEYS, JSON_VALUES, max_size=3))
def test_real_items_with_random_fields_replaced_give_playback_or_malformed_reply(mutation):
    for base in (EPISODE_ITEM, MOVIE_ITEM, ANIME_ITEM):
        item = variant(base, **mutation)
        try:
            pb = parse.parse_playback(item)
        except MalformedReply:
            continue
        assert 0.0 <= pb.progress <= 100.0
        assert pb.type in ("movie", "episode")
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in pb.ids.items())


# -- issue 13 item 7: anime movies, nested TVDB numbering, extra keys ------------------------

ANIME_MOVIE_ITEM = {
    "id": 7001, "progress": 40, "paused_at": "2024-03-01T20:00:00Z", "type": "movie",
    "anime": {"title": "Your Name.", "year": 2016, "anime_type": "movie",
              "ids": {"simkl": "40190", "mal": "32281", "anidb": 11829, "tmdb": "372058",
                      "imdb": "tt5311514", "zap2it": "MV0001", "offen": "x"}},
    "source": "kodi", "extra": {"nested": [1, 2]},
}


def test_anime_movie_in_an_anime_container_parses_as_a_movie():
    pb = parse.parse_playback(ANIME_MOVIE_ITEM)
    assert pb.type == "movie" and pb.kind == "anime"
    assert pb.title == "Your Name." and pb.year == 2016
    assert pb.season is None and pb.number is None
    assert pb.ids["tmdb"] == "372058" and pb.ids["anidb"] == "11829" and pb.ids["imdb"] == "tt5311514"


def test_anime_movie_without_type_parses_as_a_movie_by_its_anime_type():
    item = copy.deepcopy(ANIME_MOVIE_ITEM)
    del item["type"]
    pb = parse.parse_playback(item)
    assert pb.type == "movie" and pb.kind == "anime"


def test_nested_episode_tvdb_object_counts_as_tvdb_numbering():
    item = copy.deepcopy(ANIME_ITEM)
    item["episode"].pop("tvdb_season", None)
    item["episode"].pop("tvdb_number", None)
    item["episode"]["tvdb"] = {"season": "3", "episode": 7}
    pb = parse.parse_playback(item)
    assert (pb.tvdb_season, pb.tvdb_number) == (3, 7)


def test_unknown_extra_keys_and_string_ids_keep_parsing():
    item = copy.deepcopy(EPISODE_ITEM)
    item["whatever"] = {"a": 1}
    item["show"]["ids"] = {"tvdb": "81189", "imdb": "tt0903747", "zap2it": "SH0123", "simkl_id": "11"}
    item["show"]["poster"] = "12/abc"
    item["episode"]["tvdb"] = {"season": 1, "episode": 5}
    pb = parse.parse_playback(item)
    assert pb.ids["tvdb"] == "81189" and pb.ids["simkl"] == "11"
