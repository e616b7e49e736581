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
from typing import TYPE_CHECKING, Any

from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.blend import ModelBlend
from core.models.library import resolve_model

if TYPE_CHECKING:
    from core.inference.upscale import UpscaleOptions

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
        self._blend: tuple[tuple[Any, ...], ModelBlend] | None = None   # the last pair of parents, loaded

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
            return self._keep(key, upscaler)

    def for_options(self, options: UpscaleOptions) -> Upscaler:
        """The upscaler `options` ask for: their model, or its blend at `options.detail` (the detail slider).

        A blend is kept like a model, keyed by both parents and the weight. The last pair of
        parents stays loaded, so moving the slider builds a blend without reading the files again.
        Raises `ModelFileError` for a missing model or a pair that cannot be blended.
        """
        if options.detail is None:
            return self.get(options.model, options.inference)
        faithful, realistic = resolve_model(options.model), resolve_model(options.detail_with)
        parents = (_key(faithful, InferenceOptions()), _key(realistic, InferenceOptions()))
        key = ("blend", *parents, options.detail, options.inference)
        with self._lock:
            upscaler = self._entries.get(key)
            if upscaler is None:
                if self._blend is None or self._blend[0] != parents:
                    self._blend = (parents, ModelBlend.load(faithful, realistic))
                blend = self._blend[1]
                upscaler = Upscaler.from_generator(blend.at(options.detail), blend.info_at(options.detail),
                                                   options.inference)
            return self._keep(key, upscaler)

    def _keep(self, key: tuple[Any, ...], upscaler: Upscaler) -> Upscaler:
        """Store (or refresh) `key` as the most recently used entry, dropping the oldest beyond capacity."""
        self._entries[key] = upscaler
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
        return upscaler

    def clear(self) -> None:
        """Forget every loaded model (jobs already holding one keep using it)."""
        with self._lock:
            self._entries.clear()
            self._blend = None

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
