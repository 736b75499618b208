"""Draw the addon artwork: resources/icon.png (512x512) and resources/fanart.jpg (1920x1080).

    python -m tools.make_assets [--out resources]

The design: two screens (the two Kodi devices) with a resume glyph - a play triangle inside
a progress arc - handing the position from one to the other. No text. Everything is drawn
at 4x and scaled down for smooth edges. Needs Pillow (requirements-dev.txt).
"""
import argparse
import math
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
SS = 4  # supersampling factor

BG_TOP = (16, 24, 48)
BG_BOTTOM = (8, 92, 112)
SCREEN = (226, 236, 245)
SCREEN_DIM = (150, 170, 190)
ACCENT = (0, 200, 160)
ACCENT_2 = (255, 190, 60)
GLYPH = (255, 255, 255)

Color = Tuple[int, int, int]
Box = Tuple[float, float, float, float]
Point = Tuple[float, float]


def _gradient(size: Tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    w, h = size
    column = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / max(1, h - 1)
        column.putpixel((0, y), tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)))
    return column.resize((w, h))


def _screen(draw: ImageDraw.ImageDraw, box: Box, color: Color, s: float) -> None:
    """A flat TV: rounded bezel, dark panel, small stand."""
    x0, y0, x1, y1 = box
    r = 0.06 * (x1 - x0)
    draw.rounded_rectangle(box, radius=r, fill=color)
    inset = 0.045 * (x1 - x0)
    draw.rounded_rectangle((x0 + inset, y0 + inset, x1 - inset, y1 - inset), radius=r * 0.5, fill=BG_TOP)
    cx = (x0 + x1) / 2
    stand_w = 0.22 * (x1 - x0)
    draw.rectangle((cx - 0.03 * (x1 - x0), y1, cx + 0.03 * (x1 - x0), y1 + 0.08 * (y1 - y0)), fill=color)
    draw.rounded_rectangle(
        (cx - stand_w / 2, y1 + 0.08 * (y1 - y0), cx + stand_w / 2, y1 + 0.12 * (y1 - y0)),
        radius=6 * s,
        fill=color,
    )


def _resume_glyph(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, fraction: float) -> None:
    """A play triangle inside a ring whose first `fraction` is the watched part."""
    width = max(2, int(radius * 0.16))
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    draw.ellipse(box, outline=SCREEN_DIM, width=width)
    draw.arc(box, start=-90, end=-90 + 360 * fraction, fill=ACCENT, width=width)
    # dot at the resume position
    angle = math.radians(-90 + 360 * fraction)
    ring = radius - width / 2
    dx, dy = cx + ring * math.cos(angle), cy + ring * math.sin(angle)
    dot = width * 0.9
    draw.ellipse((dx - dot, dy - dot, dx + dot, dy + dot), fill=ACCENT_2)
    t = radius * 0.5
    draw.polygon([(cx - t * 0.55, cy - t), (cx - t * 0.55, cy + t), (cx + t * 0.95, cy)], fill=GLYPH)


def _handoff_arrow(draw: ImageDraw.ImageDraw, start: Point, end: Point, width: float):
    """A dotted curve from one screen to the other, ending in an arrow head."""
    (x0, y0), (x1, y1) = start, end
    ctrl = ((x0 + x1) / 2, min(y0, y1) - abs(x1 - x0) * 0.35)
    points = []  # type: List[Tuple[float, float]]
    steps = 9
    for i in range(steps + 1):
        t = i / steps
        px = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * ctrl[0] + t ** 2 * x1
        py = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * ctrl[1] + t ** 2 * y1
        points.append((px, py))
    for px, py in points[:-1]:
        draw.ellipse((px - width, py - width, px + width, py + width), fill=ACCENT_2)
    # arrow head pointing along the last segment
    (ax, ay), (bx, by) = points[-2], points[-1]
    ang = math.atan2(by - ay, bx - ax)
    size = width * 4
    tip = (bx + math.cos(ang) * size * 0.5, by + math.sin(ang) * size * 0.5)
    left = (tip[0] - size * math.cos(ang - 0.5), tip[1] - size * math.sin(ang - 0.5))
    right = (tip[0] - size * math.cos(ang + 0.5), tip[1] - size * math.sin(ang + 0.5))
    draw.polygon([tip, left, right], fill=ACCENT_2)


def _scene(size: Tuple[int, int], scale: float, center: Tuple[float, float]) -> Image.Image:
    """Both screens and the glyph; `scale` = height of the composition in pixels."""
    w, h = size
    img = _gradient((w, h), BG_TOP, BG_BOTTOM)
    draw = ImageDraw.Draw(img)
    cx, cy = center
    u = scale / 100.0  # one unit = 1 % of the composition height
    s = u / 5
    # back screen (the other device), dimmer, up-left
    back = (cx - 46 * u, cy - 40 * u, cx + 4 * u, cy - 8 * u)
    _screen(draw, back, SCREEN_DIM, s)
    bx, by = (back[0] + back[2]) / 2, (back[1] + back[3]) / 2
    _resume_glyph(draw, bx, by, 10 * u, 0.42)
    # front screen (this device), bright, down-right
    front = (cx - 14 * u, cy - 8 * u, cx + 46 * u, cy + 30 * u)
    _screen(draw, front, SCREEN, s)
    fx, fy = (front[0] + front[2]) / 2, (front[1] + front[3]) / 2
    _resume_glyph(draw, fx, fy, 13 * u, 0.42)
    _handoff_arrow(draw, (back[2] + 3 * u, back[1] + 4 * u), (front[2] - 6 * u, front[1] - 3 * u), 1.3 * u)
    return img


def make_icon(size: int = 512) -> Image.Image:
    big = size * SS
    img = _scene((big, big), big * 0.95, (big * 0.5, big * 0.53))
    return img.resize((size, size), Image.LANCZOS)


def make_fanart(width: int = 1920, height: int = 1080) -> Image.Image:
    W, H = width * SS, height * SS
    img = _scene((W, H), H * 0.8, (W * 0.62, H * 0.52))
    # darken the left third, where skins put their text over the fanart
    shade = Image.new("L", (W, H), 0)
    ImageDraw.Draw(shade).rectangle((0, 0, W * 0.3, H), fill=110)
    shade = shade.filter(ImageFilter.GaussianBlur(W * 0.06))
    img = Image.composite(Image.new("RGB", (W, H), (0, 0, 0)), img, shade)
    return img.resize((width, height), Image.LANCZOS)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "resources"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    icon = make_icon()
    icon.save(str(out / "icon.png"), optimize=True)
    fanart = make_fanart()
    fanart.save(str(out / "fanart.jpg"), quality=88, optimize=True, progressive=True)
    print(f"wrote {out / 'icon.png'} ({icon.width}x{icon.height})")
    print(f"wrote {out / 'fanart.jpg'} ({fanart.width}x{fanart.height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
