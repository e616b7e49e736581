"""Changing how the shown image is upscaled: re-run on change, compare two models, the detail slider."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

import srgan_desktop.main_window.upscale_job as upscale_job_module
from srgan_desktop.main_window.window import MainWindow
from tests.gui.main_window.conftest import WAIT_MS
from tests.gui.main_window.test_main_window import drop, qimage_pixels, wait_idle
from tests.helpers.images import write_photo
from tests.helpers.tiny import TINY, save_tiny


@pytest.fixture
def window(paired_window):
    return paired_window

def result_pixels(window: MainWindow) -> np.ndarray:
    return qimage_pixels(window.queue.entries[0].result.image)


def wait_for_result(qtbot, window: MainWindow, name: str) -> None:
    qtbot.waitUntil(lambda: not window.queue.running and window.queue.entries[0].result is not None
                    and window.queue.entries[0].result.model_name == name, timeout=WAIT_MS)


def test_changing_the_model_reruns_the_shown_image_and_names_the_model(qtbot, window, models, tmp_path):
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    assert window.viewer.side_by_side._right_caption.text() == "Tiny test model"
    first = window.queue.entries[0].result
    window.model_picker.setCurrentIndex(window.model_picker.findData(str(models[1])))
    wait_for_result(qtbot, window, "Tiny GAN")
    assert window.viewer.side_by_side._right_caption.text() == "Tiny GAN"
    assert not np.array_equal(qimage_pixels(first.image), result_pixels(window))
    assert len(window.queue.entries) == 1                          # the same image, not a new one
    before = window.queue.entries[0].result
    window.actions_.rerun.trigger()                                # Ctrl+R
    qtbot.waitUntil(lambda: window.queue.entries[0].result is not before and not window.queue.running,
                    timeout=WAIT_MS)
    assert np.array_equal(qimage_pixels(before.image), result_pixels(window))
    assert [k.toString() for k in window.actions_.rerun.shortcuts()] == ["Ctrl+R"]


def test_a_tile_change_reruns_too(qtbot, window, tmp_path):
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    first = window.queue.entries[0].result
    window.tile_picker.setCurrentIndex(window.tile_picker.findData(128))
    qtbot.waitUntil(lambda: window.queue.entries[0].result is not first and not window.queue.running,
                    timeout=WAIT_MS)
    assert window.queue.entries[0].result.options.inference.tile == 128


def test_slider_ends_are_exactly_the_two_models_and_the_middle_is_a_blend(qtbot, window, models, tmp_path,
                                                                          monkeypatch):
    reads = []
    load_image = upscale_job_module.load_image
    monkeypatch.setattr(upscale_job_module, "load_image", lambda *a: reads.append(a) or load_image(*a))
    drop(window, write_photo(tmp_path / "photo.png", (40, 30)))
    wait_idle(qtbot, window)
    faithful = result_pixels(window)
    window.detail.slider.setValue(100)                               # 1: the photo-realistic end
    wait_for_result(qtbot, window, "Tiny GAN")
    realistic = result_pixels(window)
    window.detail.slider.setValue(40)
    qtbot.waitUntil(lambda: "detail 0.40" in getattr(window.queue.entries[0].result, "model_name", ""),
                    timeout=WAIT_MS)
    wait_idle(qtbot, window)
    middle = result_pixels(window)
    window.detail.slider.setValue(0)
    wait_for_result(qtbot, window, "Tiny test model")
    assert np.array_equal(result_pixels(window), faithful)
    assert len(reads) == 1                                           # re-rendered from memory, never re-read

    # The ends against each model run on its own, in a fresh window: identical pixels.
    alone = {}
    for model in models:
        window.model_picker.setCurrentIndex(window.model_picker.findData(str(model)))
        qtbot.waitUntil(lambda m=model: not window.queue.running and window.queue.entries[0].result.options.model
                        == str(m) and window.queue.entries[0].result.options.detail is None, timeout=WAIT_MS)
        alone[model] = result_pixels(window)
    assert np.array_equal(alone[models[0]], faithful) and np.array_equal(alone[models[1]], realistic)
    assert not np.array_equal(middle, faithful) and not np.array_equal(middle, realistic)
    assert window.settings.detail == pytest.approx(1.0)             # picking the GAN put the slider at its end


def test_slider_rerenders_the_visible_region_first_without_blocking(qtbot, window, tmp_path, monkeypatch):
    window.tile_picker.setCurrentIndex(window.tile_picker.findData(128))
    drop(window, write_photo(tmp_path / "photo.png", (320, 240)))
    wait_idle(qtbot, window)
    window.viewer.set_zoom(2.0)                  # a part of the image in view: that part is rendered first
    old = window.queue.entries[0].result
    previews = []
    show_preview = window.preview_ready
    monkeypatch.setattr(window, "preview_ready", lambda event: previews.append(
        (window.queue.entries[0].result is old, window.viewer.images.result is not None)) or show_preview(event))
    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    window.detail.slider.setValue(50)
    qtbot.waitUntil(lambda: window.queue.entries[0].result is not old and not window.queue.running, timeout=WAIT_MS)
    timer.stop()
    assert previews and previews[0] == (True, True)      # the preview came first, over the old result still shown
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert max(gaps) < 0.1, f"the UI froze for {max(gaps) * 1000:.0f} ms"


def test_an_incompatible_pair_is_refused_in_words(qtbot, window, tiny_model):
    from core.nets.config import GeneratorConfig

    deeper = save_tiny(tiny_model.parent, "deeper", seed=2, title="Deeper", config=GeneratorConfig(
        scale=4, num_blocks=TINY.num_blocks + 1, width=TINY.width))
    window.detail.partner_picker.refresh(select=deeper)
    assert "cannot be blended" in window.detail.problem_label.text()
    assert window.detail.problem_label.isVisible() and not window.detail.slider.isEnabled()
    assert window.form.upscale_options().detail is None              # the chosen model alone still works
    window.detail.partner_picker.refresh(select=tiny_model)             # the model with itself
    assert "needs a second model" in window.detail.problem_label.text()


def test_compare_two_models_locked_and_labelled_in_both_views(qtbot, window, models, tmp_path):
    drop(window, write_photo(tmp_path / "photo.png"))
    window.model_picker.setCurrentIndex(window.model_picker.findData(str(models[1])))
    wait_for_result(qtbot, window, "Tiny GAN")
    gan_alone = result_pixels(window)
    window.model_picker.setCurrentIndex(window.model_picker.findData(str(models[0])))
    wait_for_result(qtbot, window, "Tiny test model")
    window.compare_picker.refresh(select=models[1])
    window.actions_.compare.setChecked(True)                         # Ctrl+Shift+3
    images = window.viewer.images
    qtbot.waitUntil(lambda: images.compared is not None, timeout=WAIT_MS)
    view = window.viewer.side_by_side
    assert view._left_caption.text() == "Tiny GAN" and view._right_caption.text() == "Tiny test model"
    assert view.original_layer.pixmap().cacheKey() == images.compared.cacheKey()   # the left pane shows it
    assert np.array_equal(qimage_pixels(images.compared.toImage()), gan_alone)
    window.viewer.set_zoom(2.0)
    window.viewer.controller.pan_by(30, 20)
    assert view.left.transform() == view.right.transform()
    assert view.left.visible_scene_rect() == view.right.visible_scene_rect()
    window.set_viewer_mode("split")
    assert window.viewer.split.original_layer.pixmap().cacheKey() == images.compared.cacheKey()
    assert images.before_label() == "Tiny GAN" and images.after_label() == "Tiny test model"
    window.actions_.compare.setChecked(False)
    assert images.before_label() == "Original (bicubic)"
