"""Reading and writing every pixel format a user can drop on the app, and refusing bad files clearly."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from core.imageio import png16
from core.imageio.files import (
    DecodedImage,
    ImageMetadata,
    ImageReadError,
    ImageWriteError,
    check_output_size,
    format_from_suffix,
    load_image,
    save_image,
)
from tests.helpers.images import (
    DATE_TAKEN,
    SRGB_ICC,
    exif_with,
    gradient_rgb,
    write_pillow,
    write_png16_by_hand,
    write_png_header_only,
    write_tiff16_by_hand,
)


def read_png_uint16(path) -> np.ndarray:
    """H x W x C uint16 of a 16-bit PNG, cross-checked against Pillow's independent (8-bit) decode."""
    with Image.open(path) as check:
        assert ";16" in str(check.tile[0].args) or check.mode.startswith("I;16")
        pillow_view = np.asarray(check)
    values = png16.decode_png16(path.read_bytes())
    if pillow_view.dtype == np.uint16:                 # grey: Pillow keeps all 16 bits
        assert np.array_equal(pillow_view, values[..., 0])
    elif values.shape[2] != 2:                         # colour: Pillow keeps the high bytes
        assert np.array_equal(pillow_view, (values >> 8).astype(np.uint8))
    return values


# --- pixel formats ---------------------------------------------------------------------

def test_rgb_png_round_trips_exactly(tmp_path):
    pixels = gradient_rgb()
    image = load_image(write_pillow(tmp_path / "in.png", pixels, "RGB"))
    assert (image.width, image.height, image.alpha, image.grayscale, image.bit_depth) == (32, 24, None, False, 8)
    assert image.color.dtype == np.float32 and image.color.shape == (24, 32, 3)
    out = save_image(image, tmp_path / "out.png")
    assert Image.open(out).mode == "RGB"
    assert np.array_equal(np.asarray(Image.open(out)), pixels)


def test_rgba_keeps_alpha_separately(tmp_path):
    pixels = np.dstack([gradient_rgb(), np.linspace(0, 255, 32, dtype=np.uint8)[None].repeat(24, 0)])
    image = load_image(write_pillow(tmp_path / "in.png", pixels, "RGBA"))
    assert image.alpha is not None and image.alpha.shape == (24, 32)
    assert image.alpha[0, 0] == 0.0 and image.alpha[0, -1] == 1.0
    out = Image.open(save_image(image, tmp_path / "out.png"))
    assert out.mode == "RGBA" and np.array_equal(np.asarray(out), pixels)


@pytest.mark.parametrize("mode", ["L", "LA"])
def test_grayscale_is_replicated_and_written_back_as_grey(tmp_path, mode):
    grey = gradient_rgb()[..., 0]
    pixels = grey if mode == "L" else np.dstack([grey, np.full_like(grey, 128)])
    image = load_image(write_pillow(tmp_path / "in.png", pixels, mode))
    assert image.grayscale and image.color.shape == (24, 32, 3)
    assert np.array_equal(image.color[..., 0], image.color[..., 2])
    assert (image.alpha is not None) == (mode == "LA")
    out = Image.open(save_image(image, tmp_path / "out.png"))
    assert out.mode == mode and np.array_equal(np.asarray(out), pixels)


def test_palette_with_transparency_becomes_rgba(tmp_path):
    palette_image = Image.fromarray(gradient_rgb()).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    index = np.asarray(palette_image)[0, 0]
    palette_image.save(tmp_path / "in.png", transparency=int(index))
    image = load_image(tmp_path / "in.png")
    assert not image.grayscale and image.alpha is not None
    assert image.alpha[0, 0] == 0.0 and image.alpha.max() == 1.0


def test_cmyk_jpeg_is_read_as_rgb(tmp_path):
    Image.new("CMYK", (16, 8), (0, 255, 255, 0)).save(tmp_path / "in.jpg", quality=100)   # pure red in CMYK
    image = load_image(tmp_path / "in.jpg")
    assert image.color.shape == (8, 16, 3) and image.metadata.source_format == "JPEG"
    red = image.color[4, 8]
    assert red[0] > 0.9 and red[1] < 0.1 and red[2] < 0.1


