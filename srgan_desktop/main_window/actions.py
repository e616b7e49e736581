"""The main window's actions, menus and toolbar: every command has a menu entry and a shortcut."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar, QWidget

if TYPE_CHECKING:
    from srgan_desktop.main_window.window import MainWindow

StandardKey = QKeySequence.StandardKey


@dataclass
class WindowActions:
    open: QAction
    paste: QAction
    copy: QAction
    save: QAction
    save_as: QAction
    cancel: QAction
    fit: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_levels: dict[int, QAction]
    side_by_side: QAction
    split: QAction
    nearest: QAction
    bicubic: QAction
    open_model: QAction
    batch: QAction
    finetune: QAction


def _action(window: MainWindow, text: str, slot, shortcuts=(), tip: str = "") -> QAction:
    action = QAction(text, window)
    keys: list[QKeySequence] = []
    for shortcut in shortcuts:
        if isinstance(shortcut, str):
            keys.append(QKeySequence(shortcut))
        else:  # a platform's standard key may have several bindings (or none)
            keys.extend(QKeySequence.keyBindings(shortcut))
    if keys:
        action.setShortcuts(keys)
    plain = text.replace("&", "").replace("…", "")
    hint = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
    action.setToolTip(f"{tip or plain} ({hint})" if hint else (tip or plain))
    action.setStatusTip(tip or plain)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)   # shortcuts work even when the menu bar is hidden
    return action


def build_actions(w: MainWindow) -> WindowActions:
    v = w.viewer
    levels = {pct: _action(w, f"{pct}%", lambda p=pct: w.set_zoom(p / 100), (f"Ctrl+{pct // 100}",),
                           f"Zoom to {pct}%: one result pixel is {pct // 100} screen pixel(s)")
              for pct in (100, 200, 400, 800)}
    actions = WindowActions(
        open=_action(w, "&Open…", w.open_dialog, (StandardKey.Open,), "Open images to upscale"),
        paste=_action(w, "&Paste Image", w.paste, (StandardKey.Paste,), "Upscale the image on the clipboard"),
        copy=_action(w, "&Copy Result", w.copy_result, (StandardKey.Copy,), "Copy the result to the clipboard"),
        save=_action(w, "&Save", w.save, (StandardKey.Save,), "Save the result"),
        save_as=_action(w, "Save &As…", w.save_as, ("Ctrl+Shift+S",), "Save the result under a new name or format"),
        cancel=_action(w, "&Cancel", w.cancel, ("Esc",), "Stop upscaling and drop the waiting images"),
        fit=_action(w, "&Fit", v.fit, ("Ctrl+0",), "Fit the whole image in the window"),
        zoom_in=_action(w, "Zoom &In", v.controller.zoom_in, (StandardKey.ZoomIn, "Ctrl+=")),
        zoom_out=_action(w, "Zoom &Out", v.controller.zoom_out, (StandardKey.ZoomOut,)),
        zoom_levels=levels,
        side_by_side=_action(w, "&Side by Side", lambda: w.set_viewer_mode("side"), ("Ctrl+Shift+1",),
                             "Original and result side by side"),
        split=_action(w, "S&plit Slider", lambda: w.set_viewer_mode("split"), ("Ctrl+Shift+2",),
                      "One view with a draggable divider between original and result"),
        nearest=_action(w, "Original: &Nearest", lambda: w.set_original_filter("nearest"), ("Ctrl+Shift+N",),
                        "Show the original enlarged with nearest neighbour (its real pixels)"),
        bicubic=_action(w, "Original: &Bicubic", lambda: w.set_original_filter("bicubic"), ("Ctrl+Shift+B",),
                        "Show the original enlarged with bicubic interpolation"),
        open_model=_action(w, "Use a &Model File…", w.open_model_file, ("Ctrl+Shift+M",),
                           "Upscale with a .safetensors model file from disk"),
        batch=_action(w, "&Batch Process Folders…", w.open_batch_window, ("Ctrl+B",)),
        finetune=_action(w, "&Fine-tune on My Photos…", w.open_finetune_wizard, ("Ctrl+T",)),
    )
    for group_actions in ((actions.side_by_side, actions.split), (actions.nearest, actions.bicubic)):
        group = QActionGroup(w)
        for action in group_actions:
            action.setCheckable(True)
            group.addAction(action)
    actions.cancel.setEnabled(False)
    actions.save.setEnabled(False)
    actions.save_as.setEnabled(False)
    actions.copy.setEnabled(False)
    return actions


def build_menus(w: MainWindow, a: WindowActions) -> None:
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    file_menu.addMenu(w.recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(a.save)
    file_menu.addAction(a.save_as)
    file_menu.addSeparator()
    file_menu.addAction(_action(w, "&Quit", w.close, (StandardKey.Quit, "Ctrl+Q")))
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([a.copy, a.paste])
    view_menu = bar.addMenu("&View")
    for action in (a.fit, *a.zoom_levels.values(), a.zoom_in, a.zoom_out):
        view_menu.addAction(action)
    view_menu.addSeparator()
    view_menu.addActions([a.side_by_side, a.split])
    view_menu.addSeparator()
    view_menu.addActions([a.nearest, a.bicubic])
    upscale_menu = bar.addMenu("&Upscale")
    upscale_menu.addActions([a.cancel, a.open_model])
    upscale_menu.addAction(_action(w, "&Reload Model List", w.reload_models, ("F5",)))
    tools_menu = bar.addMenu("&Tools")
    tools_menu.addActions([a.batch, a.finetune])
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(w, "&Keyboard Shortcuts", w.show_shortcuts, ("F1",)))
    help_menu.addAction(_action(w, "&About SRGAN Desktop", w.show_about))


def build_toolbar(w: MainWindow, a: WindowActions) -> QToolBar:
    bar = QToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.addActions([a.open, a.save_as, a.cancel])
    bar.addSeparator()
    bar.addActions([a.fit, a.zoom_levels[100], a.zoom_levels[200], a.zoom_levels[400]])
    bar.addSeparator()
    bar.addActions([a.side_by_side, a.split])
    bar.addWidget(w.filter_box)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    for text, widget in (("Model ", w.model_picker), ("  ", w.device_picker),
                         ("  ", w.precision_box), ("  ", w.tile_picker)):
        bar.addWidget(QLabel(text))
        bar.addWidget(widget)
    return bar
