"""Lattice loss: the period-4 pattern in SR's error, the grid a x4 PixelShuffle generator draws.

Each output pixel of a x4 generator comes from one of 4 x 4 sub-pixel filters, so when those filters
disagree the output repeats a small pattern every 4 pixels (`core.evaluation.lattice` measures it).
The pixel and VGG losses barely see it, and a discriminator, itself a strided network, can learn to
ignore it. This term looks for it directly: the luma error SR - HR is cut into 48 x 48 windows, each
window's error is averaged per sub-pixel position (4 x 4 means of 144 pixels each), and what those 16
means disagree about is the pattern. Texture the GAN invents at random mostly averages out over 144
samples; a pattern that repeats does not. Working on the error, not on SR, leaves HR's own periodic
content (a tiled roof, a screen) alone.

On Set14 (fp32, whole images in 48 px windows) the term is 0.0031 for the bundled Faithful model, 0.0056
for the SRGAN bundled before it and 0.0092 for a GAN run with a visible grid; Gaussian noise of 2 levels
added to the originals scores 0.0003.
"""

from __future__ import annotations

import torch

PERIOD = 4          # x4 PixelShuffle (its two x2 stages' period-2 pattern is one of these too)
WINDOW = 12         # window edge in periods: 48 px, two windows across a 96 px training crop


def lattice_loss(sr_luma: torch.Tensor, hr_luma: torch.Tensor) -> torch.Tensor:
    """Mean absolute period-4 pattern of the (N, 1, H, W) luma error, in luma units (see the module doc).

    Crops under 48 px use windows as large as fit, down to 2 periods.
    """
    error = (sr_luma - hr_luma).float()
    n, _, h, w = error.shape
    window = min(WINDOW, h // PERIOD, w // PERIOD)
    if window < 2:
        raise ValueError(f"the lattice loss needs crops of at least {2 * PERIOD} px, got {h} x {w}")
    cell = PERIOD * window
    rows, cols = h // cell, w // cell
    error = error[:, 0, :rows * cell, :cols * cell]
    # (n, rows, window, PERIOD, cols, window, PERIOD): which window, which period in it, sub-pixel position
    grid = error.reshape(n, rows, window, PERIOD, cols, window, PERIOD)
    phase_means = grid.mean(dim=(2, 5))                                 # (n, rows, PERIOD, cols, PERIOD)
    pattern = phase_means - phase_means.mean(dim=(2, 4), keepdim=True)   # a window's mean error is no pattern
    return pattern.abs().mean()
