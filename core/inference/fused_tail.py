"""SRResNet's last pixel-shuffle, PReLU and tail convolution, evaluated in bands of output rows.

The last upsampling stage holds the largest activations of the network: a 288-pixel tile
becomes 64 channels at 1152x1152 (340 MB) after the shuffle, and again after the PReLU, while
the tail convolution reduces it to 3 channels. Doing shuffle -> PReLU -> conv a band of rows
at a time means that 4x-area activation never exists whole; the maths is unchanged (the
PReLU is pointwise, the conv sees the same zero padding). Measured: peak RSS of a
1024 -> 4096 upscale went from 2.2 GB to 1.6 GB (benchmarks/bench_inference.py).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from core.inference.fast_conv import BAND_BUDGET, NNPACKConv2d, nnpack_conv2d
from core.nets.srresnet import SRResNet

MIN_ROWS = 16


class ShuffleActConv(nn.Module):
    """pixel_shuffle(factor) -> act -> conv (stride 1, zero padding), band by band."""

    def __init__(self, act: nn.Module, conv: nn.Conv2d | NNPACKConv2d, factor: int = 2) -> None:
        super().__init__()
        self.act, self.conv, self.factor = act, conv, factor
        self.kernel_h = int(conv.weight.shape[-2])
        self.pad_h, self.pad_w = (int(p) for p in conv.padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, C*f*f, h, w) -> shuffled (N, C, f*h, f*w) -> conv output (N, Cout, H', W')
        f = self.factor
        height, width = x.shape[-2] * f, x.shape[-1] * f
        out_h = height + 2 * self.pad_h - self.kernel_h + 1
        channels = int(self.conv.weight.shape[0] + self.conv.weight.shape[1])
        rows = max(MIN_ROWS, BAND_BUDGET // (channels * width))
        out = None
        for band in range(math.ceil(out_h / rows)):
            r0, r1 = band * rows, min(out_h, (band + 1) * rows)
            top, bottom = r0 - self.pad_h, r1 - self.pad_h + self.kernel_h - 1   # shuffled rows read
            lo, hi = max(0, top), min(height, bottom)
            low = x[:, :, lo // f:-(-hi // f)]
            piece = self.act(F.pixel_shuffle(low, f)[:, :, lo - (lo // f) * f:hi - (lo // f) * f])
            piece = F.pad(piece, (0, 0, lo - top, bottom - hi))
            result = self._conv_rows(piece)
            if out is None:
                out = result.new_empty((*result.shape[:2], out_h, result.shape[-1]))
            out[:, :, r0:r1] = result
        return out

    def _conv_rows(self, piece: torch.Tensor) -> torch.Tensor:
        """The conv with its column padding only (rows are already padded)."""
        if isinstance(self.conv, NNPACKConv2d):
            return nnpack_conv2d(piece.contiguous(), self.conv.weight, self.conv.bias, [0, self.pad_w])
        return F.conv2d(piece, self.conv.weight, self.conv.bias, padding=(0, self.pad_w))


def fuse_tail(model: nn.Module) -> nn.Module:
    """In place: route SRResNet's last shuffle + PReLU into a banded ShuffleActConv tail."""
    if not isinstance(model, SRResNet) or not len(model.upsample):
        return model
    last = model.upsample[-1]
    if not (isinstance(last.shuffle, nn.PixelShuffle) and isinstance(model.tail, (nn.Conv2d, NNPACKConv2d))):
        return model
    if isinstance(model.tail, nn.Conv2d) and (model.tail.stride != (1, 1) or isinstance(model.tail.padding, str)):
        return model
    model.tail = ShuffleActConv(last.act, model.tail, last.shuffle.upscale_factor)
    last.shuffle, last.act = nn.Identity(), nn.Identity()
    return model
