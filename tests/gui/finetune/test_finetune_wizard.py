"""The fine-tune wizard end to end, with a tiny network, tiny photos and a few steps."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWizard

from core.common.paths import user_models_dir
from core.finetune.budget import plan_for_steps
from core.finetune.finish import NO_IMPROVEMENT
from core.finetune.recipe import build_train_config
from core.finetune.runs import list_runs
from core.models.library import list_models
from core.models.model_file import load_model
from core.training.events import DivergenceDetected, StepDone
from srgan_desktop.finetune.wizard import FINISH, FineTuneWizard
from tests.gui.finetune.walk import make_photos, open_wizard, scan, walk_to_training
from tests.helpers.tiny import tiny_model_file


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    """Closing a wizard must never block a test on a modal question."""
    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", lambda self, app_quitting: True)
    monkeypatch.setattr(FineTuneWizard, "ask_keep_or_discard", lambda self: "keep")


@pytest.fixture
def base_model() -> Path:
    return tiny_model_file(user_models_dir(), name="tiny-base", title="Tiny base")


def test_full_walk_trains_saves_and_lists_the_model(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, steps=12)
    created: list[Path] = []
    wizard.model_created.connect(created.append)
    walk_to_training(qtbot, wizard, photos)
    page = wizard.training_page
    assert page.plan_label.text().startswith("The plan: ") and "12 training steps" in page.plan_label.text()
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    assert page.isComplete(), page.notice_label.text()
    assert page.charts.content.point_count() >= 10          # every step reached the chart
    assert page.charts.discriminator.point_count("d_fake") >= 10
    assert page.charts.psnr.point_count("psnr") >= 1        # validation ran
    assert page.charts.psnr.point_count("base") >= 1        # ... next to the base model
    assert page.preview.updates >= 1
    run = wizard.session.run
    assert page.scoreboard.rowCount() == 2 + len(run.scoreboard)       # base, bicubic, every check
    assert not page.scoreboard.isColumnHidden(3)                        # NIQE, photo-realistic's rule
    wizard.next()
    assert wizard.currentId() == FINISH
    finish = wizard.finish_page
    assert finish.improved and finish.name_form.isVisible()
    assert finish.scoreboard.kept_row is not None and "\u2605 best" in finish.scoreboard.row_texts()[
        finish.scoreboard.kept_row][0]
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "Save Model"
    finish.name_edit.setText("tiny base")                  # same file name as the existing model
    assert not finish.isComplete() and "already exists" in finish.problem_label.text()
    finish.name_edit.setText("Garden test")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert len(created) == 1 and created[0].exists()
    model, info = load_model(created[0])
    assert info.title == "Garden test"
    assert info.provenance["base_model"] == "Tiny base"
    assert info.provenance["data_folder"] == str(photos)
    assert "validation" in info.metrics and "psnr" in info.provenance["validation"]
    entries, _ = list_models()
    assert created[0] in [e.path for e in entries]
    (run,) = list_runs().runs
    assert run.state == "finished" and run.exported == str(created[0])
    assert tuple(run.config["val_files"]) == wizard.session.summary.held_out_names()


def test_no_improvement_says_so_and_offers_nothing_to_save(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, steps=6)
    created: list[Path] = []
    wizard.model_created.connect(created.append)
    scan(qtbot, wizard, photos)
    wizard.next()
    from tests.gui.finetune.walk import set_tiny_settings, wait_for_plan
    set_tiny_settings(wizard, realistic=False)
    wizard.goal_page.advanced.lr.setValue(1e-6)            # too small a rate to move the weights
    wait_for_plan(qtbot, wizard)
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.training_page.running, timeout=60_000)
    wizard.next()
    finish = wizard.finish_page
    assert not finish.improved
    assert NO_IMPROVEMENT in finish.verdict_label.text()
    assert not finish.name_form.isVisible() and finish.isComplete()
    assert finish.scoreboard.row_texts()[0][0].startswith("Base model") and finish.scoreboard.kept_row == 0
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "Close"
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert created == [] and not wizard.isVisible()
    (run,) = list_runs().runs
    assert run.state == "finished" and run.exported is None                # trained to its end: finished
    assert [p.name for p in user_models_dir().iterdir()] == [base_model.name]   # no copy of the base


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


def test_the_last_photo_folder_is_remembered(qtbot, tmp_path):
    photos = make_photos(tmp_path / "photos")
    first = open_wizard(qtbot)
    scan(qtbot, first, photos)
    first.reject()
    again = open_wizard(qtbot)                               # the next wizard (or the next start)
    page = again.photos_page
    assert page.folder_edit.text() == str(photos)
    qtbot.waitUntil(page.isComplete, timeout=20_000)          # scanned at once: only Next to press
    assert again.session.summary.folder == photos


def test_pause_resume_and_stop_keep_the_run(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, steps=100_000, val_every=5, checkpoint_every=5, preview_every=5)
    walk_to_training(qtbot, wizard, photos, realistic=False)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.validations >= 2, timeout=60_000)   # step 0 and step 5
    qtbot.waitUntil(lambda: "left" in page.status_label.text(), timeout=2000)   # the budget's time left
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
    assert run.status_text().startswith("Kept for later at step")


def test_closing_the_wizard_mid_training_keeps_the_run(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, steps=100_000, val_every=5, checkpoint_every=5, preview_every=5)
    walk_to_training(qtbot, wizard, photos, realistic=False)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.last_step >= 3, timeout=60_000)
    wizard.reject()
    assert not page.running and not wizard.isVisible()
    (run,) = list_runs().runs
    assert run.state == "kept" and run.resumable           # stopped by the user: kept, not "interrupted"
    assert run.last_step == page._router.last_step          # the final checkpoint is at the stop


def test_events_are_drawn_in_batches_and_a_rollback_is_explained(qtbot):
    wizard = open_wizard(qtbot)
    page = wizard.training_page
    chart = page.charts.content
    for step in range(1, 301):
        page._router.route(StepDone(step, 1000, {"g_content": 1.0 / step, "g_adversarial": 0.7, "d": 1.2},
                                    0.6, 0.4, 1e-4, 50.0, 20.0))
    assert chart._series["content"].count() == 0  # nothing repainted per event...
    qtbot.waitUntil(lambda: chart._series["content"].count() == 300, timeout=2000)   # ...one batch later
    assert page.charts.discriminator.point_count("d_real") == 300
    page._router.route(DivergenceDetected(300, "Training went wrong at step 300: the discriminator "
                                          "always wins. It went back to step 100.", 100))
    assert chart._series["content"].count() == 100
    page._on_refresh()
    assert not page.notice_label.isHidden() and "went back to step 100" in page.notice_label.text()


def test_window_stays_responsive_while_training(qtbot, tmp_path, base_model):
    photos = make_photos(tmp_path / "photos")
    wizard = open_wizard(qtbot, steps=100_000, val_every=5, preview_every=5, checkpoint_every=5)
    walk_to_training(qtbot, wizard, photos, realistic=True)
    page = wizard.training_page
    qtbot.waitUntil(lambda: page._router.last_step >= 1, timeout=60_000)
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.waitUntil(lambda: page._router.last_step >= 25, timeout=60_000)   # validations and previews too
    timer.stop()
    page.stop_for_close(keep=True)
    gaps = np.diff(ticks)
    assert len(ticks) > 20 and gaps.max() < 0.25, f"longest pause of the window: {gaps.max():.3f} s"


def test_the_photos_question_sets_the_training_degradation(qtbot, tmp_path, base_model):
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, make_photos(tmp_path / "photos"))
    wizard.next()
    page = wizard.goal_page
    assert page.choices().photos == "clean"
    page.photos_combo.setCurrentIndex(page.photos_combo.findData("compressed"))
    page.advanced_toggle.setChecked(True)
    label = page.advanced.degradation_label
    assert label.isVisible() and "JPEG quality 30-90" in label.text()
    config = build_train_config(page.choices(), page.recipe(), plan_for_steps(10), tmp_path / "run")
    assert config.degradation is not None and config.degradation.jpeg_quality == (30, 90)
    page.photos_combo.setCurrentIndex(page.photos_combo.findData("clean"))
    assert build_train_config(page.choices(), page.recipe(), plan_for_steps(10), tmp_path / "run").degradation is None
    assert "clean bicubic" in label.text()
    qtbot.waitUntil(page.isComplete, timeout=60_000)       # the measurement ends


def test_time_left_is_the_budgets_at_the_pace_seen_between_checks(qtbot):
    from core.common.formatting import format_duration
    from core.finetune.budget import RunSize, time_left
    from core.training.events import ValidationDone
    from core.training.timing import Timings
    from srgan_desktop.finetune.training_events import EventRouter

    now = [0.0]
    page = open_wizard(qtbot).training_page
    router = EventRouter(page.charts.by_name(), clock=lambda: now[0])
    plan = plan_for_steps(1000, Timings(0.8, 2.0, 0.5, 0.5, 0.1, 3.0, "cpu", "fp32"), RunSize(1.0))

    def step(n: int, seconds: float) -> None:
        now[0] += seconds
        router.route(StepDone(n, 1000, {"mse": 0.01}, None, None, 1e-4, 1.0, 1.0))

    for n in range(1, 4):
        step(n, 2.0)
    assert router.pace is None                       # too few steps timed yet: the plan's step time counts
    assert time_left(plan, 3, router.pace) == time_left(plan, 3, 0.8)
    for n in range(4, 100):
        step(n, 2.0)
    assert router.pace == 2.0                        # this computer is slower than measured: 2 s per step
    now[0] += 30.0
    router.route(ValidationDone(100, 30.0, 0.9, 28.0, 0.85, 29.0))      # a 30 s check...
    step(100, 2.0)
    router.note_pause()
    step(101, 600.0)                                 # ...and a 10 min pause are not step time
    for n in range(102, 150):
        step(n, 1.0)
    assert router.pace == pytest.approx((52 * 2.0 + 48 * 1.0) / 100)    # the last 100 intervals
    left = time_left(plan, 149, router.pace)
    assert left == pytest.approx(851 * router.pace + 9 * plan.seconds_per_validation)   # checks at 200 ... 1000
    assert router.status_text(1000, False, left) == (f"Step 149 of 1,000 \u00b7 {router.pace:.2f} s per step "
                                                     f"\u00b7 about {format_duration(left)} left")
    assert router.scoreboard[-1].psnr == 30.0 and router.base.psnr == 29.0
