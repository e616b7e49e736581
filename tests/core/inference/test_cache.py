"""The upscaler cache: one load per model and options, bounded, a replaced file reloaded, thread-safe."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from core.common.events import drain
from core.inference.cache import UpscalerCache
from core.inference.upscale import UpscaleOptions
from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.model_file import ModelFileError, save_model
from core.nets.config import GeneratorConfig
from tests.helpers.tiny import tiny_generator, tiny_model_file

CPU = InferenceOptions(device="cpu")


class CountingLoad:
    def __init__(self, delay: float = 0.0) -> None:
        self.loads: list[tuple[str, InferenceOptions]] = []
        self._delay = delay

    def __call__(self, path, options):
        time.sleep(self._delay)
        self.loads.append((path.name, options))
        return Upscaler(path, options)


def test_same_model_and_options_load_once(tmp_path):
    model = tiny_model_file(tmp_path)
    load = CountingLoad()
    cache = UpscalerCache(load=load)
    first = cache.get(model, CPU)
    assert cache.get(str(model), CPU) is first                  # a path as text is the same model
    other = cache.get(model, InferenceOptions(device="cpu", tile=32))
    assert other is not first and other.tile == 32
    assert len(load.loads) == 2
    assert first.device_type == "cpu" and first.channels == 3 and first.scale == 4


def test_least_recently_used_is_dropped_beyond_the_capacity(tmp_path):
    a, b, c = (tiny_model_file(tmp_path, name=name) for name in "abc")
    load = CountingLoad()
    cache = UpscalerCache(capacity=2, load=load)
    cache.get(a, CPU)
    cache.get(b, CPU)
    cache.get(a, CPU)          # a is now the most recent
    cache.get(c, CPU)          # drops b
    assert len(cache) == 2
    cache.get(a, CPU)
    cache.get(b, CPU)
    assert [name for name, _ in load.loads] == ["a.safetensors", "b.safetensors", "c.safetensors", "b.safetensors"]


def test_a_replaced_model_file_is_loaded_again_and_clear_forgets_all(tmp_path):
    model = tiny_model_file(tmp_path)
    load = CountingLoad()
    cache = UpscalerCache(load=load)
    first = cache.get(model, CPU)
    tiny_model_file(tmp_path, seed=1)                           # same name, new weights
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = cache.get(model, CPU)
    assert second is not first
    cache.clear()
    assert len(cache) == 0 and cache.get(model, CPU) is not second


def test_threads_asking_at_once_share_one_load(tmp_path):
    model = tiny_model_file(tmp_path)
    load = CountingLoad(delay=0.2)
    cache = UpscalerCache(load=load)
    got: list[Upscaler] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(model, CPU))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(load.loads) == 1 and len({id(u) for u in got}) == 1


def test_a_broken_model_is_an_error_and_not_cached(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    cache = UpscalerCache()
    with pytest.raises(ModelFileError):
        cache.get(bad, CPU)
    assert len(cache) == 0
    with pytest.raises(ValueError):
        UpscalerCache(capacity=0)


def test_a_blend_is_built_from_parents_loaded_once_and_its_ends_are_the_parents(tmp_path):
    faithful, realistic = tiny_model_file(tmp_path, "a", seed=0), tiny_model_file(tmp_path, "b", seed=1)
    cache = UpscalerCache(capacity=4)
    image = np.random.default_rng(0).random((12, 10, 3), dtype=np.float32)

    def result(model, detail=None):
        options = UpscaleOptions(model=str(model), inference=CPU, detail=detail, detail_with=str(realistic))
        return drain(cache.for_options(options).upscale(image))

    middle = UpscaleOptions(model=str(faithful), inference=CPU, detail=0.5, detail_with=str(realistic))
    assert cache.for_options(middle) is cache.for_options(middle)          # kept like a model
    assert np.array_equal(result(faithful, 0.0), result(faithful))
    assert np.array_equal(result(faithful, 1.0), result(realistic))
    assert not np.array_equal(result(faithful, 0.5), result(faithful))
    other = save_model(tiny_generator(3, GeneratorConfig(scale=4, num_blocks=2, width=8)),
                       tmp_path / "deeper.safetensors", name="deeper")
    with pytest.raises(ModelFileError, match="cannot be blended"):
        cache.for_options(UpscaleOptions(model=str(faithful), inference=CPU, detail=0.5, detail_with=str(other)))
