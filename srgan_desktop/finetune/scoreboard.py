"""A run's scoreboard: every check of the held-out photos next to the base model and bicubic.

The row the selection rule keeps (`RunRecord.selection()`, the rule finishing follows) is
highlighted; when nothing beat the base model, the base model's row is the one kept. The same
table shows a live run (the training page), a stopped one (the finish page) and any stored run
(the runs list), so they never disagree about which step is best.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from core.finetune.runs import RunRecord, Score

COLUMNS = ("", "PSNR", "SSIM", "NIQE", "vs base", "vs bicubic")
NIQE_COLUMN, BASE_COLUMN = 3, 4
KEPT_BACKGROUND = QColor(46, 125, 50, 60)      # a light green that reads on light and dark palettes


class Scoreboard(QTableWidget):
    """Rows: the base model, bicubic, then each check by step; NIQE only for photo-realistic runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeaderItem(NIQE_COLUMN).setToolTip("Naturalness: lower looks more like a real photo")
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.kept_row: int | None = None
        self._shown_row = -1

    def show_run(self, run: RunRecord, follow_latest: bool = False) -> None:
        """Fill the table from `run`'s scores and highlight what its selection keeps; scrolled to that
        row, or with `follow_latest` (a run training now) to the newest check."""
        niqe = run.mode == "realistic" or any(s.niqe is not None for s in _all_scores(run))
        self.setColumnHidden(NIQE_COLUMN, not niqe)
        self.setColumnHidden(BASE_COLUMN, run.base is None)        # trained from an untrained network
        selection = run.selection()
        kept_step = selection.best.step if selection.best is not None and selection.improved else None
        rows: list[tuple[str, Score, bool]] = []
        if run.base is not None:
            rows.append(("Base model", run.base, kept_step is None and bool(run.scoreboard)))
        if run.bicubic is not None:
            rows.append(("Bicubic", run.bicubic, False))
        rows += [(f"Step {s.step:,}", s, s.step == kept_step) for s in run.scoreboard]
        self.setRowCount(len(rows))
        self.kept_row = None
        for row, (label, score, kept) in enumerate(rows):
            is_step = label.startswith("Step")
            self._fill(row, label + ("  \u2605 best" if kept else ""), score,
                       run.base if is_step else None, run.bicubic if is_step else None, kept)
            if kept:
                self.kept_row = row
        self._fit_width()
        self._shown_row = self.rowCount() - 1 if follow_latest or self.kept_row is None else self.kept_row
        self._scroll_to_shown_row()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._scroll_to_shown_row()          # filled before it was laid out: scroll once it has a size

    def _scroll_to_shown_row(self) -> None:
        if 0 <= self._shown_row < self.rowCount():
            self.scrollToItem(self.item(self._shown_row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

    def _fit_width(self) -> None:
        """As wide as its columns: the verdict beside it gets the rest of the row."""
        self.resizeColumnsToContents()
        columns = sum(self.columnWidth(c) for c in range(self.columnCount()) if not self.isColumnHidden(c))
        self.setFixedWidth(columns + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth())

    def _fill(self, row: int, label: str, score: Score, base: Score | None, bicubic: Score | None,
              kept: bool) -> None:
        cells = (label, f"{score.psnr:.2f} dB", _number(score.ssim, 4), _number(score.niqe, 2),
                 _gain(score, base), _gain(score, bicubic))
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if kept:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setBackground(QBrush(KEPT_BACKGROUND))
            self.setItem(row, column, item)

    def row_texts(self) -> list[list[str]]:
        """What the table shows, row by row (visible columns only): for tests and screen readers."""
        return [[self.item(r, c).text() for c in range(self.columnCount()) if not self.isColumnHidden(c)]
                for r in range(self.rowCount())]


def _all_scores(run: RunRecord) -> list[Score]:
    return [s for s in (*run.scoreboard, run.base, run.bicubic) if s is not None]


def _number(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _gain(score: Score, other: Score | None) -> str:
    return "" if other is None else f"{score.psnr - other.psnr:+.2f} dB"
