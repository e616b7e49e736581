"""The SRGAN content loss: MSE between frozen VGG19 feature maps (Ledig et al., eq. 5).

`VGGFeatureExtractor` is torchvision's `vgg19().features` truncated after the ReLU of the
chosen conv: "vgg54" (4th conv of block 5, the paper's choice) or "vgg22" (2nd conv of
block 2); any "vggIJ" works. "vggIJ-pre" stops before that ReLU, as ESRGAN (Wang et al. 2018)
does: deep features after the ReLU are sparse, so their loss says little about most pixels and
lets the generator draw regular patterns the ReLU hides. It takes RGB in [0, 1] and applies the normalisation that
belongs to its weights inside (see `core.training.vgg_weights`: ImageNet mean/std for torchvision's
weights, 255 x - Caffe mean for Oxford's). Features are divided by 12.75 as in the paper,
which keeps VGG54 losses on the same order as pixel MSE.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.training.vgg_weights import (
    CONV_INDEX,
    NORMALIZE_KEYS,
    VGGWeightsMissing,
    describe_vgg_source,
    resolve_vgg_weights,
)

FEATURE_SCALE = 1.0 / 12.75
_VGG19_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")

__all__ = ["VGGWeightsMissing", "resolve_vgg_weights", "describe_vgg_source", "VGGFeatureExtractor",
           "PerceptualLoss", "layer_cut"]


def layer_cut(layer: str) -> int:
    """Number of `vgg19.features` modules to keep for "vggIJ": up to and including ReLU after conv J of
    block I; for "vggIJ-pre", up to and including that conv (its ReLU left out)."""
    match = re.fullmatch(r"vgg([1-5])([1-4])(-pre)?", layer.lower())
    name = f"block{match.group(1)}_conv{match.group(2)}" if match else ""
    if match is None or name not in CONV_INDEX:
        raise ValueError(f"unknown VGG layer {layer!r}; use e.g. 'vgg54', 'vgg22' or 'vgg54-pre'")
    return CONV_INDEX[name] + (1 if match.group(3) else 2)      # the conv, then (unless "-pre") its ReLU


def _vgg19_features(cut: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = 3
    for item in _VGG19_CFG:
        if isinstance(item, str):                    # "M": max-pooling
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, item, kernel_size=3, padding=1), nn.ReLU(inplace=False)]
            channels = item
    return nn.Sequential(*layers[:cut])


class VGGFeatureExtractor(nn.Module):
    """Frozen VGG19 features of RGB [0, 1] images, divided by 12.75."""

    input_scale: torch.Tensor                        # buffers, registered in __init__
    input_shift: torch.Tensor

    def __init__(self, layer: str = "vgg54", weights: dict[str, torch.Tensor] | None = None,
                 vgg_file: Path | None = None, allow_download: bool = False) -> None:
        super().__init__()
        if weights is None:
            weights, self.source = resolve_vgg_weights(vgg_file, allow_download)
        else:
            self.source = "weights passed in"
        self.layer = layer
        self.features = _vgg19_features(layer_cut(layer))
        needed = set(self.features.state_dict())
        missing = sorted(needed - set(weights), key=lambda k: int(k.split(".")[0]))
        if missing:
            raise VGGWeightsMissing(f"VGG weights lack the layers {layer} needs (e.g. {missing[0]})")
        self.features.load_state_dict({k: weights[k] for k in needed})
        scale, shift = (weights[k].float().reshape(1, 3, 1, 1) for k in NORMALIZE_KEYS)
        self.register_buffer("input_scale", scale)
        self.register_buffer("input_shift", shift)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGGFeatureExtractor:
        return super().train(False)                  # always frozen, whatever the trainer does

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        x = rgb * self.input_scale + self.input_shift          # (N, 3, H, W), weight-specific normalisation
        return self.features(x) * FEATURE_SCALE                # (N, C, H / 2^k, W / 2^k)


class PerceptualLoss(nn.Module):
    """MSE between VGG features of SR and HR (the HR features carry no gradient)."""

    def __init__(self, layer: str = "vgg54", weights: dict[str, torch.Tensor] | None = None,
                 vgg_file: Path | None = None, allow_download: bool = False,
                 extractor: VGGFeatureExtractor | None = None) -> None:
        super().__init__()
        self.extractor = extractor or VGGFeatureExtractor(layer, weights, vgg_file, allow_download)

    @property
    def source(self) -> str:
        return self.extractor.source

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            target = self.extractor(hr)
        return F.mse_loss(self.extractor(sr), target)
