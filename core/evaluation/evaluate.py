"""Benchmark a model the way papers do: HR folder -> bicubic LR -> SR, PSNR/SSIM on Y next to bicubic.

Protocol (Set5/Set14 tables of SRCNN, SRGAN, EDSR...): each HR image is modcropped to a
multiple of the scale, downscaled with antialiased bicubic (MATLAB `imresize`; Pillow
BICUBIC here) and stored as an 8-bit LR image; SR and the bicubic baseline are rounded to
8 bits as a saved file would be; PSNR/SSIM are computed on BT.601 Y with `scale` border
pixels shaved (`core.evaluation.metrics`). With this, bicubic gives 28.43 dB / 0.8113 on Set5. NIQE
(`core.evaluation.niqe`, lower = more natural) is measured on the same 8-bit Y with the same border
shaved, for the result, the bicubic baseline and the original. A model named by path runs in fp32
(see `_open`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.common.errors import reason_without_name
from core.common.events import NEVER_CANCELLED, Control, Event, ImageDone, ImageFailed, ImageStarted
from core.evaluation.metrics import psnr_y, ssim_y
from core.evaluation.niqe import niqe
from core.imageio.bicubic import bicubic_upscale, make_pair, quantize_8bit
from core.imageio.compress import jpeg_roundtrip
from core.imageio.files import ImageReadError, list_images, load_rgb8
from core.inference.upscaler import InferenceOptions, Upscaler

ModelFn = Callable[[np.ndarray], np.ndarray]     # HxWx3 float LR in [0, 1] -> (sH)x(sW)x3 SR


@dataclass(frozen=True)
class EvalRow:
    name: str
    psnr: float
    ssim: float
    bicubic_psnr: float
    bicubic_ssim: float
    niqe: float = float("nan")            # NaN: the image is smaller than one 96 px NIQE block
    bicubic_niqe: float = float("nan")
    original_niqe: float = float("nan")


class _Mean:
    """`report.mean_<score>`: the mean of that score over the report's rows, NaNs (no NIQE) left out."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.score = name.removeprefix("mean_")

    def __get__(self, report: EvalReport, owner: type | None = None) -> float:
        values = [value for row in report.rows if not np.isnan(value := getattr(row, self.score))]
        return float(np.mean(values)) if values else float("nan")


@dataclass
class EvalReport:
    rows: list[EvalRow] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    folder: str = ""
    model: str = ""
    scale: int = 4
    seconds: float = 0.0
    lr_jpeg: int | None = None           # the JPEG quality the LR images were saved with, if any

    mean_psnr = _Mean()
    mean_ssim = _Mean()
    mean_niqe = _Mean()
    mean_bicubic_psnr = _Mean()
    mean_bicubic_ssim = _Mean()
    mean_bicubic_niqe = _Mean()
    mean_original_niqe = _Mean()

    def as_metrics(self) -> dict[str, float]:
        """The summary a model file stores under `metrics[<folder name>]`."""
        return {"psnr": round(self.mean_psnr, 3), "ssim": round(self.mean_ssim, 4),
                "bicubic_psnr": round(self.mean_bicubic_psnr, 3), "bicubic_ssim": round(self.mean_bicubic_ssim, 4),
                "niqe": round(self.mean_niqe, 3), "bicubic_niqe": round(self.mean_bicubic_niqe, 3),
                "original_niqe": round(self.mean_original_niqe, 3), "images": len(self.rows)}


def bicubic_model(scale: int) -> ModelFn:
    """The baseline every table prints: bicubic upscaling of the LR image."""
    return lambda lr: bicubic_upscale(lr, scale)


def score(sr: np.ndarray, hr: np.ndarray, shave: int) -> tuple[float, float]:
    """(PSNR, SSIM) of an SR result rounded to 8 bits, as a saved file would be."""
    sr8 = quantize_8bit(np.clip(sr, 0, 1))
    return psnr_y(sr8, hr, shave), ssim_y(sr8, hr, shave)


def evaluate_pairs(model_fn: ModelFn, pairs: Sequence[tuple[np.ndarray, np.ndarray]], shave: int
                   ) -> tuple[float, float]:
    """Mean (PSNR, SSIM) of `model_fn` over (lr, hr) pairs; the trainer's validation uses this."""
    scores = [score(model_fn(lr), hr, shave) for lr, hr in pairs]
    return float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores]))


