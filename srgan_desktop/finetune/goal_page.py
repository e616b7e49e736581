"""Wizard page 2: base model, the kind of result wanted, advanced settings and a measured estimate."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from core.finetune.budget import BudgetPlan, RunSize, budget_text, plan_for_steps
from core.finetune.recipe import (
    PHOTO_CONDITIONS,
    FineTuneChoices,
    FineTuneRecipe,
    build_train_config,
    degradation_for,
    describe_degradation,
)
from core.finetune.speed import speed_for
from core.models.library import list_models
from core.training.timing import Timings
from srgan_desktop.background import Job, WorkFailed, async_slot, run_in_background
from srgan_desktop.finetune.advanced import AdvancedSettings
from srgan_desktop.finetune.session import FineTuneSession

FAITHFUL_TEXT = ("Sharp and true to the photo; never invents detail. Trains the SRResNet generator "
                 "with a pixel loss (MSE). Fastest, and needs nothing else.")
REALISTIC_TEXT = ("Invents plausible fine texture (hair, foliage, fabric) the way SRGAN does: a "
                  "perceptual loss on VGG19 features plus an adversarial critic. Slower to train.")
MISSING_VGG_TEXT = ("If no VGG19 weights are found, training stops before its first step and says "
                    "where to put them; \u201cFaithful\u201d needs none.")
REMEASURE_DELAY_MS = 700


class GoalPage(QWizardPage):
    """Starting point, mode (faithful / photo-realistic), advanced settings, time estimate."""

    def __init__(self, session: FineTuneSession, device: str = "auto", base_model: Path | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self._session = session
        self._preferred_base = base_model
        self._vgg_file: Path | None = None
        self._bench: Job | None = None
        self._bench_wanted = False
        self.seconds_per_step: float | None = None
        self.timings: Timings | None = None
        self.setTitle("Starting point and goal")
        self.setSubTitle("Pick the model to start from and the kind of result you want.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Start Training")
        self._remeasure = QTimer(self, singleShot=True, interval=REMEASURE_DELAY_MS)
        self._remeasure.timeout.connect(self.measure)
        self._build(device)

    def _build(self, device: str) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.base_combo = QComboBox()
        self.base_combo.currentIndexChanged.connect(self._on_base_changed)
        self.base_details = QLabel()
        self.base_details.setWordWrap(True)
        self.base_details.setStyleSheet("color: palette(placeholder-text);")
        form.addRow("Base model:", self.base_combo)
        form.addRow("", self.base_details)
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
        self.advanced_toggle = QToolButton(text="Advanced settings", checkable=True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.toggled.connect(self._on_advanced_toggled)
        self.advanced_summary = QLabel()
        self.advanced_summary.setStyleSheet("color: palette(placeholder-text);")
        toggle_row = QHBoxLayout()
        toggle_row.addWidget(self.advanced_toggle)
        toggle_row.addWidget(self.advanced_summary)
        toggle_row.addStretch(1)
        layout.addLayout(toggle_row)
        self.advanced = AdvancedSettings(device)
        self.advanced.apply_recommended(device)
        self.advanced.changed.connect(self._on_settings_changed)
        self.advanced.steps_changed.connect(self._on_steps_changed)
        self.advanced.hide()
        layout.addWidget(self.advanced)
        self.degradation_label = QLabel(describe_degradation(None))
        self.degradation_label.setWordWrap(True)
        self.degradation_label.setStyleSheet("color: palette(placeholder-text);")
        self.degradation_label.hide()
        layout.addWidget(self.degradation_label)
        layout.addStretch(1)
        estimate_row = QHBoxLayout()
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        self.measure_button = QPushButton("Measure Again")
        self.measure_button.clicked.connect(self.measure)
        estimate_row.addWidget(self.estimate_label, 1)
        estimate_row.addWidget(self.measure_button)
        layout.addLayout(estimate_row)
        self._update_vgg_text()
        self.advanced_summary.setText(self.advanced.summary())

    # -- wizard hooks -----------------------------------------------------------------------------
    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        self._fill_base_models()
        summary = self._session.summary
        if summary is not None:
            self.advanced.set_max_crop(summary.largest_crop())
        self.measure()

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        choices, recipe, plan = self.choices(), self.recipe(), self.plan()
        try:  # refuse settings the trainer would refuse, while the user can still change them
            build_train_config(choices, recipe, plan, Path(tempfile.gettempdir()), self._session.train_overrides)
        except (ValueError, OSError) as exc:
            self.estimate_label.setText(f"<b>These settings cannot be used:</b> {_escape(str(exc))}")
            return False
        self._session.choices, self._session.recipe, self._session.plan = choices, recipe, plan
        self._session.base_title = self.base_combo.currentText() if self.base_combo.currentData() else ""
        return True

    def choices(self) -> FineTuneChoices:
        summary = self._session.summary
        values = self.advanced.values()
        return FineTuneChoices(
            data_dir=summary.folder if summary else Path("."), base_model=self.base_combo.currentData(),
            mode=self._mode(), held_out=summary.held_out_names() if summary else (),
            precision=values.precision, device=values.device,
            vgg_weights=self._vgg_file, photos=self.photos_combo.currentData())

    def recipe(self) -> FineTuneRecipe:
        return self.advanced.recipe(self._mode())

    def plan(self) -> BudgetPlan:
        """The run's steps from the form, with their time by the budget's one cost model."""
        summary = self._session.summary
        size = RunSize.of(summary, self.recipe().photo_scale, self.base_combo.currentData() is not None) \
            if summary else None
        return plan_for_steps(self.advanced.steps.value(), self.timings, size)

    def _mode(self) -> str:
        return "realistic" if self.realistic.isChecked() else "faithful"

    def cleanup(self) -> None:
        self._remeasure.stop()
        self._bench_wanted = False
        if self._bench is not None:
            self._bench.stop()

    # -- estimate ---------------------------------------------------------------------------------
    @async_slot()
    async def measure(self) -> None:
        """Time a few real training steps with the current settings (in the background)."""
        if self._session.summary is None:
            self.estimate_label.setText("Choose a photo folder first.")
            return
        if self._bench is not None:
            self._bench_wanted = True  # measure again once the running measurement ends
            return
        self._bench_wanted = False
        self._remeasure.stop()
        try:
            config = build_train_config(self.choices(), self.recipe(), plan_for_steps(1),
                                        Path(tempfile.gettempdir()) / "srgan-bench", self._session.train_overrides)
        except ValueError as exc:
            self.estimate_label.setText(f"These settings cannot be used: {exc}")
            return
        self.estimate_label.setText("Measuring how fast this computer trains with these settings\u2026")
        self.measure_button.setEnabled(False)
        self._bench = run_in_background(lambda control: speed_for(config, control))
        try:
            timings = await self._bench
        except WorkFailed as failure:
            self.seconds_per_step = self.timings = None
            self.estimate_label.setText(f"Could not measure the training speed: {failure.message}")
        else:
            if not (self._bench_wanted or self._remeasure.isActive()):   # else the settings changed meanwhile
                self.timings, self.seconds_per_step = timings, timings.seconds_per_step
                self._show_estimate()
        finally:
            self._bench = None
            self.measure_button.setEnabled(True)
        if self._bench_wanted:
            self.measure()

    def _show_estimate(self) -> None:
        device = _device_words(self.advanced.device.currentData())
        self.estimate_label.setText(f"<b>Estimated time:</b> {_escape(budget_text(self.plan(), device))}")

    # -- slots ------------------------------------------------------------------------------------
    def _on_settings_changed(self) -> None:
        self.seconds_per_step = self.timings = None
        self.advanced_summary.setText(self.advanced.summary())
        self._remeasure.start()

    def _on_steps_changed(self) -> None:
        """The time per step is unchanged: scale the estimate, no new measurement."""
        self.advanced_summary.setText(self.advanced.summary())
        if self.seconds_per_step is not None and self._bench is None:
            self._show_estimate()

    def _on_mode_changed(self, _button, checked: bool) -> None:
        if checked:
            self._update_vgg_text()
            self.advanced.show_rate_of(self._mode())
            self._on_settings_changed()

    def _on_base_changed(self) -> None:
        path = self.base_combo.currentData()
        self.base_details.setText(_model_details(path))
        self._on_settings_changed()

    def _on_photos_changed(self) -> None:
        self.degradation_label.setText(describe_degradation(degradation_for(self.photos_combo.currentData())))
        self._on_settings_changed()

    def _on_advanced_toggled(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.degradation_label.setVisible(shown)
        self.advanced_summary.setVisible(not shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

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

    def _fill_base_models(self) -> None:
        current = self.base_combo.currentData() or self._preferred_base
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        entries, _problems = list_models()
        for entry in entries:
            label = entry.info.display_name + (" (bundled)" if entry.bundled else "")
            self.base_combo.addItem(label, entry.path)
        self.base_combo.addItem("None \u2014 start from an untrained network", None)
        index = self.base_combo.findData(current) if current else 0
        self.base_combo.setCurrentIndex(max(0, index))
        self.base_combo.blockSignals(False)
        self.base_details.setText(_model_details(self.base_combo.currentData()))


def _device_words(key: str) -> str:
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


def _model_details(path: Path | None) -> str:
    if path is None:
        return ("Trains the paper's SRResNet from random weights: needs many more steps and photos "
                "than fine-tuning an existing model.")
    entries, _ = list_models()
    info = next((e.info for e in entries if e.path == path), None)
    if info is None:
        return ""
    parts = [f"{info.scale}x"]
    if info.description:
        parts.append(info.description)
    return " \u00b7 ".join(parts)


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


def _indented(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setContentsMargins(24, 0, 0, 6)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label
