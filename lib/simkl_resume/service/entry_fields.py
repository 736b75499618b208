"""The fields a resume-list entry takes from its library item (paused and up-next entries alike).

`fill_from_library(entry, match, item, show)` fills what the menu draws and plays (dbid, file,
copies, art, uniqueids, runtime, the real duration, titles and numbers); `pick_copy(items)`
chooses which library copy of an item to play. resume_list.py and up_next.py both use them.
"""
from typing import Any, Dict, List, Optional

from ..core.matching import Match
from ..core.mirror import real_duration
from ..core.model import EPISODE


def _positive(value: Any) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def show_art(show: Optional[Dict[str, Any]]) -> Dict[str, str]:
    art: Dict[str, str] = {}
    for key, value in ((show or {}).get("art") or {}).items():
        if value:
            art["tvshow." + key] = value
            if key in ("poster", "fanart", "banner", "clearlogo"):
                art[key] = value
    return art


def fill_from_library(entry, result: Match, item: Optional[Dict[str, Any]],
                       show: Optional[Dict[str, Any]]) -> None:
    if item is None:
        entry["matched"] = False
        entry["reason"] = "not_in_library"
        return
    dbid = item.get(result.kind + "id") or result.dbid
    tvshowid = item.get("tvshowid") or result.tvshowid
    entry.update({"via": result.via, "mediatype": result.kind, "dbid": dbid,
                  "tvshowid": tvshowid,
                  "file": item.get("file") or (result.file if dbid == result.dbid else None),
                  "copies": list(result.all_dbids)})
    entry["uniqueids"] = {str(k): str(v) for k, v in (item.get("uniqueid") or {}).items() if v}
    art = show_art(show)
    art.update({k: v for k, v in (item.get("art") or {}).items() if v})
    entry["art"] = art
    entry["lastplayed"] = item.get("lastplayed") or ""
    runtime = _positive(item.get("runtime"))
    entry["runtime"] = int(runtime or 0)
    entry["duration"] = real_duration(item)
    if item.get("title"):
        entry["title"] = item["title"]
    if result.kind == EPISODE:
        entry["season"], entry["number"] = result.season, result.episode
        entry["show_title"] = (show or {}).get("title") or item.get("showtitle") or entry["show_title"]
    elif item.get("year"):
        entry["year"] = item["year"]
    if not entry["file"]:
        entry["matched"] = False
        entry["reason"] = "not_in_library"


def pick_copy(items: List[Optional[Dict[str, Any]]]) -> Optional[Dict[str, Any]]:
    """Of the library copies of one item (in db id order; None = gone), the one last played on
    this Kodi (`lastplayed`, Kodi's "YYYY-MM-DD HH:MM:SS": it sorts as text), else the first."""
    present = [item for item in items if isinstance(item, dict)]
    if not present:
        return None
    played = [item for item in present if item.get("lastplayed")]
    if played:
        return max(played, key=lambda item: str(item.get("lastplayed")))
    return present[0]
