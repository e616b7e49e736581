"""The SRGAN discriminator (Ledig et al. 2017, Fig. 4, bottom)."""

from __future__ import annotations

import torch
from torch import nn

from core.nets.config import DiscriminatorConfig

# (width multiplier of base_width, stride) of the seven conv-BN-LeakyReLU blocks.
_BLOCKS = ((1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2))


class Discriminator(nn.Module):
    """Returns one real/fake logit per HR image of size `crop_size`."""

    def __init__(self, config: DiscriminatorConfig = DiscriminatorConfig()) -> None:
        super().__init__()
        self.config = config
        b = config.base_width
        layers: list[nn.Module] = [nn.Conv2d(config.channels, b, 3, padding=1), nn.LeakyReLU(0.2)]
        in_width = b
        for mult, stride in _BLOCKS:
            out_width = b * mult
            layers += [
                nn.Conv2d(in_width, out_width, 3, stride=stride, padding=1),
                nn.BatchNorm2d(out_width),
                nn.LeakyReLU(0.2),
            ]
            in_width = out_width
        self.features = nn.Sequential(*layers)
        side = config.crop_size // 16
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_width * side * side, config.dense_width),
            nn.LeakyReLU(0.2),
            nn.Linear(config.dense_width, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # (N, 1) logits