def test_16bit_grey_png_and_tiff_stay_16bit(tmp_path):
    values = (np.arange(24 * 32, dtype=np.uint16).reshape(24, 32) * 85)
    for name in ("in.png", "in.tif"):
        Image.fromarray(values).save(tmp_path / name)                          # Pillow mode I;16
        image = load_image(tmp_path / name)
        assert image.bit_depth == 16 and image.grayscale
        assert np.allclose(image.color[..., 0] * 65535, values, atol=0.01)
    out = save_image(image, tmp_path / "out.png")
    assert np.array_equal(read_png_uint16(out)[..., 0], values)


@pytest.mark.parametrize("channels", [3, 4, 2])
def test_16bit_colour_png_keeps_all_bits(tmp_path, channels):
    rng = np.random.default_rng(channels)
    values = rng.integers(0, 65536, (12, 10, channels), dtype=np.uint16)
    values[6:] //= 5                                   # structure, so every PNG row filter matters
    image = load_image(write_png16_by_hand(tmp_path / "in.png", values, filters=(0, 1, 2, 3, 4, 4, 3)))
    assert image.bit_depth == 16 and image.grayscale == (channels == 2)
    out = save_image(image, tmp_path / "out.png")
    written = read_png_uint16(out)
    assert written.dtype == np.uint16 and np.array_equal(written, values)


def test_16bit_rgb_tiff_round_trips_and_libtiff_agrees(tmp_path):
    values = np.random.default_rng(1).integers(0, 65536, (12, 10, 3), dtype=np.uint16)
    image = DecodedImage(values.astype(np.float32) / 65535, None, False, 16, ImageMetadata(dpi=(300.0, 300.0)))
    out = save_image(image, tmp_path / "out.tif")
    with Image.open(out) as check:                      # libtiff reads it (8-bit view = high bytes)
        assert check.info["dpi"] == (300.0, 300.0)
        assert np.array_equal(np.asarray(check.convert("RGB")), (values >> 8).astype(np.uint8))
    again = load_image(out)
    assert again.bit_depth == 16
    assert np.array_equal(np.round(again.color * 65535).astype(np.uint16), values)


@pytest.mark.parametrize("channels,byte_order", [(3, "<"), (3, ">"), (4, "<")])
def test_16bit_lzw_tiff_from_editors_keeps_all_bits(tmp_path, channels, byte_order):
    values = np.random.default_rng(channels).integers(0, 65536, (20, 30, channels), dtype=np.uint16)
    values[10:] //= 9
    path = write_tiff16_by_hand(tmp_path / "in.tif", values, lzw=True, predictor=2, byte_order=byte_order)
    with Image.open(path) as check:                     # libtiff agrees on the high bytes
        assert np.array_equal(np.asarray(check), (values >> 8).astype(np.uint8))
    image = load_image(path)
    planes = np.dstack([image.color, image.alpha]) if channels == 4 else image.color
    assert image.bit_depth == 16 and np.array_equal(np.round(planes * 65535).astype(np.uint16), values)


def test_16bit_tiff_without_strip_byte_counts_is_refused_in_one_line(tmp_path):
    """Found by the fuzz tests: read_tiff16 raised KeyError(279) instead of an ImageReadError."""
    values = np.random.default_rng(0).integers(0, 65536, (5, 7, 3), dtype=np.uint16)
    path = write_tiff16_by_hand(tmp_path / "in.tif", values, lzw=False, predictor=1, drop=(279,))
    with pytest.raises(ImageReadError, match="in.tif: the image is damaged") as info:
        load_image(path)
    assert "\n" not in str(info.value)


def test_a_tiff_whose_strip_offsets_are_a_fraction_is_refused_in_one_line(tmp_path):
    """Found by the fuzz tests: Pillow's TIFF decoder raised TypeError (an IFDRational offset)."""
    path = write_pillow(tmp_path / "in.tif", gradient_rgb(6, 8), "RGB")
    data = bytearray(path.read_bytes())
    ifd = int.from_bytes(data[4:8], "little")
    for entry in range(ifd + 2, ifd + 2 + 12 * int.from_bytes(data[ifd:ifd + 2], "little"), 12):
        if int.from_bytes(data[entry:entry + 2], "little") == 273:            # StripOffsets
            data[entry + 2:entry + 4] = (5).to_bytes(2, "little")             # RATIONAL, not LONG
            data[entry + 8:entry + 12] = len(data).to_bytes(4, "little")
    path.write_bytes(bytes(data) + (1000).to_bytes(4, "little") + (7).to_bytes(4, "little"))
    with pytest.raises(ImageReadError, match="in.tif: the image is damaged") as info:
        load_image(path)
    assert "\n" not in str(info.value)


