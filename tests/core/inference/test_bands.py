"""Convolving in bands of rows gives exactly the whole-image convolution, halos and edges included."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from core.inference.bands import convolve_in_bands


@pytest.mark.parametrize("kernel,padding", [(3, 1), (9, 4), (5, 0), (1, 0)])
@pytest.mark.parametrize("rows", [1, 4, 7, 100])
def test_bands_put_together_are_the_whole_convolution(kernel, padding, rows):
    generator = torch.Generator().manual_seed(kernel * 10 + rows)
    x = torch.rand(2, 4, 19, 11, generator=generator)
    weight, bias = torch.rand(3, 4, kernel, kernel, generator=generator), torch.rand(3, generator=generator)
    expected = F.conv2d(x, weight, bias, padding=padding)
    got = convolve_in_bands(lambda lo, hi: x[:, :, lo:hi],
                            lambda piece: F.conv2d(piece, weight, bias, padding=(0, padding)),
                            x.shape[-2], kernel, padding, rows)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5)
