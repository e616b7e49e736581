"""The main window as a user drives it: drop, watch, cancel, save, errors, settings."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage

import srgan_desktop.main_window.window as main_window_module
from srgan_desktop.app import parse_arguments
from srgan_desktop.main_window.window import MainWindow
from srgan_desktop.settings import AppSettings
from tests.helpers.images import write_photo
from tests.helpers.tiny import tiny_model_file


def drop(window: MainWindow, *paths: Path) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def wait_idle(qtbot, window: MainWindow, timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: window.queue.entries and not window.queue.running
                    and all(e.status not in ("waiting", "running") for e in window.queue.entries),
                    timeout=timeout)


def qimage_pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    # Copy: the array must not outlive the converted QImage whose buffer it views.
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def photo_with_metadata(path: Path) -> Path:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"          # Make
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return write_photo(path, (24, 16), dpi=(300, 300), exif=exif.tobytes(), icc_profile=icc)


def test_dropped_image_is_upscaled_shown_and_saved_with_metadata(qtbot, window, tmp_path):
    source = photo_with_metadata(tmp_path / "photo.png")
    drop(window, source)
    wait_idle(qtbot, window)
    entry = window.queue.entries[0]
    assert entry.status == "done", entry.detail
    assert window.viewer.images.result is not None                       # the right pane shows it
    assert window.viewer.images.result.size().toTuple() == (96, 64)
    assert window.viewer.side_by_side.result_layer.pixmap_items         # ... as an item in the pane
    assert window.actions_.save.isEnabled()

    target = tmp_path / "out" / "photo_x4.png"
    target.parent.mkdir()
    qtbot.waitUntil(window.save_result_to(target).done, timeout=10_000)
    with Image.open(target) as saved, Image.open(source) as original:
        assert saved.size == (96, 64)
        assert saved.info.get("icc_profile") == original.info.get("icc_profile")
        assert saved.getexif().get(0x010F) == "TestCam"
        assert saved.info["dpi"] == pytest.approx((1200, 1200), abs=1)
    assert "Saved" in window.status.progress_label.text()


def test_save_never_overwrites_the_source(qtbot, window, tmp_path):
    source = write_photo(tmp_path / "photo.png")
    before = source.read_bytes()
    drop(window, source)
    wait_idle(qtbot, window)
    qtbot.waitUntil(window.save_result_to(source).done, timeout=10_000)
    assert "overwrite" in window.banner.message
    assert source.read_bytes() == before


def test_corrupt_file_shows_one_clear_message_and_window_stays_usable(qtbot, window, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    drop(window, broken)
    wait_idle(qtbot, window)
    assert window.queue.entries[0].status == "failed"
    assert window.banner.isVisible() and "broken.jpg" in window.banner.message
    assert "Traceback" not in window.banner.message and "\n" not in window.banner.message
    drop(window, write_photo(tmp_path / "good.png"))       # still usable
    wait_idle(qtbot, window)
    assert window.queue.entries[1].status == "done"
    assert window.viewer.images.result is not None


def test_broken_model_file_is_a_clear_message(qtbot, window, tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model at all")
    window.model_picker._extra.append(bad)     # as if chosen from a file dialog earlier
    window.model_picker.refresh(select=bad)
    assert window.model_picker.current_path() != bad            # refused at listing time...
    assert "bad.safetensors" in window.banner.message           # ...with the reason shown


def test_cancel_mid_upscale_leaves_no_file_and_a_usable_window(qtbot, window, tmp_path):
    AppSettings().tile = 32                   # many tiles: time to cancel in the middle
    window.tile_picker.select(32)
    source = write_photo(tmp_path / "big.png", (320, 256))
    before = sorted(tmp_path.iterdir())
    drop(window, source)
    qtbot.waitUntil(lambda: window.queue.current is not None and window.queue.current.fraction > 0,
                    timeout=30_000)
    assert "Upscaling big.png" in window.status.progress_label.text()
    assert "%" in window.status.progress_label.text()
    window.cancel()
    wait_idle(qtbot, window)
    assert window.queue.entries[0].status == "cancelled"
    assert window.queue.entries[0].fraction < 1.0
    assert sorted(tmp_path.iterdir()) == before
    assert not window.actions_.cancel.isEnabled()
    window.tile_picker.select(None)
    drop(window, write_photo(tmp_path / "small.png"))
    wait_idle(qtbot, window)
    assert window.queue.entries[1].status == "done"


def test_event_loop_keeps_turning_during_an_upscale(qtbot, window, tmp_path):
    window.tile_picker.select(64)
    source = write_photo(tmp_path / "photo.png", (256, 192))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    drop(window, source)
    wait_idle(qtbot, window)
    timer.stop()
    assert window.queue.entries[0].status == "done"
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(gaps) > 20
    assert max(gaps) < 0.1, f"the UI froze for {max(gaps) * 1000:.0f} ms"


def test_several_dropped_images_are_queued_and_each_can_be_shown(qtbot, window, tmp_path):
    paths = [write_photo(tmp_path / f"p{i}.png", (16 + 8 * i, 16)) for i in range(3)]
    drop(window, *paths)
    assert window.queue_dock.isVisible()
    assert window.queue_panel.count() == 3
    wait_idle(qtbot, window)
    assert [e.status for e in window.queue.entries] == ["done"] * 3
    window.show_entry(window.queue.entries[0].id)
    assert window.viewer.images.result.size().toTuple() == (64, 64)


def test_preview_of_the_visible_region_arrives_before_the_full_result(qtbot, window, tmp_path, monkeypatch):
    window.tile_picker.select(64)
    source = write_photo(tmp_path / "photo.png", (320, 240))
    previews = []
    show_preview = window.preview_ready

    def seen(event):
        previews.append((event, window.viewer.images.result))
        show_preview(event)

    monkeypatch.setattr(window, "preview_ready", seen)
    drop(window, source)
    wait_idle(qtbot, window)
    assert previews, "no preview was made"
    event, result_then = previews[0]
    assert result_then is None                       # it came while the full image was running
    x0, y0, x1, y1 = event.box
    assert event.image.width() == (x1 - x0) * 4 and event.image.height() == (y1 - y0) * 4
    assert (x1 - x0) * (y1 - y0) < 320 * 240
    # The preview is the final result there, not an approximation.
    final = window.queue.entries[0].result.image.copy(x0 * 4, y0 * 4, (x1 - x0) * 4, (y1 - y0) * 4)
    difference = np.abs(qimage_pixels(final).astype(int) - qimage_pixels(event.image).astype(int))
    assert difference.max() <= 2


def test_pasted_image_is_upscaled(qtbot, window):
    image = QImage(20, 10, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(image)
    window.paste()
    wait_idle(qtbot, window)
    assert window.queue.entries[0].status == "done"
    assert window.viewer.images.result.size().toTuple() == (80, 40)
    window.actions_.copy.trigger()                          # and the result goes back out (Ctrl+C)
    assert QGuiApplication.clipboard().image().size().toTuple() == (80, 40)


def test_no_model_installed_says_what_to_do(qtbot, tmp_path, isolated_user_data, monkeypatch):
    monkeypatch.setenv("SRGAN_DESKTOP_RESOURCES", str(tmp_path / "no_resources"))   # no bundled models
    w = MainWindow()
    qtbot.addWidget(w)
    drop(w, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, w)
    assert "No model is installed" in w.banner.message


def test_settings_are_remembered_across_runs(qtbot, window, tmp_path, tiny_model):
    second = tiny_model_file(tiny_model.parent, name="second", seed=1)
    window.model_picker.refresh(select=second)
    window.set_viewer_mode("split")
    window.set_original_filter("nearest")
    window.tile_picker.select(128)
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    assert again.model_picker.current_path() == second
    assert again.viewer.mode == "split" and again.actions_.split.isChecked()
    assert again.viewer.images.filter == "nearest"
    assert again.tile_picker.current_tile() == 128
    assert again.recent_menu.paths[0] == (tmp_path / "photo.png").resolve()
    assert again.settings.open_dir == tmp_path.resolve()


def test_finetune_wizard_model_appears_selected_in_the_picker(qtbot, window, tiny_model, monkeypatch):
    class FakeWizard(QObject):
        model_created = Signal(object)

        def __init__(self, parent=None, resume=None, settings=None):
            super().__init__(parent)

        def show(self): pass
        def raise_(self): pass
        def activateWindow(self): pass  # noqa: N802 - Qt override

    monkeypatch.setattr(main_window_module, "FineTuneWizard", FakeWizard)
    window.open_finetune_wizard()
    wizard = window.findChild(FakeWizard)
    made = tiny_model_file(tiny_model.parent, name="my_photos", seed=2)
    wizard.model_created.emit(made)
    assert window.model_picker.current_path() == made
    assert window.settings.model == made


def test_tool_window_that_cannot_open_gives_a_message_not_a_crash(window, monkeypatch):
    def broken(parent=None, settings=None):
        raise OSError("settings file is locked\nTraceback ...")

    monkeypatch.setattr(main_window_module, "BatchWindow", broken)
    window.open_batch_window()
    assert window.banner.message == "Batch processing could not open: settings file is locked"


def test_model_picker_shows_the_models_metadata(window, tiny_model):
    index = window.model_picker.findData(str(tiny_model))
    assert index >= 0
    tip = window.model_picker.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert "Tiny test model" in tip and "untrained, for tests" in tip and "4x, SRResNet" in tip


def test_command_line_paths_are_opened():
    assert parse_arguments(["srgan-desktop", "a.png", "b c.jpg"]) == [Path("a.png"), Path("b c.jpg")]


def test_out_of_memory_halves_the_tile_retries_and_tells_the_user(qtbot, window, tmp_path, monkeypatch):
    import torch

    from core.inference.upscaler import Upscaler

    original_run = Upscaler.run_model

    def small_memory(self, batch):
        if batch.shape[-1] > 70:                 # pretend tiles wider than 70 pixels do not fit
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return original_run(self, batch)

    monkeypatch.setattr(Upscaler, "run_model", small_memory)
    window.tile_picker.select(64)
    drop(window, write_photo(tmp_path / "photo.png", (128, 96)))
    wait_idle(qtbot, window)
    entry = window.queue.entries[0]
    assert entry.status == "done", entry.detail
    assert entry.tile == 32
    assert "tile size was halved to 32" in window.banner.message
    assert window.viewer.images.result.size().toTuple() == (512, 384)


def test_an_animated_gif_is_upscaled_from_its_first_frame_and_says_so(qtbot, window, tmp_path):
    frames = [Image.new("RGB", (20, 16), (40 * i, 80, 120)) for i in range(5)]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=50)
    drop(window, gif)
    wait_idle(qtbot, window)
    assert window.queue.entries[0].status == "done"
    assert "anim.gif has 5 frames; only the first is upscaled" in window.banner.message


@pytest.mark.slow
def test_srgan_desktop_launches_opens_argv_images_and_quits_cleanly(tmp_path, tiny_model):
    """`python -m srgan_desktop photo.png` in a real process: opens, upscales, exits with 0."""
    import os
    import subprocess

    photo = write_photo(tmp_path / "photo.png")
    script = (
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "import srgan_desktop.main_window.window as mw\n"
        "from srgan_desktop.__main__ import main\n"
        "init = mw.MainWindow.__init__\n"
        "def patched(self, *a, **k):\n"
        "    init(self, *a, **k)\n"
        "    def check():\n"
        "        if self.queue.entries and self.queue.entries[0].status == 'done':\n"
        "            print('RESULT', self.viewer.images.result.width(), flush=True); self.close()\n"
        "        else:\n"
        "            QTimer.singleShot(100, check)\n"
        "    QTimer.singleShot(100, check)\n"
        "mw.MainWindow.__init__ = patched\n"
        "sys.argv = ['srgan-desktop', sys.argv[1]]\n"
        "sys.exit(main())\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", script, str(photo)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=Path(__file__).parents[3])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RESULT 96" in done.stdout


def test_save_as_asks_format_and_quality_and_refuses_the_source(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    source = write_photo(tmp_path / "photo.png")
    drop(window, source)
    wait_idle(qtbot, window)
    answers = [(str(source), "PNG image (*.png)"),                   # the source itself: refused...
               (str(tmp_path / "result"), "JPEG image (*.jpg *.jpeg)")]   # ...then a name without suffix
    asked, warned = [], []

    def fake_save_dialog(parent, caption, suggested, filters, selected):
        asked.append(suggested)
        return answers.pop(0)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save_dialog))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warned.append(a[2])))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (70, True)))
    qtbot.waitUntil(window.save_as().done, timeout=10_000)
    assert asked[0] == str(tmp_path / "photo_x4.png")            # suggested: beside the source, same format
    assert warned and "overwrite" in warned[0]
    assert window.status.progress_label.text() == f"Saved {tmp_path / 'result.jpg'}"
    with Image.open(tmp_path / "result.jpg") as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (96, 64)
    assert window.settings.save_quality == 70
    # Ctrl+S now saves to the same file again without asking.
    (tmp_path / "result.jpg").unlink()
    window.status.set_idle("")
    qtbot.waitUntil(window.save().done, timeout=10_000)
    assert window.status.progress_label.text() == f"Saved {tmp_path / 'result.jpg'}" and not answers
    assert (tmp_path / "result.jpg").exists()


def test_every_command_has_its_shortcut(window):
    a = window.actions_
    expected = {a.open: "Ctrl+O", a.paste: "Ctrl+V", a.copy: "Ctrl+C", a.save: "Ctrl+S", a.save_as: "Ctrl+Shift+S",
                a.cancel: "Esc", a.fit: "Ctrl+0", a.zoom_levels[100]: "Ctrl+1", a.zoom_levels[200]: "Ctrl+2",
                a.zoom_levels[400]: "Ctrl+4", a.zoom_in: "Ctrl++", a.zoom_out: "Ctrl+-",
                a.side_by_side: "Ctrl+Shift+1", a.split: "Ctrl+Shift+2", a.batch: "Ctrl+B", a.finetune: "Ctrl+T"}
    for action, key in expected.items():
        assert key in [k.toString() for k in action.shortcuts()], action.text()


def test_keyboard_zoom_reaches_the_viewer(qtbot, window, tmp_path):
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    window.activateWindow()
    window.actions_.zoom_levels[200].trigger()
    assert window.viewer.controller.scale == 2.0
    assert window.status.zoom_label.text() == "Zoom 200%"
    window.actions_.fit.trigger()
    assert window.viewer.controller.fitting


def test_window_geometry_is_remembered(qtbot, tiny_model):
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(700, 520)   # inside the offscreen 800x600 screen
    first.show()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.size().toTuple() == (700, 520)


def test_preview_patch_is_sized_to_what_the_device_does_in_a_second_or_two():
    from srgan_desktop.main_window.upscale_job import PREVIEW_SECONDS, PreviewBudget, preview_box

    budget = PreviewBudget()
    assert budget.side("cpu") < budget.side("cuda")                 # a guess before measuring
    budget.record("cpu", 100 * 100, 2 * PREVIEW_SECONDS)            # slow machine: 100x100 took 3 s
    assert 64 <= budget.side("cpu") <= 80
    box = preview_box((0, 0, 1000, 800), 1000, 800, side=64)        # fit view: the centre is shown first
    assert box == (468, 368, 532, 432)
    assert preview_box((0, 0, 50, 40), 50, 40, side=64) is None      # whole image: no point


def test_cuda_machine_with_cpu_only_torch_gets_a_clear_notice(qtbot, tiny_model, monkeypatch):
    import core.common.devices

    monkeypatch.setattr(core.common.devices, "nvidia_gpu_present", lambda: True)
    monkeypatch.setattr(core.common.devices.torch.cuda, "is_available", lambda: False)
    w = MainWindow()
    qtbot.addWidget(w)
    assert "NVIDIA GPU is present" in w.banner.message
    assert w.status.device_label.text().startswith("Device: CPU")


def test_out_of_memory_while_reading_is_one_line_and_the_app_goes_on(qtbot, window, tmp_path, monkeypatch):
    import srgan_desktop.main_window.upscale_job as job

    def no_memory(path, max_pixels=None):
        raise MemoryError()

    real_load_image = job.load_image
    monkeypatch.setattr(job, "load_image", no_memory)
    drop(window, write_photo(tmp_path / "photo.png"))
    wait_idle(qtbot, window)
    assert window.queue.entries[0].status == "failed"
    assert "Out of memory" in window.banner.message
    monkeypatch.setattr(job, "load_image", real_load_image)
    drop(window, write_photo(tmp_path / "again.png"))
    wait_idle(qtbot, window)
    assert window.queue.entries[1].status == "done"
