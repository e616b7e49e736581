"""Fuzzing the one decode path with mutated PNG, JPEG, TIFF, WebP and GIF files.

`load_image` and one of the engine's other readers (`load_rgb8`, `probe_image`,
`read_image_size`, `load_thumbnail`) get each mutated file; each must return a sane result or
raise `ImageReadError` with a one-line message, and write nothing. Mutations mostly spare the
format's signature and PNG checksums are mostly repaired, so most cases reach a decoder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from core.common.events import drain
from core.imageio.files import (
    ImageReadError,
    ImageWriteError,
    load_image,
    load_rgb8,
    load_thumbnail,
    probe_image,
    read_image_size,
)
from core.inference.upscale import UpscaleOptions, upscale_file
from core.inference.upscaler import InferenceOptions, Upscaler
from tests.helpers.fuzz import (
    END_TO_END_SETTINGS,
    FUZZ_SETTINGS,
    assert_one_line,
    files_in,
    mutated_bytes,
    no_hang,
    repair_png_checksums,
    repair_riff_size,
    write_case,
)
from tests.helpers.seeds import image_seeds
from tests.helpers.tiny import tiny_model_file

# Pillow warns about what it skips in damaged files (truncated tags, corrupt EXIF); the property is about errors.
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore::UserWarning")]

# Small enough that a mutated header claiming a huge image is refused or fails fast, the same
# check as the default 100-megapixel limit.
MAX_PIXELS = 1_000_000
SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "WEBP": ".webp", "GIF": ".gif"}
SIGNATURES = {"PNG": 8, "JPEG": 2, "TIFF": 4, "WEBP": 16, "GIF": 6}           # bytes that only name the format
REPAIRS = {"PNG": repair_png_checksums, "WEBP": repair_riff_size}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[bytes]], Path]:
    seeds = image_seeds(tmp_path_factory.mktemp("image-seeds"))
    return seeds, tmp_path_factory.mktemp("fuzz-images")


OTHER_READERS = (load_rgb8, probe_image, read_image_size, lambda path, limit: load_thumbnail(path, 16, limit))


def check_readers(path: Path, other_reader) -> None:
    """`load_image` and one of the engine's other readers on the same file."""
    with no_hang():
        try:
            image = load_image(path, MAX_PIXELS)
        except ImageReadError as exc:
            assert_one_line(exc)
        else:
            assert image.color.ndim == 3 and image.color.shape[2] == 3 and image.color.dtype == np.float32
            assert 0 < image.width * image.height <= MAX_PIXELS
            assert np.isfinite(image.color).all() and image.color.min() >= 0 and image.color.max() <= 1
            assert image.alpha is None or image.alpha.shape == image.color.shape[:2]
            assert image.bit_depth in (8, 16) and image.frames >= 1
        try:
            result = other_reader(path, MAX_PIXELS)
        except ImageReadError as exc:
            assert_one_line(exc)
        else:
            assert result is not None


def fuzz_format(fmt: str, workspace, data: st.DataObject) -> None:
    seeds, root = workspace
    folder = root / fmt
    folder.mkdir(exist_ok=True)
    seed = seeds[fmt][data.draw(st.integers(0, len(seeds[fmt]) - 1), label="seed number")]
    mutated = data.draw(mutated_bytes(seed, keep=SIGNATURES[fmt]), label="file")
    if fmt in REPAIRS and data.draw(st.integers(0, 3), label="repair") > 0:
        mutated = REPAIRS[fmt](mutated)
    path = write_case(folder / f"input{SUFFIXES[fmt]}", mutated)
    check_readers(path, OTHER_READERS[data.draw(st.integers(0, len(OTHER_READERS) - 1), label="reader")])
    assert files_in(folder) == [path.name]                        # reading never writes


@pytest.mark.parametrize("fmt", list(SUFFIXES))
def test_a_mutated_image_file_is_read_or_refused_in_one_line(fmt, workspace):
    @FUZZ_SETTINGS
    @given(data=st.data())
    def case(data):
        fuzz_format(fmt, workspace, data)

    case()


def test_a_mutated_image_upscales_or_fails_cleanly_and_writes_only_its_output(workspace, tmp_path_factory):
    """The whole path a user's file takes (decode, network, encode, atomic write), on a mix of formats."""
    seeds, root = workspace
    inputs, out = root / "inputs", root / "out"
    inputs.mkdir()
    upscaler = Upscaler(tiny_model_file(tmp_path_factory.mktemp("model")), InferenceOptions(device="cpu"))
    everything = [(fmt, seed) for fmt, files in seeds.items() for seed in files]

    @END_TO_END_SETTINGS
    @given(data=st.data())
    def case(data):
        fmt, seed = everything[data.draw(st.integers(0, len(everything) - 1), label="seed number")]
        for old in inputs.iterdir():
            old.unlink()
        source = write_case(inputs / f"photo{SUFFIXES[fmt]}", data.draw(mutated_bytes(seed, keep=SIGNATURES[fmt])))
        destination = out / "photo_x4.png"
        destination.unlink(missing_ok=True)
        try:
            with no_hang():
                drain(upscale_file(upscaler, source, destination, UpscaleOptions(max_pixels=MAX_PIXELS // 100)))
        except (ImageReadError, ImageWriteError) as exc:
            assert_one_line(exc)
            assert not out.exists() or files_in(out) == []
        else:
            assert files_in(out) == ["photo_x4.png"]                  # no temp file, no claim, nothing else
            decoded = load_image(source, None)
            with Image.open(destination) as result:
                assert result.size == (4 * decoded.width, 4 * decoded.height)
        assert files_in(inputs) == [source.name]

    case()
