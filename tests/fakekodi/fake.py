"""FakeKodi: the one state object behind the fake xbmc* modules (see tests/fakekodi/__init__.py)."""
import collections
import json
import os
import re
import sys
import threading
import time as _time
import weakref
import xml.etree.ElementTree as ET

from .clock import Clock
from .jsonrpc import Dispatcher
from .library import Library
from .player import PlayerState

ADDON_ID = "plugin.video.simkl.resume"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGDEBUG, LOGINFO, LOGWARNING, LOGERROR, LOGFATAL = 0, 1, 2, 3, 4
LEVEL_NAMES = {0: "debug", 1: "info", 2: "warning", 3: "error", 4: "fatal", 5: "none"}


def parse_strings_po(path):
    """{id: msgid} from a Kodi strings.po (msgctxt "#30000" / msgid "...")."""
    strings = {}
    if not os.path.exists(path):
        return strings
    ctx = None
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            m = re.match(r'msgctxt\s+"#(\d+)"', line)
            if m:
                ctx = int(m.group(1))
                current = None
                continue
            m = re.match(r'msgid\s+"(.*)"$', line)
            if m and ctx is not None:
                strings[ctx] = json.loads('"%s"' % m.group(1))
                current = ctx
                continue
            m = re.match(r'"(.*)"$', line)
            if m and current is not None:
                strings[current] += json.loads('"%s"' % m.group(1))
                continue
            if line.startswith("msgstr"):
                current = None
                ctx = None
    return strings


def parse_settings_xml(path):
    """{id: (type, default string)} from a new-format (version 1) settings.xml."""
    out = collections.OrderedDict()
    if not os.path.exists(path):
        return out
    for el in ET.parse(path).getroot().iter("setting"):
        sid = el.get("id")
        stype = el.get("type", "string")
        d = el.find("default")
        default = (d.text or "") if d is not None else ""
        if stype == "boolean":
            default = default or "false"
        elif stype in ("integer", "number"):
            default = default or "0"
        out[sid] = (stype, default)
    return out


class Directory:
    """What a plugin run put into Kodi's directory (kodi.directory)."""

    def __init__(self, handle):
        self.handle = handle
        self.items = []  # DirectoryItem
        self.content = None
        self.category = None
        self.sort_methods = []
        self.succeeded = None  # set by endOfDirectory
        self.update_listing = None
        self.cache_to_disc = None
        self.properties = {}

    @property
    def ended(self):
        return self.succeeded is not None

    def labels(self):
        return [i.listitem.getLabel() for i in self.items]

    def __repr__(self):
        return "Directory(handle=%s, %d items, succeeded=%s)" % (self.handle, len(self.items), self.succeeded)


DirectoryItem = collections.namedtuple("DirectoryItem", "url listitem isFolder")
Resolved = collections.namedtuple("Resolved", "handle succeeded listitem")


class PluginRun:
    def __init__(self, argv, directory, resolved):
        self.argv = argv
        self.directory = directory
        self.resolved = resolved


