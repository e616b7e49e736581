"""The upscaler: tiled equals whole, matches eager fp32, survives out-of-memory, stops on cancel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import core.inference.upscaler as inference
from core.common.events import Cancelled, Control, TileDone, drain
from core.inference.fast_conv import NNPACKConv2d, nnpack_works
from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.model_file import load_model, save_model
from core.nets.config import GeneratorConfig
from tests.helpers.tiny import tiny_generator, tiny_model_file

ONE_LEVEL = 1 / 255
# 8 blocks reach ~24 input pixels: beyond a small overlap, so the context is really exercised.
DEEP = GeneratorConfig(scale=4, num_blocks=8, width=8)


@pytest.fixture(scope="module")
def deep_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = tiny_generator(0, DEEP)
    with torch.no_grad():
        model.tail.bias.fill_(0.5)          # outputs mid-grey +- detail, so clamping hides nothing
    return save_model(model, tmp_path_factory.mktemp("models") / "deep.safetensors", name="deep")


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return np.random.default_rng(0).random((40, 52, 3), dtype=np.float32)


def upscale(model: Path, image: np.ndarray, **options) -> tuple[np.ndarray, list[TileDone]]:
    events: list[TileDone] = []
    upscaler = Upscaler(model, InferenceOptions(device="cpu", **options))
    return drain(upscaler.upscale(image), events.append), events


def eager_fp32(model_path: Path, image: np.ndarray) -> np.ndarray:
    """The naive reference: the network as trained, NCHW, fp32, no folding, one pass."""
    model, _ = load_model(model_path)
    with torch.no_grad():
        out = model(torch.from_numpy(image).permute(2, 0, 1)[None]).clamp(0, 1)
    return out[0].permute(1, 2, 0).numpy()


def test_tiled_matches_whole_image_within_one_level(deep_model, photo):
    whole, whole_events = upscale(deep_model, photo, tile=512)
    tiled, tiled_events = upscale(deep_model, photo, tile=32)
    assert len(whole_events) == 1 and len(tiled_events) == 4
    assert tiled.shape == (160, 208, 3)
    assert np.abs(tiled - whole).max() < ONE_LEVEL
    # Without enough context the seams show: the check above is not trivially true.
    seamy, _ = upscale(deep_model, photo, tile=32, overlap=4)
    assert np.abs(seamy - whole).max() > ONE_LEVEL


def test_shipped_path_matches_eager_fp32(deep_model, photo):
    result, _ = upscale(deep_model, photo, tile=32)
    assert np.abs(result - eager_fp32(deep_model, photo)).max() < ONE_LEVEL


def test_fallback_kernels_match_too(deep_model, photo, monkeypatch):
    monkeypatch.setattr(inference, "nnpack_works", lambda: False)
    upscaler = Upscaler(deep_model, InferenceOptions(device="cpu"))
    assert upscaler.kernels == "onednn"
    assert np.abs(drain(upscaler.upscale(photo)) - eager_fp32(deep_model, photo)).max() < ONE_LEVEL


@pytest.mark.skipif(not nnpack_works(), reason="this PyTorch build has no working NNPACK")
def test_cpu_fp32_uses_nnpack_with_every_conv_swapped(deep_model):
    upscaler = Upscaler(deep_model, InferenceOptions(device="cpu", precision="fp32"))
    assert upscaler.kernels == "nnpack"
    assert not any(isinstance(m, torch.nn.Conv2d) for m in upscaler.model.modules())
    assert any(isinstance(m, NNPACKConv2d) for m in upscaler.model.modules())


def test_region_matches_the_same_region_of_the_full_result(deep_model, photo):
    upscaler = Upscaler(deep_model, InferenceOptions(device="cpu", tile=32))
    full = drain(upscaler.upscale(photo))
    for box in [(10, 7, 30, 25), (0, 0, 52, 40), (40, 30, 52, 40)]:
        x0, y0, x1, y1 = box
        region = drain(upscaler.upscale_region(photo, box))
        assert region.shape == ((y1 - y0) * 4, (x1 - x0) * 4, 3)
        assert np.abs(region - full[y0 * 4:y1 * 4, x0 * 4:x1 * 4]).max() < ONE_LEVEL


@pytest.mark.parametrize("box", [(5, 5, 5, 9), (0, 0, 53, 10), (-1, 0, 4, 4), (8, 9, 4, 12)])
def test_region_outside_the_image_is_refused(deep_model, photo, box):
    upscaler = Upscaler(deep_model, InferenceOptions(device="cpu"))
    with pytest.raises(ValueError, match="box"):
        drain(upscaler.upscale_region(photo, box))


@pytest.mark.parametrize("error", [torch.OutOfMemoryError("CUDA out of memory (simulated)"),
                                   RuntimeError("DefaultCPUAllocator: can't allocate memory")])
def test_out_of_memory_halves_the_tile_and_the_result_is_still_right(deep_model, photo, monkeypatch, error):
    expected, _ = upscale(deep_model, photo, tile=64)
    real_run = Upscaler.run_model

    def small_memory(self, batch):
        if batch.shape[-1] > 50:                       # pretend windows wider than 50 px do not fit
            raise error
        return real_run(self, batch)

    monkeypatch.setattr(Upscaler, "run_model", small_memory)
    result, events = upscale(deep_model, photo, tile=64)
    assert {e.tile for e in events} == {32}           # 64 failed before any tile finished
    assert events[-1].done == events[-1].total == 4
    assert np.abs(result - expected).max() < ONE_LEVEL


def test_other_runtime_errors_are_not_mistaken_for_out_of_memory(deep_model, photo, monkeypatch):
    def broken(self, batch):
        raise RuntimeError("something else went wrong")

    monkeypatch.setattr(Upscaler, "run_model", broken)
    with pytest.raises(RuntimeError, match="something else"):
        upscale(deep_model, photo, tile=64)


def test_cancel_between_tiles_stops_before_the_next_tile(tmp_path, monkeypatch):
    upscaler = Upscaler(tiny_model_file(tmp_path), InferenceOptions(device="cpu", tile=32))
    calls = []
    real_run = Upscaler.run_model
    monkeypatch.setattr(Upscaler, "run_model", lambda self, b: calls.append(b.shape) or real_run(self, b))
    control = Control()
    events = upscaler.upscale(np.zeros((64, 96, 3), np.float32), control)
    first = next(events)
    assert first == TileDone(1, 6, 32)
    control.cancel()
    with pytest.raises(Cancelled):
        next(events)
    assert len(calls) == 1


def test_wrong_channel_count_is_a_clear_error(tmp_path):
    upscaler = Upscaler(tiny_model_file(tmp_path), InferenceOptions(device="cpu"))
    with pytest.raises(ValueError, match="Hx.*x3"):
        drain(upscaler.upscale(np.zeros((8, 8, 4), np.float32)))


def test_device_is_reported(tmp_path):
    event = Upscaler(tiny_model_file(tmp_path), InferenceOptions(device="cpu")).device_event()
    assert event.device == "cpu" and event.precision in ("fp32", "bf16") and "CPU" in event.description


def test_non_float32_input_is_accepted(tmp_path):
    upscaler = Upscaler(tiny_model_file(tmp_path), InferenceOptions(device="cpu"))
    image = np.full((8, 8, 3), 0.5)
    assert drain(upscaler.upscale(image)).dtype == np.float32


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fp16_matches_cpu_fp32(deep_model, photo):
    cpu, _ = upscale(deep_model, photo)
    gpu_upscaler = Upscaler(deep_model, InferenceOptions(device="cuda"))
    assert gpu_upscaler.device_event().precision == "fp16"
    gpu = drain(gpu_upscaler.upscale(photo))
    assert np.abs(gpu - cpu).max() < 2 * ONE_LEVEL
