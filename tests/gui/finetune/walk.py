"""Walking the fine-tune wizard in tests: tiny photos, a tiny base model, tiny settings, few steps;
and stored runs made by core, for the runs list and resuming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from core.common.events import Cancelled, Control, drain
from core.common.paths import user_models_dir
from core.finetune.budget import plan_for_steps
from core.finetune.photos import scan_photos
from core.finetune.recipe import FineTuneChoices, FineTuneRecipe
from core.finetune.runner import run_finetune
from core.finetune.runs import RunRecord, create_run, read_run
from core.nets.config import DiscriminatorConfig
from core.training.events import StepDone
from srgan_desktop.finetune.wizard import GOAL, TRAINING, FineTuneWizard
from tests.helpers.tiny import tiny_model_file

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
    tiny = page.base.combo.findText("Tiny base", Qt.MatchFlag.MatchContains)
    if tiny >= 0:
        page.base.combo.setCurrentIndex(tiny)
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


def stored_run(tmp_path: Path, steps: int = 40, stop_at: int | None = None, lr: float = 1e-3,
               title: str = "Garden (faithful)") -> RunRecord:
    """A faithful run trained by core as the wizard and `srgan finetune` train it, on the tiny base
    model; stopped after step `stop_at` (the record then says "interrupted", as after a crash)."""
    photos = tmp_path / "photos"
    if not photos.exists():
        make_photos(photos)
    base = user_models_dir() / "tiny-base.safetensors"
    if not base.exists():
        tiny_model_file(user_models_dir(), name="tiny-base", title="Tiny base")
    summary = drain(scan_photos(photos, thumbnails=False))
    choices = FineTuneChoices(data_dir=photos, base_model=base, held_out=summary.held_out_names(), device="cpu",
                              precision="fp32")
    recipe = FineTuneRecipe(batch_size=2, crop_size=32, lr=lr, min_crop_detail=0.0, content_loss="mse")
    run = create_run(choices, recipe, plan_for_steps(steps), title, base_title="Tiny base", overrides=TINY_GAN)
    control = Control()

    def stop_when_due(event) -> None:
        if stop_at is not None and isinstance(event, StepDone) and event.step >= stop_at:
            control.cancel()

    try:
        drain(run_finetune(run, control), stop_when_due)
    except Cancelled:
        pass
    return read_run(run.id)
