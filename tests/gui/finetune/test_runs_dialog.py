"""Tools › Fine-Tunes: every run listed in words (damaged ones greyed, with why); Resume restores a
run's charts, scores and preview in the wizard; Finish exports the best so far or says there is no
improvement; Delete asks, then removes the run's files. At start-up, interrupted runs are offered."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from core.finetune.finish import NO_IMPROVEMENT, finish_run
from core.finetune.runs import mark, read_run, runs_root, update_run
from srgan_desktop.finetune.resume import offer_resume, resume_question
from srgan_desktop.finetune.runs_dialog import RunsDialog
from srgan_desktop.finetune.wizard import TRAINING, FineTuneWizard
from srgan_desktop.settings import AppSettings
from tests.gui.finetune.walk import open_wizard, stored_run

STATE = 5


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch):
    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", lambda self, app_quitting: True)
    monkeypatch.setattr(FineTuneWizard, "ask_keep_or_discard", lambda self: "keep")


def open_dialog(qtbot) -> RunsDialog:
    dialog = RunsDialog()
    qtbot.addWidget(dialog)
    loads = dialog.loads
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loads > loads, timeout=10_000)
    return dialog


def row_of(dialog: RunsDialog, run_id: str):
    for index in range(dialog.tree.topLevelItemCount()):
        item = dialog.tree.topLevelItem(index)
        if item.data(0, Qt.ItemDataRole.UserRole) == run_id:
            return item
    return None


def test_kept_interrupted_finished_and_damaged_runs_are_listed_in_words(qtbot, tmp_path):
    interrupted = stored_run(tmp_path, stop_at=10)
    kept = mark(stored_run(tmp_path, stop_at=6), "kept")
    finished = finish_run(stored_run(tmp_path, steps=8), "Garden list test").run
    damaged = runs_root() / "20200101-000000"
    damaged.mkdir(parents=True)
    (damaged / "run.json").write_text("{not json")
    dialog = open_dialog(qtbot)
    assert dialog.tree.topLevelItemCount() == 4
    for run in (interrupted, kept, finished):
        item = row_of(dialog, run.id)
        assert item.text(STATE) == read_run(run.id).status_text()
        assert item.text(1) == "photos" and item.text(0) == run.title
    assert row_of(dialog, interrupted.id).text(2) == "10 / 40 steps"
    assert row_of(dialog, interrupted.id).text(STATE).startswith("Interrupted at step 10 of 40")
    assert row_of(dialog, kept.id).text(STATE) == "Kept for later at step 6 of 40."
    assert row_of(dialog, finished.id).text(STATE).startswith("Finished: saved as garden-list-test")
    grey = dialog.tree.topLevelItem(3)
    assert grey.text(0) == damaged.name and grey.text(STATE).startswith("Cannot be read: run 20200101-000000")
    assert not grey.flags() & Qt.ItemFlag.ItemIsEnabled
    dialog.select(interrupted.id)
    assert dialog.resume_button.isEnabled() and dialog.finish_button.isEnabled() and dialog.delete_button.isEnabled()
    assert dialog.scoreboard.rowCount() == 2 + len(interrupted.scoreboard)
    dialog.select(finished.id)
    assert not dialog.resume_button.isEnabled() and not dialog.finish_button.isEnabled()


def test_delete_asks_then_removes_the_run_and_its_files(qtbot, tmp_path, monkeypatch):
    run = stored_run(tmp_path, stop_at=4)
    dialog = open_dialog(qtbot)
    answers = [False, True]
    monkeypatch.setattr(RunsDialog, "confirm_delete", lambda self, r: answers.pop(0))
    dialog.delete_button.click()                                          # "No": nothing happens
    assert run.folder.exists() and row_of(dialog, run.id) is not None
    loads = dialog.loads
    dialog.delete_button.click()
    qtbot.waitUntil(lambda: dialog.loads > loads, timeout=10_000)
    assert not run.folder.exists() and row_of(dialog, run.id) is None
    assert "Deleted" in dialog.message_label.text() and dialog.empty_label.isVisible()


def test_finish_exports_the_best_so_far(qtbot, tmp_path, monkeypatch):
    run = mark(stored_run(tmp_path, stop_at=12), "kept")
    assert run.selection().improved
    dialog = open_dialog(qtbot)
    monkeypatch.setattr(RunsDialog, "ask_name", lambda self, r: "Garden from the list")
    with qtbot.waitSignal(dialog.model_created, timeout=20_000) as saved:
        dialog.finish_button.click()
    assert saved.args[0].name == "garden-from-the-list.safetensors" and saved.args[0].exists()
    qtbot.waitUntil(lambda: row_of(dialog, run.id).text(STATE).startswith("Finished: saved as"), timeout=10_000)
    assert "Saved as \u201cGarden from the list\u201d" in dialog.message_label.text()
    assert read_run(run.id).state == "finished" and not run.last_checkpoint.exists()


def test_finish_without_improvement_says_so_and_saves_nothing(qtbot, tmp_path, monkeypatch):
    run = stored_run(tmp_path, stop_at=6, lr=1e-9)
    assert not run.selection().improved
    dialog = open_dialog(qtbot)
    assert row_of(dialog, run.id).text(3) == "No gain over the base model"
    monkeypatch.setattr(RunsDialog, "ask_name", lambda self, r: pytest.fail("no name is asked for nothing"))
    answers = [False, True]
    monkeypatch.setattr(RunsDialog, "confirm_finish_without_model", lambda self, r: answers.pop(0))
    dialog.finish_button.click()                                          # "No": the run stays
    assert read_run(run.id).state == "interrupted"
    created = []
    dialog.model_created.connect(created.append)
    loads = dialog.loads
    dialog.finish_button.click()
    qtbot.waitUntil(lambda: dialog.loads > loads, timeout=10_000)
    assert NO_IMPROVEMENT in dialog.message_label.text() and created == []
    assert read_run(run.id).status_text() == "Finished: no improvement over the base model, nothing saved."


def test_resume_restores_charts_scores_and_preview_then_carries_on(qtbot, tmp_path):
    run = mark(stored_run(tmp_path, stop_at=10), "kept")
    trained_again = (*run.losses.points, (11, {"mse": 9.0}), (12, {"mse": 9.0}))     # after its checkpoint:
    update_run(run, losses=replace(run.losses, points=trained_again))           # a crash left them
    dialog = open_dialog(qtbot)
    dialog.select(run.id)
    with qtbot.waitSignal(dialog.resume_requested) as asked:
        dialog.resume_button.click()
    assert asked.args[0].id == run.id and not dialog.isVisible()
    wizard = open_wizard(qtbot, resume=asked.args[0])
    assert wizard.currentId() == TRAINING
    page = wizard.training_page
    page.charts.psnr.flush()
    assert page.charts.psnr.point_count("psnr") == len(run.scoreboard) >= 3       # steps 0, 4, 8
    assert page.charts.content.point_count("content") == len(run.losses.points) >= 8     # not steps 11, 12
    assert page.scoreboard.rowCount() == 2 + len(run.scoreboard)
    assert page.preview.updates == 1 and "step 10" in page.preview.current_tile.caption.text()
    assert page.progress.value() == 10
    qtbot.waitUntil(lambda: page._router.last_step > 10, timeout=30_000)
    assert page._router.notice_text == "Resumed at step 10 of 40."
    qtbot.waitUntil(lambda: page.plan is not None and "The plan:" in page.plan_label.text(), timeout=10_000)
    page.stop_for_close(keep=True)
    assert read_run(run.id).state == "kept" and read_run(run.id).last_step > 10


def test_interrupted_runs_are_offered_at_start_up_in_their_own_words(qtbot, tmp_path):
    assert offer_resume(None, ask=lambda box: pytest.fail("nothing to ask")) is None
    older = stored_run(tmp_path, stop_at=4, title="Older")
    mark(stored_run(tmp_path, stop_at=4, title="Kept one"), "kept")           # kept runs are not offered
    newest = stored_run(tmp_path, stop_at=6, title="Newest")
    box = resume_question(None, [newest, older])
    assert box.text().startswith("2 fine-tunes did not finish. The newest is \u201cNewest\u201d")
    assert box.informativeText().startswith(newest.status_text())
    assert offer_resume(None, ask=lambda b: b.resume_button.click()) == ("resume", newest)
    assert offer_resume(None, ask=lambda b: b.list_button.click()) == ("list", None)
    assert offer_resume(None, ask=lambda b: b.later_button.click()) is None


def test_not_now_is_remembered_until_another_run_is_interrupted(qtbot, tmp_path):
    settings = AppSettings()
    first = stored_run(tmp_path, stop_at=4, title="First")
    asked = []

    def later(box):
        asked.append(box.text())
        box.later_button.click()

    assert offer_resume(None, ask=later, settings=settings) is None and len(asked) == 1
    assert settings.resume_declined == {first.id}
    assert offer_resume(None, ask=later, settings=settings) is None and len(asked) == 1     # not asked again
    second = stored_run(tmp_path, stop_at=6, title="Second")
    assert offer_resume(None, ask=lambda b: b.resume_button.click(), settings=settings) == ("resume", second)
    assert settings.resume_declined == {first.id}           # resuming leaves the earlier answer alone
