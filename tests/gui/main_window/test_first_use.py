"""What a new user meets first: the keyboard, the window on a small screen, the queue, the model tooltips."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFormLayout

from core.models.library import list_models
from srgan_desktop.main_window.dialogs import shortcuts_text
from srgan_desktop.main_window.queue_panel import QueuePanel
from srgan_desktop.main_window.window import MainWindow
from srgan_desktop.viewer.zoom import ZoomController
from srgan_desktop.widgets.model_picker import describe
from srgan_desktop.widgets.screen_fit import first_window_size
from tests.gui.main_window.test_main_window import drop, wait_idle
from tests.helpers.images import write_photo


def test_the_keyboard_starts_on_the_image_and_arrow_keys_pan_after_a_box_was_used(qtbot, window, tmp_path):
    drop(window, write_photo(tmp_path / "photo.png", (60, 40)))
    wait_idle(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert QApplication.focusWidget() in window.viewer.active_panes         # not the "Original: bicubic" box
    window.set_zoom(4.0)
    for box in (window.filter_box, window.tile_picker):
        box.setFocus()
        box.activated.emit(box.currentIndex())                             # the user picked an entry
        assert QApplication.focusWidget() in window.viewer.active_panes, box
    before = window.viewer.controller.center
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    assert window.viewer.controller.center.x() > before.x()
    assert window.filter_box.currentData() == "bicubic" and window.settings.original_filter == "bicubic"


def test_every_shortcut_is_bound_once_and_ctrl_q_quits(qtbot, window):
    keys = Counter(k.toString() for action in window.actions() for k in action.shortcuts())
    assert [key for key, count in keys.items() if count > 1] == []
    assert [k.toString() for k in window.actions_.quit.shortcuts()] == ["Ctrl+Q"]
    window.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is window.windowHandle())
    QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)


def test_the_shortcut_list_has_one_readable_line_per_action(window):
    text = shortcuts_text(window)
    rows = re.findall(r"<tr><td[^>]*><b>(.*?)</b></td><td>(.*?)</td></tr>", text)
    assert len(rows) == len([a for a in window.actions() if a.shortcuts()])
    keys = dict((name, key) for key, name in rows)
    assert keys["Paste Image"] == QKeySequence("Ctrl+V").toString(QKeySequence.SequenceFormat.NativeText)
    assert keys["Zoom In"] == QKeySequence("Ctrl++").toString(QKeySequence.SequenceFormat.NativeText)
    assert not any(word in text for word in ("F18", "Ins", ", "))          # no Qt-internal alternatives


def test_zoom_steps_go_to_the_next_round_level():
    controller = ZoomController()
    controller.set_image_size(QSize(1000, 1000))
    controller.set_scale(0.32)                                              # a fitted view
    controller.zoom_in()
    assert controller.scale == 0.5                                          # not 33%
    controller.set_scale(0.52)
    controller.zoom_out()
    assert controller.scale == pytest.approx(0.3333)


@pytest.mark.parametrize("screen", [(1366, 768), (1920, 1080), (800, 600)])
def test_the_first_window_fits_the_screen(screen):
    size = first_window_size(QSize(*screen))
    assert size.width() <= screen[0] - 40 and size.height() <= screen[1] - 40
    assert size.width() >= 0.85 * screen[0] and size.height() >= 0.85 * screen[1]


def test_a_first_window_is_on_screen_with_labelled_untruncated_pickers(qtbot, tiny_model):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    available = w.screen().availableGeometry()
    assert available.contains(w.geometry())                                 # the status bar is on screen
    assert w.minimumSizeHint().width() <= 1366 - 40
    form = w.form.form
    for field, label in ((w.model_picker, "Model"), (w.device_picker, "Device"), (w.precision_box, "Precision"),
                         (w.tile_picker, "Tile"), (w.output_size, "Output size"), (w.detail, "Detail")):
        assert form.labelForField(field).text() == label
    for index in range(w.model_picker.count()):
        text = w.model_picker.itemText(index)
        assert w.model_picker.width() >= w.model_picker.fontMetrics().horizontalAdvance(text), text
    assert isinstance(form, QFormLayout)


def test_the_empty_window_offers_the_sample_image(qtbot, window):
    assert window.viewer.currentWidget() is window.viewer.empty_state
    window.viewer.empty_state.sample_button.click()
    wait_idle(qtbot, window)
    entry = window.queue.entries[0]
    assert entry.label == "sample.png" and entry.status == "done"
    assert window.recent_menu.paths == []                                   # not a file of the user's


def test_choosing_another_image_in_the_queue_shows_its_own_status(qtbot, window, tmp_path):
    drop(window, write_photo(tmp_path / "first.png", (20, 16)), write_photo(tmp_path / "second.png", (28, 16)))
    wait_idle(qtbot, window)
    assert "second.png" in window.status.progress_label.text()
    window.queue_panel.show_requested.emit(window.queue.entries[0].id)
    assert window.status.progress_label.text().startswith("first.png: 80\u00d764")
    assert QApplication.focusWidget() in window.viewer.active_panes         # arrows pan again


def test_the_queue_list_elides_names_and_draws_its_icons(qtbot, window, tmp_path):
    long = "a very long file name that would need a horizontal scroll bar to read.png"
    drop(window, write_photo(tmp_path / long), write_photo(tmp_path / "b.png"))
    wait_idle(qtbot, window)
    panel: QueuePanel = window.queue_panel
    assert panel.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert panel.textElideMode() == Qt.TextElideMode.ElideMiddle
    for row in range(panel.count()):
        item = panel.item(row)
        assert not item.icon().isNull() and "\u23f3" not in item.text() and "\u2714" not in item.text()
        assert not item.icon().pixmap(16, 16).toImage().allGray()           # something is drawn, in colour


def test_model_tooltips_say_what_a_user_needs_without_development_paths():
    entries, _ = list_models()
    assert entries, "the bundled models are part of the source tree"
    for entry in entries:
        tip = describe(entry.info, entry)
        assert "Set14 " in tip and "dB PSNR" in tip and "openly licensed photographs" in tip and "Trained: " in tip
        assert not any(word in tip for word in ("../", ".ckpt", "training/", "\ndata:", "base model:")), tip
