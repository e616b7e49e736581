"""The main window's ways into fine-tuning: Tools › Fine-Tunes opens the runs list (one of it),
its Resume opens the wizard on that run, and the start-up offer resumes or opens the list."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

import srgan_desktop.main_window.window as main_window_module
from srgan_desktop.finetune.runs_dialog import RunsDialog


class FakeWizard(QObject):
    model_created = Signal(object)
    opened: list = []

    def __init__(self, parent=None, resume=None, settings=None):
        super().__init__(parent)
        FakeWizard.opened.append(resume)

    def show(self): pass
    def raise_(self): pass
    def activateWindow(self): pass  # noqa: N802 - Qt override


def test_the_tools_menu_opens_one_list_of_fine_tunes(qtbot, window):
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tools")
    assert [a.text() for a in tools.actions()][-1] == "Fine-&Tunes\u2026"
    window.actions_.finetune_runs.trigger()
    (dialog,) = window.findChildren(RunsDialog)
    qtbot.waitUntil(lambda: dialog.loads >= 1, timeout=10_000)
    assert dialog.isVisible() and dialog.empty_label.isVisible()       # no runs yet, said in words
    window.actions_.finetune_runs.trigger()
    assert window.findChildren(RunsDialog) == [dialog]


def test_resume_from_the_list_and_from_the_start_up_offer_open_the_wizard_on_that_run(qtbot, window, monkeypatch):
    monkeypatch.setattr(main_window_module, "FineTuneWizard", FakeWizard)
    FakeWizard.opened = []
    window.open_finetune_runs()
    (dialog,) = window.findChildren(RunsDialog)
    run = object()                                   # the wizard gets what the list emits
    dialog.resume_requested.emit(run)
    assert FakeWizard.opened == [run]
    monkeypatch.setattr(main_window_module, "offer_resume", lambda parent, settings: ("resume", run))
    window.offer_finetune_resume()
    assert FakeWizard.opened == [run, run]
    dialog.hide()
    monkeypatch.setattr(main_window_module, "offer_resume", lambda parent, settings: ("list", None))
    window.offer_finetune_resume()
    assert dialog.isVisible() and FakeWizard.opened == [run, run]
