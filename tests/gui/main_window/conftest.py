"""Fixtures of the main window's tests: a window with the tiny model, or with a faithful model and its partner."""

from __future__ import annotations

import pytest

from srgan_desktop.main_window.window import MainWindow
from tests.helpers.tiny import save_tiny

WAIT_MS = 30_000


@pytest.fixture
def window(qtbot, tiny_model):
    """The main window with the tiny test model chosen."""
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    return w                  # pytest-qt closes it after the test: closeEvent stops its workers


@pytest.fixture
def models(tiny_model):
    """The tiny faithful model and a photo-realistic partner of the same architecture (as the bundled pair)."""
    gan = save_tiny(tiny_model.parent, "tiny-gan", seed=1, title="Tiny GAN", phase="gan")
    return tiny_model, gan


@pytest.fixture
def paired_window(qtbot, models):
    """The main window upscaling with the tiny model, its detail slider paired with the tiny GAN."""
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    w.model_picker.refresh(select=models[0])
    w.detail.partner_picker.refresh(select=models[1])
    return w
