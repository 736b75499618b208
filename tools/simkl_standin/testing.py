"""Test helpers around the stand-in: a seed with a tmdb clash and a thin `requests` wrapper.

Used by tests/test_standin*.py; teammates may use them too (imports requests: tests only).
"""
import requests


CLIENT_ID = "test-client-id"
TOKEN = "alice-token"
OTHER_TOKEN = "bob-token"

INCEPTION = {"ids": {"imdb": "tt1375666"}}
MATRIX = {"ids": {"tmdb": 603}}
HOUR25 = {"ids": {"tmdb": 1429}}  # movie tmdb 1429 ...
BREAKING_BAD = {"ids": {"tvdb": 81189}}
TITAN = {"ids": {"tmdb": 1429}}  # ... and TV tmdb 1429: the same number, another item

SEED = {
    "users": [{"token": TOKEN, "name": "alice", "type": "free"},
              {"token": OTHER_TOKEN, "name": "bob", "type": "vip"}],
    "catalog": [
        {"type": "movie", "title": "Inception", "year": 2010,
         "ids": {"simkl": 67890, "imdb": "tt1375666", "tmdb": 27205}},
        {"type": "movie", "title": "The Matrix", "year": 1999, "ids": {"simkl": 53536, "imdb": "tt0133093",
                                                                       "tmdb": 603}},
        {"type": "movie", "title": "25th Hour", "year": 2002, "ids": {"simkl": 48122, "imdb": "tt0307901",
                                                                      "tmdb": 1429}},
        {"type": "show", "title": "Breaking Bad", "year": 2008,
         "ids": {"simkl": 11121, "imdb": "tt0903747", "tmdb": 1396, "tvdb": 81189},
         "episodes": [{"season": 1, "number": 5, "title": "Gray Matter", "ids": {"tvdb": 349236}}]},
        {"type": "anime", "title": "Attack on Titan", "year": 2013,
         "ids": {"simkl": 39687, "tmdb": 1429, "tvdb": 267440, "mal": 16498},
         "episodes": [{"season": 1, "number": 26, "title": "Wall", "tvdb_season": 2, "tvdb_number": 1}]},
    ],
}


class Api:
    """Plain `requests` against the stand-in, with client id and token unless told otherwise."""

    def __init__(self, standin, token=TOKEN, client_id=CLIENT_ID):
        self.base = standin.url
        self.token = token
        self.client_id = client_id
        self.session = requests.Session()

    def call(self, method, path, json=None, params=None, token=None, client_id=None, timeout=5, headers=None,
             **kw):
        query = dict(params or {})
        cid = self.client_id if client_id is None else client_id
        if cid:
            query["client_id"] = cid
        headers = dict({"User-Agent": "standin-tests/1.0"}, **(headers or {}))
        tok = self.token if token is None else token
        if tok:
            headers["Authorization"] = "Bearer " + tok
        return self.session.request(method, self.base + path, params=query, json=json, headers=headers,
                                    timeout=timeout, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def scrobble(self, action, progress, **item):
        body = {"progress": progress}
        body.update(item)
        return self.post("/scrobble/" + action, json=body)

    def playbacks(self, kind="", **params):
        reply = self.get("/sync/playback" + ("/" + kind if kind else ""), params=params)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def activities(self):
        reply = self.get("/sync/activities")
        assert reply.status_code == 200, reply.text
        return reply.json()
