"""The goal page plans by time: the step time is measured once and remembered, the budget picks the
steps, the text is the budget's one text, a too-short budget blocks Next; advanced settings show
the recipe, override it, and are remembered."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from core.common.paths import user_models_dir
from core.finetune import speed
from core.finetune.budget import RunSize, budget_text, plan_budget
from core.finetune.recipe import recipe_for
from core.training.timing import Timings
from srgan_desktop.finetune import speed_estimate
from srgan_desktop.finetune.goal_page import device_words
from srgan_desktop.finetune.wizard import FineTuneWizard
from tests.gui.finetune.walk import make_photos, open_wizard, scan, set_tiny_settings, wait_for_plan
from tests.helpers.tiny import tiny_model_file


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", lambda self, app_quitting: True)
    monkeypatch.setattr(FineTuneWizard, "ask_keep_or_discard", lambda self: "keep")


@pytest.fixture
def photos(tmp_path) -> Path:
    tiny_model_file(user_models_dir(), name="tiny-base", title="Tiny base")
    return make_photos(tmp_path / "photos")


@pytest.fixture
def measurements(monkeypatch) -> list:
    """Every measurement of the step time (core.finetune.speed) that ran to its end, counted."""
    calls: list = []
    real = speed.time_training

    def counting(config, control=None, **kwargs):
        timings = yield from real(config, control, **kwargs)
        calls.append(config)
        return timings

    monkeypatch.setattr(speed, "time_training", counting)
    return calls


def goal_page_of(qtbot, photos: Path) -> FineTuneWizard:
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, photos)
    wizard.next()
    set_tiny_settings(wizard, realistic=False)
    wait_for_plan(qtbot, wizard)
    return wizard


def test_the_budget_plans_the_steps_from_a_step_time_measured_once(qtbot, photos, measurements):
    wizard = goal_page_of(qtbot, photos)
    page = wizard.goal_page
    assert len(measurements) == 1
    timings, summary = page.estimate.timings, wizard.session.summary
    size = RunSize.of(summary, 1.0, has_base=True)
    assert page.budget.minutes() == 15                                  # the default
    plan = plan_budget(15, timings, size)
    assert page.plan() == plan and plan.steps > 0
    assert page.estimate.label.text() == budget_text(plan, device_words("cpu"))
    page.budget.presets[1][0].setChecked(True)                          # 1 hour: planned again, not measured
    assert not page.estimate.busy and page.plan().steps > plan.steps
    assert page.estimate.label.text() == budget_text(plan_budget(60, timings, size), device_words("cpu"))
    page.budget.set_custom(2, "hours")
    assert page.plan() == plan_budget(120, timings, size)
    assert "2 hours" in page.estimate.label.text() and page.isComplete()
    assert str(page.plan().steps // 1000) in page.advanced.schedule_label.text().replace(",", "")
    wizard.reject()

    again = goal_page_of(qtbot, photos)                                  # the next wizard: remembered
    assert len(measurements) == 1
    assert again.goal_page.estimate.timings == timings
    assert again.goal_page.estimate.label.text() == budget_text(plan, device_words("cpu"))
    again.goal_page.estimate.again_button.click()                        # "Measure Again" does
    qtbot.waitUntil(lambda: len(measurements) == 2 and again.goal_page.isComplete(), timeout=60_000)


def test_a_budget_too_short_says_so_and_blocks_next(qtbot, photos, monkeypatch):
    slow = Timings(2.0, 1.0, 1.0, 1.0, 1.0, seconds_startup=1200.0, device="cpu", precision="fp32")

    def remembered(config, control=None, remeasure=False):
        return slow
        yield                                                            # a generator, as speed_for is

    monkeypatch.setattr(speed_estimate, "speed_for", remembered)
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, photos)
    wizard.next()
    page = wizard.goal_page
    qtbot.waitUntil(lambda: page.estimate.timings is not None, timeout=10_000)
    assert page.plan().problem and "too short" in page.estimate.label.text()
    assert "Choose at least" in page.estimate.label.text()
    assert not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()
    page.budget.presets[2][0].setChecked(True)                          # overnight
    assert page.isComplete() and "too short" not in page.estimate.label.text()


def test_advanced_settings_show_the_recipe_override_it_and_are_remembered(qtbot, photos, measurements):
    wizard = open_wizard(qtbot)
    scan(qtbot, wizard, photos)
    wizard.next()
    page, advanced = wizard.goal_page, wizard.goal_page.advanced
    assert not advanced.isVisible()
    page.advanced_toggle.setChecked(True)
    recipe = recipe_for(advanced.device_key)
    assert advanced.batch.value() == recipe.batch_size and advanced.crop.value() == recipe.crop_size
    assert advanced.lr.value() == pytest.approx(recipe.lr) and advanced.lr_drop.value() == 75
    assert advanced.changed_values() == {} and "recommended ones" in advanced.state_label.text()
    # EMA offers exactly the two real choices, the recommended Off first (no "automatic" that meant On).
    assert [advanced.ema.itemText(i) for i in range(advanced.ema.count())] == ["Off", "On"]
    assert advanced.ema.currentData() is False
    assert advanced.held_out_label.text().startswith("1 of 6 photos")
    page.realistic.setChecked(True)                                      # each goal has its own rate
    assert advanced.lr.value() == pytest.approx(recipe.realistic_lr)
    page.faithful.setChecked(True)
    set_tiny_settings(wizard, realistic=False)
    advanced.lr_drop.setValue(0)                                         # "Never"
    assert advanced.lr_drop.text() == "Never" and page.recipe().lr_drop_at is None
    assert page.recipe() == replace(recipe, batch_size=2, crop_size=32, lr_drop_at=None)
    assert "batch size" in advanced.state_label.text() and advanced.recommended_button.isEnabled()
    wait_for_plan(qtbot, wizard)
    measured = len(measurements)
    advanced.lr.setValue(5e-4)                          # the same step time: recalled, not measured
    wait_for_plan(qtbot, wizard)
    assert len(measurements) == measured
    wizard.reject()

    again = open_wizard(qtbot)                                           # remembered across app runs
    scan(qtbot, again, photos)
    again.next()
    remembered = again.goal_page.advanced
    assert again.goal_page.advanced_toggle.isChecked() and remembered.isVisible()
    assert remembered.batch.value() == 2 and remembered.crop.value() == 32
    assert remembered.changed_values() == advanced.changed_values()
    assert remembered.device_key == "cpu" and remembered.precision_key == "fp32"
    remembered.recommended_button.click()
    assert remembered.changed_values() == {} and remembered.batch.value() == recipe_for("auto").batch_size
    again.goal_page.advanced_toggle.setChecked(False)
    wait_for_plan(qtbot, again)
    again.reject()
    third = open_wizard(qtbot)
    qtbot.waitUntil(third.photos_page.isComplete, timeout=20_000)        # the last folder, scanned again
    assert not third.goal_page.advanced_toggle.isChecked() and third.goal_page.advanced.changed_values() == {}
