"""What the fine-tune wizard's pages share: the photo scan, the choices and plan, the run, the outcome."""

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
    """How training ended, for the finish page; the scores are in the run's record."""

    best_checkpoint: Path | None = None
    steps: int = 0
    seconds: float = 0.0
    stopped_early: bool = False


@dataclass
class FineTuneSession:
    """Mutable state of one wizard; each page reads what earlier pages filled in."""

    train_overrides: dict[str, Any] = field(default_factory=dict)
    summary: PhotoSummary | None = None
    choices: FineTuneChoices | None = None
    recipe: FineTuneRecipe | None = None
    plan: BudgetPlan | None = None
    device_words: str = ""                   # the device in words, as the estimate named it
    base_title: str = ""
    resume: RunRecord | None = None          # the stored run the wizard was opened to continue
    run: RunRecord | None = None             # the run the training page trains (in the runs store)
    outcome: TrainingOutcome | None = None
    saved_model: Path | None = None

    def provenance(self) -> dict[str, Any]:
        """What the saved model records besides the run's own story (`core.finetune.finish`)."""
        record: dict[str, Any] = {"made_by": "SRGAN Desktop fine-tune wizard"}
        if self.recipe is not None and self.choices is not None:
            record.update(batch_size=self.recipe.batch_size, crop_size=self.recipe.crop_size,
                          lr=self.recipe.lr_for(self.choices.mode))
        if self.summary is not None:
            record.update(training_photos=len(self.summary.training),
                          validation_photos=list(self.summary.held_out_names()))
        if self.outcome is not None:
            record.update(steps=self.outcome.steps, seconds=round(self.outcome.seconds, 1),
                          stopped_early=self.outcome.stopped_early)
        return record
