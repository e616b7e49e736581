"""The engine's other readers agree with load_image: 8-bit RGB, folder scans, batch headers, previews."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.imageio.files import (
    ImageReadError,
    list_images,
    load_image,
    load_rgb8,
    load_thumbnail,
    probe_image,
    read_image_size,
)
from tests.helpers.images import exif_with, gradient_rgb, write_frames, write_pillow, write_png_header_only


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "CMYK"])
def test_rgb8_is_load_image_rounded_to_8_bits(tmp_path: Path, mode: str) -> None:
    path = tmp_path / ("in.jpg" if mode == "CMYK" else "in.png")
    Image.fromarray(gradient_rgb()).convert(mode).save(path)
    rgb = load_rgb8(path)
    assert rgb.dtype == np.uint8 and rgb.shape == (24, 32, 3)
    assert np.array_equal(rgb, np.round(load_image(path).color * 255).astype(np.uint8))


def test_rgb8_scales_16_bit_grey_instead_of_clipping_it(tmp_path: Path) -> None:
    levels = np.arange(0, 65536, 256, dtype=np.uint16).reshape(16, 16)
    path = tmp_path / "grey16.png"
    Image.fromarray(levels).save(path)                     # mode I;16
    rgb = load_rgb8(path)
    assert np.array_equal(rgb[..., 0], np.round(levels / 65535 * 255).astype(np.uint8))
    assert np.array_equal(rgb[..., 0], rgb[..., 2])


def test_rotated_photo_reads_upright_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    Image.new("RGB", (80, 40), (90, 120, 30)).save(path, exif=exif_with(orientation=6))
    assert load_rgb8(path).shape == (80, 40, 3)
    assert probe_image(path) == (40, 80)
    assert read_image_size(path) == (80, 40)               # the header as stored: a batch only counts pixels
    assert load_thumbnail(path, 20).shape == (20, 10, 3)


def test_probe_finds_truncated_files_and_keeps_the_pixel_limit(tmp_path: Path) -> None:
    whole = write_pillow(tmp_path / "whole.jpg", gradient_rgb(64, 64), "RGB").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ImageReadError, match="cut.jpg: the file is truncated"):
        probe_image(tmp_path / "cut.jpg")
    bomb = write_png_header_only(tmp_path / "bomb.png", 30_000, 30_000)
    with pytest.raises(ImageReadError, match="900 megapixels"):
        probe_image(bomb)
    with pytest.raises(ImageReadError, match="900 megapixels"):
        read_image_size(bomb)
    with pytest.raises(ImageReadError, match="empty"):
        probe_image(tmp_path / "cut.jpg", data=b"")


def test_header_read_needs_only_the_header(tmp_path: Path) -> None:
    assert read_image_size(write_png_header_only(tmp_path / "big.png", 5000, 4000), max_pixels=None) == (5000, 4000)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match="0 bytes"):
        read_image_size(tmp_path / "empty.png")


def test_list_images_leaves_out_hidden_files_and_other_suffixes(tmp_path: Path) -> None:
    for name in ["b.png", "sub/a.JPG", "sub/c.gif", ".hidden.png", ".cache/d.png", "notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.relative_to(tmp_path).as_posix() for p in list_images(tmp_path)] == ["b.png", "sub/a.JPG", "sub/c.gif"]


def test_a_file_with_several_frames_or_pages_says_how_many(tmp_path: Path) -> None:
    gif = load_image(write_frames(tmp_path / "anim.gif", 5))
    tiff = load_image(write_frames(tmp_path / "scan.tif", 2))
    single = load_image(write_frames(tmp_path / "one.gif", 1))
    assert (gif.frames, gif.frame_unit) == (5, "frames")
    assert (tiff.frames, tiff.frame_unit) == (2, "pages")
    assert single.frames == 1 and (gif.width, gif.height) == (12, 10)
