"""Typed, frozen architecture configs with the paper's defaults (Ledig et al., CVPR 2017)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.common.settings import refuse_unknown_fields

SUPPORTED_SCALES = (2, 4, 8)
# Far beyond any useful SRResNet (the paper's is 16 x 64; 256 x 512 is ~1.2 billion weights), and
# low enough that a model file declaring more is refused before a network of that size is built.
MAX_BLOCKS = 256
MAX_WIDTH = 512


@dataclass(frozen=True)
class GeneratorConfig:
    """SRResNet: B residual blocks of width n, then log2(scale) x2 pixel-shuffle stages."""

    scale: int = 4
    num_blocks: int = 16
    width: int = 64
    channels: int = 3

    def __post_init__(self) -> None:
        if self.scale not in SUPPORTED_SCALES:
            raise ValueError(f"scale must be one of {SUPPORTED_SCALES}, got {self.scale}")
        if not 1 <= self.num_blocks <= MAX_BLOCKS:
            raise ValueError(f"num_blocks must be between 1 and {MAX_BLOCKS}, got {self.num_blocks}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"width must be between 1 and {MAX_WIDTH}, got {self.width}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}")

    @property
    def upsample_stages(self) -> int:
        return self.scale.bit_length() - 1  # 2 -> 1, 4 -> 2, 8 -> 3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeneratorConfig:
        refuse_unknown_fields(cls, data, "generator settings")
        return cls(**{k: int(v) for k, v in data.items()})


@dataclass(frozen=True)
class DiscriminatorConfig:
    """The paper's VGG-style discriminator: 8 conv layers, widths doubling every other layer."""

    crop_size: int = 96      # HR crop edge the dense layer is sized for
    base_width: int = 64
    dense_width: int = 1024
    channels: int = 3

    def __post_init__(self) -> None:
        if self.crop_size < 16 or self.crop_size % 16:
            raise ValueError(f"crop_size must be a multiple of 16 (four stride-2 convs), got {self.crop_size}")
        if self.base_width < 1 or self.dense_width < 1:
            raise ValueError("discriminator widths must be positive")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiscriminatorConfig:
        refuse_unknown_fields(cls, data, "discriminator settings")
        return cls(**{k: int(v) for k, v in data.items()})
