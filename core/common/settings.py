"""Typed settings (frozen dataclasses) rebuilt from plain dicts: JSON files, checkpoints, model files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any


def refuse_unknown_fields(cls: type, data: Mapping[str, Any], what: str) -> None:
    """ValueError naming the keys of `data` that dataclass `cls` has no field for (a typo, a newer app).

    `what` names the settings in the message: "unknown generator settings: ['depth']".
    """
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what}: {sorted(unknown)}")
