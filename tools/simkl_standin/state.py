"""The Simkl stand-in's state and the documented Simkl semantics, without any HTTP.

`State.api(method, path, query, headers, body)` answers one Simkl API request as
`Reply(status, body, headers)`; the HTTP layer (server.py) only moves bytes, applies faults
and keeps the request log. Every mutation happens under `State.lock`.

Time is `time.time() + clock_offset`: tests age playbacks, expire PIN codes and open the
409 window with `advance(seconds)` instead of sleeping.
"""
import copy
import datetime
import itertools
import re
import secrets
import threading
import time

RETENTION_DAYS = {"free": 7, "pro": 30, "vip": 90}
DEFAULT_RUNTIME = {"movie": 90, "show": 45, "anime": 25}
BUCKET_OF_TYPE = {"movie": "movies", "show": "tv_shows", "anime": "anime"}
WATCHED_THRESHOLD = 80.0
RESCROBBLE_WINDOW = 3600
LIST_TYPES = {"shows": "show", "movies": "movie", "anime": "anime"}  # /sync/all-items/{type}
LIST_KEY_OF_TYPE = {kind: key for key, kind in LIST_TYPES.items()}
LIST_STATUSES = ("watching", "plantowatch", "hold", "completed", "dropped")

DEFAULT_OPTIONS = {
    "pin_interval": 5,  # seconds a client must wait between two polls of a code
    "pin_expires_in": 900,  # seconds a code lives
    "approve_after_polls": None,  # approve every new code on its Nth poll
    "pin_user_type": "free",  # plan of users created by PIN approval
    "shape": "new",  # "new" (episode.number, ids.simkl, ms) | "apiary" (episode.episode, ids.simkl_id)
    "auto_catalog": False,  # unknown scrobbled/history items are added instead of 404 id_err
    "scrobble_delay": 0,  # seconds each scrobble holds the per-user lock (to make overlap testable)
    "post_rate_limit": 0,  # max POSTs per second per user (0/False = off); more -> 429
    "activities_method": "GET",  # "GET" (GET and POST work) | "POST-only" | "GET-only"
    "legacy_paused_at_key": False,  # activities say `paused_at` instead of `playback`
}

ACTIVITY_KEYS = {
    "tv_shows": ["all", "rated_at", "playback", "plantowatch", "watching", "completed", "hold", "dropped",
                 "removed_from_list"],
    "anime": ["all", "rated_at", "playback", "plantowatch", "watching", "completed", "hold", "dropped",
              "removed_from_list"],
    "movies": ["all", "rated_at", "playback", "plantowatch", "completed", "dropped", "removed_from_list"],
}


class Reply:
    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {}

    def __repr__(self):
        return f"Reply({self.status!r}, {self.body!r})"


def error(status, err, message=""):
    return Reply(status, {"error": err, "code": status, "message": message or err})


# ---------------------------------------------------------------------------- time helpers

