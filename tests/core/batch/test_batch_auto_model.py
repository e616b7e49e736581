"""Automatic per image: each file of a batch gets the model `recommend` suggests, or the run's own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from core.batch.model_choice import NOT_INSTALLED, NOTHING_TO_REPAIR, ModelChosen
from core.batch.runner import BatchOptions, plan_batch, run_batch
from core.common import paths
from core.common.events import Cancelled, Control, ImageDone, ImageFailed, ImageSkipped, TileDone, drain
from core.inference.cache import UpscalerCache
from core.inference.recommend import REAL_WORLD_MODEL
from core.inference.upscale import UpscaleOptions
from core.inference.upscaler import InferenceOptions, Upscaler
from tests.helpers.images import write_damaged_png, write_image, write_smooth_photo
from tests.helpers.tiny import tiny_model_file

CPU = UpscaleOptions(inference=InferenceOptions(device="cpu", tile=32))


@pytest.fixture
def loads() -> list[Path]:
    return []


@pytest.fixture
def cache(loads) -> UpscalerCache:
    """A cache of its own that counts model loads (the shared one may hold other tests' models)."""
    def load(path: Path, options: InferenceOptions) -> Upscaler:
        loads.append(path)
        return Upscaler(path, options)
    return UpscalerCache(load=load)


def run_auto(inputs: list[Path], out: Path, cache: UpscalerCache, upscaler: Upscaler | None = None,
             **options) -> list:
    plan = plan_batch(inputs, BatchOptions(output_dir=out, auto_model=True, **options))
    events: list = []
    drain(run_batch(plan, CPU, Control(), upscaler=upscaler, upscalers=cache), events.append)
    return events


def chosen(events: list) -> dict[str, ModelChosen]:
    return {e.source.name: e for e in events if isinstance(e, ModelChosen)}


def test_a_quality_70_jpeg_gets_the_real_world_model_and_a_png_the_faithful_default(tmp_path, cache, loads):
    write_smooth_photo(tmp_path / "in" / "a_web.jpg", quality=70)
    write_smooth_photo(tmp_path / "in" / "b_clean.png")
    write_smooth_photo(tmp_path / "in" / "c_web.jpg", quality=70)
    write_smooth_photo(tmp_path / "in" / "d_clean.png")
    events = run_auto([tmp_path / "in"], tmp_path / "out", cache)
    picks = chosen(events)
    assert {name: e.model for name, e in picks.items()} == {
        "a_web.jpg": REAL_WORLD_MODEL, "b_clean.png": "srresnet-x4",
        "c_web.jpg": REAL_WORLD_MODEL, "d_clean.png": "srresnet-x4"}
    assert "quality ~70" in picks["a_web.jpg"].reason and picks["b_clean.png"].reason == NOTHING_TO_REPAIR
    assert picks["a_web.jpg"].title.startswith("Real-world photo x4")
    assert {e.source.name: e.model for e in events if isinstance(e, ImageDone)} == {
        name: e.model for name, e in picks.items()}                     # the finished events say it too
    for name in ("a_web_x4.jpg", "b_clean_x4.png", "c_web_x4.jpg", "d_clean_x4.png"):
        with Image.open(tmp_path / "out" / name) as output:
            assert output.size == (160, 128)
    assert len(loads) == 2           # each model once, although the files alternate between them


def test_a_bad_file_fails_alone_in_an_automatic_batch(tmp_path, cache):
    write_smooth_photo(tmp_path / "in" / "a_web.jpg", quality=70)
    write_damaged_png(tmp_path / "in" / "b_damaged.png")        # whole header: only decoding it fails
    write_smooth_photo(tmp_path / "in" / "c_clean.png")
    events = run_auto([tmp_path / "in"], tmp_path / "out", cache)
    assert [e.source.name for e in events if isinstance(e, ImageFailed)] == ["b_damaged.png"]
    assert sorted(e.source.name for e in events if isinstance(e, ImageDone)) == ["a_web.jpg", "c_clean.png"]
    finished = events[-1]
    assert finished.done == 2 and len(finished.failed) == 1


def test_without_the_real_world_model_automatic_means_the_run_s_own_model(tmp_path, cache, monkeypatch):
    monkeypatch.setenv(paths.RESOURCES_DIR_ENV, str(tmp_path / "an-install-without-bundled-models"))
    own = Upscaler(tiny_model_file(tmp_path / "models"), InferenceOptions(device="cpu", tile=32))
    write_smooth_photo(tmp_path / "in" / "web.jpg", quality=40)
    events = run_auto([tmp_path / "in"], tmp_path / "out", cache, upscaler=own)
    pick = chosen(events)["web.jpg"]
    assert pick.model == "tiny" and pick.reason == NOT_INSTALLED
    assert (tmp_path / "out" / "web_x4.jpg").exists()


def test_the_journal_keeps_runs_with_different_model_choices_apart(tmp_path, cache):
    """A job finished with one model is not 'done' for a run with another choice, and is for the same one."""
    for i in range(3):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)   # several 32-pixel tiles each
    models = tmp_path / "models"
    tiny = Upscaler(tiny_model_file(models, name="tiny"), InferenceOptions(device="cpu", tile=32))
    other = Upscaler(tiny_model_file(models, name="other", seed=1), InferenceOptions(device="cpu", tile=32))
    options = BatchOptions(output_dir=tmp_path / "out", existing="overwrite")

    def interrupted(batch: BatchOptions, upscaler: Upscaler) -> None:
        control, done = Control(), 0
        with pytest.raises(Cancelled):
            for event in run_batch(plan_batch([tmp_path / "in"], batch), CPU, control, upscaler, cache):
                done += isinstance(event, ImageDone)
                if isinstance(event, TileDone) and done == 1:
                    control.cancel()

    def rerun(batch: BatchOptions, upscaler: Upscaler) -> tuple[list[str], list[str]]:
        events: list = []
        drain(run_batch(plan_batch([tmp_path / "in"], batch), CPU, Control(), upscaler, cache), events.append)
        return ([e.source.name for e in events if isinstance(e, ImageSkipped)],
                [e.source.name for e in events if isinstance(e, ImageDone)])

    interrupted(options, tiny)                                    # 0.png done with "tiny"
    assert rerun(replace(options, auto_model=True), tiny) == ([], ["0.png", "1.png", "2.png"])
    assert rerun(options, other) == ([], ["0.png", "1.png", "2.png"])
    # "tiny"'s journal still lists 0.png, but the other runs have replaced its output since.
    assert rerun(options, tiny) == ([], ["0.png", "1.png", "2.png"])
    interrupted(replace(options, auto_model=True), tiny)
    assert rerun(replace(options, auto_model=True), tiny) == (["0.png"], ["1.png", "2.png"])
