"""Photo folders of domains the bundled models never saw, made here, for the fine-tune benchmark.

The bundled models learnt from desktop wallpapers (landscapes, abstract art). A user fine-tunes on
something else; two such domains can be made on any machine, deterministically from a seed:

  text      pages of text in the DejaVu fonts (serif, sans, mono; 9-30 px), dark ink on paper
            tones, with headings and underlines: scanned letters, receipts, book pages
  lineart   comic-style drawings: flat colour shapes with black outlines of varying weight,
            hatching and speech bubbles, drawn at 3x and reduced (antialiased like scans)

`make_domain(name, folder, count, seed)` writes `count` PNGs. The benchmark trains on one folder
and scores on *new* images of the same domain (another seed): what a user sees on the next photo.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SIZE = (640, 480)
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONTS = ("DejaVuSerif.ttf", "DejaVuSans.ttf", "DejaVuSansMono.ttf", "DejaVuSerif-Italic.ttf",
          "DejaVuSans-Bold.ttf", "DejaVuSansCondensed.ttf")
_WORDS = ("the of and to in is was for on that with as by at from this have are not but be or an which "
          "upscale model photo detail texture network image pixel sharp letter market river evening "
          "morning garden station receipt total amount invoice chapter window harbour mountain quiet "
          "yesterday 2026 14.95 3,200 No. Tel. Street Avenue Dear Sir Madam regards").split()


def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _FONT_DIR / name
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)         # Pillow's bundled font where DejaVu is missing


def text_page(rng: np.random.Generator) -> Image.Image:
    """A page of text: paragraphs of one font and size, a heading, an underline or rule."""
    paper = tuple(int(v) for v in rng.integers(225, 256, 3))
    ink = tuple(int(v) for v in rng.integers(0, 70, 3))
    page = Image.new("RGB", SIZE, paper)
    draw = ImageDraw.Draw(page)
    size = int(rng.integers(9, 31))
    font = _font(_FONTS[int(rng.integers(len(_FONTS)))], size)
    y = int(rng.integers(8, 40))
    if rng.random() < 0.7:
        heading = _font("DejaVuSans-Bold.ttf", int(size * rng.uniform(1.3, 2.0)))
        draw.text((int(rng.integers(10, 60)), y), _sentence(rng, 3), font=heading, fill=ink)
        y += int(size * 2.4)
        if rng.random() < 0.5:
            draw.line((10, y - size // 2, SIZE[0] - 10, y - size // 2), fill=ink, width=int(rng.integers(1, 3)))
    margin = int(rng.integers(8, 50))
    while y < SIZE[1] - size:
        line = _sentence(rng, int(rng.integers(3, 14)))
        draw.text((margin, y), line, font=font, fill=ink)
        y += int(size * rng.uniform(1.2, 1.6)) + (size if rng.random() < 0.12 else 0)
    return page


def _sentence(rng: np.random.Generator, words: int) -> str:
    picked = [_WORDS[int(i)] for i in rng.integers(0, len(_WORDS), words)]
    return " ".join(picked).capitalize()


def line_art(rng: np.random.Generator, supersample: int = 3) -> Image.Image:
    """A comic-style panel: flat fills, black outlines, hatching, a speech bubble."""
    width, height = SIZE[0] * supersample, SIZE[1] * supersample
    background = tuple(int(v) for v in rng.integers(170, 256, 3))
    art = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(art)
    for _ in range(int(rng.integers(6, 16))):
        _shape(draw, rng, width, height, supersample)
    if rng.random() < 0.6:
        _hatching(draw, rng, width, height, supersample)
    if rng.random() < 0.5:
        x, y = int(rng.integers(0, width // 2)), int(rng.integers(0, height // 2))
        box = (x, y, x + width // 3, y + height // 5)
        draw.ellipse(box, fill=(255, 255, 255), outline=(0, 0, 0), width=3 * supersample)
        font = _font("DejaVuSans-Bold.ttf", 16 * supersample)
        draw.text((x + width // 12, y + height // 14), _sentence(rng, 2).upper(), font=font, fill=(0, 0, 0))
    return art.resize(SIZE, Image.Resampling.LANCZOS)


def _shape(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int, height: int, ss: int) -> None:
    fill = tuple(int(v) for v in rng.integers(0, 256, 3))
    outline = int(rng.integers(1, 6)) * ss
    cx, cy = rng.uniform(0, width), rng.uniform(0, height)
    radius = rng.uniform(0.05, 0.3) * min(width, height)
    kind = rng.integers(3)
    if kind == 0:
        draw.ellipse((cx - radius, cy - radius * rng.uniform(0.4, 1), cx + radius, cy + radius),
                     fill=fill, outline=(0, 0, 0), width=outline)
    elif kind == 1:
        corners = int(rng.integers(3, 8))
        angles = np.sort(rng.uniform(0, 2 * math.pi, corners))
        points = [(cx + radius * math.cos(a), cy + radius * math.sin(a)) for a in angles]
        draw.polygon(points, fill=fill, outline=(0, 0, 0), width=outline)
    else:
        t = np.linspace(0, 1, 40)
        p = rng.uniform(0, 1, (4, 2)) * (width, height)
        curve = ((1 - t) ** 3)[:, None] * p[0] + (3 * (1 - t) ** 2 * t)[:, None] * p[1] \
            + (3 * (1 - t) * t ** 2)[:, None] * p[2] + (t ** 3)[:, None] * p[3]
        draw.line([tuple(q) for q in curve], fill=(0, 0, 0), width=outline, joint="curve")


def _hatching(draw: ImageDraw.ImageDraw, rng: np.random.Generator, width: int, height: int, ss: int) -> None:
    x0, y0 = rng.uniform(0, width * 0.7), rng.uniform(0, height * 0.7)
    span, gap = rng.uniform(0.1, 0.3) * width, int(rng.integers(4, 12)) * ss
    for offset in range(0, int(span), gap):
        draw.line((x0 + offset, y0, x0 + offset + span * 0.3, y0 + span * 0.6), fill=(0, 0, 0), width=ss)


DOMAINS = {"text": text_page, "lineart": line_art}


def make_domain(name: str, folder: Path, count: int, seed: int) -> list[Path]:
    """Write `count` images of the domain into `folder` (created); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    draw = DOMAINS[name]
    paths = []
    for index in range(count):
        path = folder / f"{name}_{seed}_{index:03d}.png"
        draw(np.random.default_rng([seed, index])).save(path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", choices=sorted(DOMAINS))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{len(make_domain(args.domain, args.folder, args.count, args.seed))} images in {args.folder}")


if __name__ == "__main__":
    main()
