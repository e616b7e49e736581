"""Saving: any output size (DPI following), Save on the toolbar, 'already saved', saving next to the source."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtWidgets import QToolBar

from core.inference.output_size import OutputSize
from srgan_desktop.main_window.save_dialog import SaveTarget
from srgan_desktop.main_window.window import MainWindow
from srgan_desktop.settings import AppSettings
from tests.gui.main_window.test_main_window import drop, wait_idle
from tests.helpers.images import write_photo


def test_output_size_2x_and_a_width_are_saved_with_dpi_following_and_remembered(qtbot, window, tmp_path):
    source = write_photo(tmp_path / "photo.png", (40, 30), dpi=(300, 300))
    window.output_size.kind.setCurrentIndex(window.output_size.kind.findData("x2"))
    drop(window, source)
    wait_idle(qtbot, window)
    assert window.viewer.images.result.size().toTuple() == (160, 120)       # the viewer shows the model's 4x
    assert "saves at 80\u00d760 (2\u00d7)" in window.status.progress_label.text()
    qtbot.waitUntil(window.save_result_to(tmp_path / "half.png").done, timeout=10_000)
    with Image.open(tmp_path / "half.png") as saved:
        assert saved.size == (80, 60) and saved.info["dpi"] == pytest.approx((600, 600), abs=1)
    window.output_size.kind.setCurrentIndex(window.output_size.kind.findData("width"))
    window.output_size.pixels.setValue(100)
    qtbot.waitUntil(window.save_result_to(tmp_path / "wide.png").done, timeout=10_000)
    with Image.open(tmp_path / "wide.png") as saved:
        assert saved.size == (100, 75) and saved.info["dpi"] == pytest.approx((750, 750), abs=1)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.output_size.output_size() == OutputSize(width=100)


def test_save_is_on_the_toolbar_and_a_second_save_says_where_it_already_is(qtbot, window, tmp_path, monkeypatch):
    toolbar = window.findChild(QToolBar, "mainToolbar")
    assert window.actions_.save in toolbar.actions()
    assert toolbar.actions().index(window.actions_.save) + 1 == toolbar.actions().index(window.actions_.save_as)
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    target = tmp_path / "photo_x4.png"
    monkeypatch.setattr(window.saver, "ask_target", lambda entry: SaveTarget(target, None))
    qtbot.waitUntil(window.save().done, timeout=10_000)
    assert window.status.progress_label.text() == f"Saved {target}"
    written = target.stat().st_mtime_ns
    qtbot.waitUntil(window.save().done, timeout=10_000)                    # Ctrl+S again, nothing changed
    assert window.status.progress_label.text() == f"Already saved to {target}"
    assert target.stat().st_mtime_ns == written


def test_results_can_be_saved_next_to_their_source_automatically(qtbot, window, tmp_path):
    assert not window.actions_.auto_save.isChecked()
    window.actions_.auto_save.setChecked(True)
    (tmp_path / "photo_x4.png").write_bytes(b"someone else's file")
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: (tmp_path / "photo_x4-2.png").exists(), timeout=10_000)   # never over another file
    assert (tmp_path / "photo_x4.png").read_bytes() == b"someone else's file"
    with Image.open(tmp_path / "photo_x4-2.png") as saved:
        assert saved.size == (96, 64)
    assert AppSettings().auto_save                                          # remembered
