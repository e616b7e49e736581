"""Batch engine: planning a folder tree, running it, skipping, cancelling and resuming."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image

from core.batch.estimate import estimate_batch
from core.batch.journal import JOURNAL_DIR
from core.batch.runner import BatchOptions, BatchPlanError, BatchProgress, plan_batch, run_batch
from core.common.events import Cancelled, Control, Finished, ImageDone, ImageFailed, ImageSkipped, TileDone, drain
from core.common.filelock import try_lock
from core.inference.output_size import OutputSize
from core.inference.upscale import UpscaleOptions
from core.inference.upscaler import InferenceOptions, Upscaler
from tests.helpers.images import aged_file, make_tree, no_partial_files, write_damaged_png, write_image
from tests.helpers.tiny import tiny_model_file


@pytest.fixture
def upscaler(tmp_path_factory) -> Upscaler:
    model = tiny_model_file(tmp_path_factory.mktemp("model"))
    return Upscaler(model, InferenceOptions(device="cpu", tile=32))


def run(plan, upscaler, control=None) -> tuple[Finished, list]:
    events = []
    result = drain(run_batch(plan, UpscaleOptions(), control or Control(), upscaler=upscaler), events.append)
    return result, events


def test_plan_mirrors_tree_into_sibling_folder_and_lists_bad_files(tmp_path):
    files = make_tree(tmp_path / "photos")
    plan = plan_batch([tmp_path / "photos"])
    out = tmp_path / "photos_x4"
    destinations = {job.source: job.destination for job in plan.jobs}
    assert destinations[files["a"]] == out / "a_x4.png"
    assert destinations[files["b"]] == out / "sub" / "b_x4.jpg"
    assert destinations[files["c"]] == out / "sub" / "deeper" / "c_x4.png"
    problems = {path.name: reason for path, reason in plan.problems}
    assert set(problems) == {"corrupt.jpg", "empty.png", "truncated.png"}   # .txt is simply not an image suffix
    assert "0 bytes" in problems["empty.png"] and "truncated" in problems["truncated.png"]
    assert plan.total_pixels == 12 * 10 * 2 + 9 * 7


def test_plan_include_exclude_recursive_and_format(tmp_path):
    make_tree(tmp_path / "in")
    only_png = plan_batch([tmp_path / "in"], BatchOptions(include=("*.PNG",), exclude=("sub/deeper/*",)))
    assert sorted(j.source.name for j in only_png.jobs) == ["a.png"]
    top = plan_batch([tmp_path / "in"], BatchOptions(recursive=False, output_format="webp",
                                                     naming="big-{stem}.{ext}", output_dir=tmp_path / "o"))
    assert [j.destination for j in top.jobs] == [tmp_path / "o" / "big-a.webp"]


def test_plan_refuses_output_inside_input_and_bad_patterns(tmp_path):
    make_tree(tmp_path / "in")
    with pytest.raises(BatchPlanError, match="inside the input folder"):
        plan_batch([tmp_path / "in"], BatchOptions(output_dir=tmp_path / "in" / "out"))
    with pytest.raises(BatchPlanError, match="no such file"):
        plan_batch([tmp_path / "missing"])
    for pattern in ("x4.png", "{stem}_{oops}.png", "../{stem}.png"):
        with pytest.raises(BatchPlanError):
            BatchOptions(naming=pattern)


def test_plan_never_overwrites_an_input_or_doubles_a_destination(tmp_path):
    a = write_image(tmp_path / "a.png")
    write_image(tmp_path / "a.jpg")
    same = plan_batch([a], BatchOptions(naming="{stem}.{ext}"))
    assert same.jobs == [] and "overwrite an input" in same.problems[0][1]
    clash = plan_batch([tmp_path], BatchOptions(output_format="png", output_dir=tmp_path.parent / "o"))
    assert len(clash.jobs) == 1 and "same output name" in clash.problems[0][1]


def test_a_truncated_jpeg_or_png_is_listed_in_the_plan_not_found_in_the_run(tmp_path):
    whole = write_image(tmp_path / "in" / "whole.jpg", size=(64, 48))
    cut = tmp_path / "in" / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[:-200])
    cut_png = write_image(tmp_path / "in" / "cut.png", size=(64, 48))
    cut_png.write_bytes(cut_png.read_bytes()[:-30])
    plan = plan_batch([tmp_path / "in"])
    assert [j.source.name for j in plan.jobs] == ["whole.jpg"]
    assert {p.name: "truncated" in reason for p, reason in plan.problems} == {"cut.jpg": True, "cut.png": True}


def test_run_processes_tree_and_goes_on_past_bad_files(tmp_path, upscaler):
    files = make_tree(tmp_path / "photos")
    files["truncated"] = write_damaged_png(tmp_path / "photos" / "sub" / "truncated.png")   # only the run finds it
    plan = plan_batch([tmp_path / "photos"], BatchOptions(output_dir=tmp_path / "out"))
    finished, events = run(plan, upscaler)
    assert finished.done == 3
    assert [p for p, _ in finished.failed] == [files["truncated"]]
    with Image.open(tmp_path / "out" / "sub" / "deeper" / "c_x4.png") as image:
        assert image.size == (36, 28)
    with Image.open(tmp_path / "out" / "sub" / "b_x4.jpg") as image:
        assert image.format == "JPEG" and image.size == (48, 40)
    assert not (tmp_path / "out" / "sub" / "truncated_x4.png").exists()
    assert no_partial_files(tmp_path / "out")
    progress = [e for e in events if isinstance(e, BatchProgress)]
    assert progress[-1].pixels_done == progress[-1].pixels_total and progress[-1].images_done == 4
    assert any(isinstance(e, TileDone) for e in events)
    assert [e.source for e in events if isinstance(e, ImageFailed)] == [files["truncated"]]
    assert events[-1] == finished


def test_skip_existing_and_overwrite(tmp_path, upscaler):
    write_image(tmp_path / "in" / "a.png")
    write_image(tmp_path / "in" / "b.png", seed=4)
    plan = plan_batch([tmp_path / "in"])
    run(plan, upscaler)
    output = tmp_path / "in_x4" / "a_x4.png"
    output.write_bytes(b"marker")                          # a user-made file in the way stays untouched
    again = plan_batch([tmp_path / "in"])
    assert all(job.exists for job in again.jobs) and again.pending == []
    finished, _ = run(again, upscaler)
    assert finished.done == 0 and len(finished.skipped) == 2 and output.read_bytes() == b"marker"
    forced = plan_batch([tmp_path / "in"], BatchOptions(existing="overwrite"))
    finished, _ = run(forced, upscaler)
    assert finished.done == 2 and output.read_bytes() != b"marker"


def cancel_during_second_image(plan, upscaler, after: int = 1) -> Control:
    """Stop the run in the middle of the image after the first `after` finished ones."""
    control = Control()
    finished = 0
    events = run_batch(plan, UpscaleOptions(), control, upscaler=upscaler)
    with pytest.raises(Cancelled):
        for event in events:
            if isinstance(event, ImageDone):
                finished += 1
            if isinstance(event, TileDone) and finished == after:
                control.cancel()
    return control


def test_cancel_leaves_no_partial_files(tmp_path, upscaler):
    for i in range(3):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)   # several 32-pixel tiles each
    plan = plan_batch([tmp_path / "in"], BatchOptions(output_dir=tmp_path / "out"))
    cancel_during_second_image(plan, upscaler)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0_x4.png"]


@pytest.mark.parametrize("existing", ["skip", "overwrite"])
def test_restart_after_interruption_finishes_only_what_was_missing(tmp_path, upscaler, existing):
    for i in range(3):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)
    options = BatchOptions(output_dir=tmp_path / "out", existing=existing)
    cancel_during_second_image(plan_batch([tmp_path / "in"], options), upscaler)
    (tmp_path / "out" / ".1_x4.png.123.part").write_bytes(b"half")      # what a power cut leaves behind
    finished, events = run(plan_batch([tmp_path / "in"], options), upscaler)
    assert [e.source.name for e in events if isinstance(e, ImageSkipped)] == ["0.png"]
    assert [e.source.name for e in events if isinstance(e, ImageDone)] == ["1.png", "2.png"]
    assert finished.done == 2 and not finished.failed


def test_overwrite_resume_redoes_edited_sources_and_takes_new_files(tmp_path, upscaler):
    for i in range(3):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)
    options = BatchOptions(output_dir=tmp_path / "out", existing="overwrite")
    cancel_during_second_image(plan_batch([tmp_path / "in"], options), upscaler, after=2)
    write_image(tmp_path / "in" / "0.png", size=(20, 20), seed=9)        # edited after the crash
    write_image(tmp_path / "in" / "3.png", size=(20, 20), seed=8)        # added after the crash
    finished, events = run(plan_batch([tmp_path / "in"], options), upscaler)
    assert [e.source.name for e in events if isinstance(e, ImageSkipped)] == ["1.png"]
    assert [e.source.name for e in events if isinstance(e, ImageDone)] == ["0.png", "2.png", "3.png"]
    with Image.open(tmp_path / "out" / "0_x4.png") as image:
        assert image.size == (80, 80)


def test_finished_batch_forgets_its_journal(tmp_path, upscaler, isolated_user_data):
    write_image(tmp_path / "in" / "a.png")
    plan = plan_batch([tmp_path / "in"], BatchOptions(existing="overwrite"))
    run(plan, upscaler)
    assert not list((isolated_user_data / JOURNAL_DIR).glob("*"))
    finished, _ = run(plan, upscaler)          # overwrite mode: a completed batch runs again in full
    assert finished.done == 1


def test_unwritable_output_stops_before_any_work(tmp_path, upscaler):
    write_image(tmp_path / "in" / "a.png")
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    plan = plan_batch([tmp_path / "in"], BatchOptions(output_dir=blocker / "out"))
    with pytest.raises(BatchPlanError, match="cannot write to the output folder"):
        run(plan, upscaler)


def test_estimate_grows_with_the_work(tmp_path, upscaler):
    write_image(tmp_path / "small" / "a.png", size=(40, 40))
    write_image(tmp_path / "big" / "a.png", size=(160, 160))
    small = estimate_batch(plan_batch([tmp_path / "small"], BatchOptions(output_format="png")), upscaler)
    big = estimate_batch(plan_batch([tmp_path / "big"], BatchOptions(output_format="png")), upscaler)
    assert 0 < small.seconds < big.seconds
    assert 0 < small.output_bytes < big.output_bytes
    assert "CPU" in big.device or "cpu" in big.device
    half = estimate_batch(plan_batch([tmp_path / "big"], BatchOptions(output_format="png")), upscaler,
                          OutputSize(scale=2))
    assert half.output_bytes == pytest.approx(big.output_bytes / 4, rel=0.01)   # a 2x output has a quarter the pixels


def test_the_network_is_timed_once_per_upscaler(tmp_path, upscaler, monkeypatch):
    import core.batch.estimate as estimate

    timings = []
    time_network = estimate._time_network
    monkeypatch.setattr(estimate, "_time_network", lambda *a: timings.append(1) or time_network(*a))
    write_image(tmp_path / "in" / "a.png", size=(40, 40))
    for naming in ("{stem}_x4.{ext}", "{stem}-big.{ext}"):                  # a re-plan: the same model
        estimate_batch(plan_batch([tmp_path / "in"], BatchOptions(naming=naming)), upscaler)
    assert len(timings) == 1


def test_a_destination_the_file_system_refuses_fails_only_that_file(tmp_path, upscaler):
    write_image(tmp_path / "in" / "a.png")
    write_image(tmp_path / "in" / "b.png", seed=1)
    plan = plan_batch([tmp_path / "in"], BatchOptions(output_dir=tmp_path / "out"))
    first = plan.jobs[0]
    plan.jobs[0] = replace(first, destination=first.destination.with_name("x" * 300 + ".png"))
    finished, events = run(plan, upscaler)
    assert finished.done == 1 and [p.name for p, _ in finished.failed] == ["a.png"]
    assert "too long" in finished.failed[0][1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b_x4.png"]


def test_the_next_run_into_a_folder_removes_the_stale_partial_files_it_owns(tmp_path, upscaler):
    write_image(tmp_path / "in" / "a.png")
    write_image(tmp_path / "in" / "sub" / "b.png", seed=1)
    out = tmp_path / "out"
    stale = [aged_file(out / ".a_x4.png.k3j_x9q2.part"), aged_file(out / "sub" / ".old_x4.png.0000abcd.part")]
    kept = [aged_file(out / ".notes.part"), aged_file(out / "draft.part"), aged_file(out / ".a.png.ABCDEFGH.part"),
            aged_file(out / ".a_x4.png.abc.part"), aged_file(out / ".b_x4.png.abcdefgh.part", seconds=1)]
    finished, _ = run(plan_batch([tmp_path / "in"], BatchOptions(output_dir=out)), upscaler)
    assert finished.done == 2
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept)         # not ours, or young enough to have a live writer


def test_two_runs_into_one_folder_never_upscale_the_same_image_twice(tmp_path, upscaler):
    for i in range(4):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)   # several tiles each
    plan = lambda: plan_batch([tmp_path / "in"], BatchOptions(output_dir=tmp_path / "out"))  # noqa: E731
    first = run_batch(plan(), UpscaleOptions(), Control(), upscaler=upscaler)
    first_events = []
    for event in first:                                 # the first run is in the middle of 0.png...
        first_events.append(event)
        if isinstance(event, TileDone):
            break
    _, second_events = run(plan(), upscaler)            # ...when a second run starts and ends
    first_events.extend(first)
    done = sorted(e.source.name for e in first_events + second_events if isinstance(e, ImageDone))
    assert done == ["0.png", "1.png", "2.png", "3.png"]
    skipped = {e.source.name: e.reason for e in second_events if isinstance(e, ImageSkipped)}
    assert skipped == {"0.png": "being upscaled by another run"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i}_x4.png" for i in range(4)]


def test_a_claim_left_by_a_dead_run_is_taken_over_and_a_live_one_respected(tmp_path, upscaler):
    write_image(tmp_path / "in" / "a.png")
    write_image(tmp_path / "in" / "b.png", seed=1)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".a_x4.png.srgan-claim").write_text("1234")         # its process died: nothing holds the lock
    live = out / ".b_x4.png.srgan-claim"
    live.write_text("5678")
    with open(live, "rb") as held:
        assert try_lock(held.fileno())                           # another run at work on b.png
        finished, _ = run(plan_batch([tmp_path / "in"], BatchOptions(output_dir=out)), upscaler)
    assert finished.done == 1 and finished.skipped == ((tmp_path / "in" / "b.png", "being upscaled by another run"),)
    assert sorted(p.name for p in out.iterdir()) == [".b_x4.png.srgan-claim", "a_x4.png"]


def test_a_journalled_output_replaced_by_a_run_with_another_model_is_made_again(tmp_path, upscaler):
    """The journal of an interrupted run lists 0.png; a full run with another model rewrote its output since."""
    for i in range(3):
        write_image(tmp_path / "in" / f"{i}.png", size=(70, 40), seed=i)
    options = BatchOptions(output_dir=tmp_path / "out", existing="overwrite")
    cancel_during_second_image(plan_batch([tmp_path / "in"], options), upscaler)
    other = Upscaler(tiny_model_file(tmp_path / "other", name="other", seed=1), InferenceOptions(device="cpu", tile=32))
    assert run(plan_batch([tmp_path / "in"], options), other)[0].done == 3
    finished, events = run(plan_batch([tmp_path / "in"], options), upscaler)
    assert [e.source.name for e in events if isinstance(e, ImageDone)] == ["0.png", "1.png", "2.png"]
    assert finished.done == 3 and not finished.skipped
