"""NNPACK convolutions and the banded tail give the reference result, in one piece or in bands."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import core.inference.bands as bands
from core.inference.fast_conv import NNPACKConv2d, eligible, nnpack_works, use_nnpack

NEEDS_NNPACK = pytest.mark.skipif(not nnpack_works(), reason="this PyTorch build has no working NNPACK")


@NEEDS_NNPACK
@pytest.mark.parametrize("kernel,padding", [(3, 1), (9, 4), (5, 2), (3, 0)])
@pytest.mark.parametrize("banded", [False, True])
def test_matches_conv2d(kernel, padding, banded, monkeypatch):
    if banded:                                  # force bands of a few rows, halos included
        monkeypatch.setattr(bands, "BAND_BUDGET", 11 * 30 * 7)
        monkeypatch.setattr(bands, "MIN_BAND_ROWS", 4)
    conv = nn.Conv2d(6, 5, kernel, padding=padding)
    x = torch.rand(2, 6, 37, 30)
    module = NNPACKConv2d(conv)
    assert (module.band_rows(30) < 37) == banded
    with torch.inference_mode():
        expected = F.conv2d(x, conv.weight, conv.bias, padding=padding)
        assert torch.allclose(module(x), expected, atol=1e-4)
        assert torch.allclose(module(x.contiguous(memory_format=torch.channels_last)), expected, atol=1e-4)


def test_only_plain_convolutions_are_swapped():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 4, 3, stride=2),
                          nn.Conv2d(4, 4, 3, groups=2), nn.PReLU())
    use_nnpack(model)
    assert [type(m).__name__ for m in model] == ["NNPACKConv2d", "Conv2d", "Conv2d", "PReLU"]
    assert not eligible(nn.Conv2d(3, 3, 3, padding="same"))


@pytest.mark.parametrize("nnpack", [False, pytest.param(True, marks=NEEDS_NNPACK)])
@pytest.mark.parametrize("budget", [1 << 24, 11 * 124 * 5])     # one band / bands of 5 rows
def test_banded_shuffle_prelu_tail_matches_the_network(nnpack, budget, monkeypatch):
    from core.inference.fused_tail import ShuffleActConv, fuse_tail
    from core.nets.bn_fold import fold_batchnorm
    from core.nets.config import GeneratorConfig
    from tests.helpers.tiny import tiny_generator

    monkeypatch.setattr(bands, "BAND_BUDGET", budget)
    monkeypatch.setattr(bands, "MIN_BAND_ROWS", 3)
    model = tiny_generator(0, GeneratorConfig(scale=4, num_blocks=1, width=8))
    x = torch.rand(1, 3, 23, 31)
    fast = fold_batchnorm(model)
    if nnpack:
        use_nnpack(fast)
    fuse_tail(fast)
    assert isinstance(fast.tail, ShuffleActConv)
    with torch.inference_mode():
        expected, got = model(x), fast(x)
    assert got.shape == expected.shape == (1, 3, 92, 124)
    assert torch.allclose(got, expected, atol=1e-5)


@NEEDS_NNPACK
def test_two_threads_convolving_at_once_both_get_right_results():
    """The batch window and the main window may upscale at the same time."""
    import threading

    wrong: list[int] = []

    def work(seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        conv = nn.Conv2d(16, 16, 3, padding=1)
        module = NNPACKConv2d(conv)
        for i in range(15):
            x = torch.rand(1, 16, 30 + 7 * seed + i, 40, generator=generator)
            with torch.inference_mode():
                if not torch.allclose(module(x), F.conv2d(x, conv.weight, conv.bias, padding=1), atol=1e-4):
                    wrong.append(seed)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong
