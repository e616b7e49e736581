"""What the fine-tune wizard's pages share: the photo scan, the choices, the run, the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.finetune.budget import BudgetPlan
from core.finetune.photos import PhotoSummary
from core.finetune.recipe import FineTuneChoices, FineTuneRecipe
from core.finetune.runs import RunRecord


@dataclass
class TrainingOutcome:
    """How the run ended, for the finish page and the saved model's metadata."""

    best_checkpoint: Path | None = None
    last_checkpoint: Path | None = None
    steps: int = 0
    seconds: float = 0.0
    stopped_early: bool = False
    validation: dict[str, float] = field(default_factory=dict)   # last psnr, ssim, bicubic, base


@dataclass
class FineTuneSession:
    """Mutable state of one wizard; each page reads what earlier pages filled in."""

    train_overrides: dict[str, Any] = field(default_factory=dict)
    summary: PhotoSummary | None = None
    choices: FineTuneChoices | None = None
    recipe: FineTuneRecipe | None = None
    plan: BudgetPlan | None = None
    base_title: str = ""
    resume: RunRecord | None = None          # the kept run the wizard was opened to continue
    run: RunRecord | None = None             # the run the training page trains (in the runs store)
    outcome: TrainingOutcome | None = None
    saved_model: Path | None = None

    def provenance(self) -> dict[str, Any]:
        """The saved model's provenance: where it came from and how it was trained."""
        choices, recipe = self.choices, self.recipe
        record: dict[str, Any] = {"made_by": "SRGAN Desktop fine-tune wizard"}
        if choices is not None:
            record.update(base_model=self.base_title or (choices.base_model.stem if choices.base_model
                                                          else "none (trained from scratch)"),
                          base_model_file=str(choices.base_model) if choices.base_model else None,
                          data_folder=str(choices.data_dir), mode=choices.mode)
        if recipe is not None and choices is not None:
            record.update(batch_size=recipe.batch_size, crop_size=recipe.crop_size, lr=recipe.lr_for(choices.mode))
        if self.summary is not None:
            record.update(training_photos=len(self.summary.training),
                          validation_photos=[p.name for p in self.summary.validation])
        if self.outcome is not None:
            record.update(steps=self.outcome.steps, seconds=round(self.outcome.seconds, 1),
                          stopped_early=self.outcome.stopped_early,
                          validation={k: round(v, 4) for k, v in self.outcome.validation.items()})
        return record
