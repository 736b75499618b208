"""The sign-in dialog with the QR code (kodi/pin_dialog.py + resources/skins/default/1080i/simkl-pin.xml)
on the fake Kodi, against the stand-in: the same PIN flows as tests/test_login.py, read off the
XML window (its properties, countdown bar, focus) instead of the DialogProgress fallback."""
import os
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
import segno

from simkl_resume.kodi import pin_dialog
from tests.test_login import make_ctx, run_login

ROOT = Path(__file__).resolve().parent.parent
SKIN = ROOT / "resources" / "skins" / "default"
XML = SKIN / "1080i" / pin_dialog.WINDOW_XML

def xml_dialogs(kodi):
    return [d for d in kodi.dialogs if d["type"] == "windowxmldialog"]


def progress_dialogs(kodi):
    return [d for d in kodi.dialogs if d["type"] == "progress"]


def pin_code(s):
    return s.server.requests("/oauth/pin/")[-1]["path"].rsplit("/", 1)[1]


def qr_files(folder):
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if n.startswith(pin_dialog.QR_PREFIX))


def unfilter(kind, line, prev, bpp=1):
    """PNG row filters (None, Sub, Up, Average, Paeth); pixels here are at most one byte."""
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + b) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 0xFF
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        else:
            assert kind == 0, "unknown PNG filter %d" % kind
    return line


