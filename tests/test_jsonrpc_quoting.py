"""JSON-RPC requests are always built with json.dumps (issue 8, part 6).

Dynamic: kodi/jsonrpc.py round-trips titles with quotes, backslashes, newlines, emoji, NUL,
RTL marks and JSON-looking injection text through the fake Kodi's executeJSONRPC - reading,
writing (SetMovieDetails) and notifying (JSONRPC.NotifyAll) - and every request text it
sends is one JSON document equal to the request it meant.

Static: no module under lib/ writes JSON-RPC text by hand (%-formatting, str.format,
f-strings or concatenation), every executeJSONRPC call gets `json.dumps(...)`, and only
kodi/ talks JSON-RPC at all.
"""
import ast
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests._hypothesis_profiles import fuzz

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib" / "simkl_resume"

NASTY_TITLES = [
    'He said "hi"', "back\\slash", "C:\\new\\table", "line\nbreak\r\n", "tab\there", "\U0001f3ac\U0001f37f",
    "nul\x00byte", "\u202eevil\u202c", "\u05e9\u05dc\u05d5\u05dd", "caf\u00e9 \u00e9\u0301",
    '", "method": "Player.Stop", "x": "', '"}]}', "\\u0022", "%s %d {0} {title}", "'single'", "",
    "\ufeffbom", "\u2028\u2029", "</script>", "\x1b[31mred",
]
TITLES = st.one_of(st.sampled_from(NASTY_TITLES),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))


class Spy:
    """Wraps xbmc.executeJSONRPC: records every request text, passes it on unchanged."""

    def __init__(self, execute):
        self.execute = execute
        self.sent = []

    def __call__(self, text):
        self.sent.append(text)
        return self.execute(text)


def _spy(monkeypatch, jsonrpc):
    spy = Spy(jsonrpc.xbmc.executeJSONRPC)
    monkeypatch.setattr(jsonrpc.xbmc, "executeJSONRPC", spy)
    return spy


@fuzz(300)
@given(TITLES, TITLES)
def test_titles_with_quotes_backslashes_newlines_and_emoji_round_trip_through_jsonrpc(
        kodi, monkeypatch, title, new_title):
    from simkl_resume.kodi import jsonrpc

    movie_id = kodi.library.add_movie(title=title, year=2001, uniqueid={"imdb": "tt0000001"})
    with monkeypatch.context() as patch:
        spy = _spy(patch, jsonrpc)
        calls_before = len(kodi.jsonrpc_calls)
        read = jsonrpc.call("VideoLibrary.GetMovieDetails", {"movieid": movie_id, "properties": ["title"]})
        assert read["moviedetails"]["title"] == title
        assert jsonrpc.call("VideoLibrary.SetMovieDetails", {"movieid": movie_id, "title": new_title}) == "OK"
        assert kodi.library.movies[movie_id]["title"] == new_title
        assert jsonrpc.call("JSONRPC.NotifyAll", {"sender": "plugin.video.simkl.resume", "message": "check",
                                                  "data": {"title": new_title}}) == "OK"
    # exactly the three intended methods ran (no injected Player.Stop), with the exact params
    calls = kodi.jsonrpc_calls[calls_before:]
    assert [method for method, _ in calls] == ["VideoLibrary.GetMovieDetails", "VideoLibrary.SetMovieDetails",
                                               "JSONRPC.NotifyAll"]
    assert calls[1][1]["title"] == new_title and calls[2][1]["data"] == {"title": new_title}
    # every request text was one JSON document: the request, nothing more, on one line
    for text, (method, params) in zip(spy.sent, calls):
        assert json.loads(text) == {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        assert "\n" not in text and "\r" not in text


# ---------------------------------------------------------------------------------------
# static: nobody builds JSON-RPC text by hand


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _jsonrpc_findings(source, name, in_kodi=True):
    """Hand-built JSON-RPC in `source`: a string literal holding a quoted "jsonrpc" key (in
    plain, f-, %- or .format strings alike), executeJSONRPC fed anything but json.dumps(...),
    or JSON-RPC used outside kodi/."""
    findings = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if '"jsonrpc"' in node.value or "'jsonrpc'" in node.value or '\\"jsonrpc\\"' in node.value:
                findings.append("%s:%d: JSON-RPC text in a string literal" % (name, node.lineno))
        if isinstance(node, ast.Call) and _dotted(node.func).endswith("executeJSONRPC"):
            if not in_kodi:
                findings.append("%s:%d: executeJSONRPC outside kodi/" % (name, node.lineno))
            arg = node.args[0] if node.args else None
            if not (isinstance(arg, ast.Call) and _dotted(arg.func) in ("json.dumps", "dumps")):
                findings.append("%s:%d: executeJSONRPC not given json.dumps(...)" % (name, node.lineno))
        if isinstance(node, ast.Dict) and not in_kodi:
            if any(isinstance(k, ast.Constant) and k.value == "jsonrpc" for k in node.keys):
                findings.append("%s:%d: JSON-RPC envelope outside kodi/" % (name, node.lineno))
    return findings


def test_jsonrpc_scanner_catches_hand_built_requests():
    bad = [
        """xbmc.executeJSONRPC('{"jsonrpc": "2.0", "id": 1, "method": "%s"}' % method)""",
        """xbmc.executeJSONRPC('{{"jsonrpc": "2.0", "method": "{}"}}'.format(method))""",
        """xbmc.executeJSONRPC(f'{{"jsonrpc": "2.0", "params": {{"title": "{title}"}}}}')""",
        """text = '{"jsonrpc": "2.0", "method": "' + method + '"}'""",
        """xbmc.executeJSONRPC(text)""",
        """xbmc.executeJSONRPC(json.dumps(req).replace("x", title))""",
    ]
    for snippet in bad:
        assert _jsonrpc_findings(snippet, "<bad>"), snippet
    assert _jsonrpc_findings("""call({"jsonrpc": "2.0"})""", "<outside>", in_kodi=False)
    assert not _jsonrpc_findings(
        """raw = xbmc.executeJSONRPC(json.dumps({"jsonrpc": "2.0", "id": 1, "method": m}))""", "<ok>")


def test_no_module_under_lib_builds_jsonrpc_text_by_hand():
    files = sorted(LIB.rglob("*.py"))
    assert (LIB / "kodi" / "jsonrpc.py") in files
    findings = []
    for path in files:
        in_kodi = path.parent.name == "kodi"
        findings += _jsonrpc_findings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), in_kodi)
    assert not findings


def test_entry_points_do_not_talk_jsonrpc_directly():
    for entry in ("default.py", "service.py"):
        path = ROOT / entry
        assert not _jsonrpc_findings(path.read_text(encoding="utf-8"), entry, in_kodi=False)
