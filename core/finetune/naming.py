"""Names of fine-tuned models: the file name a title becomes, whether it is free, a default suggestion.

A fine-tuned model goes into the user's model library (`core.common.paths.user_models_dir()`) as
`<slug>.safetensors`, where every model picker and `srgan upscale --model <slug>` find it.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.common.paths import user_models_dir
from core.models.model_file import MODEL_SUFFIX

MAX_NAME_LENGTH = 60


def model_slug(title: str) -> str:
    """A file-system-safe name: "Holiday photos (2024)" -> "holiday-photos-2024"."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.strip().lower()).strip("-")
    return slug[:MAX_NAME_LENGTH].strip("-")


def model_destination(title: str, models_dir: Path | None = None) -> Path:
    return (models_dir or user_models_dir()) / f"{model_slug(title)}{MODEL_SUFFIX}"


def name_problem(title: str, models_dir: Path | None = None) -> str:
    """Why a model name cannot be used, in one line; "" when it is fine."""
    if not title.strip():
        return "Give the model a name."
    if len(title.strip()) > MAX_NAME_LENGTH:
        return f"Use at most {MAX_NAME_LENGTH} characters."
    if not model_slug(title):
        return "Use at least one letter or digit in the name."
    if model_destination(title, models_dir).exists():
        return f"A model called \u201c{title.strip()}\u201d already exists; choose another name."
    return ""


def suggest_name(folder: Path | None, mode: str) -> str:
    """A default name from the photo folder that no model has yet: "Holiday (photo-realistic)"."""
    base = (folder.name if folder else "") or "My photos"
    words = "photo-realistic" if mode == "realistic" else "faithful"
    title, n = f"{base} ({words})", 2
    while model_destination(title).exists():
        title, n = f"{base} ({words}) {n}", n + 1
    return title
