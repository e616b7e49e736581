"""The model recommended for the shown image: marked and explained in the picker, pre-selected unless the user chose."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from core.inference.recommend import REAL_WORLD_MODEL
from core.models.library import resolve_model
from srgan_desktop.main_window.window import MainWindow
from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.model_picker import RECOMMENDED
from tests.gui.main_window.conftest import WAIT_MS
from tests.gui.main_window.test_main_window import drop
from tests.helpers.images import write_smooth_photo


@pytest.fixture
def real_world() -> Path:
    return resolve_model(REAL_WORLD_MODEL)          # the bundled model


@pytest.fixture
def window(window: MainWindow, tiny_model: Path) -> MainWindow:
    window.model_picker.select(tiny_model)          # as a restored setting does: not the user's pick this session
    assert not window.advice.explicit
    return window


def finished_with(qtbot, window: MainWindow, label: str, model: Path) -> None:
    """Wait until the image `label` has its result from `model` and nothing runs."""
    name = window.model_picker.title_of(model)
    qtbot.waitUntil(lambda: not window.queue.running and any(
        e.label == label and e.result is not None and e.result.model_name == name for e in window.queue.entries),
        timeout=WAIT_MS)


def entry_of(window: MainWindow, model: Path) -> tuple[str, str]:
    """(label, tooltip) of the model's entry in the picker."""
    index = window.model_picker.findData(str(model))
    return window.model_picker.itemText(index), str(window.model_picker.itemData(index, Qt.ItemDataRole.ToolTipRole))


def test_a_compressed_jpeg_gets_the_real_world_model_marked_and_preselected_and_a_clean_image_takes_it_back(
        qtbot, window, tiny_model, real_world, tmp_path):
    drop(window, write_smooth_photo(tmp_path / "web.jpg", quality=70))
    finished_with(qtbot, window, "web.jpg", real_world)
    label, tip = entry_of(window, real_world)
    assert label.endswith(RECOMMENDED) and tip.startswith("Recommended for this image: a JPEG saved at quality ~70:")
    assert window.model_picker.current_path() == real_world
    assert "recommended for this image" in window.model_picker.toolTip().lower()
    title = window.model_picker.title_of(real_world)
    assert window.statusBar().currentMessage() == f"{title} pre-selected: a JPEG saved at quality ~70"
    assert AppSettings().model == tiny_model          # the settings keep the user's model, not the app's pick

    drop(window, write_smooth_photo(tmp_path / "clean.png"))
    finished_with(qtbot, window, "clean.png", tiny_model)
    label, tip = entry_of(window, real_world)
    assert not label.endswith(RECOMMENDED) and not tip.startswith("Recommended")
    assert window.model_picker.current_path() == tiny_model
    assert window.statusBar().currentMessage().startswith("Back to Tiny test model")


def test_a_model_the_user_picked_stays_and_the_recommendation_is_only_shown(qtbot, window, tiny_model, real_world,
                                                                            tmp_path):
    picker = window.model_picker
    picker.activated.emit(picker.currentIndex())       # the user picks the model on show in the list
    drop(window, write_smooth_photo(tmp_path / "web.jpg", quality=70))
    finished_with(qtbot, window, "web.jpg", tiny_model)
    qtbot.waitUntil(lambda: picker.recommended() == real_world, timeout=WAIT_MS)
    label, tip = entry_of(window, real_world)
    assert label.endswith(RECOMMENDED) and "quality ~70" in tip
    assert picker.current_path() == tiny_model and not window.queue.running
    assert window.statusBar().currentMessage().endswith("is recommended (a JPEG saved at quality ~70); "
                                                        "your choice, Tiny test model, stays")


def test_a_preselection_replaced_by_the_users_pick_is_not_undone(qtbot, window, tiny_model, real_world, tmp_path):
    drop(window, write_smooth_photo(tmp_path / "web.jpg", quality=70))
    finished_with(qtbot, window, "web.jpg", real_world)
    picker = window.model_picker
    picker.setCurrentIndex(picker.findData(str(real_world)))
    picker.activated.emit(picker.currentIndex())       # the user confirms the pre-selected model by hand
    assert AppSettings().model == real_world
    drop(window, write_smooth_photo(tmp_path / "clean.png"))
    finished_with(qtbot, window, "clean.png", real_world)
    assert picker.current_path() == real_world and picker.recommended() is None


def test_closing_the_window_waits_for_the_advice_being_found(qtbot, window, tmp_path, monkeypatch):
    # A worker still reading pixels while the interpreter shuts down can abort the process, so
    # closing waits for it: here the advice takes longer than the upscale.
    import threading
    import time

    import srgan_desktop.main_window.model_advice as model_advice
    workers: list[threading.Thread] = []

    def slow_advice(path, color):
        workers.append(threading.current_thread())
        time.sleep(0.5)
        return None

    monkeypatch.setattr(model_advice, "_advice_for", slow_advice)
    drop(window, write_smooth_photo(tmp_path / "photo.png"))
    qtbot.waitUntil(lambda: bool(workers), timeout=WAIT_MS)
    window.close()
    assert not workers[0].is_alive()
