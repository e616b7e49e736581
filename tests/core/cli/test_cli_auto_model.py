"""`srgan upscale --model auto`: each image gets its recommended model, named with the reason."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from core.cli.main import main
from tests.helpers.images import write_damaged_png, write_smooth_photo


def srgan(capsys, *args) -> tuple[int, str, str]:
    code = main(["upscale", *map(str, args), "--device", "cpu", "--tile", "32"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out, captured.err


def test_each_image_is_named_with_its_model_and_why(tmp_path, capsys):
    web = write_smooth_photo(tmp_path / "in" / "web.jpg", quality=70)
    clean = write_smooth_photo(tmp_path / "in" / "clean.png")
    code, _, err = srgan(capsys, tmp_path / "in", "-o", tmp_path / "out", "--model", "auto")
    assert code == 0
    assert f"{web}: realworld-x4 (a JPEG saved at quality ~70: " in err
    assert f"{clean}: srresnet-x4 (no sign of JPEG compression or noise)" in err
    assert "2 upscaled (1 with realworld-x4, 1 with srresnet-x4)" in err
    assert (tmp_path / "out" / "web_x4.jpg").exists() and (tmp_path / "out" / "clean_x4.png").exists()


def test_quiet_keeps_only_the_summary_and_one_named_output_file_works(tmp_path, capsys):
    web = write_smooth_photo(tmp_path / "web.jpg", quality=70)
    code, out, err = srgan(capsys, web, "-o", tmp_path / "big.png", "--model", "auto", "--quiet")
    assert code == 0 and "realworld-x4 (a JPEG" not in err and not out
    assert "1 upscaled (1 with realworld-x4)" in err
    with Image.open(tmp_path / "big.png") as result:
        assert result.size == (160, 128)


def test_the_dry_run_shows_each_choice_and_writes_nothing(tmp_path, capsys):
    write_smooth_photo(tmp_path / "in" / "web.jpg", quality=70)
    write_smooth_photo(tmp_path / "in" / "clean.png")
    code, out, _ = srgan(capsys, tmp_path / "in", "-o", tmp_path / "out", "--model", "auto", "--dry-run")
    assert code == 0 and not (tmp_path / "out").exists()
    lines = {Path(line.split(" -> ")[0]).name: line for line in out.splitlines()}
    assert "[40x32]  realworld-x4 (a JPEG saved at quality ~70" in lines["web.jpg"]
    assert "[40x32]  srresnet-x4 (no sign of JPEG compression or noise)" in lines["clean.png"]


def test_a_bad_file_fails_alone_and_the_exit_code_says_so(tmp_path, capsys):
    write_smooth_photo(tmp_path / "in" / "web.jpg", quality=70)
    write_damaged_png(tmp_path / "in" / "damaged.png")          # passes the plan, fails when decoded
    code, _, err = srgan(capsys, tmp_path / "in", "-o", tmp_path / "out", "--model", "auto")
    assert code == 1
    assert "1 upscaled (1 with realworld-x4)" in err and "damaged.png" in err.split("not processed:")[1]


def test_auto_with_a_detail_blend_is_refused_in_words(tmp_path, capsys):
    web = write_smooth_photo(tmp_path / "web.jpg", quality=70)
    code, _, err = srgan(capsys, web, "--model", "auto", "--detail", "0.4")
    assert code == 2 and "cannot be used with --model auto" in err
    assert not (tmp_path / "web_x4.jpg").exists()
