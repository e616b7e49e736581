"""At start-up: offer to carry on with fine-tunes that were interrupted (the app closed or crashed).

    answer = offer_resume(main_window, settings=settings)   # None: nothing new interrupted, or "Not Now"
    if answer == ("resume", run): open the wizard on `run`;  ("list", None): open the Fine-Tunes list

The question tells what happened in the run's own words (`RunRecord.status_text()`: where it
stopped and why) and, when several were interrupted, how many; it resumes the newest.
"Not Now" is remembered: the app asks again only when another run is interrupted. The runs stay
resumable from the Fine-Tunes list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from core.finetune.runs import RunRecord, list_runs
from srgan_desktop.settings import AppSettings


def interrupted_runs() -> list[RunRecord]:
    """The runs an interruption left resumable, newest first."""
    return [r for r in list_runs().runs if r.state == "interrupted" and r.resumable]


def resume_question(parent: QWidget | None, runs: list[RunRecord]) -> QMessageBox:
    """The question box (separate so tests can answer it without a modal loop)."""
    latest = runs[0]
    name = f"\u201c{latest.title}\u201d" if latest.title else "A fine-tune"
    folder = Path(latest.photo_folder).name or latest.photo_folder
    started = latest.created.replace("T", " ")[:16]
    if len(runs) == 1:
        text = f"{name} (photos in {folder}, started {started}) did not finish."
    else:
        text = (f"{len(runs)} fine-tunes did not finish. The newest is {name} (photos in {folder}, "
                f"started {started}).")
    box = QMessageBox(QMessageBox.Icon.Question, "Resume fine-tuning?", text, parent=parent)
    box.setInformativeText(f"{latest.status_text()} Resume it from its last checkpoint? "
                           "(Not Now keeps it in Fine-Tunes\u2026 and stops this question for it.)")
    box.resume_button = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
    box.list_button = box.addButton("Show Fine-Tunes\u2026", QMessageBox.ButtonRole.ActionRole)
    box.later_button = box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(box.resume_button)
    return box


def offer_resume(parent: QWidget | None = None, ask: Callable[[QMessageBox], object] = QMessageBox.exec,
                 settings: AppSettings | None = None) -> tuple[str, RunRecord | None] | None:
    """Ask the user when a run was interrupted: ("resume", newest run), ("list", None) or None.

    With `settings`, runs the user already said "Not Now" to are not asked about again.
    """
    runs = interrupted_runs()
    declined = settings.resume_declined if settings is not None else frozenset()
    if not runs or all(r.id in declined for r in runs):
        return None
    box = resume_question(parent, runs)
    ask(box)
    clicked = box.clickedButton()
    if clicked is box.resume_button:
        return "resume", runs[0]
    if clicked is box.list_button:
        return "list", None
    if settings is not None:    # only runs still interrupted, so the list never grows
        settings.resume_declined = frozenset(r.id for r in runs)
    return None
