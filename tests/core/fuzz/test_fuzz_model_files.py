"""Fuzzing model files: mutated bytes, header JSON (offsets, dtypes, shapes) and self-descriptions.

Each case goes through `load_model` (which reads the header with `read_model_info` first) and
must give a network that runs, or a `ModelFileError` with a one-line message; never another
exception, a hang, code run from the file, or a file written.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from core.models.header import DTYPE_SIZES
from core.models.model_file import ModelFileError, load_model
from tests.helpers import model_files
from tests.helpers.fuzz import (
    EDGE_INTEGERS,
    FUZZ_SETTINGS,
    assert_one_line,
    files_in,
    json_dumps,
    json_values,
    mutated_bytes,
    no_hang,
    write_case,
)
from tests.helpers.seeds import model_seed

pytestmark = pytest.mark.fuzz

DESCRIPTION_KEYS = ("format", "format_version", "arch", "arch_config", "scale", "value_range", "name", "title",
                    "description", "provenance", "metrics")
ARCH_KEYS = ("scale", "num_blocks", "width", "channels")
# Strategies are built once: building one costs more than drawing from it.
_EDITS = st.integers(1, 3)
_HEADER_PLACE = st.sampled_from(("dtype", "shape", "data_offsets", "entry", "metadata", "new", "drop"))
_DESCRIPTION_PLACE = st.sampled_from(("field", "arch", "drop", "whole", "text"))
_DESCRIPTION_KEY = st.sampled_from(DESCRIPTION_KEYS)
_ARCH_KEY = st.sampled_from(ARCH_KEYS + ("depth",))
_NAME = st.text(max_size=12)
_KIND = st.sampled_from(("bytes", "header", "description", "weights"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    return model_seed(tmp_path_factory.mktemp("model-seed")), tmp_path_factory.mktemp("fuzz-models")


@cache
def edge_values() -> st.SearchStrategy[Any]:
    """What a tampered header puts where a number, a list or a name belongs."""
    ints = st.sampled_from(EDGE_INTEGERS) | st.integers(-5, 70)
    return (json_values() | ints | st.lists(ints, max_size=5) | st.sampled_from(sorted(DTYPE_SIZES))
            | st.tuples(ints, ints).map(list))


@cache
def metadata_values() -> st.SearchStrategy[Any]:
    return edge_values() | st.dictionaries(st.text(max_size=6), edge_values())


@st.composite
def mutated_header(draw: st.DrawFn, header: dict[str, Any]) -> dict[str, Any] | bytes:
    """The header with a tensor's dtype/shape/offsets, a whole entry or the metadata changed."""
    header = json.loads(json.dumps(header))
    tensors = sorted(k for k in header if k != "__metadata__")
    for _ in range(draw(_EDITS)):
        where = draw(_HEADER_PLACE)
        name = draw(st.sampled_from(tensors))
        if where in ("dtype", "shape", "data_offsets"):
            if isinstance(header.get(name), dict):
                header[name][where] = draw(edge_values())
        elif where == "entry":
            header[name] = draw(edge_values())
        elif where == "metadata":
            header["__metadata__"] = draw(metadata_values())
        elif where == "new":
            header[draw(_NAME)] = draw(edge_values())
        else:
            header.pop(name, None)
    if draw(st.booleans()):
        return header
    return json_dumps(header).encode("utf-8")


@st.composite
def mutated_description(draw: st.DrawFn, header: dict[str, Any]) -> dict[str, Any]:
    """The header with the self-description's values (architecture included) changed."""
    desc = model_files.description(header)
    for _ in range(draw(_EDITS)):
        where = draw(_DESCRIPTION_PLACE)
        if where == "field":
            desc[draw(_DESCRIPTION_KEY)] = draw(edge_values())
        elif where == "arch" and isinstance(desc.get("arch_config"), dict):
            desc["arch_config"][draw(_ARCH_KEY)] = draw(edge_values())
        elif where == "drop":
            desc.pop(draw(_DESCRIPTION_KEY), None)
        elif where == "whole":
            return model_files.with_description(header, json_dumps(draw(json_values())))
        else:
            text = json_dumps(desc).encode("utf-8")
            broken = draw(mutated_bytes(text, hot=len(text)))
            return model_files.with_description(header, broken.decode("utf-8", "replace"))
    return model_files.with_description(header, json_dumps(desc))


@st.composite
def mutated_model_file(draw: st.DrawFn, seed: bytes) -> bytes:
    header, body = model_files.split(seed)
    kind = draw(_KIND, label="kind")
    if kind == "bytes":
        return draw(mutated_bytes(seed, hot=8 + len(json.dumps(header))))
    if kind == "header":
        return model_files.join(draw(mutated_header(header)), body)
    if kind == "description":
        return model_files.join(draw(mutated_description(header)), body)
    raw = model_files.join(header, b"")
    return raw + draw(mutated_bytes(body, hot=len(body)))


def check_model_file(path: Path) -> None:
    with no_hang():
        try:
            model, info = load_model(path)
        except ModelFileError as exc:
            assert_one_line(exc)
            return
        config = info.arch_config
        assert "\n" not in info.name and "\n" not in info.title
        with torch.no_grad():
            out = model(torch.rand(1, config.channels, 3, 3))
        assert out.shape == (1, config.channels, 3 * config.scale, 3 * config.scale)


def test_a_mutated_model_file_loads_or_is_refused_in_one_line(workspace):
    seed, folder = workspace

    @FUZZ_SETTINGS
    @given(data=mutated_model_file(seed))
    def case(data):
        path = write_case(folder / "model.safetensors", data)
        check_model_file(path)
        assert files_in(folder) == [path.name]

    case()
