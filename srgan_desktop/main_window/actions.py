"""The main window's actions, menus and toolbar: every command has a menu entry and a shortcut.

The actions trigger `WindowCommands`, which the main window provides; this module never imports
the window (it is built from here, not the other way round).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QMenuBar, QSizePolicy, QToolBar, QWidget

from srgan_desktop.viewer.area import Viewer

StandardKey = QKeySequence.StandardKey


class WindowCommands(Protocol):
    """What the actions of the main window do (MainWindow implements it)."""

    def open_dialog(self) -> object: ...
    def paste(self) -> object: ...
    def copy_result(self) -> object: ...
    def save(self) -> object: ...
    def save_as(self) -> object: ...
    def cancel(self) -> object: ...
    def set_zoom(self, scale: float) -> object: ...
    def set_viewer_mode(self, mode: str) -> object: ...
    def set_original_filter(self, name: str) -> object: ...
    def open_model_file(self) -> object: ...
    def reload_models(self) -> object: ...
    def open_batch_window(self) -> object: ...
    def open_finetune_wizard(self) -> object: ...
    def show_shortcuts(self) -> object: ...
    def show_about(self) -> object: ...
    def close(self) -> object: ...


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
    quit: QAction
    reload_models: QAction
    shortcuts: QAction
    about: QAction


def _action(window: QWidget, text: str, slot: Callable[[], object], shortcuts=(), tip: str = "") -> QAction:
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


def build_actions(w: QWidget, c: WindowCommands, v: Viewer) -> WindowActions:
    """The actions, owned by window `w` (so their shortcuts work without a menu bar)."""
    levels = {pct: _action(w, f"{pct}%", lambda p=pct: c.set_zoom(p / 100), (f"Ctrl+{pct // 100}",),
                           f"Zoom to {pct}%: one result pixel is {pct // 100} screen pixel(s)")
              for pct in (100, 200, 400, 800)}
    actions = WindowActions(
        open=_action(w, "&Open…", c.open_dialog, (StandardKey.Open,), "Open images to upscale"),
        paste=_action(w, "&Paste Image", c.paste, (StandardKey.Paste,), "Upscale the image on the clipboard"),
        copy=_action(w, "&Copy Result", c.copy_result, (StandardKey.Copy,), "Copy the result to the clipboard"),
        save=_action(w, "&Save", c.save, (StandardKey.Save,), "Save the result"),
        save_as=_action(w, "Save &As…", c.save_as, ("Ctrl+Shift+S",), "Save the result under a new name or format"),
        cancel=_action(w, "&Cancel", c.cancel, ("Esc",), "Stop upscaling and drop the waiting images"),
        fit=_action(w, "&Fit", v.fit, ("Ctrl+0",), "Fit the whole image in the window"),
        zoom_in=_action(w, "Zoom &In", v.controller.zoom_in, (StandardKey.ZoomIn, "Ctrl+=")),
        zoom_out=_action(w, "Zoom &Out", v.controller.zoom_out, (StandardKey.ZoomOut,)),
        zoom_levels=levels,
        side_by_side=_action(w, "&Side by Side", lambda: c.set_viewer_mode("side"), ("Ctrl+Shift+1",),
                             "Original and result side by side"),
        split=_action(w, "S&plit Slider", lambda: c.set_viewer_mode("split"), ("Ctrl+Shift+2",),
                      "One view with a draggable divider between original and result"),
        nearest=_action(w, "Original: &Nearest", lambda: c.set_original_filter("nearest"), ("Ctrl+Shift+N",),
                        "Show the original enlarged with nearest neighbour (its real pixels)"),
        bicubic=_action(w, "Original: &Bicubic", lambda: c.set_original_filter("bicubic"), ("Ctrl+Shift+B",),
                        "Show the original enlarged with bicubic interpolation"),
        open_model=_action(w, "Use a &Model File…", c.open_model_file, ("Ctrl+Shift+M",),
                           "Upscale with a .safetensors model file from disk"),
        batch=_action(w, "&Batch Process Folders…", c.open_batch_window, ("Ctrl+B",)),
        finetune=_action(w, "&Fine-tune on My Photos…", c.open_finetune_wizard, ("Ctrl+T",)),
        quit=_action(w, "&Quit", c.close, (StandardKey.Quit, "Ctrl+Q")),
        reload_models=_action(w, "&Reload Model List", c.reload_models, ("F5",)),
        shortcuts=_action(w, "&Keyboard Shortcuts", c.show_shortcuts, ("F1",)),
        about=_action(w, "&About SRGAN Desktop", c.show_about),
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


def build_menus(bar: QMenuBar, a: WindowActions, recent_menu: QMenu) -> None:
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    file_menu.addMenu(recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(a.save)
    file_menu.addAction(a.save_as)
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
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
    upscale_menu.addAction(a.reload_models)
    tools_menu = bar.addMenu("&Tools")
    tools_menu.addActions([a.batch, a.finetune])
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([a.shortcuts, a.about])


def build_toolbar(a: WindowActions, filter_box: QWidget, pickers: list[tuple[str, QWidget]]) -> QToolBar:
    """The toolbar: file and view actions, then the `(label, widget)` pickers at the right."""
    bar = QToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.addActions([a.open, a.save_as, a.cancel])
    bar.addSeparator()
    bar.addActions([a.fit, a.zoom_levels[100], a.zoom_levels[200], a.zoom_levels[400]])
    bar.addSeparator()
    bar.addActions([a.side_by_side, a.split])
    bar.addWidget(filter_box)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    for text, widget in pickers:
        bar.addWidget(QLabel(text))
        bar.addWidget(widget)
    return bar
