"""SRResNet, the SRGAN generator (Ledig et al. 2017, Fig. 4, top)."""

from __future__ import annotations

import torch
from torch import nn

from core.nets.config import GeneratorConfig


class ResidualBlock(nn.Module):
    """k3n64s1 conv, BN, PReLU, k3n64s1 conv, BN, elementwise sum."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.act = nn.PReLU(width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))


class UpsampleBlock(nn.Module):
    """k3n256s1 conv, PixelShuffle x2, PReLU."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(width, width * 4, 3, padding=1)
        # Modules, not their exact types: fast inference folds these two into the tail.
        self.shuffle: nn.Module = nn.PixelShuffle(2)
        self.act: nn.Module = nn.PReLU(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.shuffle(self.conv(x)))


class SRResNet(nn.Module):
    """Maps an LR image in [0, 1] to an HR image `scale` times larger (values roughly in [0, 1])."""

    def __init__(self, config: GeneratorConfig = GeneratorConfig()) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.head = nn.Sequential(nn.Conv2d(config.channels, w, 9, padding=4), nn.PReLU(w))
        self.body = nn.Sequential(*(ResidualBlock(w) for _ in range(config.num_blocks)))
        self.body_tail = nn.Sequential(nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w))
        self.upsample = nn.Sequential(*(UpsampleBlock(w) for _ in range(config.upsample_stages)))
        self.tail: nn.Module = nn.Conv2d(w, config.channels, 9, padding=4)   # replaced by fast inference

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(x)                                  # (N, w, H, W)
        body = self.body_tail(self.body(features)) + features    # long skip from the first PReLU
        return self.tail(self.upsample(body))                    # (N, C, sH, sW)
