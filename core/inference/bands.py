"""Stride-1 convolutions computed a band of output rows at a time, so their workspace stays bounded.

A band of output rows [r0, r1) reads the input rows [r0 - pad, r1 - pad + kernel - 1): the band
plus the convolution's halo. Rows beyond the input's edges are the zero padding the whole-image
convolution would have seen, so the bands put together are exactly the whole-image result.
Used by NNPACK's convolutions (`core.inference.fast_conv`), whose transform buffers grow with
the input, and by the fused shuffle-PReLU-conv tail (`core.inference.fused_tail`), whose input
is the network's largest activation.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

# Bands hold at most this many (pixels x (in + out channels)): ~100 MB of NNPACK workspace.
BAND_BUDGET = 1 << 23
MIN_BAND_ROWS = 16


def band_rows(channels: int, width: int) -> int:
    """Rows per band for a convolution with `channels` (in + out) over rows `width` pixels wide."""
    return max(MIN_BAND_ROWS, BAND_BUDGET // (channels * max(width, 1)))


def convolve_in_bands(read_rows: Callable[[int, int], torch.Tensor], conv_rows: Callable[[torch.Tensor], torch.Tensor],
                      height: int, kernel_h: int, pad_h: int, rows: int) -> torch.Tensor:
    """The (N, C, H', W') output of a stride-1 convolution over an input `height` rows tall, `rows` at a time.

    `read_rows(lo, hi)` returns input rows [lo, hi) as (N, C, hi - lo, W); `conv_rows(piece)`
    convolves an already row-padded piece with the convolution's column padding only.
    """
    out_h = height + 2 * pad_h - kernel_h + 1
    out: torch.Tensor | None = None
    for r0 in range(0, out_h, rows):
        r1 = min(out_h, r0 + rows)
        top, bottom = r0 - pad_h, r1 - pad_h + kernel_h - 1      # padded input rows this band reads
        lo, hi = max(0, top), min(height, bottom)
        piece = F.pad(read_rows(lo, hi), (0, 0, lo - top, bottom - hi))
        result = conv_rows(piece)
        if out is None:
            out = result.new_empty((*result.shape[:2], out_h, result.shape[-1]))
        out[:, :, r0:r1] = result
    if out is None:
        raise ValueError(f"a {kernel_h}-row kernel with padding {pad_h} has no output rows on {height} input rows")
    return out
