"""Run a network's convolutions through NNPACK's fast-convolution kernels on CPUs without bf16 units.

Measured on the project's 2-core AVX2 EPYC (benchmarks/bench_inference.py): oneDNN's direct
fp32 convolutions reach ~40 GFLOP/s there, and its 9x9 convolution with 3 output channels
(SRResNet's tail) is far slower still. NNPACK computes 3x3 convolutions by Winograd and
larger kernels by FFT, which needs fewer multiplications for the same exact maths (errors
of ~1e-5 relative), and runs the paper network about twice as fast as oneDNN in
channels_last. NNPACK is an optional part of PyTorch builds, so `nnpack_works()` probes it
once and the caller falls back to oneDNN channels_last when it is missing or misbehaves.

NNPACK's transform buffers grow with the whole input (about 1 GB for the tail of a 288-pixel
tile at 1152x1152), so large inputs are convolved in bands of rows (`core.inference.bands`):
identical maths, a bounded workspace.
"""

from __future__ import annotations

import functools
import threading
from typing import TypeGuard

import torch
import torch.nn.functional as F
from torch import nn

from core.inference import bands

# Older ATen keeps one process-wide NNPACK workspace; two upscales in two threads (batch
# window + main window) must not share it mid-call. Uncontended, the lock costs nothing.
_NNPACK_LOCK = threading.Lock()


def nnpack_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, padding: list[int]) -> torch.Tensor:
    """Stride-1 convolution of NCHW-contiguous fp32 `x` by NNPACK, with symmetric [rows, cols] padding."""
    with _NNPACK_LOCK:
        return torch._nnpack_spatial_convolution(x, weight, bias, padding)


class NNPACKConv2d(nn.Module):
    """A stride-1, undilated, ungrouped Conv2d evaluated by NNPACK (inference only, fp32, NCHW)."""

    weight: torch.Tensor                        # buffers, registered in __init__
    bias: torch.Tensor

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        if not eligible(conv):
            raise ValueError(f"NNPACK cannot run {conv}")
        self.register_buffer("weight", conv.weight.detach().float().contiguous())
        bias = conv.bias if conv.bias is not None else torch.zeros(conv.out_channels)
        self.register_buffer("bias", bias.detach().float().contiguous())
        self.padding = [int(conv.padding[0]), int(conv.padding[1])]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, Cin, H, W) -> (N, Cout, H', W'); NNPACK reads NCHW-contiguous memory only.
        x = x.contiguous()
        rows = self.band_rows(x.shape[-1])
        if x.shape[-2] <= rows:
            return nnpack_conv2d(x, self.weight, self.bias, self.padding)
        return self._forward_in_bands(x, rows)

    def band_rows(self, width: int) -> int:
        return bands.band_rows(int(self.weight.shape[0] + self.weight.shape[1]), width)

    def conv_rows(self, piece: torch.Tensor) -> torch.Tensor:
        """The convolution with its column padding only, on a piece whose rows are already padded."""
        return nnpack_conv2d(piece.contiguous(), self.weight, self.bias, [0, self.padding[1]])

    def _forward_in_bands(self, x: torch.Tensor, rows: int) -> torch.Tensor:
        return bands.convolve_in_bands(lambda lo, hi: x[:, :, lo:hi], self.conv_rows, x.shape[-2],
                                       int(self.weight.shape[-2]), self.padding[0], rows)


def eligible(conv: nn.Module) -> TypeGuard[nn.Conv2d]:
    return (isinstance(conv, nn.Conv2d) and conv.stride == (1, 1) and conv.dilation == (1, 1)
            and conv.groups == 1 and conv.padding_mode == "zeros" and not isinstance(conv.padding, str))


@functools.cache
def nnpack_works() -> bool:
    """True if this PyTorch has NNPACK and it agrees with the reference convolution.

    `torch._nnpack_available()` also initialises NNPACK; without that first call every
    NNPACK convolution fails.
    """
    try:
        if not torch._nnpack_available():
            return False
        generator = torch.Generator().manual_seed(0)
        x = torch.rand(1, 8, 13, 17, generator=generator)
        conv = nn.Conv2d(8, 5, 3, padding=1)
        with torch.inference_mode():
            expected = F.conv2d(x, conv.weight, conv.bias, padding=1)
            got = NNPACKConv2d(conv)(x)
        return got.shape == expected.shape and bool(torch.allclose(got, expected, atol=1e-4, rtol=1e-4))
    except (AttributeError, RuntimeError):
        return False


def use_nnpack(model: nn.Module) -> nn.Module:
    """Swap every eligible Conv2d of `model` (in place) for an NNPACKConv2d; returns `model`."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if eligible(child):
                setattr(parent, name, NNPACKConv2d(child))
    return model
