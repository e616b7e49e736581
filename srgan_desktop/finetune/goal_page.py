"""Wizard page 2: the base model, what the photos are like, the goal, and how long to train.

The user picks a time, not a step count: the step time of these settings on this computer is
measured once (remembered: `core.finetune.speed`), `core.finetune.budget.plan_budget` turns the
minutes into steps, and the page shows the budget's one text. A budget too short to train in is
said in words and Next stays off. The advanced settings show the recipe's values; changing one
measures (or recalls) the new step time and plans again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from core.finetune.budget import BudgetPlan, RunSize, plan_budget, plan_for_steps
from core.finetune.recipe import (
    PHOTO_CONDITIONS,
    FineTuneChoices,
    FineTuneRecipe,
    build_train_config,
    degradation_for,
    describe_degradation,
)
from srgan_desktop.finetune.advanced import AdvancedSettings
from srgan_desktop.finetune.base_picker import BaseModelPicker
from srgan_desktop.finetune.budget_picker import BudgetPicker
from srgan_desktop.finetune.session import FineTuneSession
from srgan_desktop.finetune.speed_estimate import SpeedEstimate
from srgan_desktop.settings import AppSettings

FAITHFUL_TEXT = ("Sharp and true to the photo; never invents detail. Trains the SRResNet generator "
                 "with a pixel loss (MSE). Fastest, and needs nothing else.")
REALISTIC_TEXT = ("Invents plausible fine texture (hair, foliage, fabric) the way SRGAN does: a "
                  "perceptual loss on VGG19 features plus an adversarial critic. Slower to train.")
MISSING_VGG_TEXT = ("If no VGG19 weights are found, training stops before its first step and says "
                    "where to put them; \u201cFaithful\u201d needs none.")
MEASURE_DELAY_MS = 500         # settings typed digit by digit are measured once, when they rest


class GoalPage(QWizardPage):
    """Starting point, photo condition, goal, time budget, advanced settings; complete once planned."""

    def __init__(self, session: FineTuneSession, settings: AppSettings, base_model: Path | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self._settings = settings
        self._vgg_file: Path | None = None
        self.setTitle("Starting point, goal and time")
        self.setSubTitle("Pick the model to start from, the kind of result you want and how long to train.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Start Training")
        self._measure_soon = QTimer(self, singleShot=True, interval=MEASURE_DELAY_MS)
        self._measure_soon.timeout.connect(self._on_measure_due)
        self._build(settings.device, base_model)
        shown, changes = settings.finetune_advanced
        self.advanced.restore(changes)
        self.advanced_toggle.setChecked(shown)

    def _build(self, device: str, base_model: Path | None) -> None:
        content = QWidget()                 # scrolls on a small screen once the advanced settings are open
        layout = QVBoxLayout(content)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        form = QFormLayout()
        self.base = BaseModelPicker(base_model)
        self.base.changed.connect(self._on_settings_changed)
        form.addRow("Base model:", self.base)
        self.photos_combo = QComboBox()
        for key, (label, _config) in PHOTO_CONDITIONS.items():
            self.photos_combo.addItem(label, key)
        self.photos_combo.setToolTip("Training then shows the model photos that suffer the same way, so it "
                                     "learns to clean up compression, noise or scanning instead of sharpening it")
        self.photos_combo.currentIndexChanged.connect(self._on_photos_changed)
        form.addRow("Your photos are:", self.photos_combo)
        layout.addLayout(form)
        layout.addWidget(_heading("Goal"))
        self.faithful = QRadioButton("Faithful")
        self.realistic = QRadioButton("Photo-realistic")
        self.faithful.setChecked(True)
        self._modes = QButtonGroup(self)
        for button, text in ((self.faithful, FAITHFUL_TEXT), (self.realistic, REALISTIC_TEXT)):
            self._modes.addButton(button)
            layout.addWidget(button)
            layout.addWidget(_indented(text))
        self._modes.buttonToggled.connect(self._on_mode_changed)
        self.vgg_label = _indented("")
        self.vgg_button = QPushButton("Use a VGG19 Weights File\u2026")
        self.vgg_button.clicked.connect(self._on_choose_vgg)
        vgg_row = QHBoxLayout()
        vgg_row.addWidget(self.vgg_label, 1)
        vgg_row.addWidget(self.vgg_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(vgg_row)
        layout.addWidget(_heading("How long"))
        self.budget = BudgetPicker()
        self.budget.changed.connect(self._on_budget_changed)
        layout.addWidget(self.budget)
        self.estimate = SpeedEstimate()
        self.estimate.settled.connect(self._on_speed_settled)
        self.estimate.remeasure_requested.connect(self._on_remeasure_requested)
        layout.addWidget(self.estimate)
        self.advanced_toggle = QToolButton(text="Advanced settings", checkable=True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.toggled.connect(self._on_advanced_toggled)
        self.advanced_summary = _muted("")
        toggle_row = QHBoxLayout()
        toggle_row.addWidget(self.advanced_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        toggle_row.addWidget(self.advanced_summary, 1)
        layout.addLayout(toggle_row)
        self.advanced = AdvancedSettings(device)
        self.advanced.changed.connect(self._on_settings_changed)
        self.advanced.hide()
        layout.addWidget(self.advanced)
        layout.addStretch(1)
        self._update_vgg_text()
        self._show_context()

    # -- wizard hooks -----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self.base.refresh()
        summary = self._session.summary
        if summary is not None:
            self.advanced.set_max_crop(summary.largest_crop())
        self._show_context()
        self.measure()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        plan = self.plan()
        return not self.estimate.busy and not self._measure_soon.isActive() and plan is not None \
            and not plan.problem

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        choices, recipe, plan = self.choices(), self.recipe(), self.plan()
        if plan is None or plan.problem:
            return False
        try:  # refuse settings the trainer would refuse, while the user can still change them
            build_train_config(choices, recipe, plan, Path(tempfile.gettempdir()), self._session.train_overrides)
        except (ValueError, OSError) as exc:
            self.estimate.show_text(f"These settings cannot be used: {exc}", problem=True)
            return False
        self._session.choices, self._session.recipe, self._session.plan = choices, recipe, plan
        self._session.base_title = self.base.title()
        self._session.device_words = device_words(self.advanced.device_key)
        return True

    def cleanup(self) -> None:
        self._measure_soon.stop()
        self.estimate.cleanup()

    # -- what the run will be ---------------------------------------------------------------------
    def choices(self) -> FineTuneChoices:
        summary = self._session.summary
        return FineTuneChoices(
            data_dir=summary.folder if summary else Path("."), base_model=self.base.path(),
            mode=self._mode(), held_out=summary.held_out_names() if summary else (),
            precision=self.advanced.precision_key, device=self.advanced.device_key,
            vgg_weights=self._vgg_file, photos=self.photos_combo.currentData())

    def recipe(self) -> FineTuneRecipe:
        return self.advanced.recipe()

    def plan(self) -> BudgetPlan | None:
        """The steps the budget affords with the measured step time; None until it is known."""
        summary, timings = self._session.summary, self.estimate.timings
        if summary is None or timings is None:
            return None
        size = RunSize.of(summary, self.recipe().photo_scale, self.base.path() is not None)
        steps = self._session.train_overrides.get("steps")
        if steps:                                   # tests: a step count, as `srgan finetune --steps`
            return plan_for_steps(int(steps), timings, size)
        return plan_budget(self.budget.minutes(), timings, size)

    def _mode(self) -> str:
        return "realistic" if self.realistic.isChecked() else "faithful"

    # -- the estimate -----------------------------------------------------------------------------
    def measure(self, remeasure: bool = False) -> None:
        """Recall or measure the step time of the current settings (in the background)."""
        self._measure_soon.stop()
        if self._session.summary is None:
            self.estimate.show_text("Choose a photo folder first.")
            return
        try:
            config = build_train_config(self.choices(), self.recipe(), plan_for_steps(1),
                                        Path(tempfile.gettempdir()) / "srgan-bench", self._session.train_overrides)
        except ValueError as exc:
            self.estimate.show_text(f"These settings cannot be used: {exc}", problem=True)
            self.completeChanged.emit()
            return
        self.estimate.measure(config, remeasure)
        self.completeChanged.emit()

    def _show_plan(self) -> None:
        plan = self.plan()
        if plan is not None:
            self.estimate.show_plan(plan, device_words(self.advanced.device_key))
        self._show_context()
        self.completeChanged.emit()

    def _show_context(self) -> None:
        summary = self._session.summary
        self.advanced.show_context(self.plan(), len(summary.validation) if summary else 0,
                                   len(summary.usable) if summary else 0,
                                   describe_degradation(degradation_for(self.photos_combo.currentData())))
        self.advanced_summary.setText(self.advanced.summary())

    # -- slots ------------------------------------------------------------------------------------
    def _on_speed_settled(self) -> None:
        if not self._measure_soon.isActive():
            self._show_plan()

    def _on_measure_due(self) -> None:
        self.measure()

    def _on_remeasure_requested(self) -> None:
        self.measure(remeasure=True)

    def _on_budget_changed(self) -> None:
        """The step time is the same: plan again, nothing to measure."""
        self._show_plan()

    def _on_settings_changed(self) -> None:
        """The step time may differ: recall or measure it once the settings rest."""
        self._settings.finetune_advanced = (self.advanced_toggle.isChecked(), self.advanced.changed_values())
        self._show_context()
        self._measure_soon.start()
        self.completeChanged.emit()

    def _on_mode_changed(self, _button, checked: bool) -> None:
        if checked:
            self._update_vgg_text()
            self.advanced.set_mode(self._mode())
            self._on_settings_changed()

    def _on_photos_changed(self) -> None:
        self._on_settings_changed()

    def _on_advanced_toggled(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_summary.setVisible(not shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self._settings.finetune_advanced = (shown, self.advanced.changed_values())

    def _on_choose_vgg(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose VGG19 weights", str(Path.home()),
                                              "VGG19 weights (*.pth *.pt *.bin *.safetensors);;All files (*)")
        if name:
            self._vgg_file = Path(name)
            self._update_vgg_text()

    def _update_vgg_text(self) -> None:
        realistic = self.realistic.isChecked()
        self.vgg_label.setVisible(realistic)
        self.vgg_button.setVisible(realistic)
        source = _describe_vgg(self._vgg_file)
        self.vgg_label.setText(f"<b>VGG19 weights:</b> {source}. {MISSING_VGG_TEXT}")

def device_words(key: str) -> str:
    """A device setting in words, as the estimate names it: "CPU (8 threads)"."""
    from core.common.devices import choose_device
    try:
        return choose_device(key, "fp32").description
    except ValueError:
        return key


def _describe_vgg(user_file: Path | None) -> str:
    from core.training.vgg_loss import describe_vgg_source
    return _escape(describe_vgg_source(user_file).rstrip("."))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


def _indented(text: str) -> QLabel:
    label = _muted(text)
    label.setContentsMargins(24, 0, 0, 6)
    return label


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label
