"""Turning a checkpoint into a library model file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from core.common.errors import first_line
from core.models.model_file import MODEL_SUFFIX, save_model
from core.nets.srresnet import SRResNet
from core.training.checkpoint import CheckpointError, load_checkpoint
from core.training.config import TrainConfig


def export_model(checkpoint: Path, destination: Path, *, name: str, title: str = "", description: str = "",
                 extra_provenance: dict[str, Any] | None = None) -> Path:
    """Write the checkpoint's generator (its EMA weights when present) as a self-describing model file.

    Raises CheckpointError for an unusable checkpoint, ValueError for a bad destination.
    """
    checkpoint, destination = Path(checkpoint), Path(destination)
    if destination.suffix != MODEL_SUFFIX:
        raise ValueError(f"{destination.name}: a model file must end in {MODEL_SUFFIX}")
    state = load_checkpoint(checkpoint)
    try:
        config = TrainConfig.from_dict(state["config"])
        model = SRResNet(config.generator)
        model.load_state_dict(state.get("ema") or state["generator"])
        seconds = round(float(state.get("seconds", 0.0)), 1)
        scores = _numbers(state.get("metrics") or {})
        metrics: dict[str, Any] = {"validation": scores} if scores else {}
        checks = state.get("validations")
        history = [_numbers(v) for v in checks if isinstance(v, dict)] if isinstance(checks, list) else []
        if history:     # PSNR (and NIQE) at every check: the run's perception-distortion curve
            metrics["validation_history"] = history
    except (ValueError, TypeError, KeyError, RuntimeError, AttributeError, OverflowError) as exc:
        raise CheckpointError(f"{checkpoint.name}: its generator cannot be rebuilt "
                              f"({first_line(exc)})") from None
    if not all(torch.isfinite(v).all() for v in model.state_dict().values() if v.is_floating_point()):
        raise CheckpointError(f"{checkpoint.name}: its generator's weights contain NaN or infinite values")
    provenance = {
        "trained_with": "SRGAN Desktop",
        "phase": config.phase,
        "content_loss": config.content_loss if config.phase == "gan" else "mse",
        "steps": state["step"],
        "seconds": seconds,
        "device": str(state.get("device", "")),
        "data": str(config.data_dir),
        "base_model": str(config.init_from) if config.init_from else None,
        "ema": state.get("ema") is not None,
        "batch_size": config.batch_size, "crop_size": config.crop_size, "lr": config.lr,
        "lr_drop_step": config.lr_drop_step, "photo_scale": config.photo_scale,
        "min_crop_detail": config.min_crop_detail,
        # How the LR crops were made: None for the papers' clean bicubic, else the real-world chain.
        "degradation": config.degradation.to_dict() if config.degradation is not None else None,
        **(_gan_losses(config) if config.phase == "gan" else {}),
        **(extra_provenance or {}),
    }
    return save_model(model.eval(), destination, name=name, title=title, description=description,
                      provenance=provenance, metrics=metrics)


def _gan_losses(config: TrainConfig) -> dict[str, Any]:
    """The GAN loss mix, so a model file says what made its texture."""
    return {"adversarial_weight": config.adversarial_weight, "pixel_weight": config.pixel_weight,
            "chroma_weight": config.chroma_weight, "texture_on": config.texture_on,
            "lattice_weight": config.lattice_weight}


def _numbers(values: Any) -> dict[str, float]:
    """The checkpoint's validation scores that are plain numbers: what a model file's JSON can hold."""
    if not isinstance(values, dict):
        raise TypeError("its metrics are not a table")
    return {str(k): float(v) for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
