"""The fine-tune wizard end to end, with a tiny network, tiny photos and a few steps."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWizard

from core.common.paths import user_models_dir
from core.finetune.budget import plan_for_steps
from core.finetune.recipe import build_train_config
from core.finetune.runs import latest_resumable, list_runs
from core.models.library import list_models
from core.models.model_file import load_model
from core.nets.config import DiscriminatorConfig
from core.training.events import DivergenceDetected, StepDone
from srgan_desktop.finetune.resume import offer_resume, resume_question
from srgan_desktop.finetune.wizard import FINISH, GOAL, PHOTOS, TRAINING, FineTuneWizard
from tests.helpers.tiny import tiny_model_file

TINY_GAN = {"discriminator": DiscriminatorConfig(crop_size=32, base_width=8, dense_width=16),
            "content_loss": "mse", "num_workers": 0}


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


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    """Closing a wizard must never block a test on a modal question."""
    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", lambda self: True)
    monkeypatch.setattr(FineTuneWizard, "ask_keep_or_discard", lambda self: "keep")


@pytest.fixture
def base_model() -> Path:
    return tiny_model_file(user_models_dir(), name="tiny-base", title="Tiny base")


def open_wizard(qtbot, **overrides) -> FineTuneWizard:
    wizard = FineTuneWizard(train_overrides={**TINY_GAN, **overrides})
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def scan(qtbot, wizard: FineTuneWizard, folder: Path) -> None:
    qtbot.waitUntil(wizard.photos_page.scan(folder).done, timeout=20_000)


def set_tiny_settings(wizard: FineTuneWizard, steps: int, realistic: bool) -> None:
    page = wizard.goal_page
    # Start from the test's tiny base model when there is one, as a user would pick it over the bundled default.
    tiny = page.base_combo.findText("Tiny base", Qt.MatchFlag.MatchContains)
    if tiny >= 0:
        page.base_combo.setCurrentIndex(tiny)
    (page.realistic if realistic else page.faithful).setChecked(True)
    page.advanced.steps.setValue(1234)
    page.advanced.device.setCurrentIndex(page.advanced.device.findData("cpu"))
    assert page.advanced.steps.value() == 500       # another device brings its own defaults
    page.advanced.steps.setValue(steps)
    page.advanced.batch.setValue(2)
    page.advanced.crop.setValue(32)
    page.advanced.precision.setCurrentIndex(page.advanced.precision.findData("fp32"))


def walk_to_training(qtbot, wizard: FineTuneWizard, folder: Path, steps: int, realistic: bool = True) -> None:
    scan(qtbot, wizard, folder)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()
    assert wizard.currentId() == GOAL
    set_tiny_settings(wizard, steps, realistic)
    qtbot.waitUntil(lambda: wizard.goal_page.seconds_per_step is not None, timeout=30_000)
    assert "Estimated time" in wizard.goal_page.estimate_label.text()
    wizard.next()
    assert wizard.currentId() == TRAINING


def test_full_walk_trains_saves_and_lists_the_model(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot)
    created: list[Path] = []
    wizard.model_created.connect(created.append)
    walk_to_training(qtbot, wizard, photos, steps=12)
    page = wizard.training_page
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    assert page.isComplete(), page.notice_label.text()
    assert page.content_chart.point_count() >= 10          # every step reached the chart
    assert page.discriminator_chart.point_count("d_fake") >= 10
    assert page.psnr_chart.point_count("psnr") >= 1        # validation ran
    assert page.psnr_chart.point_count("base") >= 1        # ... next to the base model
    assert page.preview.updates >= 1
    wizard.next()
    assert wizard.currentId() == FINISH
    assert "compared with the base model" in wizard.finish_page.results_label.text()
    wizard.finish_page.name_edit.setText("Garden test")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert len(created) == 1 and created[0].exists()
    model, info = load_model(created[0])
    assert info.title == "Garden test"
    assert info.provenance["base_model"] == "Tiny base"
    assert info.provenance["data_folder"] == str(photos)
    assert "validation" in info.metrics and "psnr" in info.provenance["validation"]
    entries, _ = list_models()
    assert created[0] in [e.path for e in entries]
    assert latest_resumable() is None                         # nothing left to resume
    (run,) = list_runs().runs
    assert run.state == "finished" and run.exported == str(created[0])
    assert tuple(run.config["val_files"]) == wizard.session.summary.held_out_names()


def test_folder_with_corrupt_and_tiny_images_lists_skips(qtbot, tmp_path):
    photos = make_photos(tmp_path / "mixed", count=3)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    Image.new("RGB", (20, 20), "red").save(photos / "tiny.png")
    (photos / "zz_copy.png").write_bytes((photos / "photo_00.png").read_bytes())
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, photos)
    summary = wizard.session.summary
    assert len(summary.usable) == 3
    skipped = {p.name for p, _ in summary.skipped}
    assert skipped == {"broken.jpg", "tiny.png", "zz_copy.png"}
    assert wizard.photos_page.skipped_list.topLevelItemCount() == 3
    assert wizard.photos_page.warning_label.isVisibleTo(wizard)   # fewer than 20 photos
    assert len(summary.validation) == 1 and summary.validation[0] not in summary.training
    assert wizard.photos_page.isComplete()


def test_folder_without_usable_images_cannot_proceed(qtbot, tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"not a png")
    Image.new("RGB", (30, 30)).save(folder / "small.png")
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, folder)
    assert not wizard.photos_page.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "No usable photos" in wizard.photos_page.summary_label.text()
    scan(qtbot, wizard, tmp_path / "does-not-exist")
    assert not wizard.photos_page.isComplete()


def test_pause_resume_and_stop_keep_the_best_checkpoint(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, val_every=5, checkpoint_every=5, preview_every=5)
    walk_to_training(qtbot, wizard, photos, steps=100_000, realistic=False)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.validations >= 2, timeout=60_000)   # step 0 and step 5
    page.pause()
    qtbot.wait(300)                                  # let the step in flight finish
    paused_at = page._router.last_step
    qtbot.wait(700)
    assert page._router.last_step == paused_at       # nothing moves while paused
    assert "paused" in page.status_label.text().lower()
    page.resume()
    qtbot.waitUntil(lambda: page._router.last_step > paused_at, timeout=30_000)
    page.stop()
    qtbot.waitUntil(lambda: not page.running, timeout=30_000)
    outcome = wizard.session.outcome
    assert outcome.stopped_early and outcome.best_checkpoint.exists()
    assert page.isComplete()
    (run,) = list_runs().runs                        # stopped runs can be continued later
    assert run.state == "kept" and run.resumable


def test_closing_mid_training_offers_resume_next_start(qtbot, tmp_path, base_model, monkeypatch):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, val_every=5, checkpoint_every=5, preview_every=5)
    walk_to_training(qtbot, wizard, photos, steps=100_000, realistic=False)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.last_step >= 3, timeout=60_000)
    wizard.reject()
    assert not page.running and not wizard.isVisible()
    stopped_at = page._router.last_step
    assert FineTuneWizard.has_interrupted_run()
    assert latest_resumable().total_steps == 100_000
    assert latest_resumable().last_step == stopped_at     # the final checkpoint is at the stop
    assert f"reached step {stopped_at:,} of 100,000" in resume_question(None).informativeText()

    def press_resume(box: QMessageBox) -> None:
        box.resume_button.click()

    resumed = offer_resume(None, ask=press_resume)
    qtbot.addWidget(resumed)
    assert resumed.currentId() == TRAINING
    qtbot.waitUntil(lambda: resumed.training_page._router.last_step > stopped_at, timeout=60_000)
    resumed.training_page.stop_for_close()
    assert resumed.training_page._router.notice_text.startswith("Resumed at step")


def test_discarding_the_interrupted_run_forgets_it(qtbot, tmp_path, base_model, monkeypatch):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, val_every=5, checkpoint_every=5, preview_every=5)
    walk_to_training(qtbot, wizard, photos, steps=100_000, realistic=False)
    qtbot.waitUntil(lambda: wizard.training_page._router.last_step >= 2, timeout=60_000)
    wizard.training_page.stop_for_close()
    out_dir = latest_resumable().folder
    assert out_dir.exists()
    assert offer_resume(None, ask=lambda box: box.discard_button.click()) is None
    assert not FineTuneWizard.has_interrupted_run() and not out_dir.exists()


def test_model_name_must_be_new(qtbot, tmp_path, base_model):
    wizard = open_wizard(qtbot)
    page = wizard.finish_page
    page.name_edit.setText("tiny base")          # same file name as the existing model
    assert not page.isComplete() and "already exists" in page.problem_label.text()
    page.name_edit.setText("  ")
    assert not page.isComplete()
    page.name_edit.setText("Something new")
    assert page.isComplete()
    assert wizard.currentId() == PHOTOS


def test_closing_the_main_window_mid_training_asks_then_checkpoints(qtbot, tmp_path, base_model, monkeypatch):
    photos = make_photos(tmp_path / "photos")
    main = QMainWindow()
    qtbot.addWidget(main)
    main.show()
    wizard = FineTuneWizard(parent=main, train_overrides={**TINY_GAN, "checkpoint_every": 5})
    wizard.show()
    walk_to_training(qtbot, wizard, photos, steps=100_000, realistic=False)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.last_step >= 2, timeout=60_000)
    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", lambda self: False)
    assert not main.close()                       # the user said "no": nothing stops
    assert main.isVisible() and page.running
    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", lambda self: True)
    assert main.close()
    assert not page.running and FineTuneWizard.has_interrupted_run()


def test_events_are_drawn_in_batches_and_a_rollback_is_explained(qtbot):
    wizard = open_wizard(qtbot)
    page = wizard.training_page
    chart = page.content_chart
    for step in range(1, 301):
        page._router.route(StepDone(step, 1000, {"g_content": 1.0 / step, "g_adversarial": 0.7, "d": 1.2},
                                    0.6, 0.4, 1e-4, 50.0, 20.0))
    assert chart._series["content"].count() == 0  # nothing repainted per event...
    qtbot.waitUntil(lambda: chart._series["content"].count() == 300, timeout=2000)   # ...one batch later
    assert page.discriminator_chart.point_count("d_real") == 300
    page._router.route(DivergenceDetected(300, "Training went wrong at step 300: the discriminator "
                                          "always wins. It went back to step 100.", 100))
    assert chart._series["content"].count() == 100
    page._on_refresh()
    assert not page.notice_label.isHidden() and "went back to step 100" in page.notice_label.text()


def test_window_stays_responsive_while_training(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, val_every=5, preview_every=5, checkpoint_every=5)
    walk_to_training(qtbot, wizard, photos, steps=100_000, realistic=True)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.last_step >= 1, timeout=60_000)
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.waitUntil(lambda: page._router.last_step >= 25, timeout=60_000)   # validations and previews too
    timer.stop()
    page.stop_for_close()
    gaps = np.diff(ticks)
    assert len(ticks) > 20 and gaps.max() < 0.25, f"longest pause of the window: {gaps.max():.3f} s"


def test_estimate_is_measured_and_scales_with_the_steps(qtbot, tmp_path, base_model):
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, make_photos(tmp_path / "photos"))
    wizard.next()
    set_tiny_settings(wizard, steps=100, realistic=False)
    page = wizard.goal_page
    qtbot.waitUntil(lambda: page.seconds_per_step is not None, timeout=30_000)
    measured = page.seconds_per_step
    assert "100 training steps at" in page.estimate_label.text()
    page.advanced.steps.setValue(2000)                 # same cost per step: no new measurement
    assert page.seconds_per_step == measured and "2,000 training steps at" in page.estimate_label.text()
    page.advanced.batch.setValue(3)                    # a different step: measured again
    assert page.seconds_per_step is None
    qtbot.waitUntil(lambda: page.seconds_per_step is not None, timeout=30_000)


def test_the_photos_question_sets_the_training_degradation(qtbot, tmp_path, base_model):
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, make_photos(tmp_path / "photos"))
    wizard.next()
    page = wizard.goal_page
    assert page.choices().photos == "clean"
    page.photos_combo.setCurrentIndex(page.photos_combo.findData("compressed"))
    page.advanced_toggle.setChecked(True)
    assert page.degradation_label.isVisible() and "JPEG quality 30-90" in page.degradation_label.text()
    config = build_train_config(page.choices(), page.recipe(), plan_for_steps(10), tmp_path / "run")
    assert config.degradation is not None and config.degradation.jpeg_quality == (30, 90)
    page.photos_combo.setCurrentIndex(page.photos_combo.findData("clean"))
    assert build_train_config(page.choices(), page.recipe(), plan_for_steps(10), tmp_path / "run").degradation is None
    assert "clean bicubic" in page.degradation_label.text()
    qtbot.waitUntil(lambda: page.seconds_per_step is not None, timeout=30_000)   # the re-measure ends
