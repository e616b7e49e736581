"""The viewer area: an empty-state invitation (with the sample image), the side-by-side view or the split view.

Owns the shared `ViewerImages` and `ZoomController`; both views follow them, so switching
mode keeps zoom, pan and images.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from srgan_desktop.settings import VIEWER_MODES
from srgan_desktop.viewer.empty_state import EmptyState
from srgan_desktop.viewer.image_pane import ImagePane
from srgan_desktop.viewer.images import ViewerImages
from srgan_desktop.viewer.side_by_side import SideBySideView
from srgan_desktop.viewer.split_view import SplitView
from srgan_desktop.viewer.zoom import ZoomController


class Viewer(QStackedWidget):
    cursor_moved = Signal(object)   # QPointF in result pixels, or None
    mode_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images = ViewerImages(self)
        self.controller = ZoomController(self)
        self.empty_state = EmptyState()
        self.side_by_side = SideBySideView(self.images, self.controller)
        self.split = SplitView(self.images, self.controller)
        for widget in (self.empty_state, self.side_by_side, self.split):
            self.addWidget(widget)
        for pane in self.all_panes:
            pane.cursor_moved.connect(self.cursor_moved)
        self._mode = "side"
        self.images.original_changed.connect(self._on_original_changed)

    @property
    def all_panes(self) -> list[ImagePane]:
        return [*self.side_by_side.panes, self.split]

    @property
    def active_panes(self) -> list[ImagePane]:
        if self.images.empty:
            return []
        return self.side_by_side.panes if self._mode == "side" else [self.split]

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in VIEWER_MODES:
            raise ValueError(f"viewer mode must be one of {VIEWER_MODES}")
        changed = mode != self._mode
        self._mode = mode
        self._show_current()
        if changed:
            self.mode_changed.emit(mode)

    def _show_current(self) -> None:
        if self.images.empty:
            self.setCurrentWidget(self.empty_state)
        else:
            self.setCurrentWidget(self.side_by_side if self._mode == "side" else self.split)
        if self.controller.fitting:
            self.fit()
        for pane in self.active_panes:
            pane.refresh()

    def _on_original_changed(self) -> None:
        size = self.images.size
        previous = self.controller.image_size
        self.controller.set_image_size(size)
        self._show_current()
        if previous != self.controller.image_size:
            self.fit()

    # -- zoom commands ----------------------------------------------------------------------
    def viewport_size(self) -> QSize:
        """The viewing area in physical pixels (the unit of the controller's scale)."""
        panes = self.active_panes
        if not panes:
            return QSize(0, 0)
        return panes[0].viewport().size() * panes[0].device_ratio()

    def fit(self) -> None:
        self.controller.fit(self.viewport_size())

    def set_zoom(self, scale: float) -> None:
        self.controller.set_scale(scale)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.controller.fitting:
            self.fit()

    def visible_source_box(self) -> tuple[int, int, int, int] | None:
        """The part of the original the user is looking at, in source pixels (x0, y0, x1, y1)."""
        panes = self.active_panes
        if not panes:
            return None
        rect = panes[-1].visible_scene_rect()
        s = self.images.scale
        source = self.images.original
        x0, y0 = max(0, int(rect.left() // s)), max(0, int(rect.top() // s))
        x1 = min(source.width(), int(-(-rect.right() // s)))
        y1 = min(source.height(), int(-(-rect.bottom() // s)))
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def show_preview(self, box: tuple[int, int, int, int], image) -> None:
        s = self.images.scale
        x0, y0, x1, y1 = box
        self.images.add_preview(QRect(x0 * s, y0 * s, (x1 - x0) * s, (y1 - y0) * s), image)

    def focus_image(self) -> None:
        """Give the keyboard to the image (arrow keys pan), e.g. after a toolbar box was used."""
        panes = self.active_panes
        if panes:
            panes[-1].setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def center_on(self, point: QPointF) -> None:
        self.controller.center_on(point)
