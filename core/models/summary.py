"""What a model is, in words a user needs: what it is good for, how it was trained, how it scores.

`srgan info` prints these lines and the app's model picker shows them as a tooltip, so neither
shows development paths (checkpoint files, data folders) or raw JSON; `srgan info --json` keeps
the raw self-description for scripts.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from core.models.model_file import ModelInfo

BENCHMARKS = ("Set5", "Set14")


def summary_lines(info: ModelInfo) -> list[tuple[str, str]]:
    """(label, text) pairs, most important first; labels are short ("good for", "trained", "scores")."""
    config = info.arch_config
    lines = [("model", f"{info.display_name} ({info.name})"),
             ("network", f"{config.scale}x, SRResNet with {config.num_blocks} residual blocks x {config.width} "
                         f"channels, {'RGB' if config.channels == 3 else f'{config.channels} channels'}")]
    if info.description:
        lines.append(("good for", info.description))
    training = _training_words(info.provenance)
    if training:
        lines.append(("trained", training))
    degraded = _degradation_words(info.provenance.get("degradation"))
    if degraded:
        lines.append(("input", degraded))
    scores = _score_words(info.metrics)
    if scores:
        lines.append(("scores", scores))
    return lines


def summary_text(info: ModelInfo) -> str:
    return "\n".join(f"{label}: {text}" for label, text in summary_lines(info))


def _training_words(provenance: dict[str, Any]) -> str:
    blend = provenance.get("blend")
    if isinstance(blend, dict):
        return (f"a blend of {blend.get('faithful', {}).get('title', '?')} and "
                f"{blend.get('photo_realistic', {}).get('title', '?')} at detail {blend.get('weight', 0):.2f}")
    if not provenance.get("phase"):
        return ""
    kind = ("photo-realistic: perceptual (VGG) and adversarial losses" if provenance["phase"] == "gan"
            else "faithful: pixel-accurate (MSE) loss")
    steps = provenance.get("total_steps") or provenance.get("steps")
    hours = provenance.get("hours") or (provenance.get("seconds") or 0) / 3600
    parts = [kind]
    if steps:
        parts.append(f"{int(steps):,} steps" + (f" in {hours:.1f} h" if hours else "")
                     + (f" on {_device_words(provenance.get('device'))}" if provenance.get("device") else ""))
    photos = provenance.get("training_photos")
    if photos:
        parts.append(f"fine-tuned on {photos} of your photos")
    elif provenance.get("trained_with") == "SRGAN Desktop" and not provenance.get("base_model"):
        parts.append("openly licensed photographs (desktop wallpapers: landscapes, nature, cities)")
    elif provenance.get("trained_with") == "SRGAN Desktop":
        parts.append("openly licensed photographs (desktop wallpapers: landscapes, nature, cities), "
                     "continuing an earlier model")
    elif isinstance(provenance.get("data"), str) and provenance["data"]:
        parts.append(f"photos from a folder named '{PurePath(provenance['data']).name}'")
    return "; ".join(parts)


def _degradation_words(settings: Any) -> str:
    """A real-world model's training degradation (core.training.degradations settings, as stored)."""
    if not isinstance(settings, dict):
        return ""
    try:
        low, high = settings["jpeg_quality"]
        odds = [f"{name} {float(settings[key]):.0%}" for name, key in
                (("blur", "blur_prob"), ("noise", "noise_prob"), ("second pass", "second_order"))]
        plain = float(settings.get("plain_prob", 0.0))
    except (KeyError, TypeError, ValueError):
        return ""
    return (f"trained on degraded low-res crops: JPEG quality {low}-{high}; {', '.join(odds)}"
            + (f"; {plain:.0%} plain downscale and one JPEG save" if plain else ""))


def _device_words(device: Any) -> str:
    text = str(device)
    return {"cpu": "a CPU", "mps": "an Apple GPU"}.get(text, "an NVIDIA GPU" if text.startswith("cuda") else text)


def _score_words(metrics: dict[str, Any]) -> str:
    parts, niqe = [], False
    for bench in BENCHMARKS:
        scores = metrics.get(bench)
        if not isinstance(scores, dict) or "psnr" not in scores:
            continue
        text = f"{bench} {scores['psnr']:.2f} dB PSNR"
        if "ssim" in scores:
            text += f", SSIM {scores['ssim']:.3f}"
        if isinstance(scores.get("niqe"), (int, float)):
            text += f", NIQE {scores['niqe']:.2f}"
            niqe = True
        parts.append(text)
    if not parts:
        return ""
    return "; ".join(parts) + (" (lower NIQE = more natural)" if niqe else "")
