"""Closing while training asks one question, whichever ways of closing follow one another (the main
window, the wizard's own close, the app's aboutToQuit), then stops at a clean checkpoint; the run
is "interrupted" when the app quits (offered at the next start) and "kept" when only the wizard closes."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMainWindow

from core.finetune.runs import list_runs
from srgan_desktop.finetune.resume import offer_resume
from srgan_desktop.finetune.wizard import FineTuneWizard
from tests.gui.finetune.walk import make_photos, open_wizard, walk_to_training
from tests.helpers.tiny import tiny_model_file


@pytest.fixture
def asked(monkeypatch) -> list:
    """Every question the wizard asks, answered "yes, stop" / "keep"."""
    questions: list = []

    def stop(self, app_quitting):
        questions.append(("stop?", app_quitting))
        return True

    def keep(self):
        questions.append("keep or discard?")
        return "keep"

    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", stop)
    monkeypatch.setattr(FineTuneWizard, "ask_keep_or_discard", keep)
    return questions


@pytest.fixture
def training(qtbot, tmp_path):
    """A main window with a wizard training (many steps) on top of it."""
    from core.common.paths import user_models_dir
    tiny_model_file(user_models_dir(), name="tiny-base", title="Tiny base")
    main = QMainWindow()
    qtbot.addWidget(main)
    main.show()
    wizard = open_wizard(qtbot, parent=main, steps=100_000, checkpoint_every=5)
    walk_to_training(qtbot, wizard, make_photos(tmp_path / "photos"), realistic=False)
    qtbot.waitUntil(lambda: wizard.training_page._router.last_step >= 2, timeout=60_000)
    return main, wizard


def test_quitting_during_training_asks_once(training, asked):
    main, wizard = training
    assert main.close()                     # the main window closes: the app quits
    wizard.close()                          # as it quits, the platform may close every window...
    wizard.reject()
    wizard._on_app_quitting()               # ...and aboutToQuit comes last
    assert asked == [("stop?", True)]
    assert not wizard.training_page.running
    (run,) = list_runs().runs
    assert run.state == "interrupted" and run.resumable and run.last_step >= 2
    assert offer_resume(None, ask=lambda box: box.resume_button.click()) == ("resume", run)


def test_saying_no_keeps_training_and_the_next_close_asks_again(training, asked, monkeypatch):
    main, wizard = training
    def refuse(self, app_quitting):
        asked.append("no")
        return False

    monkeypatch.setattr(FineTuneWizard, "ask_stop_training", refuse)
    assert not main.close()                 # the user said "no": nothing stops
    assert main.isVisible() and wizard.training_page.running
    assert wizard.close() is False and wizard.isVisible()
    assert asked == ["no", "no"]


def test_closing_only_the_wizard_asks_once_and_keeps_the_run(training, asked):
    main, wizard = training
    assert wizard.close()                   # the wizard's close button...
    wizard.reject()                         # ...and Escape right after: no second question
    assert asked == [("stop?", False)]
    assert main.isVisible()
    (run,) = list_runs().runs
    assert run.state == "kept" and run.resumable
    assert main.close() and asked == [("stop?", False)]     # nothing left to ask about
