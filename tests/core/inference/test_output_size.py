"""Any output size: the model's 4x, then a LANCZOS resize to 2x, 3x or a width/height; DPI follows."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.common.events import drain
from core.imageio.bicubic import resize_lanczos
from core.imageio.files import load_image
from core.inference.output_size import OutputSize
from core.inference.upscale import UpscaleOptions, open_upscaler, upscale_decoded, upscale_file
from core.inference.upscaler import InferenceOptions
from tests.helpers.images import gradient_rgb, write_pillow
from tests.helpers.tiny import tiny_model_file


@pytest.fixture(scope="module")
def upscaler(tmp_path_factory):
    return open_upscaler(UpscaleOptions(model=str(tiny_model_file(tmp_path_factory.mktemp("model"))),
                                        inference=InferenceOptions(device="cpu", precision="fp32")))


def test_sizes_for_scale_width_and_height():
    assert OutputSize(scale=2).size_for(300, 200) == (600, 400)
    assert OutputSize(scale=3).size_for(301, 200) == (903, 600)
    assert OutputSize(width=1920).size_for(400, 300) == (1920, 1440)
    assert OutputSize(height=1080).size_for(400, 300) == (1440, 1080)
    assert OutputSize(scale=2).describe() == "2\u00d7" and OutputSize(width=1920).describe() == "1920 px wide"


@pytest.mark.parametrize("kwargs", [{}, {"scale": 2, "width": 100}, {"scale": 0}, {"width": 0}, {"scale": 40}])
def test_one_positive_choice_is_required(kwargs):
    with pytest.raises(ValueError):
        OutputSize(**kwargs)


def test_2x_is_the_4x_result_downscaled_with_lanczos_and_dpi_follows(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(24, 32), "RGB", dpi=(300, 300))
    out = drain(upscale_file(upscaler, source, tmp_path / "out.png", UpscaleOptions(output_size=OutputSize(scale=2))))
    with Image.open(out) as written:
        assert written.size == (64, 48)
        assert written.info["dpi"] == pytest.approx((600, 600), abs=1)
        pixels = np.asarray(written) / 255.0
    native = drain(upscaler.upscale(load_image(source).color))
    expected = np.clip(resize_lanczos(native, (64, 48)), 0, 1)
    assert np.abs(pixels - expected).max() <= 0.5 / 255 + 1e-6


def test_a_width_keeps_the_ratio_and_the_native_scale_is_not_resized(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(24, 32), "RGB", dpi=(100, 100))
    wide = drain(upscale_file(upscaler, source, tmp_path / "w.png", UpscaleOptions(output_size=OutputSize(width=80))))
    with Image.open(wide) as written:
        assert written.size == (80, 60) and written.info["dpi"] == pytest.approx((250, 250), abs=1)
    image = load_image(source)
    native = drain(upscale_decoded(upscaler, image))
    same = drain(upscale_decoded(upscaler, image, output_size=OutputSize(scale=4)))
    assert np.array_equal(native.color, same.color)                 # 4x with a 4x model: no resize at all


def test_the_invented_detail_map_matches_the_output_size(tmp_path, upscaler):
    source = write_pillow(tmp_path / "in.png", gradient_rgb(24, 32), "RGB")
    drain(upscale_file(upscaler, source, tmp_path / "out.png",
                       UpscaleOptions(output_size=OutputSize(height=36), save_map=True)))
    with Image.open(tmp_path / "out_map.png") as overlay:
        assert overlay.size == (48, 36) and overlay.mode == "RGBA"