def evaluate(upscaler_or_model: Upscaler | str | Path, hr_folder: Path, scale: int | None = None,
             control: Control = NEVER_CANCELLED, lr_jpeg: int | None = None) -> Generator[Event, None, EvalReport]:
    """Benchmark a model (an `Upscaler`, or a model file / library name) on every image in hr_folder.

    Yields ImageStarted, the upscaler's TileDone events, ImageDone (result=EvalRow) or
    ImageFailed per image. With `lr_jpeg`, each LR image is saved as a JPEG of that quality
    first (the real-world benchmark: photos as phones and the web store them). Raises ValueError
    for a missing/empty folder or a scale mismatch, ModelFileError for an unusable model.
    """
    upscaler = upscaler_or_model if isinstance(upscaler_or_model, Upscaler) else _open(upscaler_or_model)
    if scale is not None and scale != upscaler.scale:
        raise ValueError(f"the model upscales x{upscaler.scale}, not x{scale}")
    paths = _benchmark_images(Path(hr_folder))
    report = EvalReport(folder=Path(hr_folder).name, model=upscaler.info.display_name, scale=upscaler.scale,
                        lr_jpeg=lr_jpeg)
    yield upscaler.device_event()
    started = time.perf_counter()
    for index, path in enumerate(paths):
        control.checkpoint()
        yield ImageStarted(index, len(paths), path)
        began = time.perf_counter()
        try:
            lr, hr = _pair(path, upscaler.scale, lr_jpeg)
        except ImageReadError as exc:
            reason = reason_without_name(exc, path)
            report.failed.append((path, reason))
            yield ImageFailed(path, reason)
            continue
        sr = yield from upscaler.upscale(lr, control)
        row = _row(path.stem, sr, lr, hr, upscaler.scale)
        report.rows.append(row)
        yield ImageDone(index, len(paths), path, None, time.perf_counter() - began, result=row)
    report.seconds = time.perf_counter() - started
    return report


def evaluate_bicubic(hr_folder: Path, scale: int = 4, lr_jpeg: int | None = None) -> EvalReport:
    """The bicubic baseline alone (its rows carry bicubic numbers in both columns)."""
    report = EvalReport(folder=Path(hr_folder).name, model="bicubic", scale=scale, lr_jpeg=lr_jpeg)
    for path in _benchmark_images(Path(hr_folder)):
        try:
            lr, hr = _pair(path, scale, lr_jpeg)
        except ImageReadError as exc:
            report.failed.append((path, reason_without_name(exc, path)))
            continue
        report.rows.append(_row(path.stem, bicubic_upscale(lr, scale), lr, hr, scale))
    return report


def _pair(path: Path, scale: int, lr_jpeg: int | None) -> tuple[np.ndarray, np.ndarray]:
    lr, hr = make_pair(load_rgb8(path), scale)
    return (lr if lr_jpeg is None else jpeg_roundtrip(lr, lr_jpeg)), hr


def _row(name: str, sr: np.ndarray, lr: np.ndarray, hr: np.ndarray, scale: int) -> EvalRow:
    bicubic = bicubic_upscale(lr, scale)
    psnr, ssim = score(sr, hr, scale)
    bicubic_psnr, bicubic_ssim = score(bicubic, hr, scale)
    return EvalRow(name, psnr, ssim, bicubic_psnr, bicubic_ssim,
                   _niqe(sr, scale), _niqe(bicubic, scale), _niqe(hr, scale))


def _niqe(image: np.ndarray, shave: int) -> float:
    """NIQE of an image as an 8-bit file would hold it; NaN when it is below one NIQE block."""
    try:
        return niqe(quantize_8bit(np.clip(image, 0, 1)), shave=shave)
    except ValueError:
        return float("nan")


def _benchmark_images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    paths = list_images(folder)
    if not paths:
        raise ValueError(f"{folder}: no images found")
    return paths


def _open(model: str | Path) -> Upscaler:
    from core.models.library import resolve_model
    # fp32: a benchmark scores the model, not a CPU's or GPU's reduced-precision shortcut, so the
    # numbers stored in a model file are the ones `srgan eval` gives on any machine.
    return Upscaler(resolve_model(str(model)), InferenceOptions(precision="fp32"))
