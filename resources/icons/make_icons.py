"""Draw the app icon: a magnifier that turns a blocky, low-resolution sunset sharp.

    python resources/icons/make_icons.py [--out FOLDER] [--sizes 16,32,...]

writes, for Briefcase's `icon = "resources/icons/srgan_desktop"` (pyproject.toml):
    srgan_desktop-<size>.png   Linux (system packages, AppImage, Flatpak) and the app window
    srgan_desktop.ico          Windows (MSI, window and taskbar)
    srgan_desktop.icns         macOS (app bundle, DMG)
Everything is drawn from geometry, so the icon is reproducible and has no licensing strings.
Each size is drawn at 4x and downsampled, and sizes up to 32 px get bolder strokes, because a
thin ring disappears at 16 px.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ICON_NAME = "srgan_desktop"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)      # Windows reads at most 256 from an .ico
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)   # the sizes Pillow's ICNS writer stores
SUPERSAMPLE = 4
BLOCKS = 8                                       # the "low-resolution" picture is 8x8 pixels

INK = (15, 23, 42)            # outlines: dark slate, reads on both light and dark desktops
GLASS_RIM = (248, 250, 252)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)


def _sunset(size: int) -> Image.Image:
    """The 'photo': a sky gradient, a sun and two mountain ridges, in unit coordinates."""
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    top, horizon = _rgb("#312e81"), _rgb("#fb923c")
    sky = top * (1 - t) + horizon * t
    image = Image.fromarray(np.broadcast_to(sky, (size, size, 3)).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    s = size
    draw.ellipse([0.50 * s, 0.36 * s, 0.80 * s, 0.66 * s], fill="#fde68a")
    draw.polygon([(0, 0.72 * s), (0.28 * s, 0.46 * s), (0.52 * s, 0.70 * s),
                  (0.72 * s, 0.56 * s), (s, 0.76 * s), (s, s), (0, s)], fill="#4c1d95")
    draw.polygon([(0, 0.86 * s), (0.36 * s, 0.66 * s), (0.66 * s, 0.84 * s),
                  (0.86 * s, 0.74 * s), (s, 0.82 * s), (s, s), (0, s)], fill="#1e1b4b")
    return image


def _pixelated(photo: Image.Image) -> Image.Image:
    small = photo.resize((BLOCKS, BLOCKS), Image.Resampling.BOX)
    return small.resize(photo.size, Image.Resampling.NEAREST)


def _disc_mask(size: int, centre: tuple[float, float], radius: float) -> Image.Image:
    mask = Image.new("L", (size, size), 0)
    cx, cy = centre
    ImageDraw.Draw(mask).ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=255)
    return mask


def _draw_master(size: int, bold: bool) -> Image.Image:
    """The icon at `size` px (already supersampled by the caller)."""
    s = size
    margin = (0.02 if bold else 0.06) * s
    corner = 0.2 * s
    photo = _sunset(s)
    picture = _pixelated(photo)
    lens_centre, lens_radius = (0.42 * s, 0.42 * s), 0.25 * s
    picture.paste(photo, (0, 0), _disc_mask(s, lens_centre, lens_radius))   # sharp under the glass

    icon = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    tile = Image.new("L", (s, s), 0)
    ImageDraw.Draw(tile).rounded_rectangle([margin, margin, s - margin, s - margin], corner, fill=255)
    icon.paste(picture.convert("RGBA"), (0, 0), tile)

    draw = ImageDraw.Draw(icon)
    rim = (0.085 if bold else 0.05) * s
    handle = (0.15 if bold else 0.10) * s
    outline = 0.016 * s
    cx, cy = lens_centre
    edge = lens_radius + rim / 2
    start = (cx + edge * math.cos(math.pi / 4), cy + edge * math.sin(math.pi / 4))
    end = (0.80 * s, 0.80 * s)
    for colour, extra in ((INK, outline), (GLASS_RIM, 0.0)):
        width = handle + 2 * extra
        draw.line([start, end], fill=colour, width=round(width))
        # A round cap only at the far end: one at the rim would bulge into the glass.
        x, y = end
        draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=colour)
        r_out = lens_radius + rim + extra
        draw.ellipse([cx - r_out, cy - r_out, cx + r_out, cy + r_out], outline=colour,
                     width=round(rim + 2 * extra))
    return icon


def render(size: int) -> Image.Image:
    """The RGBA icon at `size` x `size` px."""
    big = _draw_master(size * SUPERSAMPLE, bold=size <= 32)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def write_icons(out_dir: Path, png_sizes: tuple[int, ...] = PNG_SIZES,
                with_bundles: bool = True) -> list[Path]:
    """Write the PNGs (and the .ico/.icns bundles) into `out_dir`; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(png_sizes) | (set(ICO_SIZES) | set(ICNS_SIZES) if with_bundles else set()))
    images = {size: render(size) for size in sizes}
    written = []
    for size in png_sizes:
        path = out_dir / f"{ICON_NAME}-{size}.png"
        images[size].save(path, optimize=True)
        written.append(path)
    if with_bundles:
        ico = out_dir / f"{ICON_NAME}.ico"
        images[256].save(ico, sizes=[(n, n) for n in ICO_SIZES],
                         append_images=[images[n] for n in ICO_SIZES if n != 256])
        icns = out_dir / f"{ICON_NAME}.icns"
        images[1024].save(icns, append_images=[images[n] for n in ICNS_SIZES if n != 1024])
        written += [ico, icns]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the SRGAN Desktop icons.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--sizes", help="comma-separated PNG sizes (default: all); skips .ico/.icns")
    args = parser.parse_args(argv)
    if args.sizes:
        paths = write_icons(args.out, tuple(int(n) for n in args.sizes.split(",")), with_bundles=False)
    else:
        paths = write_icons(args.out)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