def test_16bit_tiff_output_carries_icc_exif_and_alpha(tmp_path):
    values = np.random.default_rng(2).integers(0, 65536, (6, 7, 4), dtype=np.uint16) / 65535
    metadata = ImageMetadata(SRGB_ICC, exif_with(1).tobytes(), (240.0, 240.0), "TIFF")
    image = DecodedImage(values[..., :3].astype(np.float32), values[..., 3].astype(np.float32), False, 16, metadata)
    out = save_image(image, tmp_path / "out.tif")
    with Image.open(out) as check:
        assert check.mode == "RGBA" and check.info["icc_profile"] == SRGB_ICC
        assert check.getexif()[0x010F] == "TestCam" and check.getexif().get_ifd(0x8769)[0x9003] == DATE_TAKEN
    again = load_image(out)
    assert again.bit_depth == 16 and again.metadata.dpi == (240.0, 240.0)
    assert np.abs(again.alpha - image.alpha).max() < 1e-4


def test_8bit_image_is_never_written_as_16bit(tmp_path):
    image = load_image(write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB"))
    for name in ("out.png", "out.tif"):
        assert Image.open(save_image(image, tmp_path / name)).mode == "RGB"


# --- orientation and metadata -----------------------------------------------------------

@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_pillow_and_reset(tmp_path, orientation):
    path = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB", exif=exif_with(orientation))
    image = load_image(path)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)), dtype=np.float32) / 255
    assert np.array_equal(image.color, expected)
    out = Image.open(save_image(image, tmp_path / "out.jpg"))
    assert out.size == (image.width, image.height)
    assert out.getexif()[0x0112] == 1 and out.getexif()[0x010F] == "TestCam"


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "tiff"])
def test_icc_exif_and_scaled_dpi_reach_every_format(tmp_path, fmt):
    path = write_pillow(tmp_path / "in.jpg", gradient_rgb(), "RGB", exif=exif_with(1), icc_profile=SRGB_ICC,
                        dpi=(300, 300))
    image = load_image(path)
    assert image.metadata.icc_profile == SRGB_ICC and image.metadata.dpi == (300.0, 300.0)
    out = Image.open(save_image(image, tmp_path / f"out.{fmt}", dpi_scale=4))
    assert out.info.get("icc_profile") == SRGB_ICC
    exif = out.getexif()
    assert exif[0x010F] == "TestCam" and exif.get_ifd(0x8769)[0x9003] == DATE_TAKEN
    if fmt == "webp":                                   # WebP has no DPI field; EXIF carries it
        assert float(exif[0x011A]) == pytest.approx(1200)
    else:
        assert out.info["dpi"][0] == pytest.approx(1200, rel=1e-3)


def test_exif_from_a_tiff_source_keeps_camera_tags_not_tiff_layout(tmp_path):
    jpeg = write_pillow(tmp_path / "in.jpg", gradient_rgb(), "RGB", exif=exif_with(1))
    tiff = save_image(load_image(jpeg), tmp_path / "mid.tif")
    out = Image.open(save_image(load_image(tiff), tmp_path / "out.jpg"))
    exif = out.getexif()
    assert exif[0x010F] == "TestCam" and exif.get_ifd(0x8769)[0x9003] == DATE_TAKEN
    assert not {256, 257, 273, 279, 34675} & set(exif)   # strips, sizes, ICC: the TIFF's own layout


def test_jpeg_quality_and_alpha_flattened_on_white(tmp_path):
    pixels = np.dstack([gradient_rgb(), np.zeros((24, 32), np.uint8)])
    pixels[:, 16:, 3] = 255
    image = load_image(write_pillow(tmp_path / "in.png", pixels, "RGBA"))
    small = save_image(image, tmp_path / "q50.jpg", quality=50)
    large = save_image(image, tmp_path / "q95.jpg", quality=95)
    assert small.stat().st_size < large.stat().st_size
    out = np.asarray(Image.open(large))
    assert Image.open(large).mode == "RGB" and out[12, 4].min() >= 250      # transparent -> white


def test_webp_keeps_alpha_and_handles_grey(tmp_path):
    pixels = np.dstack([gradient_rgb(), np.full((24, 32), 100, np.uint8)])
    rgba = load_image(write_pillow(tmp_path / "in.png", pixels, "RGBA"))
    assert Image.open(save_image(rgba, tmp_path / "a.webp")).mode == "RGBA"
    grey = load_image(write_pillow(tmp_path / "g.png", gradient_rgb()[..., 0], "L"))
    assert Image.open(save_image(grey, tmp_path / "g.webp")).size == (32, 24)


