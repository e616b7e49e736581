"""Walking the fine-tune wizard in tests: tiny photos, a tiny base model, tiny settings, few steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from core.nets.config import DiscriminatorConfig
from srgan_desktop.finetune.wizard import GOAL, TRAINING, FineTuneWizard

TINY_GAN = {"discriminator": DiscriminatorConfig(crop_size=32, base_width=8, dense_width=16),
            "content_loss": "mse", "num_workers": 0}
WAIT_MS = 60_000


def make_photos(folder: Path, count: int = 6, size: int = 100) -> Path:
    """Smooth random colour photos (something a network can learn), PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:size, 0:size] / size
    for i in range(count):
        a, b, c = rng.uniform(2, 9, 3)
        rgb = np.stack([np.sin(a * x + b * y), np.cos(b * x - c * y), np.sin(c * x * y + a)], axis=2)
        pixels = ((rgb * 0.5 + 0.5) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"photo_{i:02d}.png")
    return folder


def open_wizard(qtbot, parent=None, resume=None, **overrides) -> FineTuneWizard:
    """A wizard training the tiny networks; `steps=N` plans N steps instead of a time budget."""
    wizard = FineTuneWizard(parent, train_overrides={**TINY_GAN, **overrides}, resume=resume)
    if parent is None:
        qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def scan(qtbot, wizard: FineTuneWizard, folder: Path) -> None:
    qtbot.waitUntil(wizard.photos_page.scan(folder).done, timeout=20_000)


def set_tiny_settings(wizard: FineTuneWizard, realistic: bool) -> None:
    """The tiny base model (as a user would pick it over the bundled default) and small crops."""
    page = wizard.goal_page
    tiny = page.base_combo.findText("Tiny base", Qt.MatchFlag.MatchContains)
    if tiny >= 0:
        page.base_combo.setCurrentIndex(tiny)
    (page.realistic if realistic else page.faithful).setChecked(True)
    advanced = page.advanced
    advanced.device.setCurrentIndex(advanced.device.findData("cpu"))
    advanced.batch.setValue(2)
    advanced.crop.setValue(32)
    advanced.precision.setCurrentIndex(advanced.precision.findData("fp32"))


def wait_for_plan(qtbot, wizard: FineTuneWizard) -> None:
    qtbot.waitUntil(lambda: wizard.goal_page.isComplete(), timeout=WAIT_MS)


def walk_to_training(qtbot, wizard: FineTuneWizard, folder: Path, realistic: bool = True) -> None:
    scan(qtbot, wizard, folder)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.currentId() == GOAL
    set_tiny_settings(wizard, realistic)
    wait_for_plan(qtbot, wizard)
    wizard.next()
    assert wizard.currentId() == TRAINING
