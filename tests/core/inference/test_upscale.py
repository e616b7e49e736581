"""The one upscale path: a file in, a 4x file out, with its pixels, alpha, bit depth and metadata."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from PIL import Image

from core.common.events import Cancelled, Control, TileDone, drain
from core.imageio import png16
from core.imageio.files import ImageReadError, ImageWriteError, load_image
from core.inference.upscale import UpscaleOptions, open_upscaler, output_format_for, upscale_decoded, upscale_file
from core.inference.upscaler import InferenceOptions
from core.models.model_file import ModelFileError, save_model
from core.nets.config import GeneratorConfig
from tests.helpers.images import SRGB_ICC, exif_with, gradient_rgb, write_pillow, write_png16_by_hand
from tests.helpers.tiny import tiny_generator, tiny_model_file


@pytest.fixture
def upscaler(tmp_path_factory):
    return open_upscaler(UpscaleOptions(model=str(tiny_model_file(tmp_path_factory.mktemp("model"))),
                                        inference=InferenceOptions(device="cpu", precision="fp32")))


def run(upscaler, source, destination, **options):
    events = []
    result = drain(upscale_file(upscaler, source, destination, UpscaleOptions(**options)), events.append)
    return result, events


def test_rgb_file_becomes_4x_file_with_the_engine_pixels(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB")
    out, events = run(upscaler, source, tmp_path / "out.png")
    written = Image.open(out)
    assert written.size == (128, 96) and written.mode == "RGB"
    direct = drain(upscaler.upscale(load_image(source).color))          # the engine on the same pixels
    assert np.abs(np.asarray(written) / 255.0 - direct).max() <= 0.5 / 255 + 1e-6
    assert events and all(isinstance(e, TileDone) for e in events)


def test_alpha_goes_through_the_network_and_progress_only_moves_forward(tmp_path, tmp_path_factory):
    model = tiny_model_file(tmp_path_factory.mktemp("m"))
    small_tiles = open_upscaler(UpscaleOptions(model=str(model), inference=InferenceOptions(device="cpu", tile=32)))
    pixels = np.dstack([gradient_rgb(40, 48), np.tile(np.linspace(0, 255, 48, dtype=np.uint8), (40, 1))])
    source = write_pillow(tmp_path / "in.png", pixels, "RGBA")
    out, events = run(small_tiles, source, tmp_path / "out.png")
    written = np.asarray(Image.open(out))
    assert written.shape == (160, 192, 4)
    alpha = load_image(source).alpha[..., None].repeat(3, axis=2)
    expected = drain(small_tiles.upscale(alpha)).mean(axis=2)          # alpha as a grey image, through the net
    assert np.abs(written[..., 3] / 255.0 - expected).max() <= 0.5 / 255 + 1e-6
    done = [(e.done, e.total) for e in events]
    assert len(done) == 8 and done[-1] == (8, 8)                  # 4 colour tiles + 4 alpha tiles
    assert [d for d, _ in done] == sorted(d for d, _ in done) and len({t for _, t in done}) == 1


def test_opaque_alpha_skips_the_second_pass(tmp_path, upscaler):
    pixels = np.dstack([gradient_rgb(), np.full((24, 32), 255, np.uint8)])
    out, events = run(upscaler, write_pillow(tmp_path / "in.png", pixels, "RGBA"), tmp_path / "out.png")
    assert np.asarray(Image.open(out))[..., 3].min() == 255
    assert events[-1].total == 1


@pytest.mark.parametrize("mode", ["L", "LA"])
def test_grey_stays_grey(tmp_path, upscaler, mode):
    grey = gradient_rgb()[..., 1]
    pixels = grey if mode == "L" else np.dstack([grey, np.full_like(grey, 200)])
    out, _ = run(upscaler, write_pillow(tmp_path / "in.png", pixels, mode), tmp_path / "out.png")
    assert Image.open(out).mode == mode and Image.open(out).size == (128, 96)


def test_16bit_input_gives_16bit_output(tmp_path, upscaler):
    values = (np.random.default_rng(0).random((10, 12, 3)) * 65535).astype(np.uint16)
    out, _ = run(upscaler, write_png16_by_hand(tmp_path / "in.png", values), tmp_path / "out.png")
    written = png16.decode_png16(out.read_bytes())
    assert written.shape == (40, 48, 3) and written.dtype == np.uint16
    assert len(np.unique(written)) > 256                          # really more than 8 bits of levels


def test_metadata_travels_with_dpi_scaled_and_orientation_applied(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.jpg", gradient_rgb(), "RGB", quality=95, exif=exif_with(6),
                          icc_profile=SRGB_ICC, dpi=(300, 300))
    out, _ = run(upscaler, source, tmp_path / "out.jpg")
    written = Image.open(out)
    assert written.size == (96, 128)                               # rotated upright, then 4x
    assert written.info["icc_profile"] == SRGB_ICC and written.info["dpi"] == (1200, 1200)
    assert written.getexif()[0x0112] == 1 and written.getexif()[0x010F] == "TestCam"


def test_upscale_decoded_scales_dpi_once(tmp_path, upscaler):
    image = load_image(write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB", dpi=(72, 72)))
    result = drain(upscale_decoded(upscaler, image))
    assert (result.width, result.height) == (128, 96)
    assert result.metadata.dpi == pytest.approx((288, 288), rel=1e-3)
    assert image.metadata.dpi == pytest.approx((72, 72), rel=1e-3)      # the input is not modified


def test_single_channel_model_handles_colour(tmp_path):
    model = save_model(tiny_generator(config=GeneratorConfig(scale=2, num_blocks=1, width=8, channels=1)),
                       tmp_path / "grey.safetensors", name="grey")
    upscaler = open_upscaler(UpscaleOptions(model=str(model), inference=InferenceOptions(device="cpu")))
    out, events = run(upscaler, write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB"), tmp_path / "out.png")
    assert Image.open(out).size == (64, 48) and Image.open(out).mode == "RGB"
    assert events[-1].done == events[-1].total == 3                # R, G and B passes


# --- output format --------------------------------------------------------------------

def test_format_explicit_then_suffix_then_source(tmp_path):
    assert output_format_for(UpscaleOptions(output_format="webp"), tmp_path / "a.png") == "webp"
    assert output_format_for(UpscaleOptions(output_format="keep"), tmp_path / "a.jpg", "PNG") == "jpeg"
    assert output_format_for(UpscaleOptions(), tmp_path / "a", "TIFF") == "tiff"
    assert output_format_for(UpscaleOptions(), tmp_path / "a", "BMP") == "png"
    with pytest.raises(ValueError):
        UpscaleOptions(output_format="gif")
    with pytest.raises(ValueError):
        UpscaleOptions(quality=0)


def test_explicit_format_wins_over_the_suffix(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB")
    out, _ = run(upscaler, source, tmp_path / "out.img", output_format="jpeg", quality=80)
    assert Image.open(out).format == "JPEG"


# --- refusing, failing and cancelling cleanly -----------------------------------------

def test_never_overwrites_the_input(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB")
    before = source.read_bytes()
    (tmp_path / "sub").mkdir()
    os.symlink(source, tmp_path / "link.png")
    for destination in (source, tmp_path / "sub" / ".." / "in.png", tmp_path / "link.png"):
        with pytest.raises(ImageWriteError, match="overwrite the input"):
            run(upscaler, source, destination)
    assert source.read_bytes() == before


def test_bad_inputs_give_one_line_errors(tmp_path, upscaler):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("hello")
    cases = [(tmp_path / "missing.png", "no such file"), (tmp_path / "empty.png", "empty"),
             (tmp_path / "text.jpg", "not an image")]
    for source, words in cases:
        with pytest.raises(ImageReadError, match=words) as info:
            run(upscaler, source, tmp_path / "out.png")
        assert "\n" not in str(info.value)
    big = write_pillow(tmp_path / "big.png", gradient_rgb(), "RGB")
    with pytest.raises(ImageReadError, match="safety limit"):
        run(upscaler, big, tmp_path / "out.png", max_pixels=100)
    assert not (tmp_path / "out.png").exists()
    out, _ = run(upscaler, big, tmp_path / "out.png", max_pixels=None)
    assert out.exists()


def test_unwritable_destination_fails_before_the_upscale(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB")
    (tmp_path / "a_file").write_text("x")
    events = []
    with pytest.raises(ImageWriteError, match="cannot write in this folder"):
        drain(upscale_file(upscaler, source, tmp_path / "a_file" / "out.png"), events.append)
    assert events == []                                            # not a single tile was computed


def test_corrupted_model_file_is_a_model_error(tmp_path):
    model = tiny_model_file(tmp_path)
    data = bytearray(model.read_bytes())
    model.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ModelFileError):
        open_upscaler(UpscaleOptions(model=str(model)))
    with pytest.raises(ModelFileError, match="no such model file"):
        open_upscaler(UpscaleOptions(model=str(tmp_path / "gone.safetensors")))


def test_cancel_leaves_no_file_and_no_temp_file(tmp_path, tmp_path_factory):
    model = tiny_model_file(tmp_path_factory.mktemp("m"))
    upscaler = open_upscaler(UpscaleOptions(model=str(model), inference=InferenceOptions(device="cpu", tile=32)))
    source = write_pillow(tmp_path / "in.png", gradient_rgb(64, 64), "RGB")
    control = Control()
    events = upscale_file(upscaler, source, tmp_path / "out.png", control=control)
    next(events)                                                   # the first tile is done...
    control.cancel()                                               # ...then the user cancels
    with pytest.raises(Cancelled):
        drain(events)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def test_cancel_after_the_last_tile_still_writes_nothing(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(), "RGB")
    control = Control()
    with pytest.raises(Cancelled):
        drain(upscale_file(upscaler, source, tmp_path / "out.png", control=control), lambda e: control.cancel())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_gives_the_cpu_result_for_colour_alpha_and_16bit(tmp_path, tmp_path_factory):
    model = str(tiny_model_file(tmp_path_factory.mktemp("m")))
    values = (np.random.default_rng(0).random((20, 24, 4)) * 65535).astype(np.uint16)
    source = write_png16_by_hand(tmp_path / "in.png", values)
    results = []
    for device in ("cpu", "cuda"):
        upscaler = open_upscaler(UpscaleOptions(model=model, inference=InferenceOptions(device=device)))
        out, _ = run(upscaler, source, tmp_path / f"{device}.png")
        results.append(png16.decode_png16(out.read_bytes()).astype(np.float64) / 65535)
    assert results[1].shape == (80, 96, 4)
    assert np.abs(results[0] - results[1]).max() < 0.03           # fp16 on the GPU, fp32 on the CPU
