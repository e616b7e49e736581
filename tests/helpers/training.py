"""Tiny photo folders and tiny training configs for the trainer tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from core.common.events import Event
from core.nets.config import DiscriminatorConfig
from core.training.config import TrainConfig
from tests.helpers.tiny import TINY

TINY_D = DiscriminatorConfig(crop_size=32, base_width=8, dense_width=16)


def make_photos(folder: Path, count: int = 6, size: int = 64, seed: int = 0) -> Path:
    """Smooth, structured colour images (sums of sinusoids): learnable, unlike noise."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(count):
        img = np.zeros((size, size, 3))
        for c in range(3):
            for _ in range(3):
                fx, fy = rng.uniform(1, 5, 2)
                img[..., c] += np.sin(2 * np.pi * (fx * xx + fy * yy) + rng.uniform(0, 6.3))
        img = (img - img.min()) / (img.max() - img.min())
        Image.fromarray((img * 255).astype(np.uint8)).save(folder / f"photo{i}.png")
    return folder


def tiny_config(tmp_path: Path, **changes) -> TrainConfig:
    data = tmp_path / "photos"
    if not data.exists():
        make_photos(data)
    config = TrainConfig(
        data_dir=data, val_count=2, generator=TINY, discriminator=TINY_D, content_loss="mse",
        steps=20, batch_size=4, crop_size=32, lr=1e-3, ema=False, val_every=10, checkpoint_every=10,
        preview_every=10, num_workers=0, out_dir=tmp_path / "run")
    return replace(config, **changes)


def collect(events, into: list[Event]):
    """Run an event generator to its end, keeping every event; returns its value."""
    while True:
        try:
            into.append(next(events))
        except StopIteration as stop:
            return stop.value


def of_type(events: list[Event], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]
