"""`srgan upscale` at the command line: every kind of bad input gives one line and the right exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from core.cli import upscale as cli_upscale
from core.cli.main import main
from tests.helpers.images import exif_with, gradient_rgb, make_tree, write_frames, write_image, write_pillow
from tests.helpers.tiny import tiny_model_file


@pytest.fixture
def model(tmp_path_factory) -> Path:
    return tiny_model_file(tmp_path_factory.mktemp("model"))


def srgan(capsys, *args) -> tuple[int, str]:
    code = main(["upscale", *map(str, args)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, text


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_folder_run_mirrors_tree_lists_bad_files_and_exits_1(tmp_path, capsys, model):
    make_tree(tmp_path / "in")
    code, text = srgan(capsys, tmp_path / "in", "-o", tmp_path / "out", "--model", model, "--tile", 32)
    assert code == 1
    assert files_under(tmp_path / "out") == ["a_x4.png", "sub/b_x4.jpg", "sub/deeper/c_x4.png"]
    for name in ("corrupt.jpg", "empty.png", "truncated.png"):
        assert name in text.split("not processed:")[1]
    assert "3 upscaled" in text


def test_good_files_exit_0_then_skip_existing(tmp_path, capsys, model):
    image = write_image(tmp_path / "photo.png")
    code, _ = srgan(capsys, image, "--model", model, "--format", "jpg", "--quality", 80)
    assert code == 0
    with Image.open(tmp_path / "photo_x4.jpg") as out:
        assert out.format == "JPEG" and out.size == (48, 40)
    before = (tmp_path / "photo_x4.jpg").stat().st_mtime_ns
    code, text = srgan(capsys, image, "--model", model, "--format", "jpeg")
    assert code == 0 and "1 skipped" in text
    assert (tmp_path / "photo_x4.jpg").stat().st_mtime_ns == before


def test_one_file_to_a_named_output_file(tmp_path, capsys, model):
    image = write_image(tmp_path / "photo.jpg")
    code, _ = srgan(capsys, image, "-o", tmp_path / "result" / "big.webp", "--model", model)
    assert code == 0
    with Image.open(tmp_path / "result" / "big.webp") as out:
        assert out.format == "WEBP" and out.size == (48, 40)
    code, text = srgan(capsys, image, "-o", image, "--model", model, "--overwrite")
    assert code == 2 and "is the input file itself" in text


@pytest.mark.parametrize("kind, message", [
    ("text", "not an image"),
    ("empty", "0 bytes"),
    ("truncated-jpeg", "truncated.jpg"),
    ("truncated-png", "truncated.png"),
])
def test_bad_single_file_gives_one_line_and_exit_1(tmp_path, capsys, model, kind, message):
    if kind == "text":
        bad = tmp_path / "notes.txt"
        bad.write_text("hello")
    elif kind == "empty":
        bad = tmp_path / "empty.png"
        bad.write_bytes(b"")
    else:
        suffix = "jpg" if kind == "truncated-jpeg" else "png"
        bad = write_image(tmp_path / f"truncated.{suffix}", size=(64, 64))
        bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    code, text = srgan(capsys, bad, "--model", model)
    assert code == 1
    assert message in text
    assert [p.name for p in tmp_path.iterdir()] == [bad.name]          # nothing written, not even a temp file


def test_missing_input_is_a_usage_error(tmp_path, capsys, model):
    code, text = srgan(capsys, tmp_path / "nope.png", "--model", model)
    assert code == 2 and "nope.png: no such file or folder" in text


def test_huge_image_refused_unless_allowed(tmp_path, capsys, model, monkeypatch):
    monkeypatch.setattr(cli_upscale, "DEFAULT_MAX_PIXELS", 1000)
    image = write_image(tmp_path / "big.png", size=(40, 30))             # 1200 pixels > 1000
    code, text = srgan(capsys, image, "--model", model)
    assert code == 1 and "limit" in text and not (tmp_path / "big_x4.png").exists()
    code, _ = srgan(capsys, image, "--model", model, "--allow-huge")
    assert code == 0 and (tmp_path / "big_x4.png").exists()


def test_output_that_would_overwrite_an_input_is_refused(tmp_path, capsys, model):
    image = write_image(tmp_path / "photo.png")
    original = image.read_bytes()
    code, text = srgan(capsys, image, "--model", model, "--name", "{stem}.{ext}", "--overwrite")
    assert code == 1 and "overwrite an input" in text
    assert image.read_bytes() == original


def test_output_inside_input_folder_is_refused(tmp_path, capsys, model):
    write_image(tmp_path / "in" / "a.png")
    code, text = srgan(capsys, tmp_path / "in", "-o", tmp_path / "in" / "big", "--model", model)
    assert code == 2 and "inside the input folder" in text
    assert not (tmp_path / "in" / "big").exists()


def test_unwritable_output_folder(tmp_path, capsys, model):
    write_image(tmp_path / "in" / "a.png")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, text = srgan(capsys, tmp_path / "in", "-o", blocker / "out", "--model", model)
    assert code == 2 and "cannot write to the output folder" in text


def test_corrupted_model_file(tmp_path, capsys, model):
    image = write_image(tmp_path / "a.png")
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(model.read_bytes()[:300])
    code, text = srgan(capsys, image, "--model", broken)
    assert code == 2 and "broken.safetensors" in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "a_x4.png").exists()


def test_no_model_installed(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SRGAN_DESKTOP_RESOURCES", str(tmp_path / "no-resources"))
    image = write_image(tmp_path / "a.png")
    code, text = srgan(capsys, image)
    assert code == 2 and "no model is installed" in text


def test_bad_options_are_usage_errors(tmp_path, capsys, model):
    image = write_image(tmp_path / "a.png")
    code, text = srgan(capsys, image, "--model", model, "--name", "same.png")
    assert code == 2 and "{stem}" in text
    code, text = srgan(capsys, image, "--model", model, "--quality", 0)
    assert code == 2 and "quality" in text


def test_dry_run_writes_nothing(tmp_path, capsys, model):
    make_tree(tmp_path / "in")
    code, text = srgan(capsys, tmp_path / "in", "--model", model, "--dry-run")
    assert "a_x4.png" in text and "MB of output" in text
    assert not (tmp_path / "in_x4").exists() and code == 1       # the bad files are still reported


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_symlink_loop_in_the_input_folder_is_skipped_and_the_rest_is_done(tmp_path, capsys, model):
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink("b.png", folder / "a.png")
    os.symlink("a.png", folder / "b.png")
    write_image(folder / "good.png")
    code, text = srgan(capsys, folder, "-o", tmp_path / "out", "--model", model)
    assert code == 1
    assert files_under(tmp_path / "out") == ["good_x4.png"]
    not_processed = text.split("not processed:")[1]
    assert "a.png" in not_processed and "b.png" in not_processed and "link" in not_processed


def test_an_output_name_too_long_fails_that_file_and_the_batch_goes_on(tmp_path, capsys, model):
    long_name = "l" * 246 + ".png"                                      # a valid 250-character name
    write_image(tmp_path / "in" / long_name)
    write_image(tmp_path / "in" / "z.png")
    code, text = srgan(capsys, tmp_path / "in", "-o", tmp_path / "out", "--model", model)
    assert code == 1
    assert files_under(tmp_path / "out") == ["z_x4.png"]
    assert f"{long_name}: its output name is too long" in text.split("not processed:")[1]
    code, text = srgan(capsys, tmp_path / "in" / "z.png", "-o", tmp_path / "out2", "--model", model,
                       "--name", "{stem:>300}.{ext}")
    assert code == 1 and "too long" in text and not (tmp_path / "out2").exists()


def test_a_gif_with_many_frames_and_a_two_page_tiff_are_each_warned_about_once(tmp_path, capsys, model):
    write_frames(tmp_path / "in" / "anim.gif", 30)
    write_frames(tmp_path / "in" / "scan.tif", 2)
    code, text = srgan(capsys, tmp_path / "in", "-o", tmp_path / "out", "--model", model)
    assert code == 0 and files_under(tmp_path / "out") == ["anim_x4.png", "scan_x4.tif"]
    warnings = [line for line in text.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: anim.gif has 30 frames; only the first is upscaled",
                        "warning: scan.tif has 2 pages; only the first is upscaled"]


def test_library_warnings_about_a_damaged_file_stay_out_of_the_output(tmp_path, model):
    """A TIFF whose tag points past its end: Pillow warns (two lines each time) before refusing it."""
    image = write_pillow(tmp_path / "odd.tif", gradient_rgb(6, 8), "RGB", exif=exif_with(make="A long camera make"))
    data = bytearray(image.read_bytes())
    ifd = int.from_bytes(data[4:8], "little")
    for entry in range(ifd + 2, ifd + 2 + 12 * int.from_bytes(data[ifd:ifd + 2], "little"), 12):
        if int.from_bytes(data[entry:entry + 2], "little") == 271:          # Make, stored out of line
            data[entry + 8:entry + 12] = (10**6).to_bytes(4, "little")
    image.write_bytes(bytes(data))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3]), "PYTHONWARNINGS": "always"}
    done = subprocess.run([sys.executable, "-m", "core.cli.main", "upscale", str(image), "--model", str(model), "-q"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert "Warning" not in done.stderr and "warnings.warn" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 2 and "odd.tif:" in lines[0], lines   # skipped, and why