def iso(epoch, ms=True):
    """Epoch seconds -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (or without ms), via whole milliseconds so that
    float noise never turns .003 into .002."""
    total_ms = int(round(epoch * 1000))
    dt = datetime.datetime.fromtimestamp(total_ms // 1000, tz=datetime.timezone.utc)
    if ms:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{total_ms % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_ms(epoch):
    """Epoch seconds quantized to whole milliseconds: every time the stand-in stores is one, so a
    paused_at read back from the API compares exactly equal (date_from >= is inclusive)."""
    return int(round(float(epoch) * 1000)) / 1000.0


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_iso(text):

    """ISO-8601 date or date-time (UTC unless an offset is given) -> epoch seconds, None if unreadable."""
    m = _ISO_RE.match(str(text).strip())
    if not m:
        return None
    year, month, day, hour, minute, sec, frac, tz = m.groups()
    try:
        dt = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                               int(sec or 0), int((frac or "0").ljust(6, "0")), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    epoch = dt.timestamp()
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return to_ms(epoch)


# ---------------------------------------------------------------------------- ids

def norm_ids(ids):

    """Ids for matching: lower-case keys, simkl_id -> simkl, values as lower-case strings, no empties."""
    out = {}
    if not isinstance(ids, dict):
        return out
    for key, value in ids.items():
        if value is None or isinstance(value, (dict, list)):
            continue
        text = str(value).strip().lower()
        if not text:
            continue
        key = str(key).lower()
        if key == "simkl_id":
            key = "simkl"
        out[key] = text
    return out


def slugify(title):
    return re.sub(r"[^a-z0-9]+", "-", str(title).lower()).strip("-") or "item"


class User:
    def __init__(self, token, name, plan, account_id, joined_at):
        self.token = token
        self.name = name
        self.type = plan
        self.id = account_id
        self.joined_at = joined_at
        self.playbacks = {}
        self.history = []
        self.completed = {}
        self.sessions = {}
        self.activities = {}
        self.watchlist = {}  # simkl id -> {"status", "added_at", "updated_at", "last_watched_at"}
        self.scrobble_lock = threading.Lock()
        self.post_times = []


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.stop_event = threading.Event()  # set when the server stops: ends delays and hangs early
        self.reset()

    # ------------------------------------------------------------------------ basics

    def reset(self):
        with self.lock:
            self.options = dict(DEFAULT_OPTIONS)
            self.clock_offset = 0.0
            self.frozen_at = None  # epoch while the clock is frozen
            self.catalog = {}
            self.users = {}
            self.client_ids = None
            self.pins = {}
            self._playback_ids = itertools.count(5000000001)  # beyond int32 on purpose
            self._history_ids = itertools.count(7000000001)
            self._session_ids = itertools.count(9000000001)
            self._simkl_ids = itertools.count(900001)
            self._account_ids = itertools.count(51)
            self._last_stamp_ms = 0

    def now(self):
        base = self.frozen_at if self.frozen_at is not None else time.time()
        return to_ms(base + self.clock_offset)

    def freeze(self, when=None):
        """Stop the clock (at `when`, epoch or ISO-8601; default: now): only advance() moves it.
        For exact, deterministic time in tests; clients that really sleep need it running."""
        with self.lock:
            now = self.now()
            if when is not None:
                now = parse_iso(when) if isinstance(when, str) else float(when)
                if now is None:
                    raise ValueError(f"unreadable time {when!r}")
            self.frozen_at, self.clock_offset = now, 0.0

    def unfreeze(self):
        with self.lock:
            if self.frozen_at is not None:
                self.clock_offset = self.now() - time.time()
                self.frozen_at = None

    def advance(self, seconds):
        with self.lock:
            self.clock_offset += float(seconds)

    def set_now(self, when):
        """Make the stand-in's clock read `when` (epoch seconds or ISO-8601) from now on."""
        epoch = parse_iso(when) if isinstance(when, str) else float(when)
        if epoch is None:
            raise ValueError(f"unreadable time {when!r}")
        with self.lock:
            self.clock_offset = epoch - (self.frozen_at if self.frozen_at is not None else time.time())

    def configure(self, **options):
        with self.lock:
            unknown = set(options) - set(DEFAULT_OPTIONS)
            if unknown:
                raise ValueError("unknown stand-in option(s): {}".format(", ".join(sorted(unknown))))
            self.options.update(options)

    @property
    def ms(self):
        return self.options.get("shape") != "apiary"

    def stamp(self):
        """A fresh activity timestamp, strictly later than every earlier one (so it always moves)."""
        step = 1 if self.ms else 1000  # in milliseconds
        now_ms = int(round(self.now() * 1000)) // step * step
        if now_ms <= self._last_stamp_ms:
            now_ms = self._last_stamp_ms + step
        self._last_stamp_ms = now_ms
        return iso(now_ms / 1000.0, self.ms)

    # ------------------------------------------------------------------------ seeding

    def seed(self, data):

        with self.lock:
            if data.get("options"):
                self.configure(**data["options"])
            if data.get("client_ids") is not None:
                self.client_ids = set(self.client_ids or set()) | {str(c) for c in data["client_ids"]}
            for item in data.get("catalog") or []:
                self.add_catalog(item)
            for user in data.get("users") or []:
                self.add_user(user.get("token"), user.get("name"), user.get("type", "free"))
            for playback in data.get("playbacks") or []:
                self.add_playback(playback)
            for entry in data.get("history") or []:
                user = self._seed_user(entry.get("user"))
                body = {k: v for k, v in entry.items() if k != "user"}
                self._add_history(user, body, seeded=True)

    def add_catalog(self, item):

        with self.lock:
            kind = item.get("type", "movie")
            if kind not in BUCKET_OF_TYPE:
                raise ValueError(f"catalog type must be movie, show or anime: {kind!r}")
            entry = copy.deepcopy(item)
            entry["type"] = kind
            entry.setdefault("title", "Untitled")
            entry.setdefault("year", None)
            ids = dict(entry.get("ids") or {})
            if "simkl_id" in ids and "simkl" not in ids:
                ids["simkl"] = ids.pop("simkl_id")
            if not ids.get("simkl"):
                ids["simkl"] = next(self._simkl_ids)
            ids["simkl"] = int(ids["simkl"])
            ids.setdefault("slug", slugify(entry["title"]))
            entry["ids"] = ids
            entry.setdefault("runtime", DEFAULT_RUNTIME[kind])
            entry.setdefault("episodes", [])
            self.catalog[ids["simkl"]] = entry
            return entry

    def add_user(self, token=None, name=None, plan="free"):

        with self.lock:
            token = token or secrets.token_hex(16)
            account_id = next(self._account_ids)
            user = User(token, name or f"user{account_id}", plan or "free", account_id, self.now())
            stamp = self.stamp()
            user.activities = {"all": stamp, "settings": {"all": stamp}}
            for bucket, keys in ACTIVITY_KEYS.items():
                user.activities[bucket] = {key: stamp for key in keys}
            self.users[token] = user
            return user

    def set_plan(self, token, plan):
        """The user changes plan on simkl.com: `settings.all` (and `all`) move."""
        with self.lock:
            user = self.users[token]
            user.type = plan
            stamp = self.stamp()
            user.activities["settings"]["all"] = stamp
            user.activities["all"] = stamp
            return user

    def _seed_user(self, token):
        if token:
            if token not in self.users:
                return self.add_user(token)
            return self.users[token]
        if not self.users:
            return self.add_user()
        return next(iter(self.users.values()))

    def add_playback(self, spec):

        """Seed one playback. spec: scrobble-like body ({"movie":{..}} | {"show"|"anime":{..},
        "episode":{"season","number"}}) or {"title":..} of a catalog item, plus "progress",
        optional "user" (token; default the first user), "paused_at" (ISO) or "ago" (seconds), "id".
        Unknown items are added to the catalog. Returns the playback in API shape."""
        with self.lock:
            user = self._seed_user(spec.get("user"))
            item, season, number = self._resolve_seed_item(spec)
            if spec.get("paused_at"):
                paused = parse_iso(spec["paused_at"])
                if paused is None:
                    raise ValueError("unreadable paused_at {!r}".format(spec["paused_at"]))
            else:
                paused = to_ms(self.now() - float(spec.get("ago") or 0))
            progress = float(spec.get("progress", 50.0))
            record = self._save_playback(user, item, season, number, progress, paused, spec.get("id"))
            return self.playback_json(record)

    def _resolve_seed_item(self, spec):
        for kind in ("movie", "show", "anime"):
            if isinstance(spec.get(kind), dict):
                item = self.resolve(kind, spec[kind], auto=True)
                break
        else:
            title = spec.get("title")
            matches = [i for i in self.catalog.values() if i["title"] == title]
            if not matches:
                raise ValueError(f"no catalog item titled {title!r}")
            item = matches[0]
        season = number = None
        if item["type"] != "movie":
            episode = spec.get("episode") or {}
            season = int(episode.get("season", spec.get("season", 1)))
            number = int(episode.get("number", episode.get("episode", spec.get("number", 1))))
        return item, season, number

    # ------------------------------------------------------------------------ items

    def resolve(self, kind, obj, auto=False):

        """The catalog item an incoming {"ids":..} under key `kind` means, or None.

        tmdb (and tvdb) ids live in separate namespaces for movies and TV, so a "movie" only
        matches movies and a "show"/"anime" only matches shows and anime."""
        if not isinstance(obj, dict):
            return None
        ids = norm_ids(obj.get("ids"))
        types = {"movie": ["movie"], "show": ["show", "anime"], "anime": ["anime", "show"]}[kind]
        if ids:
            for wanted in types:
                for item in self.catalog.values():
                    if item["type"] != wanted:
                        continue
                    mine = norm_ids(item["ids"])
                    if any(mine.get(k) == v for k, v in ids.items()):
                        return item
        if auto or self.options.get("auto_catalog"):
            if not ids and not obj.get("title"):
                return None
            new = {"type": kind, "title": obj.get("title") or f"Unknown {kind}", "year": obj.get("year"),
                   "ids": {k: v for k, v in (obj.get("ids") or {}).items() if k not in ("simkl", "simkl_id")}}
            return self.add_catalog(new)
        return None

    def find_episode(self, item, season, number, tvdb_numbering=False):
        for ep in item.get("episodes") or []:
            s, n = ep.get("season"), ep.get("number", ep.get("episode"))
            if tvdb_numbering:
                s, n = ep.get("tvdb_season", s), ep.get("tvdb_number", n)
            if s == season and n == number:
                return ep
        return None

    def resolve_episode(self, kind, item, episode):

        """(season, number) in Simkl numbering of an incoming episode reference, or None."""
        if not isinstance(episode, dict):
            return None
        ids = norm_ids(episode.get("ids"))
        if ids:
            for ep in item.get("episodes") or []:
                mine = norm_ids(ep.get("ids"))
                if any(mine.get(k) == v for k, v in ids.items()):
                    return int(ep["season"]), int(ep.get("number", ep.get("episode")))
        number = episode.get("number", episode.get("episode"))
        season = episode.get("season", 1)
        try:
            season, number = int(season), int(number)
        except (TypeError, ValueError):
            return None
        if kind == "show" and item["type"] == "anime" and not self.find_episode(item, season, number):
            # A client that only knows TVDB numbering sends an anime as a "show": map it.
            mapped = self.find_episode(item, season, number, tvdb_numbering=True)
            if mapped:
                return int(mapped["season"]), int(mapped.get("number", mapped.get("episode")))
        return season, number

    def item_json(self, item):
        ids = {}
        for key, value in item["ids"].items():
            if key == "simkl" and not self.ms:
                key = "simkl_id"
            ids[key] = value
        return {"title": item["title"], "year": item.get("year"), "ids": ids}

    def episode_json(self, item, season, number):
        ep = self.find_episode(item, season, number) or {}
        out = {"season": season, ("number" if self.ms else "episode"): number,
               "title": ep.get("title") or f"Episode {number}",
               "tvdb_season": ep.get("tvdb_season", season), "tvdb_number": ep.get("tvdb_number", number)}
        return out

    # ------------------------------------------------------------------------ playbacks / activities

    def touch(self, user, bucket, key):
        stamp = self.stamp()
        user.activities[bucket][key] = stamp
        user.activities[bucket]["all"] = stamp
        user.activities["all"] = stamp

    def _save_playback(self, user, item, season, number, progress, paused_at, playback_id=None):
        key = (item["ids"]["simkl"], season, number)
        record = user.playbacks.get(key)
        if record is None:
            record = {"id": int(playback_id) if playback_id else next(self._playback_ids), "key": key}
            user.playbacks[key] = record
        elif playback_id:
            record["id"] = int(playback_id)
        record.update({"item": item, "season": season, "number": number, "progress": round(progress, 2),
                       "paused_at": paused_at})
        self.touch(user, BUCKET_OF_TYPE[item["type"]], "playback")
        return record

    def _drop_playbacks(self, user, match):
        """Remove the user's playbacks for which match(record) is true; move their buckets."""
        gone = [key for key, record in user.playbacks.items() if match(record)]
        buckets = set()
        for key in gone:
            buckets.add(BUCKET_OF_TYPE[user.playbacks.pop(key)["item"]["type"]])
        for bucket in sorted(buckets):
            self.touch(user, bucket, "playback")
        return len(gone)

    def playback_json(self, record):
        item = record["item"]
        out = {"id": record["id"], "progress": record["progress"],
               "paused_at": iso(record["paused_at"], self.ms)}
        if item["type"] == "movie":
            out["type"] = "movie"
            out["movie"] = self.item_json(item)
        else:
            out["type"] = "episode"
            out["episode"] = self.episode_json(item, record["season"], record["number"])
            out[item["type"]] = self.item_json(item)
        return out

    def prune(self, user):
        """Retention by plan, applied before every user request (Simkl runs a daily job; this never
        lags). Pruning does not move activities."""
        days = RETENTION_DAYS.get(str(user.type).lower(), 7)
        horizon = self.now() - days * 86400
        for key in [k for k, r in user.playbacks.items() if r["paused_at"] < horizon]:
            del user.playbacks[key]

    def _watched_after(self, user, record):
        simkl, season, number = record["key"]
        for entry in user.history:
            if entry["simkl"] != simkl or entry["watched_at"] <= record["paused_at"]:
                continue
            if entry["season"] is None or (entry["season"] == season and entry["number"] in (None, number)):
                return True
        return False

    def activities_json(self, user):
        out = copy.deepcopy(user.activities)
        if self.options.get("legacy_paused_at_key"):
            for bucket in ACTIVITY_KEYS:
                out[bucket]["paused_at"] = out[bucket].pop("playback")
        return out

    # ------------------------------------------------------------------------ watchlist / next to watch

    def _episode_order(self, item):
        """Every (season, number) the catalog knows for a show, specials (season 0) left out, in
        order: `seasons` ({"1": 7, "2": 13} or [7, 13]: episode counts) plus the `episodes` list."""
        known = set()
        counts = item.get("seasons")
        if isinstance(counts, list):
            counts = {index + 1: count for index, count in enumerate(counts)}
        for season, count in (counts or {}).items():
            for number in range(1, int(count) + 1):
                known.add((int(season), number))
        for ep in item.get("episodes") or []:
            season, number = ep.get("season"), ep.get("number", ep.get("episode"))
            if season is not None and number is not None and int(season) > 0:
                known.add((int(season), int(number)))
        return sorted(known)

    def watch_progress(self, user, item):
        """The user's progress through a show from the history: {"last", "next", "watched",
        "total", "complete", "last_watched_at"}. `last` is the furthest watched episode, `next`
        the first unwatched one after it (None when the catalog knows none left); a show whose
        catalog has no `seasons` counts is open-ended: after the last known episode comes
        number + 1 of the same season."""
        simkl = item["ids"]["simkl"]
        order = self._episode_order(item)
        watched, stamps, whole = set(), [], False
        for entry in user.history:
            if entry["simkl"] != simkl:
                continue
            stamps.append(entry["watched_at"])
            if entry["season"] is None:
                whole = True
            elif entry["number"] is None:
                watched.update(ep for ep in order if ep[0] == entry["season"])
            elif entry["season"] > 0:
                watched.add((entry["season"], entry["number"]))
        if whole:
            watched.update(order)
        last = max(watched) if watched else None
        following = [ep for ep in order if (last is None or ep > last) and ep not in watched]
        if not item.get("seasons"):  # open-ended: the `episodes` list is only what the catalog names
            nxt = (last[0], last[1] + 1) if last is not None else (1, 1)
        else:
            nxt = following[0] if following else None
        total = len(set(order) | watched)
        complete = bool(item.get("seasons")) and bool(order) and all(ep in watched for ep in order)
        return {"last": last, "next": nxt, "watched": len(watched), "total": total, "complete": complete,
                "last_watched_at": max(stamps) if stamps else None}

    def episode_code(self, item, episode):
        """"S01E06", or "E148" for an anime the catalog marks `"absolute": true`."""
        if episode is None:
            return None
        if item.get("absolute"):
            return f"E{episode[1]:02d}"
        return f"S{episode[0]:02d}E{episode[1]:02d}"

    def _list_entry(self, user, item, status):
        now = self.now()
        entry = user.watchlist.get(item["ids"]["simkl"])
        if entry is None:
            entry = user.watchlist[item["ids"]["simkl"]] = {"status": status, "added_at": now,
                                                           "updated_at": now, "last_watched_at": None}
        return entry

    def list_status(self, spec):
        """Control helper: spec {"show"|"anime"|"movie": {"ids":..}} or {"title":..}, "status"
        (a list status, or None = off the list), optional "user" (token)."""
        with self.lock:
            user = self._seed_user(spec.get("user"))
            item, _season, _number = self._resolve_seed_item(dict(spec, season=1, number=1))
            self.set_list_status(user, item, spec.get("status"))
            entry = user.watchlist.get(item["ids"]["simkl"])
            return self.watchlist_item_json(user, item, entry, "") if entry else None

    def _watched(self, user, item):
        """History of `item` changed: its watchlist entry follows (watching, or completed when every
        episode is watched; movies: completed) and the activities move as Simkl moves them:
        `watching` for an episode marked watched, `completed` (and `watching`, which it leaves)
        when a show completes, `completed` for a movie."""
        bucket = BUCKET_OF_TYPE[item["type"]]
        entry = user.watchlist.get(item["ids"]["simkl"])
        old = entry["status"] if entry else None
        if item["type"] == "movie":
            entry = self._list_entry(user, item, "completed")
            stamps = [h["watched_at"] for h in user.history if h["simkl"] == item["ids"]["simkl"]]
            entry.update({"status": "completed", "updated_at": self.now(),
                          "last_watched_at": max(stamps) if stamps else None})
            self.touch(user, bucket, "completed")
            return
        progress = self.watch_progress(user, item)
        status = "completed" if progress["complete"] else "watching"
        entry = self._list_entry(user, item, status)
        entry.update({"status": status, "updated_at": self.now(),
                      "last_watched_at": progress["last_watched_at"]})
        if status == "completed" or old == "completed":
            self.touch(user, bucket, "completed")
        if status == "watching" or old == "watching":
            self.touch(user, bucket, "watching")

    def set_list_status(self, user, item, status):
        """Move `item` to a watchlist status, or off the list (status None: its history goes too,
        as Simkl's /sync/history/remove of a whole show does). Moves the new status's activity,
        the old one's, and `removed_from_list` for a removal."""
        if status is not None and status not in LIST_STATUSES:
            raise ValueError(f"status must be one of {', '.join(LIST_STATUSES)} or None")
        bucket = BUCKET_OF_TYPE[item["type"]]
        simkl = item["ids"]["simkl"]
        old = (user.watchlist.get(simkl) or {}).get("status")
        if status is None:
            user.history = [h for h in user.history if h["simkl"] != simkl]
            user.watchlist.pop(simkl, None)
            if old is not None:
                self.touch(user, bucket, "removed_from_list")
                if old in ACTIVITY_KEYS[bucket]:
                    self.touch(user, bucket, old)
            return
        entry = self._list_entry(user, item, status)
        entry.update({"status": status, "updated_at": self.now()})
        if old is not None and old != status and old in ACTIVITY_KEYS[bucket]:
            self.touch(user, bucket, old)
        if status in ACTIVITY_KEYS[bucket]:
            self.touch(user, bucket, status)

    def watchlist_item_json(self, user, item, entry, extended):
        kind = item["type"]
        container = self.item_json(item)
        # Simkl sends some ids as strings ("tmdb": "62417"): so does the stand-in.
        ids = container["ids"] = {key: str(value) if key in ("tmdb", "tvdb") else value
                                  for key, value in container["ids"].items()}
        key = "movie" if kind == "movie" else "show"
        if extended == "ids_only" or extended == "simkl_ids_only":
            if extended == "simkl_ids_only":
                container = {"ids": {k: v for k, v in ids.items() if k in ("simkl", "simkl_id")}}
            return {key: container}
        last_watched_at = entry.get("last_watched_at")
        out = {"added_to_watchlist_at": iso(entry["added_at"], self.ms),
               "last_watched_at": iso(last_watched_at, self.ms) if last_watched_at else None,
               "user_rated_at": None, "status": entry["status"], "user_rating": None}
        container.update({"poster": "{}/poster".format(item["ids"].get("slug")),
                          "runtime": item.get("runtime")})
        if kind == "movie":
            out["movie"] = container
            return out
        progress = self.watch_progress(user, item)
        out.update({"last_watched": self.episode_code(item, progress["last"]),
                    "next_to_watch": None if entry["status"] == "completed"
                    else self.episode_code(item, progress["next"]),
                    "watched_episodes_count": progress["watched"],
                    "total_episodes_count": progress["total"], "not_aired_episodes_count": 0,
                    "show": container})
        if kind == "anime":
            out["anime_type"] = item.get("anime_type", "tv")
            if extended == "full_anime_seasons":
                seasons = {}
                for ep in item.get("episodes") or []:
                    if ep.get("tvdb_season") is None or ep.get("tvdb_number") is None:
                        continue
                    number = ep.get("number", ep.get("episode"))
                    tvdb = {"season": ep["tvdb_season"], "episode": ep["tvdb_number"]}
                    seasons.setdefault(int(ep["season"]), []).append({"number": number, "tvdb": tvdb})
                out["mapped_tvdb_seasons"] = sorted({e["tvdb"]["season"] for eps in seasons.values()
                                                     for e in eps})
                out["seasons"] = [{"number": s, "episodes": sorted(eps, key=lambda e: e["number"])}
                                  for s, eps in sorted(seasons.items())]
        return out

    def _all_items(self, user, rest, query):
        parts = [p for p in rest.split("/") if p]
        if len(parts) > 2 or (parts and parts[0] not in LIST_TYPES) or (
                len(parts) == 2 and parts[1] not in LIST_STATUSES):
            return error(404, "not_found", "unknown type or status")
        kinds = [LIST_TYPES[parts[0]]] if parts else list(LIST_TYPES.values())
        status = parts[1] if len(parts) == 2 else None
        since = None
        if query.get("date_from"):
            since = parse_iso(query["date_from"])
            if since is None:
                return error(400, "date_invalid", "date_from is not a date")
        extended = query.get("extended") or ""
        out = {}
        entries = sorted(user.watchlist.items(), key=lambda kv: (kv[1]["updated_at"], kv[0]), reverse=True)
        for simkl, entry in entries:
            item = self.catalog.get(simkl)
            if item is None or item["type"] not in kinds:
                continue
            if status and entry["status"] != status:
                continue
            if since is not None and entry["updated_at"] < since:
                continue
            out.setdefault(LIST_KEY_OF_TYPE[item["type"]], []).append(
                self.watchlist_item_json(user, item, entry, extended))
        if not out:  # Simkl answers a JSON null when there is nothing
            return Reply(200, b"null", {"Content-Type": "application/json; charset=utf-8"})
        return Reply(200, out)

    def _remove_history(self, user, body):
        """POST /sync/history/remove: episodes of a show are unmarked (the show's list entry
        follows, `watching` moves); a show or movie without seasons leaves the list entirely."""
        if not isinstance(body, dict):
            return error(400, "body_invalid", "expected a JSON object")
        deleted = {"movies": 0, "shows": 0, "episodes": 0}
        not_found = {"movies": [], "shows": []}
        for kind, key in (("movie", "movies"), ("show", "shows"), ("anime", "anime")):
            for entry in body.get(key) or []:
                item = self.resolve(kind, entry)
                if item is None:
                    not_found["movies" if kind == "movie" else "shows"].append(entry)
                    continue
                seasons = entry.get("seasons") if kind != "movie" else None
                if not seasons:
                    self.set_list_status(user, item, None)
                    deleted["movies" if kind == "movie" else "shows"] += 1
                    continue
                simkl = item["ids"]["simkl"]
                for season in seasons:
                    numbers = [ep.get("number", ep.get("episode")) for ep in season.get("episodes") or []]
                    before = len(user.history)
                    user.history = [h for h in user.history if not (
                        h["simkl"] == simkl and h["season"] == int(season.get("number", 1))
                        and (not numbers or h["number"] in numbers))]
                    deleted["episodes"] += before - len(user.history)
                self._watched(user, item)
        return Reply(200, {"deleted": deleted, "not_found": not_found})

    # ------------------------------------------------------------------------ PIN

    def _new_pin(self):
        code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))
        while code in self.pins:
            code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))
        pin = {"user_code": code, "device_code": "DEVICE_" + secrets.token_hex(12), "created": self.now(),
               "expires_in": int(self.options["pin_expires_in"]), "interval": self.options["pin_interval"],
               "polls": 0, "last_poll": None, "approve_after_polls": self.options.get("approve_after_polls"),
               "approved_token": None}
        self.pins[code] = pin
        return Reply(200, {"result": "OK", "device_code": pin["device_code"], "user_code": code,
                           "verification_url": "https://simkl.com/pin/",
                           "verification_uri": "https://simkl.com/pin/",
                           "expires_in": pin["expires_in"], "interval": pin["interval"]})

    def approve_pin(self, code, token=None, name=None, plan=None):

        """Approve a pending code for a user (existing `token`, or a new user). Returns the token."""
        with self.lock:
            pin = self.pins.get(str(code).upper())
            if pin is None:
                raise KeyError(f"no pending PIN code {code!r}")
            if token and token in self.users:
                pin["approved_token"] = token  # (a user may have several tokens: add_token)
                return token
            user = self.add_user(token, name, plan or self.options.get("pin_user_type") or "free")
            pin["approved_token"] = user.token
            return user.token

    def _poll_pin(self, code):
        pin = self.pins.get(code.upper())
        now = self.now()
        if pin is not None and now > pin["created"] + pin["expires_in"]:
            del self.pins[pin["user_code"]]
            pin = None
        if pin is None:
            return self._new_pin()  # new docs: an unknown/deleted/expired code yields a fresh code
        # A little slack: a client sleeping exactly `interval` must not be told to slow down.
        if pin["last_poll"] is not None and now - pin["last_poll"] < float(pin["interval"]) * 0.9:
            return Reply(200, {"result": "KO", "message": "Slow down"})
        pin["last_poll"] = now
        pin["polls"] += 1
        after = pin.get("approve_after_polls")
        if pin["approved_token"] is None and after and pin["polls"] >= int(after):
            self.approve_pin(pin["user_code"])
        if pin["approved_token"]:
            del self.pins[pin["user_code"]]
            return Reply(200, {"result": "OK", "access_token": pin["approved_token"]})
        return Reply(200, {"result": "KO", "message": "Authorization pending"})

    # ------------------------------------------------------------------------ dispatch

    def check_client(self, query, headers):
        client = (query.get("client_id") or headers.get("simkl-api-key") or "").strip()
        if not client:
            return error(412, "client_id_failed", "client_id is missing")
        if self.client_ids is not None and client not in self.client_ids:
            return error(412, "client_id_failed", "client_id is unknown")
        return None

    def user_of(self, headers):
        auth = headers.get("authorization") or ""
        if not auth.lower().startswith("bearer "):
            return None
        return self.users.get(auth[7:].strip())

    def api(self, method, path, query, headers, body):

        """One Simkl API request. `headers` have lower-case names; `body` is parsed JSON or None."""
        path = "/" + path.strip("/")
        with self.lock:
            denied = self.check_client(query, headers)
            if denied:
                return denied
            if path == "/oauth/pin":
                return self._new_pin() if method == "GET" else error(405, "method_not_allowed")
            if path.startswith("/oauth/pin/"):
                if method != "GET":
                    return error(405, "method_not_allowed")
                return self._poll_pin(path[len("/oauth/pin/"):])
            if not (path.startswith("/sync/") or path.startswith("/scrobble/") or path == "/users/settings"):
                return error(404, "not_found", "no such endpoint")
            user = self.user_of(headers)
            if user is None:
                return error(401, "user_token_failed", "missing or unknown access token")
            self.prune(user)  # expired playbacks do not exist for any endpoint
            if method == "POST" and self.options.get("post_rate_limit"):
                now = self.now()
                user.post_times = [t for t in user.post_times if now - t < 1.0]
                if len(user.post_times) >= int(self.options["post_rate_limit"]):
                    return error(429, "rate_limit", "too many POST requests")
                user.post_times.append(now)
            if not path.startswith("/scrobble/"):
                return self._user_api(user, method, path, query, body)
        # Scrobbles: outside the global lock, so a second one can arrive while the first is busy.
        return self._scrobble(user, method, path[len("/scrobble/"):], body)

    def _user_api(self, user, method, path, query, body):
        if path == "/users/settings":
            if method not in ("GET", "POST"):
                return error(405, "method_not_allowed")
            return Reply(200, {"user": {"name": user.name, "joined_at": iso(user.joined_at, False),
                                        "avatar": "https://simkl.in/avatars/default.png"},
                               "account": {"id": user.id, "timezone": "UTC", "type": user.type},
                               "connections": {"facebook": False}})
        if path == "/sync/activities":
            allowed = {"GET": ("GET", "POST"), "POST-only": ("POST",), "GET-only": ("GET",)}
            if method not in allowed.get(self.options.get("activities_method") or "GET", ("GET", "POST")):
                return error(405, "method_not_allowed")
            return Reply(200, self.activities_json(user))
        if path == "/sync/history":
            if method != "POST":
                return error(405, "method_not_allowed")
            return self._add_history(user, body)
        if path == "/sync/history/remove":
            if method != "POST":
                return error(405, "method_not_allowed")
            return self._remove_history(user, body)
        if path == "/sync/all-items" or path.startswith("/sync/all-items/"):
            if method != "GET":
                return error(405, "method_not_allowed")
            return self._all_items(user, path[len("/sync/all-items"):], query)
        if path == "/sync/playback" or path.startswith("/sync/playback/"):
            rest = path[len("/sync/playback"):].strip("/")
            if rest in ("", "movies", "episodes"):
                if method != "GET":
                    return error(405, "method_not_allowed")
                return self._list_playbacks(user, rest or None, query)
            if not rest.isdigit():
                return error(404, "not_found", "unknown playback type")
            if method == "DELETE":
                for key, record in list(user.playbacks.items()):
                    if record["id"] == int(rest):
                        del user.playbacks[key]
                        self.touch(user, BUCKET_OF_TYPE[record["item"]["type"]], "playback")
                        return Reply(204)
                return error(404, "id_err", "no such playback")
            if method == "GET":
                return self._list_playbacks(user, None, query)  # the id is ignored: nothing is deleted
            return error(405, "method_not_allowed")
        return error(404, "not_found", "no such endpoint")

    def _list_playbacks(self, user, kind, query):
        self.prune(user)
        bounds = {}
        for name in ("date_from", "date_to"):
            if query.get(name):
                bounds[name] = parse_iso(query[name])
                if bounds[name] is None:
                    return error(400, "date_invalid", f"{name} is not a date")
        hide = str(query.get("hide_watched", "true")).lower() not in ("false", "0", "no")
        limit = 10000
        if query.get("limit"):
            try:
                limit = int(query["limit"])
            except ValueError:
                return error(400, "limit_invalid", "limit must be a number")
            if not 1 <= limit <= 10000:
                return error(400, "limit_invalid", "limit must be 1..10000")
        records = []
        for record in user.playbacks.values():
            is_movie = record["item"]["type"] == "movie"
            if (kind == "movies" and not is_movie) or (kind == "episodes" and is_movie):
                continue
            if "date_from" in bounds and record["paused_at"] < bounds["date_from"]:
                continue
            if "date_to" in bounds and record["paused_at"] >= bounds["date_to"]:
                continue
            if hide and self._watched_after(user, record):
                continue
            records.append(record)
        records.sort(key=lambda r: (r["paused_at"], r["id"]), reverse=True)
        return Reply(200, [self.playback_json(r) for r in records[:limit]])

    def _add_history(self, user, body, seeded=False):
        if not isinstance(body, dict):
            return error(400, "body_invalid", "expected a JSON object")
        added = {"movies": 0, "shows": 0, "episodes": 0}
        not_found = {"movies": [], "shows": [], "episodes": []}
        now = self.now()
        touched = {}

        def when(entry):
            stamp = parse_iso(entry.get("watched_at")) if entry.get("watched_at") else None
            return now if stamp is None else stamp

        def record(item, season, number, watched_at):
            user.history.append({"id": next(self._history_ids), "simkl": item["ids"]["simkl"],
                                 "season": season, "number": number, "watched_at": watched_at})
            simkl = item["ids"]["simkl"]
            self._drop_playbacks(user, lambda r: r["key"][0] == simkl and (
                season is None or (r["key"][1] == season and number in (None, r["key"][2]))))
            touched[simkl] = item

        for entry in body.get("movies") or []:
            item = self.resolve("movie", entry, auto=seeded)
            if item is None:
                not_found["movies"].append(entry)
                continue
            record(item, None, None, when(entry))
            added["movies"] += 1
        for kind in ("shows", "anime"):
            for entry in body.get(kind) or []:
                item = self.resolve("show" if kind == "shows" else "anime", entry, auto=seeded)
                if item is None:
                    not_found["shows"].append(entry)
                    continue
                seasons = entry.get("seasons")
                if not seasons:
                    record(item, None, None, when(entry))
                    added["shows"] += 1
                    continue
                for season in seasons:
                    episodes = season.get("episodes")
                    if not episodes:
                        record(item, int(season.get("number", 1)), None, when(season))
                        added["episodes"] += 1
                        continue
                    for ep in episodes:
                        number = ep.get("number", ep.get("episode"))
                        ref = {"season": season.get("number", 1), "number": number}
                        resolved = self.resolve_episode("show" if kind == "shows" else "anime", item, ref)
                        if resolved is None:
                            not_found["episodes"].append(ep)
                            continue
                        watched_at = when(ep) if ep.get("watched_at") else when(season)
                        record(item, resolved[0], resolved[1], watched_at)
                        added["episodes"] += 1
        for entry in body.get("episodes") or []:
            found = None
            ids = norm_ids(entry.get("ids"))
            for item in self.catalog.values():
                for ep in item.get("episodes") or []:
                    mine = norm_ids(ep.get("ids"))
                    if ids and any(mine.get(k) == v for k, v in ids.items()):
                        found = (item, int(ep["season"]), int(ep.get("number", ep.get("episode"))))
                        break
                if found:
                    break
            if found is None:
                not_found["episodes"].append(entry)
                continue
            record(found[0], found[1], found[2], when(entry))
            added["episodes"] += 1
        for simkl in sorted(touched):
            self._watched(user, touched[simkl])
        return Reply(201, {"added": added, "not_found": not_found})

    # ------------------------------------------------------------------------ scrobble

    def _scrobble(self, user, method, action, body):
        if action not in ("start", "pause", "stop", "checkin"):
            return error(404, "not_found", "no such scrobble action")
        if method != "POST":
            return error(405, "method_not_allowed")
        if not user.scrobble_lock.acquire(False):
            return error(400, "RATE_LIMIT", "another scrobble of this user is being processed")
        try:
            delay = float(self.options.get("scrobble_delay") or 0)
            if delay > 0:
                self.stop_event.wait(delay)
            with self.lock:
                return self._scrobble_locked(user, action, body)
        finally:
            user.scrobble_lock.release()

    def _scrobble_locked(self, user, action, body):
        if not isinstance(body, dict):
            return error(400, "body_invalid", "expected a JSON object")
        progress = body.get("progress", 0 if action in ("start", "checkin") else None)
        if isinstance(progress, bool) or not isinstance(progress, (int, float)) or not 0 <= progress <= 100:
            return error(400, "progress_invalid", "progress must be a number 0..100")
        progress = round(float(progress), 2)
        kind = next((k for k in ("movie", "show", "anime") if k in body), None)
        if kind is None:
            return error(400, "item_missing", "movie, show or anime is required")
        item = self.resolve(kind, body[kind])
        if item is None:
            return error(404, "id_err", "item not found")
        season = number = None
        if item["type"] != "movie":
            resolved = self.resolve_episode(kind, item, body.get("episode"))
            if resolved is None:
                return error(404, "id_err", "episode not found")
            season, number = resolved
        key = (item["ids"]["simkl"], season, number)
        self.prune(user)
        now = self.now()
        reply = {"progress": progress, item["type"]: self.item_json(item)}
        if season is not None:
            reply["episode"] = self.episode_json(item, season, number)

        if action in ("pause", "stop") and progress >= WATCHED_THRESHOLD:
            watched = user.completed.get(key)
            if watched is not None and now - watched < RESCROBBLE_WINDOW:
                return Reply(409, {"watched_at": iso(watched, self.ms),
                                   "expires_at": iso(watched + RESCROBBLE_WINDOW, self.ms)})
        if action == "start":
            user.sessions[key] = {"action": "start", "progress": progress, "at": now}
            self._drop_playbacks(user, lambda r: r["key"] == key)
            reply.update({"id": next(self._session_ids), "action": "start"})
        elif action == "checkin":
            user.sessions[key] = {"action": "checkin", "progress": progress, "at": now}
            reply.update({"id": next(self._session_ids), "action": "checkin"})
        elif action == "pause" or progress < WATCHED_THRESHOLD:
            user.sessions.pop(key, None)
            record = self._save_playback(user, item, season, number, progress, now)
            reply.update({"id": record["id"], "action": "pause"})
        else:
            user.sessions.pop(key, None)
            entry = {"id": next(self._history_ids), "simkl": key[0], "season": season, "number": number,
                     "watched_at": now}
            user.history.append(entry)
            user.completed[key] = now
            self._drop_playbacks(user, lambda r: r["key"] == key)
            self._watched(user, item)
            reply.update({"id": entry["id"], "action": "scrobble"})
        return Reply(201, reply)

    # ------------------------------------------------------------------------ introspection

    def snapshot(self):
        with self.lock:
            users, playbacks, history, activities, watchlist = [], [], [], {}, []
            unique = []  # a user may have several tokens (add_token): each user once
            for user in self.users.values():
                if all(user is not seen for seen in unique):
                    unique.append(user)
            for user in unique:
                users.append({"name": user.name, "type": user.type, "id": user.id})
                newest = sorted(user.playbacks.values(), key=lambda r: (r["paused_at"], r["id"]))[::-1]
                for record in newest:
                    entry = self.playback_json(record)
                    entry["user"] = user.name
                    playbacks.append(entry)
                for h in user.history:
                    item = self.catalog.get(h["simkl"], {})
                    history.append({"user": user.name, "id": h["id"], "type": item.get("type"),
                                    "title": item.get("title"), "simkl": h["simkl"], "season": h["season"],
                                    "number": h["number"], "watched_at": iso(h["watched_at"], self.ms)})
                activities[user.name] = self.activities_json(user)
                for simkl, entry in sorted(user.watchlist.items()):
                    item = self.catalog.get(simkl)
                    if item is not None:
                        listed = self.watchlist_item_json(user, item, entry, "")
                        listed["user"] = user.name
                        watchlist.append(listed)
                for key, session in user.sessions.items():
                    history_free = {"simkl": key[0], "season": key[1], "number": key[2]}
                    history_free.update(session)
                    history_free["at"] = iso(session["at"], self.ms)
                    history_free["user"] = user.name
                    users[-1].setdefault("sessions", []).append(history_free)
            pins = [{"user_code": p["user_code"], "polls": p["polls"], "approved": bool(p["approved_token"]),
                     "expires_at": iso(p["created"] + p["expires_in"], self.ms), "interval": p["interval"]}
                    for p in self.pins.values()]
            return {"now": iso(self.now(), self.ms), "options": dict(self.options),
                    "catalog": copy.deepcopy(list(self.catalog.values())), "users": users,
                    "playbacks": playbacks, "history": history, "activities": activities, "pins": pins,
                    "watchlist": watchlist}
