"""Loaded upscalers kept between jobs: loading a model and folding its BatchNorm takes a second or more.

One `UpscalerCache` serves every front end of a process (the main window, the batch window):
the same model file with the same inference options is loaded once. Entries are keyed by the
resolved model path, the file's size and modification time (a replaced file is loaded afresh)
and the `InferenceOptions`; the least recently used one is dropped beyond `capacity`.

Thread-safe: workers call `get` from their own threads. A load happens under the cache's lock,
so two workers asking for the same model wait for one load instead of doing two.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.library import resolve_model

DEFAULT_CAPACITY = 2   # e.g. the model in the main window and another one in a batch run


class UpscalerCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY,
                 load: Callable[[Path, InferenceOptions], Upscaler] = Upscaler) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._load = load
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[Any, ...], Upscaler] = OrderedDict()

    def get(self, model: str | Path | None, options: InferenceOptions = InferenceOptions()) -> Upscaler:
        """The upscaler for `model` (a path, a library name, or None for the default model).

        Raises `ModelFileError` for a missing or broken model, as `Upscaler` does.
        """
        path = resolve_model(None if model is None else str(model))
        key = _key(path, options)
        with self._lock:
            upscaler = self._entries.get(key)
            if upscaler is None:
                upscaler = self._load(path, options)
                self._entries[key] = upscaler
                while len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
            self._entries.move_to_end(key)
            return upscaler

    def clear(self) -> None:
        """Forget every loaded model (jobs already holding one keep using it)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _key(path: Path, options: InferenceOptions) -> tuple[Any, ...]:
    try:
        stat = path.stat()
        version: tuple[int, int] = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        version = (-1, -1)    # let the load report the missing file
    return (str(path.resolve()), version, options)


shared_upscalers = UpscalerCache()
"""The process's cache, shared by every window that upscales."""
