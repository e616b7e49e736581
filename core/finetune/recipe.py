"""The fine-tune recipe: the training settings a fine-tune uses, in one place, and the user's choices.

    recipe = recipe_for("auto")                      # the defaults for this computer's device
    config = build_train_config(choices, recipe, plan, run_folder)

`FineTuneRecipe` holds what the user is not asked (learning rate and its drop, batch and crop
size, crop detail, photo scale, EMA...); `RECIPES` has one per device kind, so a GPU can train
with more than a CPU affords. `FineTuneChoices` holds what the user picked (photos, base model,
mode, what the photos are like, held-out photos, device), and a `BudgetPlan`
(`core.finetune.budget`) the step count and intervals. The wizard and `srgan finetune` both build
their `TrainConfig` here, so they train alike.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.training.degradations import DegradationConfig

if TYPE_CHECKING:
    from core.finetune.budget import BudgetPlan
    from core.training.config import TrainConfig

MODES = ("faithful", "realistic")
MODE_PHASE = {"faithful": "mse", "realistic": "gan"}
# What each mode keeps (core.training.selection): faithful the highest held-out PSNR, photo-realistic
# the most natural (lowest NIQE) result that keeps the base model's PSNR within 0.5 dB.
MODE_BEST_BY = {"faithful": "psnr", "realistic": "niqe"}


@dataclass(frozen=True)
class FineTuneRecipe:
    """Training settings of a fine-tune that the user is not asked about (tuned by experiment)."""

    lr: float = 2e-4                      # faithful (pixel loss): a short run gains from a high rate...
    lr_drop_at: float | None = 0.75       # ...dropped 10x for the last quarter (None: constant)
    realistic_lr: float = 1e-4            # photo-realistic (GAN): the paper's rate; D and G alike
    batch_size: int = 16
    crop_size: int = 96                   # HR crop edge (the paper's)
    min_crop_detail: float = 6.0          # redraw flat crops (sky, bokeh): +0.41 dB in a short run (README)
    photo_scale: float = 1.0              # shrink the photos first (1: as they are)
    # Weight averaging: off in both modes. At decay 0.999 a 500-step fine-tune's average is still 60%
    # the base model, so a photo-realistic fine-tune barely changed texture; the pixel term below, not
    # the average, now keeps the GAN's early grid away.
    ema: bool | None = False
    content_loss: str = "vgg54"           # photo-realistic mode's perceptual loss
    # Photo-realistic mode's other terms (README, "SRGAN" ablation: 300 GAN steps from the Faithful model,
    # Set14 PSNR / NIQE): the paper's 1e-3 adversarial alone 26.81 / 7.35 with a grid; + 1.0 x L1 pixel
    # 27.76 / 6.44, no grid; and 5e-3 adversarial 27.60 / 6.17, the first below the base's 6.41.
    realistic_pixel_weight: float = 1.0
    realistic_adversarial_weight: float = 5e-3
    # ...and the bundled SRGAN's (README, "The shipped model"): D and the VGG loss judge luma, an L1 chroma
    # term keeps colour on the photo's (no speckle), a lattice term keeps the x4 grid away.
    realistic_texture_on: str = "luma"
    realistic_chroma_weight: float = 5.0
    realistic_lattice_weight: float = 4.0
    freeze_batchnorm: bool = True         # keep the base model's BatchNorm statistics (core.training.batchnorm)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.crop_size < 16 or self.crop_size % 16:
            raise ValueError(f"batch size must be positive and the crop a multiple of 16, got "
                             f"{self.batch_size}, {self.crop_size}")
        if not (self.lr > 0 and self.realistic_lr > 0):
            raise ValueError("learning rates must be positive")
        if min(self.realistic_pixel_weight, self.realistic_adversarial_weight, self.realistic_chroma_weight,
               self.realistic_lattice_weight) < 0:
            raise ValueError("loss weights must not be negative")
        if self.lr_drop_at is not None and not 0 < self.lr_drop_at <= 1:
            raise ValueError(f"lr_drop_at must be in (0, 1], got {self.lr_drop_at}")

    def lr_for(self, mode: str) -> float:
        return self.realistic_lr if mode == "realistic" else self.lr


# One recipe per device kind; they start equal (the CPU's), to be tuned where a GPU affords more.
RECIPES: dict[str, FineTuneRecipe] = {"cpu": FineTuneRecipe(), "mps": FineTuneRecipe(), "cuda": FineTuneRecipe()}


def device_kind(device_key: str) -> str:
    """"cpu", "cuda" or "mps" for a device setting ("auto" resolves to this computer's choice)."""
    kind = device_key.split(":")[0]
    if kind == "auto":
        from core.common.devices import choose_device
        kind = choose_device("auto", "fp32").device.type
    return kind


def recipe_for(device_key: str) -> FineTuneRecipe:
    return RECIPES.get(device_kind(device_key), RECIPES["cpu"])


# What the wizard asks ("What are your photos like?"): the label shown, and how training crops are
# degraded so the model learns to undo what such photos suffer (core.training.degradations).
PHOTO_CONDITIONS: dict[str, tuple[str, DegradationConfig | None]] = {
    "clean": ("Clean (raw camera files, PNG, high-quality JPEG)", None),
    "compressed": ("Compressed (phone or web JPEG)",
                   DegradationConfig(blur_prob=0.3, noise_prob=0.2, noise_sigma=(1.0, 6.0), jpeg_quality=(30, 90),
                                     plain_prob=0.5)),
    "noisy": ("Noisy (low light, high ISO)",
              DegradationConfig(noise_prob=0.9, noise_sigma=(3.0, 25.0), jpeg_quality=(60, 95))),
    "scanned": ("Scanned (prints, film)",
                DegradationConfig(blur_prob=0.9, blur_sigma=(0.5, 2.5), noise_prob=0.6, noise_sigma=(2.0, 10.0),
                                  jpeg_quality=(75, 95))),
}


def degradation_for(photos: str) -> DegradationConfig | None:
    return PHOTO_CONDITIONS[photos][1]


def describe_degradation(config: DegradationConfig | None) -> str:
    """The advanced settings' line: what training does to the crops, in numbers."""
    if config is None:
        return "LR crops: clean bicubic downscale"
    return (f"LR crops: blur {config.blur_prob:.0%} (sigma {config.blur_sigma[0]:g}-{config.blur_sigma[1]:g} px), "
            f"noise {config.noise_prob:.0%} (sigma {config.noise_sigma[0]:g}-{config.noise_sigma[1]:g} levels), "
            f"JPEG quality {config.jpeg_quality[0]}-{config.jpeg_quality[1]}, "
            f"second pass {config.second_order:.0%}"
            + (f", plain resize-and-save path {config.plain_prob:.0%}" if config.plain_prob else ""))


@dataclass(frozen=True)
class FineTuneChoices:
    """What the user picked (wizard pages or `srgan finetune` options)."""

    data_dir: Path
    base_model: Path | None = None      # None: start from a fresh network
    mode: str = "faithful"              # "faithful" (MSE, SRResNet) or "realistic" (SRGAN)
    photos: str = "clean"               # what the photos are like: a key of PHOTO_CONDITIONS
    held_out: tuple[str, ...] = ()      # `PhotoSummary.held_out_names()`: the one hold-out rule's photos
    device: str = "auto"
    precision: str = "auto"
    seed: int = 0
    vgg_weights: Path | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.photos not in PHOTO_CONDITIONS:
            raise ValueError(f"photos must be one of {tuple(PHOTO_CONDITIONS)}, got {self.photos!r}")
        object.__setattr__(self, "held_out", tuple(self.held_out))


def base_generator_config(base_model: Path | None):
    """The architecture a fine-tune trains: the base model's own, or the paper's SRResNet."""
    from core.nets.config import GeneratorConfig
    if base_model is None:
        return GeneratorConfig()
    from core.models.model_file import ModelFileError, read_model_info
    from core.training.checkpoint import CheckpointError, is_checkpoint_file, load_checkpoint
    try:
        if is_checkpoint_file(Path(base_model)):
            return GeneratorConfig.from_dict(load_checkpoint(Path(base_model))["config"]["generator"])
        return read_model_info(base_model).arch_config
    except (ModelFileError, CheckpointError, KeyError, TypeError) as exc:  # one kind of error for the caller
        raise ValueError(f"the base model cannot be used: {exc}") from None


def build_train_config(choices: FineTuneChoices, recipe: FineTuneRecipe, plan: BudgetPlan, out_dir: Path,
                       overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The `TrainConfig` of a fine-tune; `overrides` (tests: tiny networks) apply last.

    `choices.held_out` must name the held-out photos (a scan's `PhotoSummary.held_out_names()`), so
    no caller can hold out photos by another rule; ValueError otherwise.
    """
    from core.training.config import TrainConfig

    if not choices.held_out:
        raise ValueError("no held-out photos chosen: scan the photo folder first")
    schedule = plan.schedule
    config = TrainConfig(
        data_dir=choices.data_dir, val_files=choices.held_out, val_count=len(choices.held_out),
        phase=MODE_PHASE[choices.mode], best_by=MODE_BEST_BY[choices.mode],
        generator=base_generator_config(choices.base_model), content_loss=recipe.content_loss,
        steps=schedule.steps, batch_size=recipe.batch_size, crop_size=recipe.crop_size,
        photo_scale=recipe.photo_scale, min_crop_detail=recipe.min_crop_detail,
        freeze_batchnorm=recipe.freeze_batchnorm and choices.base_model is not None,
        lr=recipe.lr_for(choices.mode), lr_drop_at=recipe.lr_drop_at, ema=recipe.ema,
        device=choices.device, precision=choices.precision,
        val_every=schedule.val_every, checkpoint_every=schedule.checkpoint_every,
        preview_every=schedule.preview_every, seed=choices.seed, init_from=choices.base_model,
        vgg_weights=choices.vgg_weights, out_dir=Path(out_dir), degradation=degradation_for(choices.photos))
    if choices.mode == "realistic":
        config = replace(config, pixel_weight=recipe.realistic_pixel_weight,
                         adversarial_weight=recipe.realistic_adversarial_weight,
                         texture_on=recipe.realistic_texture_on, chroma_weight=recipe.realistic_chroma_weight,
                         lattice_weight=recipe.realistic_lattice_weight)
    if overrides:
        config = replace(config, **overrides)
    return config
