"""The main window's actions, menus and toolbar: every command has a menu entry and a shortcut.

The actions trigger `WindowCommands`, which the main window provides; this module never imports
the window (it is built from here, not the other way round).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QToolBar, QWidget

from srgan_desktop.viewer.area import Viewer

StandardKey = QKeySequence.StandardKey


class WindowCommands(Protocol):
    """What the actions of the main window do (MainWindow implements it)."""

    def open_dialog(self) -> object: ...
    def open_sample(self) -> object: ...
    def rerun(self) -> object: ...
    def set_compare(self, on: bool) -> object: ...
    def set_overlay(self, on: bool) -> object: ...
    def set_auto_save(self, on: bool) -> object: ...
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
    def open_finetune_runs(self) -> object: ...
    def show_shortcuts(self) -> object: ...
    def show_about(self) -> object: ...
    def close(self) -> object: ...


@dataclass
class WindowActions:
    open: QAction
    sample: QAction
    rerun: QAction
    compare: QAction
    overlay: QAction
    auto_save: QAction
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
    finetune_runs: QAction
    quit: QAction
    reload_models: QAction
    shortcuts: QAction
    about: QAction


def _action(window: QWidget, text: str, slot: Callable[[], object], shortcuts=(), tip: str = "") -> QAction:
    action = QAction(text, window)
    keys: list[QKeySequence] = []
    for shortcut in shortcuts:
        # A platform's standard key may have several bindings (or none); a binding listed twice
        # (StandardKey.Quit is Ctrl+Q on Linux) makes Qt call the shortcut ambiguous and do nothing.
        found = [QKeySequence(shortcut)] if isinstance(shortcut, str) else QKeySequence.keyBindings(shortcut)
        keys.extend(k for k in found if not k.isEmpty() and k not in keys)
    if keys:
        action.setShortcuts(keys)
    plain = text.replace("&", "").replace("…", "")
    hint = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
    action.setToolTip(f"{tip or plain} ({hint})" if hint else (tip or plain))
    action.setStatusTip(tip or plain)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)   # shortcuts work even when the menu bar is hidden
    return action


def _checkable(window: QWidget, text: str, slot: Callable[[bool], object], shortcuts=(), tip: str = "") -> QAction:
    action = _action(window, text, lambda: None, shortcuts, tip)
    action.setCheckable(True)
    action.toggled.connect(slot)
    return action


def build_actions(w: QWidget, c: WindowCommands, v: Viewer) -> WindowActions:
    """The actions, owned by window `w` (so their shortcuts work without a menu bar)."""
    levels = {pct: _action(w, f"{pct}%", lambda p=pct: c.set_zoom(p / 100), (f"Ctrl+{pct // 100}",),
                           f"Zoom to {pct}%: one result pixel is {pct // 100} screen pixel(s)")
              for pct in (100, 200, 400, 800)}
    actions = WindowActions(
        open=_action(w, "&Open…", c.open_dialog, (StandardKey.Open,), "Open images to upscale"),
        sample=_action(w, "Open the Sa&mple Image", c.open_sample, (), "Upscale the photo that comes with the app"),
        rerun=_action(w, "&Re-run", c.rerun, ("Ctrl+R",),
                      "Upscale the shown image again with the current model and settings"),
        compare=_checkable(w, "&Compare Two Models", c.set_compare, ("Ctrl+Shift+3",),
                           "Show another model's result beside this one (pick it under Compare with)"),
        overlay=_checkable(w, "&Invented-Detail Map", c.set_overlay, ("Ctrl+I",),
                           "Tint the result where it departs from what the input supports"),
        auto_save=_checkable(w, "Save Next to the Source &Automatically", c.set_auto_save, (),
                             "Save each finished result beside its source (photo.jpg -> photo_x4.jpg)"),
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
        finetune_runs=_action(w, "Fine-&Tunes…", c.open_finetune_runs, ("Ctrl+Shift+T",),
                              "Every fine-tune run: resume, finish or delete it"),
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
    # Short toolbar labels; menus and the F1 list keep the full names.
    for action, short in ((actions.compare, "Compare"), (actions.overlay, "Detail Map"),
                          (actions.side_by_side, "Side by Side"), (actions.split, "Split")):
        action.setIconText(short)
    for action in (actions.cancel, actions.save, actions.save_as, actions.copy, actions.rerun):
        action.setEnabled(False)
    return actions


def build_menus(bar: QMenuBar, a: WindowActions, recent_menu: QMenu, extra_view_actions: tuple = ()) -> None:
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a.open, a.sample])
    file_menu.addMenu(recent_menu)
    file_menu.addSeparator()
    file_menu.addActions([a.save, a.save_as, a.auto_save])
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
    view_menu.addActions([a.compare, a.overlay])
    view_menu.addSeparator()
    view_menu.addActions([a.nearest, a.bicubic])
    for action in extra_view_actions:
        view_menu.addAction(action)
    upscale_menu = bar.addMenu("&Upscale")
    upscale_menu.addActions([a.rerun, a.cancel, a.open_model])
    upscale_menu.addAction(a.reload_models)
    tools_menu = bar.addMenu("&Tools")
    tools_menu.addActions([a.batch, a.finetune, a.finetune_runs])
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([a.shortcuts, a.about])


def build_toolbar(a: WindowActions, filter_box: QWidget) -> QToolBar:
    """The toolbar: file, run and view actions (the model and how it runs are in the settings panel)."""
    bar = QToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.addActions([a.open, a.save, a.save_as])
    bar.addSeparator()
    bar.addActions([a.rerun, a.cancel])
    bar.addSeparator()
    bar.addActions([a.fit, a.zoom_levels[100], a.zoom_levels[200], a.zoom_levels[400]])
    bar.addSeparator()
    bar.addActions([a.side_by_side, a.split, a.compare, a.overlay])
    bar.addWidget(filter_box)
    return bar
