"""The invented-detail map over the result pane: clear where the result agrees with its input, a legend."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from srgan_desktop.main_window.result_extras import faithful_counterpart
from srgan_desktop.main_window.second_runs import overlay_image
from tests.gui.main_window.conftest import WAIT_MS
from tests.gui.main_window.test_main_window import drop, wait_idle
from tests.gui.main_window.test_models_on_the_shown_image import wait_for_result
from tests.helpers.images import write_photo


@pytest.fixture
def window(paired_window):
    return paired_window

def alpha_of(image: QImage) -> np.ndarray:
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(rgba.constBits(), np.uint8).reshape(rgba.height(), rgba.bytesPerLine())
    return rows[:, :rgba.width() * 4].reshape(rgba.height(), rgba.width(), 4)[..., 3].copy()


def test_the_map_is_fully_transparent_where_result_and_input_agree():
    rng = np.random.default_rng(0)
    source = np.full((16, 32, 3), 0.4, np.float32)
    source[:, 16:] = rng.random((16, 16, 3))                       # the right half has detail
    result = np.repeat(np.repeat(source, 4, axis=0), 4, axis=1)    # flat left half: the round trip agrees there
    result[:, 64:] = rng.random((64, 64, 3))                       # the right half is invented
    alpha = alpha_of(overlay_image(source, result, 4))
    assert alpha.shape == (64, 128)
    assert alpha[:, :48].max() == 0                                # agreeing: fully transparent
    assert alpha[:, 72:].mean() > 100                              # invented: strongly tinted
    assert alpha.max() <= round(255 * 0.75)                        # never hides the result completely
    # Against the faithful result too: identical results add nothing, different ones do.
    assert alpha_of(overlay_image(source, result, 4, faithful=result))[:, :48].max() == 0
    shifted = result.copy()
    shifted[:, :48] += 0.2
    assert alpha_of(overlay_image(source, result, 4, faithful=shifted))[:, :48].min() > 0


def test_a_blend_is_held_against_its_faithful_end_and_a_faithful_model_against_nothing(tmp_path):
    from core.inference.upscale import UpscaleOptions

    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    blend = UpscaleOptions(model=str(a), detail=0.5, detail_with=str(b))
    assert faithful_counterpart(blend, (a, b)).model == str(a)
    assert faithful_counterpart(UpscaleOptions(model=str(b)), (a, b)).model == str(a)   # the GAN end alone
    assert faithful_counterpart(UpscaleOptions(model=str(a)), (a, b)) is None
    assert faithful_counterpart(UpscaleOptions(model=str(a), detail=0.0, detail_with=str(b)), (a, b)) is None


@pytest.mark.parametrize("detail", [0, 100])
def test_the_overlay_lies_over_the_result_with_a_legend_and_follows_a_rerun(qtbot, window, tmp_path, detail):
    drop(window, write_photo(tmp_path / "photo.png", (32, 24)))
    wait_idle(qtbot, window)
    if detail:
        window.detail.slider.setValue(detail)
        wait_for_result(qtbot, window, "Tiny GAN")
    assert [k.toString() for k in window.actions_.overlay.shortcuts()] == ["Ctrl+I"]
    window.actions_.overlay.setChecked(True)
    images = window.viewer.images
    qtbot.waitUntil(lambda: images.overlay is not None, timeout=WAIT_MS)
    assert images.overlay.size().toTuple() == (128, 96)
    layer = window.viewer.side_by_side.result_layer
    assert layer.overlay_item.isVisible()
    assert layer.overlay_item.sceneBoundingRect() == QRectF(0, 0, 128, 96)   # in the result's pixels: zoom-locked
    assert window.legend.isVisible() and "Invented-detail map" in window.legend.text()
    assert ("faithful model" in window.legend.text()) == bool(detail)
    window.detail.slider.setValue(50)                                      # a re-run: the old map goes...
    qtbot.waitUntil(lambda: images.overlay is None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: images.overlay is not None and not window.queue.running, timeout=WAIT_MS)  # ...a new one
    window.actions_.overlay.setChecked(False)
    assert images.overlay is None and not window.legend.isVisible()
