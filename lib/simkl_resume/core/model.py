"""Plain data the whole addon passes around. No Kodi, no HTTP, JSON-friendly.

Parsing Simkl replies into these lives in `core.parse`; they go into the cache with
`to_dict()` and come back with `from_dict()`.
"""
from dataclasses import asdict, dataclass, field
from typing import Dict, Optional

MOVIE = "movie"
EPISODE = "episode"

# Which Simkl top-level key carries the title of a playback: movie, show or anime.
KIND_MOVIE = "movie"
KIND_SHOW = "show"
KIND_ANIME = "anime"

# Activity buckets that carry a `playback` timestamp, and the playback list each one feeds.
BUCKET_MOVIES = "movies"
BUCKET_TV = "tv_shows"
BUCKET_ANIME = "anime"
BUCKETS = (BUCKET_MOVIES, BUCKET_TV, BUCKET_ANIME)
# Watchlist buckets (/sync/all-items type of each) and the activity keys of their lists.
LIST_TYPE_OF_BUCKET = {BUCKET_TV: "shows", BUCKET_ANIME: "anime"}
LIST_KEYS = ("watching", "completed", "hold", "dropped", "removed_from_list")
PLAYBACK_TYPE_OF_BUCKET = {BUCKET_MOVIES: "movies", BUCKET_TV: "episodes", BUCKET_ANIME: "episodes"}


@dataclass(frozen=True)
class Playback:
    """One paused item on the Simkl account.

    `ids` are normalized: lower-case keys, `simkl_id` folded into `simkl`, values as strings,
    empty and null values dropped. `paused_at` is an ISO-8601 UTC string as Simkl sent it,
    normalized to `YYYY-MM-DDTHH:MM:SSZ`; `paused_epoch` is the same instant in seconds.
    For movies the episode fields are None.
    """

    id: int
    progress: float
    paused_at: str
    paused_epoch: float
    type: str  # MOVIE or EPISODE
    kind: str  # KIND_MOVIE, KIND_SHOW or KIND_ANIME
    title: str
    year: Optional[int] = None
    ids: Dict[str, str] = field(default_factory=dict)
    season: Optional[int] = None
    number: Optional[int] = None
    episode_title: Optional[str] = None
    tvdb_season: Optional[int] = None
    tvdb_number: Optional[int] = None

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


@dataclass(frozen=True)
class Activities:
    """The `playback` timestamp of each bucket (BUCKET_*), None where Simkl sent null or nothing.

    `all` is the account-wide timestamp; `settings` is `settings.all` (moves when the account's
    settings - its plan, and so the playback retention - change; None when not sent; absent
    from caches written before issue 13). Timestamps are compared as opaque strings:
    only "did it change" matters, never which one is later.
    """

    all: Optional[str]
    playback: Dict[str, Optional[str]]
    settings: Optional[str] = None
    # The watchlist timestamps of the show buckets: {bucket: {LIST_KEYS key: timestamp or None}}
    # (up next). Not part of KEY_ACTIVITIES: to_dict leaves them out; the up-next cache
    # remembers the ones it fetched at.
    lists: Dict[str, Dict[str, Optional[str]]] = field(default_factory=dict, compare=False)

    def to_dict(self):
        data = asdict(self)
        del data["lists"]
        return data

    @classmethod
    def from_dict(cls, data):
        return cls(**data)
