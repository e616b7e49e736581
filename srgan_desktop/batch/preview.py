"""What a planned batch will do: counts, pixels, estimated time and disk space, and the file list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from core.batch.estimate import BatchEstimate
from core.batch.runner import BatchPlan
from core.common.formatting import format_duration

MAX_ROWS = 2000   # the list is a preview; the counts above it are always complete


class BatchPreview(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Add image files or folders to see what will be processed.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["File", "Size", "Will be written to / why not"])
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setUniformRowHeights(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self._plan: BatchPlan | None = None
        self._estimate_text = ""

    def set_message(self, text: str) -> None:
        self._plan = None
        self.summary.setText(text)
        self.table.clear()

    def set_plan(self, plan: BatchPlan) -> None:
        self._plan, self._estimate_text = plan, "Estimating time…" if plan.pending else ""
        self.table.clear()
        items = []
        for job in plan.jobs[:MAX_ROWS]:
            note = "already done: skipped" if job.exists and plan.options.existing == "skip" else ""
            item = QTreeWidgetItem([job.source.name, f"{job.width}×{job.height}",
                                    note or str(job.destination)])
            item.setToolTip(0, str(job.source))
            items.append(item)
        for source, reason in plan.problems[:MAX_ROWS]:
            item = QTreeWidgetItem([source.name, "", reason])
            item.setToolTip(0, str(source))
            item.setForeground(2, Qt.GlobalColor.darkRed)
            items.append(item)
        self.table.addTopLevelItems(items)
        self._refresh()

    def set_estimate(self, estimate: BatchEstimate | None, problem: str = "") -> None:
        if estimate is not None:
            took = format_duration(estimate.seconds, rounded=True)
            self._estimate_text = (f"It will take {took} on {estimate.device} "
                                   f"and write about {_size(estimate.output_bytes)}.")
        else:
            self._estimate_text = problem
        self._refresh()

    def _refresh(self) -> None:
        plan = self._plan
        if plan is None:
            return
        pending = plan.pending
        parts = [f"{len(pending)} image{'s' if len(pending) != 1 else ''} to upscale "
                 f"({plan.pending_pixels / 1e6:.1f} megapixels)."]
        done = len(plan.jobs) - len(pending)
        if done:
            parts.append(f"{done} already done and skipped.")
        if plan.problems:
            parts.append(f"{len(plan.problems)} file{'s' if len(plan.problems) != 1 else ''} cannot be used "
                         "(listed below).")
        if not plan.jobs and not plan.problems:
            parts = ["No images found in these inputs."]
        self.summary.setText(" ".join(parts + ([self._estimate_text] if self._estimate_text else [])))


def _size(count: int) -> str:
    for unit, limit in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= limit:
            return f"{count / limit:.1f} {unit}"
    return f"{count} bytes"
