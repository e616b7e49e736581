"""ONNX export: the graph ONNX Runtime runs gives our output at any size, and says what it is."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.common.events import drain
from core.inference.upscaler import InferenceOptions, Upscaler
from core.models.model_file import read_model_info
from core.models.onnx_export import export_onnx
from tests.helpers.tiny import tiny_model_file

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("onnx")
    model = tiny_model_file(tmp_path, title="Tiny", description="for tests",
                            provenance={"steps": 12}, metrics={"Set5": {"psnr": 20.0}})
    return model, export_onnx(model, tmp_path / "out" / "tiny.onnx")


def test_onnx_runtime_matches_pytorch_within_one_level_at_any_size(exported):
    model, path = exported
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    upscaler = Upscaler(model, InferenceOptions(device="cpu", precision="fp32"))
    for height, width in ((23, 31), (40, 17)):
        image = np.random.default_rng(height).random((height, width, 3), dtype=np.float32)
        ours = drain(upscaler.upscale(image))
        theirs = session.run(None, {"input": image.transpose(2, 0, 1)[None]})[0][0].transpose(1, 2, 0)
        assert theirs.shape == (height * 4, width * 4, 3)
        assert np.abs(theirs - ours).max() < 1 / 255


def test_graph_has_dynamic_size_folded_batchnorm_and_the_model_metadata(exported):
    model, path = exported
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    assert proto.opset_import[0].version >= 17
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", 3, "height", "width"]
    assert "BatchNormalization" not in {node.op_type for node in proto.graph.node}
    meta = {p.key: p.value for p in proto.metadata_props}
    info = read_model_info(model)
    assert meta["scale"] == "4" and meta["name"] == info.name and meta["title"] == "Tiny"
    assert json.loads(meta["provenance"]) == {"steps": 12}
    assert json.loads(meta["metrics"]) == {"Set5": {"psnr": 20.0}}


def test_output_is_clamped_to_the_value_range(exported):
    _, path = exported
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    bright = np.full((1, 3, 8, 8), 1.0, np.float32) * 40   # far outside [0, 1]
    out = session.run(None, {"input": bright})[0]
    assert out.min() >= 0.0 and out.max() <= 1.0