def png_modules(data):
    """Pixels of a QR PNG as segno writes it (greyscale or palette, no interlace): rows of
    booleans, True = dark."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert colour in (0, 3) and depth in (1, 2, 4, 8)
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    palette = chunks.get(b"PLTE")
    dark_rows = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = unfilter(kind, bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]), prev)
        prev = line
        bits = "".join(format(b, "08b") for b in line)
        values = [int(bits[x * depth:(x + 1) * depth], 2) for x in range(width)]
        if colour == 3:
            values = [palette[3 * v] for v in values]      # red channel of the palette entry
        else:
            values = [v * 255 // ((1 << depth) - 1) for v in values]
        dark_rows.append([v < 128 for v in values])
    return dark_rows


def decode_qr_png(data, link):
    """The module grid of the PNG (border 4), compared by the caller with segno's symbol."""
    rows = png_modules(data)
    size = segno.make(link, error="m", micro=False).symbol_size(scale=1, border=4)[0]
    scale = len(rows) // size
    assert scale * size == len(rows) == len(rows[0])
    return [[rows[(r + 4) * scale + scale // 2][(c + 4) * scale + scale // 2] for c in range(size - 8)]
            for r in range(size - 8)]


def capture_qr_png(kodi, s, shots):
    """While the dialog is open, copy the QR image its window shows (it is deleted on close)."""
    def grab(elapsed):
        for d in xml_dialogs(kodi):
            path = d["window"].getProperty(pin_dialog.PROP_QR)
            if path and os.path.isfile(path) and path not in shots:
                shots[path] = Path(path).read_bytes()
    s.on_tick.append(grab)


def test_sign_in_opens_the_xml_dialog_with_code_link_countdown_and_cancel_focused(kodi, make_standin):
    s = make_standin(approve_after_polls=2, pin_expires_in=60)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is not None
    assert progress_dialogs(kodi) == []
    dialog, = xml_dialogs(kodi)
    assert dialog["xml"] == "simkl-pin.xml"
    assert dialog["path"] == str(XML)
    assert dialog["shown"] and not dialog["modal"] and dialog["closed"]
    assert dialog["focus"] == pin_dialog.CONTROL_CANCEL
    window = dialog["window"]
    code = pin_code(s)
    link = "https://simkl.com/pin/" + code
    assert window.getProperty("Heading") == "Sign in to Simkl"
    assert window.getProperty("Code") == code
    assert window.getProperty("Link") == link
    lines = window.getProperty("Lines")
    assert "[B]%s[/B]" % link in lines and "[B]%s[/B]" % code in lines
    percents = dialog["percents"]
    assert percents[0] == 100 and percents == sorted(percents, reverse=True) and percents[-1] < 100
    assert window.getProperty("Remaining").startswith("The code is valid for 0:5")
    assert window.getProperty("Status") == "Waiting for you to approve the code..."


def test_qr_image_encodes_the_pin_address_and_is_deleted_when_the_dialog_closes(kodi, make_standin):
    s = make_standin(approve_after_polls=2)
    ctx = make_ctx(kodi, s.server.url)
    shots = {}
    capture_qr_png(kodi, s, shots)
    run_login(ctx)
    code = pin_code(s)
    link = "https://simkl.com/pin/" + code
    (path, data), = shots.items()
    assert os.path.dirname(path) == ctx.profile_dir.rstrip(os.sep)
    assert os.path.basename(path) == "pin-qr-%s.png" % code
    expected = [[bool(v) for v in row] for row in segno.make(link, error="m", micro=False).matrix]
    assert decode_qr_png(data, link) == expected
    other = [[bool(v) for v in row] for row in segno.make(link + "X", error="m", micro=False).matrix]
    assert decode_qr_png(data, link) != other
    assert qr_files(ctx.profile_dir) == []


def test_cancel_button_stops_polling_at_once_without_signing_in(kodi, make_standin):
    s = make_standin(pin_interval=2, approve_after_polls=10)

    def press_cancel(elapsed):
        if elapsed >= 3 and not xml_dialogs(kodi)[0]["closed"]:
            xml_dialogs(kodi)[0]["window"]._click(pin_dialog.CONTROL_CANCEL)
    s.on_tick.append(press_cancel)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is None
    assert len(s.polls()) == 1
    assert kodi.notifications == []
    assert xml_dialogs(kodi)[0]["closed"] is True
    kodi.clock.advance(60)
    assert len(s.polls()) == 1
    assert qr_files(ctx.profile_dir) == []


@pytest.mark.parametrize("action_id", [92, 10], ids=["back", "previous_menu"])
def test_back_on_the_remote_cancels_the_sign_in(kodi, make_standin, action_id):
    s = make_standin(pin_interval=2, approve_after_polls=10)

    def press_back(elapsed):
        if elapsed >= 5 and not xml_dialogs(kodi)[0]["closed"]:
            xml_dialogs(kodi)[0]["window"]._press(action_id)
    s.on_tick.append(press_back)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is None
    assert len(s.polls()) == 2
    assert xml_dialogs(kodi)[0]["closed"] is True


def test_arrow_keys_do_not_cancel(kodi, make_standin):
    s = make_standin(pin_interval=2, approve_after_polls=3)

    def press_arrows(elapsed):
        if elapsed in (1, 2, 3, 4):
            xml_dialogs(kodi)[0]["window"]._press(int(elapsed))   # 1-4: left, right, up, down
    s.on_tick.append(press_arrows)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is not None


def test_expired_code_counts_the_bar_down_to_zero_and_removes_the_qr(kodi, make_standin):
    s = make_standin(pin_interval=2, pin_expires_in=10)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is None
    dialog, = xml_dialogs(kodi)
    assert dialog["closed"] and dialog["percents"][-1] == 0
    assert dialog["window"].getProperty("Remaining") == "The code is valid for 0:00"
    assert [n["message"] for n in kodi.notifications] == [
        "The sign-in code expired. Choose Sign in to Simkl to get a new one."]
    assert qr_files(ctx.profile_dir) == []


def test_slow_down_shows_in_the_status_line(kodi, make_standin):
    statuses = []
    s = make_standin(rate=0.5, pin_interval=2, approve_after_polls=3)
    s.on_tick.append(lambda elapsed: statuses.append(xml_dialogs(kodi)[0]["window"].getProperty("Status")))
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is not None
    assert "Simkl asked to check less often; still waiting..." in statuses


def test_without_a_qr_library_the_dialog_shows_the_same_text_and_no_qr(kodi, make_standin,
                                                                          monkeypatch):
    monkeypatch.setattr(pin_dialog, "load_segno", lambda: None)
    s = make_standin(approve_after_polls=2)
    ctx = make_ctx(kodi, s.server.url)
    seen = []
    s.on_tick.append(lambda elapsed: seen.append(qr_files(ctx.profile_dir)))
    run_login(ctx)
    assert ctx.account.token is not None
    dialog, = xml_dialogs(kodi)
    window = dialog["window"]
    code = pin_code(s)
    assert window.getProperty("QR") == ""
    assert window.getProperty("Code") == code
    assert "https://simkl.com/pin/" + code in window.getProperty("Lines")
    assert seen and all(files == [] for files in seen)


def test_a_failing_qr_library_is_logged_and_the_sign_in_goes_on(kodi, make_standin, monkeypatch):

    class Broken:
        @staticmethod
        def make(*args, **kwargs):
            raise ValueError("boom")
    monkeypatch.setattr(pin_dialog, "load_segno", lambda: Broken)
    s = make_standin(approve_after_polls=1)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is not None
    assert xml_dialogs(kodi)[0]["window"].getProperty("QR") == ""
    assert any("no QR code (ValueError: boom)" in line for line in ctx.logs)


def test_missing_window_xml_falls_back_to_the_progress_dialog(kodi, make_standin, monkeypatch):
    monkeypatch.setattr(pin_dialog, "WINDOW_XML", "missing-simkl-pin.xml")
    s = make_standin(approve_after_polls=1)
    ctx = make_ctx(kodi, s.server.url)
    run_login(ctx)
    assert ctx.account.token is not None
    assert xml_dialogs(kodi) == []
    dialog, = progress_dialogs(kodi)
    assert "https://simkl.com/pin/" + pin_code(s) in dialog["message"]
    assert any("XML dialog unavailable" in line for line in ctx.logs)


def test_qr_images_of_earlier_sign_ins_are_removed_and_names_hold_only_safe_characters(tmp_path):
    (tmp_path / "pin-qr-OLD1.png").write_bytes(b"old")
    (tmp_path / "cache.db").write_bytes(b"keep")
    pin_dialog.remove_qr_images(str(tmp_path))
    path = pin_dialog.write_qr_png("https://simkl.com/pin/AB/../C", "AB/../C", str(tmp_path))
    assert sorted(os.listdir(str(tmp_path))) == ["cache.db", "pin-qr-ABC.png"]
    assert path == str(tmp_path / "pin-qr-ABC.png")
    rows = png_modules(Path(path).read_bytes())
    assert len(rows) == len(rows[0]) <= pin_dialog.QR_PIXELS


# --- the window XML and the code agree ------------------------------------------------------

def test_window_xml_declares_the_controls_and_properties_the_code_uses():
    root = ET.parse(str(XML)).getroot()
    controls = {int(c.get("id")): c.get("type") for c in root.iter("control") if c.get("id")}
    assert controls[pin_dialog.CONTROL_PROGRESS] == "progress"
    assert controls[pin_dialog.CONTROL_CANCEL] == "button"
    assert controls[pin_dialog.CONTROL_QR] == "image"
    default = root.find("defaultcontrol")
    assert default.text == str(pin_dialog.CONTROL_CANCEL) and default.get("always") == "true"
    text = XML.read_text(encoding="utf-8")
    used = set(__import__("re").findall(r"Window\.Property\((\w+)\)", text))
    set_by_code = {getattr(pin_dialog, n) for n in dir(pin_dialog) if n.startswith("PROP_")}
    assert used == set_by_code
    cancel = [c for c in root.iter("control") if c.get("id") == str(pin_dialog.CONTROL_CANCEL)][0]
    assert cancel.findtext("label") == "222"                      # Kodi's own "Cancel"
    focusable = [c for c in root.iter("control")
                 if c.get("type") in ("button", "list", "edit", "radiobutton", "togglebutton")]
    assert focusable == [cancel]                                  # arrows cannot leave Cancel


def test_every_texture_the_window_xml_names_is_shipped_in_its_media_folder():
    root = ET.parse(str(XML)).getroot()
    names = {t.text for t in root.iter() if t.tag.startswith("texture") or t.tag in ("midtexture",)}
    names = {n for n in names if n and not n.startswith("$INFO")}
    assert names
    assert sorted(n for n in names if not (SKIN / "media" / n).is_file()) == []