class FakeKodi:
    """State of one fake Kodi. Created by the `kodi` fixture; see README in __init__.py."""

    def __init__(self, profile_root, repo_root=REPO_ROOT, start_time=None, addon_id=ADDON_ID):
        self.repo_root = repo_root
        self.addon_id = addon_id
        self.home = os.path.join(str(profile_root), "kodi-home")
        self.profile_subdir = None  # load_profile: None = the master profile
        os.makedirs(os.path.join(self.home, "userdata", "addon_data"), exist_ok=True)
        os.makedirs(os.path.join(self.home, "temp"), exist_ok=True)
        start = float(int(_time.time())) if start_time is None else float(start_time)
        self.callback_errors = []
        self.expect_callback_errors = False
        self.clock = Clock(start, on_error=self._callback_error)
        self.library = Library()
        self.library.on_update = self._library_updated
        self.player = PlayerState(self)
        self.clock.add_event_source(self.player._end_time)
        self.clock.add_tick_handler(self.player._tick)
        self.file_durations = {}            # path -> seconds, for files outside the library
        self.file_details = {}              # plugin URL -> {"lastplayed", "playcount"} (Files.GetFileDetails)
        self.default_file_duration = 1800.0
        self.jsonrpc = Dispatcher(self)
        self.jsonrpc_calls = []             # (method, params)
        self.logs = []                      # (level, message)
        self.builtins = []                  # executebuiltin() strings
        self.notifications = []             # Dialog().notification(...) as dicts
        self.dialogs = []                   # every other dialog as dicts
        self.dialog_answers = collections.defaultdict(collections.deque)  # kind -> scripted answers
        self.progress_cancel_after = None   # DialogProgress.iscanceled() True after N updates
        self.windows = collections.defaultdict(dict)  # window id -> {lowercased key: value}
        self.active_window = 10000
        self.conditions = {}                # getCondVisibility table (lowercased)
        self.info_labels = {"system.buildversion": "20.1 (20.1.0) Git:20230311-5f418d0b13"}
        self.container_path = ""            # Container.FolderPath after the last folder run
        self.directory = None               # Directory of the last plugin run
        self.directories = []
        self.resolved = None                # Resolved of the last setResolvedUrl
        self.plugin_urls = {}               # plugin url -> ListItem | path | callable(url)
        self.plugin_entry = None            # default: simkl_resume.plugin.routes.run
        self.current_handle = None
        addon_xml = ET.parse(os.path.join(repo_root, "addon.xml")).getroot()
        self.addon_name = addon_xml.get("name")
        self.addon_version = addon_xml.get("version")
        self.setting_defs = parse_settings_xml(os.path.join(repo_root, "resources", "settings.xml"))
        self.settings = dict((k, v[1]) for k, v in self.setting_defs.items())
        self.core_strings = {}              # xbmc.getLocalizedString table (Kodi's own strings)
        self.strings = parse_strings_po(os.path.join(
            repo_root, "resources", "language", "resource.language.en_gb", "strings.po"))
        self._monitors = weakref.WeakSet()
        self._players = weakref.WeakSet()

    # ---------------------------------------------------------------- paths
    def load_profile(self, directory=None):
        """Profiles.LoadProfile: special://profile/ becomes userdata/<directory>/ (None: the
        master profile). As on real Kodi 20.1, Window(10000)'s properties stay as they were
        (a property the master profile set was still there for the next one); the library is
        shared here (a profile without its own databases)."""
        self.profile_subdir = directory

    def translate_path(self, path):
        profile = os.path.join(self.home, "userdata", *([self.profile_subdir] if self.profile_subdir else []))
        mapping = (
            ("special://profile/", profile + os.sep),
            ("special://masterprofile/", os.path.join(self.home, "userdata") + os.sep),
            ("special://userdata/", os.path.join(self.home, "userdata") + os.sep),
            ("special://home/addons/%s/" % self.addon_id, self.repo_root + os.sep),
            ("special://home/", self.home + os.sep),
            ("special://temp/", os.path.join(self.home, "temp") + os.sep),
            ("special://xbmc/", "/usr/share/kodi/"),
        )
        for prefix, real in mapping:
            if path == prefix.rstrip("/"):
                return real.rstrip(os.sep)
            if path.startswith(prefix):
                return real + path[len(prefix):]
        return path

    @property
    def profile_dir(self):
        """The real folder of special://profile/addon_data/<addon id>/ (not created by Kodi)."""
        return self.translate_path("special://profile/addon_data/%s/" % self.addon_id)

    # ---------------------------------------------------------------- logging
    def log(self, msg, level=LOGDEBUG):
        self.logs.append((level, msg))

    def log_text(self, min_level=LOGDEBUG):
        return "\n".join(m for lvl, m in self.logs if lvl >= min_level)

    def _callback_error(self, text):
        self.callback_errors.append(text)
        self.log("EXCEPTION Thrown (PythonToCppException) : " + text, LOGERROR)

    # ---------------------------------------------------------------- callbacks
    def _register_monitor(self, monitor):
        self._monitors.add(monitor)

    def _register_player(self, player):
        self._players.add(player)

    def _fire_player(self, name, *args, before=None):
        """Queue callback `name` to every live Player; `before()` runs just before each delivery."""
        for p in list(self._players):
            self.clock.post(p._owner, _bound(p, name, args, before))

    def has_players(self):
        return bool(list(self._players))

    def notify(self, sender, method, data=None):
        """Deliver onNotification(sender, method, json data) to every live Monitor (queued)."""
        payload = data if isinstance(data, str) else json.dumps(data)
        for m in list(self._monitors):
            self.clock.post(m._owner, _bound(m, "onNotification", (sender, method, payload)))

    def send_notification(self, sender, method, data=None):
        """Driver: notify and settle (the receivers have run when this returns)."""
        self.notify(sender, method, data)
        self.clock.settle()

    def _settings_changed(self):
        for m in list(self._monitors):
            self.clock.post(m._owner, _bound(m, "onSettingsChanged", ()))

    def change_setting(self, setting_id, value):
        """Driver: the user changed a setting in the GUI: store and fire onSettingsChanged."""
        self.set_setting(setting_id, value)
        self._settings_changed()
        self.clock.settle()

    def _library_updated(self, kind, dbid):
        self.notify("xbmc", "VideoLibrary.OnUpdate", {"item": {"id": dbid, "type": kind}})

    def pump(self):
        """Run the callbacks queued for the calling thread and wait for the other threads."""
        self.clock.settle()

    # ---------------------------------------------------------------- threads & time
    def start_thread(self, target, *args, **kwargs):
        """Start `target(*args)` in a daemon thread the clock waits for (e.g. the service)."""
        name = kwargs.pop("name", "addon-thread")
        t = threading.Thread(target=target, args=args, kwargs=kwargs, name=name, daemon=True)
        self.clock.track(t)
        t.start()
        self.clock.settle()
        return t

    def busy(self):
        """Driver: `with kodi.busy(): ...` - the addon's threads (the service's main thread) cannot
        run meanwhile, so Kodi's callbacks to them wait and run late (clock.Clock.busy)."""
        return self.clock.busy()

    def abort(self):
        """Kodi shuts down: every waitForAbort() returns True; returns when tracked threads end."""
        self.clock.abort()

    def kill(self):
        """SIGKILL / power cut while the addon runs: the player vanishes with NO callback (not
        even those already queued) and no bookmark; the addon's threads end (Python threads
        cannot be killed: they are aborted, but nothing of Kodi reaches them any more).
        Start a new FakeKodi on the same profile root for the restart."""
        self.player.kill()
        self.clock.drop_callbacks()
        self.abort()

    # ---------------------------------------------------------------- settings
    def get_setting(self, setting_id):
        return self.settings.get(setting_id, "")

    def set_setting(self, setting_id, value):
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.settings[setting_id] = str(value)

    def setting_type(self, setting_id):
        d = self.setting_defs.get(setting_id)
        return d[0] if d else None

    # ---------------------------------------------------------------- dialogs
    def answer(self, kind, *answers):
        """Script the next answers of a dialog kind: yesno, yesnocustom, select, multiselect,
        input, numeric, contextmenu, ok, browse."""
        self.dialog_answers[kind].extend(answers)

    def _next_answer(self, kind, default):
        q = self.dialog_answers.get(kind)
        if q:
            return q.popleft()
        return default

    # ---------------------------------------------------------------- builtins/info
    @property
    def container_refreshes(self):
        return sum(1 for b in self.builtins if b.replace(" ", "").lower().startswith("container.refresh"))

    def cond_visibility(self, condition):
        c = condition.strip().lower()
        dynamic = {
            "player.hasvideo": self.player.playing, "player.hasmedia": self.player.playing,
            "player.playing": self.player.playing and not self.player.paused,
            "player.paused": self.player.playing and self.player.paused,
            "system.hasaddon(%s)" % self.addon_id: True,
        }
        if c in self.conditions:
            return bool(self.conditions[c])
        return dynamic.get(c, False)

    def info_label(self, label):
        key = label.strip().lower()
        if key == "container.folderpath":
            return self.container_path
        if key == "player.filenameandpath":  # [live, 20.1] the plugin URL for a plugin item
            return self.player.item.url if self.player.item is not None else ""
        return self.info_labels.get(key, "")

    # ---------------------------------------------------------------- plugin
    def base_url(self, path="/"):
        return "plugin://%s%s" % (self.addon_id, path if path.startswith("/") else "/" + path)

    def run_plugin(self, url_query="/", handle=1, entry=None):
        """Run the plugin like Kodi: argv = [base_url, handle, '?query', 'resume:false'].
        `url_query` is "/path?query", "?query" or a full plugin:// URL. Returns a PluginRun;
        exceptions from the plugin propagate (Kodi would log them)."""
        if url_query.startswith("plugin://"):
            rest = url_query[len("plugin://"):]
            addon, _, rest = rest.partition("/")
            path_query = "/" + rest
        else:
            path_query = url_query if url_query.startswith(("/", "?")) else "/" + url_query
            if path_query.startswith("?"):
                path_query = "/" + path_query
        path, sep, query = path_query.partition("?")
        argv = [self.base_url(path), str(handle), ("?" + query) if sep else "", "resume:false"]
        if entry is None:
            entry = self.plugin_entry
        if entry is None:
            from simkl_resume.plugin import routes as _plugin  # written by the plugin owner
            entry = _plugin.run
        directory = Directory(handle)
        self.directory = directory
        self.directories.append(directory)
        self.resolved = None
        self.current_handle = handle
        saved_argv = sys.argv
        sys.argv = list(argv)
        try:
            entry(list(argv))
        finally:
            sys.argv = saved_argv
            self.current_handle = None
        if directory.succeeded and self.resolved is None:
            self.container_path = argv[0] + argv[2]
        return PluginRun(argv, directory, self.resolved)

    def resolve_plugin_url(self, url):
        """The ListItem a plugin URL plays (setResolvedUrl), from kodi.plugin_urls or by running
        the plugin. Returns None when it does not resolve."""
        from .xbmcgui import ListItem
        target = self.plugin_urls.get(url)
        if callable(target):
            target = target(url)
        if target is None:
            if not url.startswith(self.base_url("/")):
                return None
            run = self.run_plugin(url, handle=self.next_handle())
            if run.resolved is None or not run.resolved.succeeded:
                return None
            return run.resolved.listitem
        if isinstance(target, str):
            return ListItem(path=target)
        return target

    _handle_counter = 100

    def next_handle(self):
        FakeKodi._handle_counter += 1
        return FakeKodi._handle_counter

    def kodi_major(self):
        """The major version System.BuildVersion reports (20 unless a test sets another)."""
        head = self.info_labels.get("system.buildversion", "20").split(".", 1)[0]
        return int(head) if head.isdigit() else 20

    # ---------------------------------------------------------------- player helpers
    def play_listitem(self, path, listitem=None, resume_percent=None, use_resume_point=False):
        """Open `path` (may be a plugin URL) as Kodi would; queues callbacks (no settle)."""
        from_plugin = False
        start = 0.0
        url = path
        if path.startswith("plugin://"):
            resolved = self.resolve_plugin_url(path)
            if resolved is None:
                self.log("Playlist Player: skipping unplayable item: 0, path [%s]" % path, LOGERROR)
                return False
            listitem = resolved
            path = resolved.getPath()
            from_plugin = True
        item = self.player.file_item(path, listitem, from_plugin=from_plugin)
        item.url = url
        if listitem is not None:
            pct = listitem.getProperty("StartPercent")
            tag = listitem.getVideoInfoTag()
            if pct:
                # [live 21.2] Kodi 21 truncates StartPercent to a whole percent ("39.98" -> 39)
                pct = float(int(float(pct))) if self.kodi_major() >= 21 else float(pct)
                start = pct / 100.0 * item.duration
            elif tag.getResumeTime() > 0:
                start = tag.getResumeTime()
        if resume_percent is not None:
            start = float(resume_percent) / 100.0 * item.duration
        elif use_resume_point and item.kind and item.dbid != -1:
            row = self.library.get(item.kind, item.dbid)
            start = row["resume"]["position"] if row else 0.0
        self.player.start(item, start)
        return True


def _bound(obj, name, args, before=None):
    def call():
        if before is not None:
            before()
        getattr(obj, name)(*args)
    return call
