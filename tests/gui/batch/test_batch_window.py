"""The batch window: plan a generated tree, run it, skip existing, pause, cancel and resume; Automatic per image."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent

from core.common.events import ImageDone
from srgan_desktop.batch.window import BatchWindow
from srgan_desktop.settings import AppSettings
from srgan_desktop.widgets.model_picker import AUTOMATIC, ModelPicker
from tests.helpers.images import make_tree, no_partial_files, write_image, write_smooth_photo
from tests.helpers.tiny import save_tiny

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot, tiny_model):
    settings = AppSettings()
    settings.model, settings.device, settings.tile = tiny_model, "cpu", 32
    win = BatchWindow(settings=settings)
    qtbot.addWidget(win)
    return win                # pytest-qt closes it after the test: closeEvent stops its workers


def plan(qtbot, window: BatchWindow, inputs: list[Path], output: Path) -> None:
    window.form.output_dir.setText(str(output))
    window.add_inputs(inputs)
    qtbot.waitUntil(lambda: window.plan is not None and "It will take" in window.preview.summary.text(),
                    timeout=WAIT_MS)


def run_to_end(qtbot, window: BatchWindow):
    window.finished = None
    window.start()
    qtbot.waitUntil(lambda: window.finished is not None and not window.running, timeout=WAIT_MS)
    return window.finished


def test_tree_with_bad_files_becomes_mirrored_output_tree(qtbot, window, tmp_path):
    make_tree(tmp_path / "in")
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    summary = window.preview.summary.text()
    assert "3 images to upscale" in summary and "3 files cannot be used" in summary   # truncated.png too
    assert window.start_button.isEnabled()
    finished = run_to_end(qtbot, window)
    outputs = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.*"))
    assert outputs == ["a_x4.png", "sub/b_x4.jpg", "sub/deeper/c_x4.png"]
    assert finished.done == 3 and not finished.failed
    log = window.log.toPlainText()
    assert "truncated.png" in log and "corrupt.jpg" in log and "3 upscaled" in log
    assert window.open_button.isEnabled()


def test_second_run_skips_existing_outputs(qtbot, window, tmp_path):
    write_image(tmp_path / "in" / "a.png")
    write_image(tmp_path / "in" / "b.png", seed=1)
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    assert run_to_end(qtbot, window).done == 2
    qtbot.waitUntil(lambda: window.plan is not None and "2 already done" in window.preview.summary.text(),
                    timeout=WAIT_MS)
    again = run_to_end(qtbot, window)
    assert again.done == 0 and len(again.skipped) == 2


def test_cancel_leaves_no_partial_files_and_restart_finishes_the_rest(qtbot, window, tmp_path, monkeypatch):
    for i in range(4):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    show_event = window._on_run_event
    cancelling = [True]                                  # the first run only; the restart runs to its end

    def cancel_after_first(event) -> None:
        show_event(event)
        if isinstance(event, ImageDone) and cancelling[0]:
            window.cancel()
    monkeypatch.setattr(window, "_on_run_event", cancel_after_first)
    qtbot.waitUntil(window.start().done, timeout=WAIT_MS)
    cancelling[0] = False
    assert "Cancelled" in window.log.toPlainText() and window.finished is None
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert 1 <= len(written) < 4 and no_partial_files(tmp_path / "out")
    qtbot.waitUntil(lambda: window.plan is not None and window.start_button.isEnabled(), timeout=WAIT_MS)
    finished = run_to_end(qtbot, window)
    assert finished.done == 4 - len(written) and len(finished.skipped) == len(written)
    assert len(list((tmp_path / "out").iterdir())) == 4


def test_pause_holds_the_run_until_resumed(qtbot, window, tmp_path):
    for i in range(2):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    window.start()
    qtbot.waitUntil(lambda: window.running, timeout=WAIT_MS)
    window.pause_button.click()
    assert window.pause_button.text() == "Resume"
    qtbot.wait(600)
    assert window.running and window.finished is None
    window.pause_button.click()
    qtbot.waitUntil(lambda: window.finished is not None, timeout=WAIT_MS)
    assert window.finished.done == 2


def test_dropped_folder_is_added_and_planned(qtbot, window, tmp_path):
    write_image(tmp_path / "dropped" / "a.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped"))])
    event = QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.inputs.dropEvent(event)
    assert window.inputs.paths() == [tmp_path / "dropped"]
    qtbot.waitUntil(lambda: window.plan is not None, timeout=WAIT_MS)
    assert window.plan.jobs[0].destination == tmp_path / "dropped_x4" / "a_x4.png"


def test_output_inside_input_is_refused_in_the_preview(qtbot, window, tmp_path):
    write_image(tmp_path / "in" / "a.png")
    window.form.output_dir.setText(str(tmp_path / "in" / "out"))
    window.add_inputs([tmp_path / "in"])
    qtbot.waitUntil(lambda: "inside the input folder" in window.preview.summary.text(), timeout=WAIT_MS)
    assert not window.start_button.isEnabled()


def test_batch_choices_are_remembered(qtbot, tiny_model, tmp_path):
    first = BatchWindow()
    qtbot.addWidget(first)
    first.form.naming.setText("{stem}-big.{ext}")
    first.form.format.setCurrentIndex(first.form.format.findData("webp"))
    first.form.output_dir.setText(str(tmp_path / "big"))
    first.close()
    second = BatchWindow()
    qtbot.addWidget(second)
    options = second.form.options()
    assert (options.naming, options.output_format, options.output_dir) == ("{stem}-big.{ext}", "webp",
                                                                          tmp_path / "big")
    assert second.form.quality.isEnabled()


def test_the_batch_window_has_the_model_picker_and_detail_and_writes_the_output_size(qtbot, window, tmp_path,
                                                                                     tiny_model):
    gan = save_tiny(tiny_model.parent, "tiny-gan", seed=1, title="Tiny GAN", phase="gan")
    assert isinstance(window.model_picker, ModelPicker) and window.model_picker.current_path() == tiny_model
    window.model_form.detail.partner_picker.refresh(select=gan)
    window.model_form.detail.slider.setValue(50)
    window.model_form.output_size.kind.setCurrentIndex(window.model_form.output_size.kind.findData("x2"))
    options = window.upscale_options()
    assert (options.model, options.detail, options.detail_with) == (str(tiny_model), 0.5, str(gan))
    write_image(tmp_path / "in" / "a.png", size=(20, 12))
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    assert run_to_end(qtbot, window).done == 1
    with Image.open(tmp_path / "out" / "a_x4.png") as written:
        assert written.size == (40, 24)
    assert AppSettings().detail == 0.5                             # shared with the main window


def test_the_estimate_is_in_words_and_a_truncated_jpeg_is_listed_before_the_run(qtbot, window, tmp_path):
    good = write_image(tmp_path / "in" / "good.jpg", size=(64, 48))
    (tmp_path / "in" / "cut.jpg").write_bytes(good.read_bytes()[:-300])
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    summary = window.preview.summary.text()
    assert re.search(r"It will take (a few seconds|about \d+ (seconds|minutes)) on ", summary), summary
    assert not re.search(r"\d+:\d\d", summary)                      # nothing that reads like a clock time
    assert "1 file cannot be used" in summary
    reasons = [window.preview.table.topLevelItem(i).text(2) for i in range(window.preview.table.topLevelItemCount())]
    assert any("truncated" in reason for reason in reasons)


def test_while_a_batch_runs_the_inputs_cannot_change_and_the_percent_agrees_with_the_bar(qtbot, window, tmp_path):
    for i in range(3):
        write_image(tmp_path / "in" / f"{i}.png", size=(90, 60), seed=i)
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    seen = []
    panel = window.progress

    def check() -> None:
        text = panel.overall_label.text()
        if "%" in text and window.running:
            seen.append((text.split("%")[0], panel.overall.text().rstrip("%"),
                         [b.isEnabled() for b in window.input_buttons], window.model_form.isEnabled()))
    timer = QTimer(interval=20)
    timer.timeout.connect(check)
    timer.start()
    run_to_end(qtbot, window)
    timer.stop()
    assert seen
    assert all(label == bar for label, bar, _, _ in seen)
    assert all(not any(enabled) and not form for _, _, enabled, form in seen)
    assert all(b.isEnabled() for b in window.input_buttons)       # and back once it ended


def test_a_multi_page_file_is_noted_in_the_log(qtbot, window, tmp_path):
    from PIL import Image
    folder = tmp_path / "in"
    folder.mkdir()
    pages = [Image.new("RGB", (16, 12), (30 * i, 90, 150)) for i in range(3)]
    pages[0].save(folder / "scan.tif", save_all=True, append_images=pages[1:])
    plan(qtbot, window, [folder], tmp_path / "out")
    assert run_to_end(qtbot, window).done == 1
    assert "Note: scan.tif has 3 pages; only the first is upscaled." in window.log.toPlainText()


def test_automatic_is_offered_first_and_the_log_names_each_files_model_and_why(qtbot, window, tmp_path, tiny_model):
    picker = window.model_picker
    assert picker.itemText(0) == AUTOMATIC and not picker.is_automatic()     # offered, never assumed
    picker.select_automatic()
    assert window.model_form.automatic and not window.model_form.detail.isEnabled()
    assert window.upscale_options().model is None and window.upscale_options().detail is None
    write_smooth_photo(tmp_path / "in" / "web.jpg", quality=70)
    write_smooth_photo(tmp_path / "in" / "clean.png")
    plan(qtbot, window, [tmp_path / "in"], tmp_path / "out")
    finished = run_to_end(qtbot, window)
    assert finished.done == 2 and not finished.failed
    log = window.log.toPlainText()
    assert f"{tmp_path / 'in' / 'web.jpg'}: Real-world photo x4" in log and "(a JPEG saved at quality ~70: " in log
    assert f"{tmp_path / 'in' / 'clean.png'}: SRResNet x4 (Faithful) (no sign of JPEG compression or noise)" in log
    summary = log.splitlines()[-1]
    assert summary.startswith("Finished: 2 upscaled (") and "1 with Real-world photo x4" in summary
    assert "1 with SRResNet x4 (Faithful)" in summary
    assert AppSettings().model == tiny_model          # the main window's model is not Automatic's business


def test_automatic_is_remembered_in_the_batch_settings(qtbot, tiny_model):
    first = BatchWindow()
    qtbot.addWidget(first)
    first.model_picker.select_automatic()
    first.close()
    second = BatchWindow()
    qtbot.addWidget(second)
    assert second.model_picker.is_automatic() and second.batch_options().auto_model
    second.model_picker.select(tiny_model)
    second.close()
    third = BatchWindow()
    qtbot.addWidget(third)
    assert not third.model_picker.is_automatic() and third.model_picker.current_path() == tiny_model
