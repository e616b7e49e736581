"""Fold eval-mode BatchNorm layers into the convolution before them (inference only)."""

from __future__ import annotations

import copy

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Return an eval-mode copy of `model` where every Conv2d directly followed by a BatchNorm2d
    (as attributes `conv`/`bn` pairs in SRResNet, or in a Sequential) absorbs it.

    The BN is replaced by nn.Identity, so the module tree and forward code stay as they are.
    """
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        _fold_in_sequential(module)
        _fold_named_pairs(module)
    return folded


def _fold_in_sequential(module: nn.Module) -> None:
    if not isinstance(module, nn.Sequential):
        return
    names = list(module._modules)
    for first, second in zip(names, names[1:]):
        conv, bn = module._modules[first], module._modules[second]
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            module._modules[first] = fuse_conv_bn_eval(conv, bn)
            module._modules[second] = nn.Identity()


def _fold_named_pairs(module: nn.Module) -> None:
    # SRResNet's ResidualBlock applies conv1 -> bn1 and conv2 -> bn2 in its forward.
    for index in (1, 2):
        conv = getattr(module, f"conv{index}", None)
        bn = getattr(module, f"bn{index}", None)
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            setattr(module, f"conv{index}", fuse_conv_bn_eval(conv, bn))
            setattr(module, f"bn{index}", nn.Identity())
