"""How fast this computer trains a given fine-tune: measured once, then remembered.

    timings = drain(speed_for(config, control), show)    # cached, or measured (a few seconds)

A measurement (`core.training.timing.time_training`: real networks, a few real steps, one
validation, one checkpoint) is stored in `user_data_dir()/finetune/speed.json` under a key of
everything that changes its numbers: the device (and what it is), the precision, the base model
file (path, size and modification time: a retrained file is measured anew), the networks' shapes,
the mode and its content loss, batch and crop size, the degradation of the crops, and whether
validation measures NIQE. A finished run writes the step time it really saw into its entry
(`note_run_speed`), so the next estimate for the same settings starts from experience.

The cache is a convenience: a damaged, unreadable or unwritable file counts as empty, never as an
error (the measurement simply runs again).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import asdict, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from core.common.atomic import write_bytes_atomically
from core.common.events import NEVER_CANCELLED, Control
from core.common.paths import user_data_dir
from core.training.config import TrainConfig
from core.training.timing import TimingProgress, Timings, time_training

CACHE_NAME = "speed.json"
CACHE_VERSION = 1
MAX_ENTRIES = 64
MEASURE_SECONDS = 3.0           # steps are timed for this long (3 at least, 20 at most): a CPU step is ~1 s


def cache_path() -> Path:
    return user_data_dir() / "finetune" / CACHE_NAME


def speed_key(config: TrainConfig) -> dict[str, Any]:
    """What decides a measurement's numbers (see the module doc), as plain JSON values."""
    from core.common.devices import choose_device
    from core.training.setup import resolve_precision

    choice = choose_device(config.device, "fp32")
    gan = config.phase == "gan"
    return {
        "device": str(choice.device), "device_name": choice.description,
        "precision": resolve_precision(config.precision, choice.device).name,
        "base_model": _file_stamp(config.init_from),
        "generator": config.generator.to_dict(),
        "discriminator": config.discriminator.to_dict() if gan else None,
        "phase": config.phase, "content_loss": config.content_loss if gan else "mse",
        "ema": config.use_ema, "batch_size": config.batch_size, "crop_size": config.crop_size,
        "degradation": config.degradation.to_dict() if config.degradation is not None else None,
        "niqe": config.selection_rule.needs_niqe,
    }


def _file_stamp(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        info = Path(path).stat()
    except OSError:
        return {"path": str(path)}
    return {"path": str(Path(path).resolve()), "size": info.st_size, "mtime_ns": info.st_mtime_ns}


def cached_speed(config: TrainConfig) -> Timings | None:
    """The remembered timings of `config`'s key, or None."""
    key = speed_key(config)
    for entry in _read_entries():
        if entry.get("key") == key:
            return _timings(entry.get("timings"))
    return None


def speed_for(config: TrainConfig, control: Control = NEVER_CANCELLED, remeasure: bool = False
              ) -> Generator[TimingProgress, None, Timings]:
    """The cached timings of `config`, or a measurement (its progress yielded) that is then cached."""
    if not remeasure:
        cached = cached_speed(config)
        if cached is not None:
            return cached
    timings = yield from time_training(config, control, min_seconds=MEASURE_SECONDS)
    _remember(speed_key(config), timings, "measured")
    return timings


def note_run_speed(config: TrainConfig, seconds_per_step: float) -> None:
    """A real run's step time replaces the measured one of its key (when that key is cached)."""
    if not seconds_per_step > 0:
        return
    key = speed_key(config)
    for entry in _read_entries():
        timings = _timings(entry.get("timings")) if entry.get("key") == key else None
        if timings is not None:
            _remember(key, replace(timings, seconds_per_step=float(seconds_per_step)), "run")
            return


def _remember(key: dict[str, Any], timings: Timings, source: str) -> None:
    entries = [e for e in _read_entries() if e.get("key") != key]
    entries.append({"key": key, "timings": asdict(timings), "source": source,
                    "when": datetime.now().isoformat(timespec="seconds")})
    text = json.dumps({"version": CACHE_VERSION, "entries": entries[-MAX_ENTRIES:]}, indent=1)
    try:
        write_bytes_atomically(cache_path(), text.encode("utf-8"))
    except OSError:
        pass                                # an unwritable cache only costs a measurement next time


def _read_entries() -> list[dict[str, Any]]:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return []
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return []
    entries = data.get("entries")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _timings(data: Any) -> Timings | None:
    """Timings from a cache entry, or None when any number is missing or not a positive finite value."""
    if not isinstance(data, dict):
        return None
    try:
        values = {f.name: data[f.name] for f in fields(Timings)}
        timings = Timings(**values)
    except (KeyError, TypeError):
        return None
    numbers = [getattr(timings, f.name) for f in fields(Timings) if f.type in ("float", float)]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1e9 for v in numbers):
        return None
    if not isinstance(timings.device, str) or not isinstance(timings.precision, str):
        return None
    return timings if timings.seconds_per_step > 0 else None
