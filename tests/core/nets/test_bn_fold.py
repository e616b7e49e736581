"""Folding BatchNorm into the convolutions changes nothing but the speed."""

from __future__ import annotations

import torch
from torch import nn

from core.nets.bn_fold import fold_batchnorm
from core.nets.config import GeneratorConfig
from tests.helpers.tiny import tiny_generator


def test_folded_network_gives_the_same_output():
    model = tiny_generator(0, GeneratorConfig(scale=4, num_blocks=2, width=16))
    x = torch.rand(1, 3, 20, 24)
    with torch.no_grad():
        expected = model(x)
        got = fold_batchnorm(model)(x)
    assert torch.allclose(got, expected, atol=1e-5)
    assert expected.abs().max() > 1e-2            # a real signal, not zeros on both sides


def test_every_batchnorm_is_gone_and_the_original_is_untouched():
    model = tiny_generator(0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = fold_batchnorm(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 3   # 2 per block + body tail
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not folded.training


def test_sequential_conv_bn_pairs_fold_too():
    conv, bn = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    model = nn.Sequential(conv, bn, nn.ReLU()).eval()
    x = torch.rand(2, 3, 9, 9)
    with torch.no_grad():
        assert torch.allclose(fold_batchnorm(model)(x), model(x), atol=1e-5)
