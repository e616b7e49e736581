"""Tiny networks and model files that keep core tests fast on a CPU."""

from __future__ import annotations

from pathlib import Path

import torch

from core.models.model_file import save_model
from core.nets.config import GeneratorConfig
from core.nets.srresnet import SRResNet

TINY = GeneratorConfig(scale=4, num_blocks=1, width=8)


def tiny_generator(seed: int = 0, config: GeneratorConfig = TINY) -> SRResNet:
    """A small SRResNet with non-trivial BN statistics, so BN folding is really exercised."""
    torch.manual_seed(seed)
    model = SRResNet(config)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.1, 0.1)
    return model.eval()


def tiny_model_file(folder: Path, name: str = "tiny", seed: int = 0, **kwargs) -> Path:
    return save_model(tiny_generator(seed), folder / f"{name}.safetensors", name=name, **kwargs)


def save_tiny(folder: Path, name: str, seed: int = 0, title: str = "", phase: str = "mse",
              config: GeneratorConfig = TINY) -> Path:
    """A tiny model file that says how it was trained ("gan": a photo-realistic model, as the bundled SRGAN)."""
    return save_model(tiny_generator(seed, config), folder / f"{name}.safetensors", name=name, title=title,
                      provenance={"phase": phase})
