"""Scoring the generator on held-out images the field's way (Y-channel PSNR/SSIM, `scale` px shaved)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.evaluation.metrics import psnr_y, ssim_y
from core.imageio.bicubic import bicubic_upscale

Pair = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Scores:
    psnr: float
    ssim: float


@torch.no_grad()
def super_resolve(model: nn.Module, lr: np.ndarray) -> np.ndarray:
    """HxWx3 float [0, 1] -> (sH)x(sW)x3 float32 [0, 1], in eval mode, fp32 (train mode restored)."""
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        x = torch.from_numpy(np.ascontiguousarray(lr)).permute(2, 0, 1)[None].to(device)
        y = model(x).float().clamp_(0, 1)                       # (1, 3, sH, sW)
        return y[0].permute(1, 2, 0).cpu().numpy()
    finally:
        model.train(was_training)


def score(predict, pairs: list[Pair], scale: int) -> Scores | None:
    """Mean PSNR/SSIM of `predict(lr) -> sr` over the pairs; None without pairs."""
    if not pairs:
        return None
    psnrs, ssims = [], []
    for lr, hr in pairs:
        sr = predict(lr)
        psnrs.append(psnr_y(sr, hr, scale))
        ssims.append(ssim_y(sr, hr, scale))
    return Scores(float(np.mean(psnrs)), float(np.mean(ssims)))


def score_model(model: nn.Module, pairs: list[Pair], scale: int) -> Scores | None:
    return score(lambda lr: super_resolve(model, lr), pairs, scale)


def score_bicubic(pairs: list[Pair], scale: int) -> Scores | None:
    return score(lambda lr: np.clip(bicubic_upscale(lr, scale), 0, 1), pairs, scale)
