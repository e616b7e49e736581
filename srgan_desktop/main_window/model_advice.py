"""The model recommended for the image on show: marked in the picker, pre-selected unless the user chose one.

When an image is read for the first time, `core.inference.recommend` looks at it on a worker
(its JPEG tables, and the pixels the upscale decoded for its noise). The recommended model's
entry is marked, with the reason in its tooltip, and pre-selected, which makes the window
upscale the image again with it. An image with no recommendation clears the mark and puts a
pre-selection back to the model chosen before it.

The user's own choice always wins: a model picked in the picker's list (its `activated`
signal, which a programmatic selection never sends) ends pre-selecting for the rest of the
session; the mark and the reason still show. A pre-selection is undone only while it is still
the selection (a model made by the wizard or opened from a file since is left alone), and the
settings keep the user's choice, never a pre-selection. Each change is told once, in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.inference.recommend import Recommendation, recommend
from core.models.library import resolve_model
from core.models.model_file import ModelFileError
from srgan_desktop.background import Job, WorkFailed, async_slot, call_in_background
from srgan_desktop.widgets.upscale_form import UpscaleForm

Advice = tuple[Path, Recommendation] | None     # (the recommended model's file, why), or nothing to recommend


class ModelAdvice(QObject):
    told = Signal(str)                  # one line for the status bar: what the advice changed

    def __init__(self, form: UpscaleForm, is_shown: Callable[[int], bool], parent: QObject | None = None) -> None:
        """`is_shown(entry_id)`: whether that queue entry is still the image on show."""
        super().__init__(parent)
        self._form = form
        self._picker = form.model_picker
        self._is_shown = is_shown
        self.explicit = False                                     # the user picked a model this session
        self._preselected: Path | None = None                     # what the app selected, while it lasts
        self._before: tuple[Path | None, float] | None = None     # model and detail it replaced
        self._known: dict[int, Advice] = {}                       # queue entry id -> its advice
        self._job: Job[Advice] | None = None                      # the advice being found, if any
        self._picker.activated.connect(self._on_user_choice)

    @async_slot()
    async def advise(self, entry_id: int, path: Path | None, color: np.ndarray) -> None:
        """An image was read: find its advice on a worker and act on it if it is still on show.

        Once per image: later runs of it (another model, Ctrl+R) only show the mark again.
        """
        if entry_id in self._known:
            self.show_mark(entry_id)
            return
        job = self._job = call_in_background(_advice_for, path, color)
        try:
            advice = await job
        except WorkFailed:
            advice = None             # no advice is no harm: the image runs with the model chosen
        finally:
            if self._job is job:
                self._job = None
        self._known[entry_id] = advice
        if self._is_shown(entry_id):
            self._act(advice)

    def stop(self) -> None:
        """Wait for the advice being found (window closing): a worker still reading pixels while
        the interpreter shuts down can abort the process."""
        if self._job is not None:
            self._job.stop(10.0)

    def show_mark(self, entry_id: int) -> None:
        """Another image is on show (chosen in the queue): its mark, no change of model."""
        self._mark(self._known.get(entry_id))

    def _act(self, advice: Advice) -> None:
        self._mark(advice)
        current = self._picker.current_path()
        if self._preselected is not None and self._preselected != current:
            self._preselected = self._before = None     # chosen otherwise since (the wizard, a file): not ours
        if advice is None:
            self._undo_preselection()
            return
        model, found = advice
        if model == current:
            return
        if self.explicit:
            chosen = self._picker.title_of(current) if current is not None else "no model"
            self.told.emit(f"{self._picker.title_of(model)} is recommended ({found.finding}); "
                           f"your choice, {chosen}, stays")
            return
        if self._before is None:
            self._before = (current, self._form.detail.value())
        self._preselected = model
        self._form.preselect(model)
        self.told.emit(f"{self._picker.title_of(model)} pre-selected: {found.finding}")

    def _undo_preselection(self) -> None:
        """Back to the model (and detail) the pre-selection replaced, if it is still the selection."""
        if self._preselected is None or self._before is None:
            return
        model, detail = self._before
        self._preselected = self._before = None
        if model is not None:
            self._form.preselect(model, detail)
            self.told.emit(f"Back to {self._picker.title_of(model)}: no JPEG compression or noise in this image")

    def _mark(self, advice: Advice) -> None:
        if advice is None:
            self._picker.set_recommendation(None)
        else:
            self._picker.set_recommendation(advice[0], advice[1].reason)

    def _on_user_choice(self, _index: int) -> None:
        """A model picked in the list, even the one on show: from now on the user's choice stays."""
        self.explicit = True
        self._preselected = self._before = None
        self._form.remember_choice()


def _advice_for(path: Path | None, color: np.ndarray) -> Advice:
    """On the worker: the recommendation for an image and the file of its model."""
    found = recommend(path, color)
    if found is None:
        return None
    try:
        return resolve_model(found.model), found
    except ModelFileError:
        return None               # removed since it was listed: nothing to pre-select
