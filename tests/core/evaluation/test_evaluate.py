"""`srgan eval`: the benchmark protocol reproduces known numbers; bad input is a clear message."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.cli.main import main
from core.common.events import ImageDone, ImageFailed, drain
from core.evaluation.evaluate import bicubic_model, evaluate, evaluate_bicubic, evaluate_pairs
from core.evaluation.metrics import psnr_y
from core.imageio.bicubic import make_pair
from core.inference.upscaler import InferenceOptions, Upscaler
from tests.helpers.tiny import tiny_model_file

SET5 = Path("/work/shared/data/bench/Set5")


def _image(path: Path, width: int, height: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    smooth = (np.sin(xx / 6.0 + seed) * np.cos(yy / 9.0))[:, :, None] * 80 + 128
    Image.fromarray(np.clip(smooth + rng.normal(0, 8, (height, width, 3)), 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture
def hr_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bench"
    folder.mkdir()
    _image(folder / "one.png", 50, 42, 1)
    _image(folder / "two.png", 36, 44, 2)
    return folder


def test_evaluate_pairs_reproduces_a_known_psnr() -> None:
    hr = np.full((32, 32, 3), 100 / 255, dtype=np.float32)
    lr = hr[::4, ::4]
    # Every SR pixel off by 4 grey levels: Y moves by 4 * 219 / 255, so PSNR = 20 log10(255 / (4 * 219 / 255)).
    shifted = lambda _lr: hr + 4 / 255                               # noqa: E731
    psnr, ssim = evaluate_pairs(shifted, [(lr, hr)], shave=4)
    assert psnr == pytest.approx(20 * math.log10(255 / (4 * 219 / 255)), abs=1e-6)
    assert 0.99 < ssim < 1.0


def test_evaluate_reports_model_and_bicubic_per_image(hr_folder: Path, tmp_path: Path) -> None:
    upscaler = Upscaler(tiny_model_file(tmp_path), InferenceOptions(device="cpu", precision="fp32"))
    events = []
    report = drain(evaluate(upscaler, hr_folder, scale=4), events.append)
    assert [row.name for row in report.rows] == ["one", "two"]
    assert sum(isinstance(e, ImageDone) for e in events) == 2
    lr, hr = make_pair(np.asarray(Image.open(hr_folder / "one.png")), 4)
    sr = np.round(drain(upscaler.upscale(lr)) * 255) / 255
    assert report.rows[0].psnr == pytest.approx(psnr_y(sr, hr, 4), abs=1e-4)
    assert report.rows[0].bicubic_psnr == pytest.approx(evaluate_bicubic(hr_folder).rows[0].psnr)
    assert report.mean_psnr == pytest.approx((report.rows[0].psnr + report.rows[1].psnr) / 2)
    assert report.as_metrics()["images"] == 2


def test_unreadable_images_are_reported_and_the_rest_evaluated(hr_folder: Path, tmp_path: Path) -> None:
    (hr_folder / "broken.png").write_bytes(b"\x89PNG but not really")
    events = []
    report = drain(evaluate(tiny_model_file(tmp_path), hr_folder), events.append)
    assert len(report.rows) == 2 and [p.name for p, _ in report.failed] == ["broken.png"]
    assert any(isinstance(e, ImageFailed) for e in events)


def test_scale_mismatch_and_missing_folder_are_refused(hr_folder: Path, tmp_path: Path) -> None:
    model = tiny_model_file(tmp_path)
    with pytest.raises(ValueError, match="x4, not x2"):
        drain(evaluate(model, hr_folder, scale=2))
    with pytest.raises(ValueError, match="not a folder"):
        drain(evaluate(model, tmp_path / "missing"))


@pytest.mark.skipif(not SET5.is_dir(), reason="Set5 is not on this machine")
def test_bicubic_on_set5_matches_the_published_number() -> None:
    report = evaluate_bicubic(SET5, 4)
    assert report.mean_bicubic_psnr == pytest.approx(28.43, abs=0.01)
    assert report.mean_bicubic_ssim == pytest.approx(0.811, abs=0.002)


def test_bicubic_model_upscales_by_the_scale() -> None:
    assert bicubic_model(4)(np.zeros((5, 6, 3), np.float32)).shape == (20, 24, 3)


def test_cli_eval_prints_json_and_exit_codes(hr_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    model = tiny_model_file(tmp_path)
    assert main(["eval", str(model), str(hr_folder), "--json", "--device", "cpu"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in result["images"]] == ["one", "two"] and result["scale"] == 4
    (hr_folder / "broken.jpg").write_bytes(b"nope")
    assert main(["eval", str(model), str(hr_folder), "--device", "cpu"]) == 1
    assert "mean" in capsys.readouterr().out
    assert main(["eval", str(model), str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "no_model.safetensors"), str(hr_folder)]) == 2


def test_benchmarks_score_in_fp32_even_where_the_device_has_a_faster_precision(
        hr_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model's stored Set5 score must be what `srgan eval` prints on any machine, bf16 units or not."""
    from core.common import devices
    monkeypatch.setattr(devices, "cpu_supports_fast_bf16", lambda: True)
    model = tiny_model_file(tmp_path)
    events = []
    report = drain(evaluate(model, hr_folder), events.append)
    assert events[0].precision == "fp32"
    fast = Upscaler(model, InferenceOptions(device="cpu"))
    assert fast.choice.precision == "bf16"                  # what the app would use here
    fast_report = drain(evaluate(fast, hr_folder))
    assert fast_report.mean_psnr != report.mean_psnr
    assert main(["eval", str(model), str(hr_folder), "--json", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out)["mean"]["psnr"] == pytest.approx(report.mean_psnr, abs=1e-3)
    assert main(["eval", str(model), str(hr_folder), "--json", "--device", "cpu", "--precision", "auto"]) == 0
    assert json.loads(capsys.readouterr().out)["mean"]["psnr"] == pytest.approx(fast_report.mean_psnr, abs=1e-3)


def test_eval_scores_naturalness_of_result_bicubic_and_original(tmp_path: Path, capsys: pytest.CaptureFixture
                                                                ) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    _image(folder / "large.png", 416, 416, 3)          # 104 px LR: NIQE needs 96 px blocks after the shave
    _image(folder / "small.png", 50, 42, 4)            # too small for NIQE: NaN, left out of the mean
    report = evaluate_bicubic(folder, 4)
    large, small = report.rows
    assert math.isnan(small.niqe) and math.isnan(small.original_niqe)
    assert large.original_niqe < large.bicubic_niqe      # bicubic blur is less natural than the original
    assert report.mean_original_niqe == pytest.approx(large.original_niqe)
    assert report.as_metrics()["original_niqe"] == pytest.approx(large.original_niqe, abs=1e-3)
    model = tiny_model_file(tmp_path)
    assert main(["eval", str(model), str(folder), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "NIQE" in out and f"original images: NIQE {large.original_niqe:.2f}" in out


def test_lr_jpeg_scores_the_model_on_compressed_inputs(hr_folder: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    clean, compressed = evaluate_bicubic(hr_folder), evaluate_bicubic(hr_folder, lr_jpeg=30)
    assert compressed.mean_psnr < clean.mean_psnr - 0.1 and compressed.lr_jpeg == 30
    model = tiny_model_file(tmp_path)
    assert main(["eval", str(model), str(hr_folder), "--lr-jpeg", "30", "--json", "--device", "cpu"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lr_jpeg"] == 30
    assert result["mean"]["bicubic_psnr"] == pytest.approx(compressed.mean_psnr, abs=1e-3)
    assert main(["eval", str(model), str(hr_folder), "--lr-jpeg", "0"]) == 2