def test_non_ascii_paths_work(tmp_path):
    folder = tmp_path / "фото 写真"
    folder.mkdir()
    image = load_image(write_pillow(folder / "über café.png", gradient_rgb(), "RGB"))
    out = save_image(image, folder / "résultat 出力.jpg")
    assert out.exists() and load_image(out).width == 32


def test_output_format_from_suffix():
    assert [format_from_suffix(n) for n in ("a.PNG", "b.jpg", "c.jpeg", "d.webp", "e.tif", "f.tiff")] == [
        "png", "jpeg", "jpeg", "webp", "tiff", "tiff"]
    with pytest.raises(ImageWriteError, match="output format"):
        format_from_suffix("x.bmp")
    with pytest.raises(ImageWriteError, match="WEBP cannot store"):
        check_output_size("webp", 20000, 100)


# --- bad input ------------------------------------------------------------------------

def test_missing_folder_and_empty_files_are_refused(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(ImageReadError, match="folder"):
        load_image(tmp_path)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageReadError, match="empty"):
        load_image(tmp_path / "empty.png")


def test_non_image_file_is_refused(tmp_path):
    (tmp_path / "notes.png").write_text("these are not pixels\n" * 20)
    with pytest.raises(ImageReadError, match="not an image file"):
        load_image(tmp_path / "notes.png")


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_files_are_refused_not_padded(tmp_path, suffix, monkeypatch):
    big = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    path = write_pillow(tmp_path / f"in{suffix}", big, "RGB")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(ImageReadError, match="truncated|damaged") as info:
        load_image(path)
    assert "\n" not in str(info.value) and path.name in str(info.value)
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)   # someone else flipped Pillow's switch
    with pytest.raises(ImageReadError):
        load_image(path)


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    pillow_limit = Image.MAX_IMAGE_PIXELS
    path = write_png_header_only(tmp_path / "bomb.png", 30_000, 30_000)   # 900 MP claimed, 100 bytes on disk
    with pytest.raises(ImageReadError, match="900 megapixels, over the 100-megapixel"):
        load_image(path)
    assert Image.MAX_IMAGE_PIXELS == pillow_limit        # Pillow's global limit is left as it was


def test_pixel_limit_can_be_raised_or_lifted(tmp_path):
    path = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB")              # 768 pixels
    with pytest.raises(ImageReadError, match="megapixel safety limit"):
        load_image(path, max_pixels=500)
    assert load_image(path, max_pixels=None).width == 32


# --- writing safely -------------------------------------------------------------------

def test_output_folder_that_cannot_exist_is_a_clear_error(tmp_path):
    image = load_image(write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB"))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ImageWriteError, match="cannot write in this folder"):
        save_image(image, tmp_path / "file.txt" / "out.png")
    with pytest.raises(ImageWriteError, match="is a folder"):
        save_image(image, tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder_is_a_clear_error(tmp_path):
    image = load_image(write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB"))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ImageWriteError, match="cannot write"):
            save_image(image, locked / "out.png")
    finally:
        locked.chmod(0o700)


def test_permission_denied_is_a_clear_error_even_for_root(tmp_path, monkeypatch):
    image = load_image(write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB"))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(ImageWriteError, match="cannot write in this folder.*Permission denied"):
        save_image(image, tmp_path / "out.png")


def test_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    values = np.random.default_rng(0).integers(0, 65536, (8, 8, 3), dtype=np.uint16)
    image = load_image(write_png16_by_hand(tmp_path / "in.png", values))
    target = tmp_path / "out.png"
    target.write_bytes(b"previous result")

    def fail_half_way(f, *args, **kwargs):
        f.write(b"\x89PNG partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(png16, "write_png16", fail_half_way)
    with pytest.raises(ImageWriteError, match="No space left"):
        save_image(image, target)
    assert target.read_bytes() == b"previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "out.png"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saved_files_get_normal_permissions_not_temp_file_ones(tmp_path):
    image = load_image(write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB"))
    out = save_image(image, tmp_path / "out.png")
    assert out.stat().st_mode & 0o644 == 0o644          # mkstemp's 0600 would hide it from other users
