"""A small offline video library for real-Kodi tests and `make demo`.

Clips are made with ffmpeg (320x180 testsrc with its visible frame counter and a burnt-in
clock, one keyframe per second, shared by all clips of one duration; each clip has its own
sine audio track and its title in the container metadata) plus NFO files carrying
uniqueids, so Kodi's `metadata.local` scraper imports them without internet.

Everything is cached under build/realkodi-media/<sha>/ where <sha> is the hash of the
library description and the ffmpeg recipe: change either and a new directory is made;
otherwise the suite reuses the clips of an earlier run.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from xml.sax.saxutils import escape

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_ROOT / "build"
RECIPE_VERSION = 2  # bump when the ffmpeg command below changes

FPS = 25


@dataclass
class Movie:
    title: str
    year: int
    uniqueids: Dict[str, str]  # {"imdb": "tt..", "tmdb": "27205"}; the first is the default
    duration: int = 300  # seconds
    tone: int = 440  # Hz of the audio sine
    trailer: int = 0  # seconds of a local trailer "<name>-trailer.mkv" next to it (0: none)


@dataclass
class Episode:
    season: int
    episode: int
    title: str
    uniqueids: Dict[str, str] = field(default_factory=dict)
    duration: int = 300
    tone: int = 660
    # More episodes in the SAME file (a multi-episode file "S01E02E03"): [(number, title)].
    also: List[Tuple[int, str]] = field(default_factory=list)


@dataclass
class Show:
    title: str
    year: int
    uniqueids: Dict[str, str]  # {"tvdb": "81189", "imdb": "tt..", "tmdb": ".."}; first = default
    episodes: List[Episode]


@dataclass
class Library:
    movies: List[Movie]
    shows: List[Show]

    def episode_count(self) -> int:
        return sum(1 + len(e.also) for s in self.shows for e in s.episodes)

    def to_dict(self) -> dict:
        data = asdict(self)
        for movie in data["movies"]:  # no "trailer" key when none: older cache keys stay
            if not movie["trailer"]:
                del movie["trailer"]
        for show in data["shows"]:  # no "also" key when empty: the cache keys of older libraries stay
            for episode in show["episodes"]:
                if not episode["also"]:
                    del episode["also"]
        return data


# The default library: ids match well-known titles that the Simkl stand-in can be seeded with.
DEFAULT_LIBRARY = Library(
    movies=[
        Movie("Inception", 2010, {"imdb": "tt1375666", "tmdb": "27205"}, duration=300, tone=440),
    ],
    shows=[
        Show(
            "Breaking Bad",
            2008,
            {"tvdb": "81189", "imdb": "tt0903747", "tmdb": "1429"},
            [
                Episode(1, 1, "Pilot", {"tvdb": "349232"}, duration=300, tone=550),
                Episode(1, 2, "Cat's in the Bag...", {"tvdb": "349235"}, duration=300, tone=660),
                Episode(1, 3, "...And the Bag's in the River", {"tvdb": "349236"}, duration=300, tone=770),
            ],
        ),
    ],
)


@dataclass
class BuiltLibrary:
    """Where a library was materialised: pass `movies_dir`/`tvshows_dir` to Kodi's path table."""

    root: Path
    movies_dir: Path
    tvshows_dir: Path
    library: Library
    files: Dict[str, Path]  # "movie:Inception" / "episode:Breaking Bad:1:2" -> clip path


def _uniqueid_xml(ids: Dict[str, str], indent: str = "  ") -> str:
    lines = []
    for i, (kind, value) in enumerate(ids.items()):
        default = ' default="true"' if i == 0 else ""
        lines.append('%s<uniqueid type="%s"%s>%s</uniqueid>' % (indent, escape(kind), default, escape(value)))
    return "\n".join(lines)


def movie_nfo(m: Movie) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<movie>\n'
        "  <title>%s</title>\n  <year>%d</year>\n  <runtime>%d</runtime>\n%s\n"
        "  <plot>Test clip: %d s testsrc with a timer.</plot>\n</movie>\n"
        % (escape(m.title), m.year, max(1, m.duration // 60), _uniqueid_xml(m.uniqueids), m.duration)
    )


def show_nfo(s: Show) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<tvshow>\n'
        "  <title>%s</title>\n  <year>%d</year>\n  <premiered>%d-01-20</premiered>\n%s\n</tvshow>\n"
        % (escape(s.title), s.year, s.year, _uniqueid_xml(s.uniqueids))
    )


def episode_nfo(s: Show, e: Episode) -> str:
    """One <episodedetails> per episode in the file (Kodi reads them in order for a
    multi-episode file); each part's runtime is its share of the clip."""
    parts = [(e.episode, e.title, e.uniqueids)] + [(n, t, {}) for n, t in e.also]
    runtime = max(1, e.duration // 60 // len(parts))
    blocks = []
    for number, title, uniqueids in parts:
        ids = _uniqueid_xml(uniqueids) if uniqueids else ""
        blocks.append(
            "<episodedetails>\n  <title>%s</title>\n  <showtitle>%s</showtitle>\n  <season>%d</season>\n"
            "  <episode>%d</episode>\n  <runtime>%d</runtime>\n%s\n</episodedetails>\n"
            % (escape(title), escape(s.title), e.season, number, runtime, ids))
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + "".join(blocks)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in " -_.()" else "_" for c in name).strip()


