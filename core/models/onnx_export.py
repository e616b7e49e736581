"""A model file as an ONNX graph, for ONNX Runtime, chaiNNer and other runtimes.

The graph takes `input`, float32 N x C x H x W RGB in [0, 1] of any height and width, and gives
`output`, N x C x sH x sW clamped to [0, 1] (what chaiNNer's ONNX nodes expect). BatchNorm is
folded into the convolutions first, so the graph is what our own inference runs. The model's
self-description (name, title, scale, provenance, metrics) goes into the ONNX metadata
properties, JSON-encoded where it is not a string.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch
from torch import nn

from core.common.atomic import write_bytes_atomically
from core.models.model_file import ModelFileError, ModelInfo, load_model
from core.nets.bn_fold import fold_batchnorm

ONNX_OPSET = 18     # the lowest the torch.export-based exporter writes
ONNX_SUFFIX = ".onnx"


class _Clamped(nn.Module):
    """The generator with its output clamped to the [0, 1] value range, as our upscaler does."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.generator(x).clamp(0.0, 1.0)    # (N, C, sH, sW)


def export_onnx(model_path: str | Path, out_path: str | Path, opset: int = ONNX_OPSET) -> Path:
    """Write `model_path` as an ONNX graph with dynamic height and width; returns the path written."""
    try:
        import onnxscript  # noqa: F401 - the exporter needs it; checked here for a clear message
    except ImportError:
        raise ModelFileError("ONNX export needs the onnx and onnxscript packages: "
                             "pip install 'srgan-desktop[onnx]'") from None
    out_path = Path(out_path)
    model, info = load_model(model_path)
    graph = _Clamped(fold_batchnorm(model.eval()))
    sample = torch.rand(1, info.arch_config.channels, 16, 16)
    size = {0: torch.export.Dim("batch", min=1), 2: torch.export.Dim("height", min=1),
            3: torch.export.Dim("width", min=1)}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")     # the exporter's notes about its own internals
        program = torch.onnx.export(graph, (sample,), input_names=["input"], output_names=["output"],
                                    dynamic_shapes={"x": size}, opset_version=opset, dynamo=True,
                                    verbose=False)
    if program is None:
        raise ModelFileError("ONNX export produced no graph")
    proto = program.model_proto
    for key, value in onnx_metadata(info).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "SRGAN Desktop"
    proto.doc_string = info.description or info.display_name
    write_bytes_atomically(out_path, proto.SerializeToString())
    return out_path


def onnx_metadata(info: ModelInfo) -> dict[str, str]:
    """The model's self-description as ONNX metadata properties (all values are strings)."""
    return {
        "name": info.name,
        "title": info.display_name,
        "description": info.description,
        "scale": str(info.scale),
        "arch": "srresnet",
        "arch_config": json.dumps(info.arch_config.to_dict(), sort_keys=True),
        "value_range": json.dumps(list(info.value_range)),
        "input_layout": "NCHW RGB float32",
        "provenance": json.dumps(info.provenance, sort_keys=True),
        "metrics": json.dumps(info.metrics, sort_keys=True),
    }
