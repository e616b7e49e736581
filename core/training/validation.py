"""Scoring the generator on held-out images the field's way (Y-channel PSNR/SSIM, `scale` px shaved),
and, where asked, NIQE (`core.evaluation.niqe`, lower = more natural) on the same shaved outputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.evaluation.metrics import psnr_y, ssim_y
from core.evaluation.niqe import niqe as niqe_score
from core.imageio.bicubic import bicubic_upscale

Pair = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Scores:
    psnr: float
    ssim: float
    niqe: float | None = None    # mean over the images large enough for a 96 px NIQE block; None: none were


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


def score(predict, pairs: list[Pair], scale: int, with_niqe: bool = False) -> Scores | None:
    """Mean PSNR/SSIM (and NIQE) of `predict(lr) -> sr` over the pairs; None without pairs."""
    if not pairs:
        return None
    psnrs, ssims, niqes = [], [], []
    for lr, hr in pairs:
        sr = predict(lr)
        psnrs.append(psnr_y(sr, hr, scale))
        ssims.append(ssim_y(sr, hr, scale))
        if with_niqe:
            try:
                niqes.append(niqe_score(sr, shave=scale))
            except ValueError:                      # smaller than one NIQE block once shaved
                pass
    mean_niqe = float(np.mean(niqes)) if niqes else None
    return Scores(float(np.mean(psnrs)), float(np.mean(ssims)), mean_niqe)


def score_model(model: nn.Module, pairs: list[Pair], scale: int, with_niqe: bool = False) -> Scores | None:
    return score(lambda lr: super_resolve(model, lr), pairs, scale, with_niqe)


def score_bicubic(pairs: list[Pair], scale: int, with_niqe: bool = False) -> Scores | None:
    return score(lambda lr: np.clip(bicubic_upscale(lr, scale), 0, 1), pairs, scale, with_niqe)