def make_video(path: Path, duration: int, ffmpeg: str = "ffmpeg") -> None:
    """The video track all clips share: testsrc (its big frame counter), a running clock
    burnt in, one keyframe per second. Encoded once per duration: video is the slow part."""
    clock = ("drawtext=text='%{pts\\:hms}':x=8:y=150:fontsize=20:fontcolor=yellow:"
             "box=1:boxcolor=black@0.6")
    base = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=320x180:rate=%d:duration=%d" % (FPS, duration)]
    tail = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "fastdecode", "-crf", "30",
            "-pix_fmt", "yuv420p", "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0",
            "-an", str(path)]
    try:
        subprocess.run(base + ["-vf", clock] + tail, check=True, capture_output=True)
    except subprocess.CalledProcessError:
        # ffmpeg built without drawtext/fontconfig: the testsrc counter still shows time.
        subprocess.run(base + tail, check=True, capture_output=True)


def make_clip(path: Path, video: Path, duration: int, tone: int, label: str, ffmpeg: str = "ffmpeg") -> None:
    """A clip = the shared video (stream copy) + its own sine audio track + title metadata."""
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(video),
         "-f", "lavfi", "-i", "sine=frequency=%d:sample_rate=48000:duration=%d" % (tone, duration),
         "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "48k", "-ac", "2",
         "-metadata", "title=%s" % label, "-shortest", str(path)],
        check=True, capture_output=True,
    )


def library_key(library: Library) -> str:
    blob = json.dumps({"recipe": RECIPE_VERSION, "fps": FPS, "library": library.to_dict()}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def _layout(root: Path, library: Library) -> BuiltLibrary:
    files = {}  # type: Dict[str, Path]
    for m in library.movies:
        name = _safe("%s (%d)" % (m.title, m.year))
        files["movie:%s" % m.title] = root / "movies" / name / (name + ".mkv")
        if m.trailer:
            files["trailer:%s" % m.title] = root / "movies" / name / (name + "-trailer.mkv")
    for s in library.shows:
        for e in s.episodes:
            more = "".join("E%02d" % n for n, _ in e.also)
            name = _safe("%s S%02dE%02d%s" % (s.title, e.season, e.episode, more))
            path = root / "tvshows" / _safe(s.title) / (name + ".mkv")
            for number in [e.episode] + [n for n, _ in e.also]:
                files["episode:%s:%d:%d" % (s.title, e.season, number)] = path
    return BuiltLibrary(root, root / "movies", root / "tvshows", library, files)


def build_library(library: Optional[Library] = None, cache_dir: Optional[Path] = None) -> BuiltLibrary:
    """Materialise `library` (default DEFAULT_LIBRARY) once; later calls reuse the cache."""
    library = library or DEFAULT_LIBRARY
    cache_dir = Path(cache_dir or BUILD_DIR / "realkodi-media")
    root = cache_dir / library_key(library)
    if (root / "COMPLETE").exists():
        return _layout(root, library)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=str(cache_dir)))
    try:
        built = _layout(tmp, library)
        videos = {}  # type: Dict[int, Path]

        def video_for(duration: int) -> Path:
            if duration not in videos:
                videos[duration] = tmp / (".video-%d.mkv" % duration)
                make_video(videos[duration], duration)
            return videos[duration]

        for m in library.movies:
            clip = built.files["movie:%s" % m.title]
            clip.parent.mkdir(parents=True, exist_ok=True)
            make_clip(clip, video_for(m.duration), m.duration, m.tone, "%s (%d)" % (m.title, m.year))
            clip.with_suffix(".nfo").write_text(movie_nfo(m), encoding="utf-8")
            if m.trailer:
                make_clip(built.files["trailer:%s" % m.title], video_for(m.trailer), m.trailer, m.tone + 5,
                          "%s (%d) trailer" % (m.title, m.year))
        for s in library.shows:
            show_dir = built.tvshows_dir / _safe(s.title)
            show_dir.mkdir(parents=True, exist_ok=True)
            (show_dir / "tvshow.nfo").write_text(show_nfo(s), encoding="utf-8")
            for e in s.episodes:
                clip = built.files["episode:%s:%d:%d" % (s.title, e.season, e.episode)]
                label = "%s S%02dE%02d %s" % (s.title, e.season, e.episode, e.title)
                make_clip(clip, video_for(e.duration), e.duration, e.tone, label)
                clip.with_suffix(".nfo").write_text(episode_nfo(s, e), encoding="utf-8")
        for video in videos.values():
            video.unlink()
        (tmp / "library.json").write_text(json.dumps(library.to_dict(), indent=1), encoding="utf-8")
        (tmp / "COMPLETE").write_text("ok\n", encoding="utf-8")
        os.chmod(str(tmp), 0o755)
        try:
            os.rename(str(tmp), str(root))
        except OSError:  # another process won the race: use theirs
            shutil.rmtree(str(tmp), ignore_errors=True)
    except BaseException:
        shutil.rmtree(str(tmp), ignore_errors=True)
        raise
    return _layout(root, library)


def probe_duration(path: Path, ffprobe: str = "ffprobe") -> float:
    """The real container duration in seconds (what Kodi's percentages refer to)."""
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    return float(out.strip())
