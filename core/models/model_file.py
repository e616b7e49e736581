"""The SRGAN Desktop model file: safetensors weights plus a JSON self-description.

Format (version 1), documented in README "Model files":
  * a `.safetensors` file whose tensors are the generator's `state_dict` (fp32 or fp16);
  * its `__metadata__` holds one key, ``srgan_desktop``, a JSON object with
      format          "srgan-desktop-model"
      format_version  1
      arch            "srresnet"
      arch_config     GeneratorConfig fields (scale, num_blocks, width, channels)
      scale           upscaling factor (repeated for readers that skip arch_config)
      value_range     [0, 1]: input and output pixel range
      name, title, description
      provenance      free-form dict: training data, steps, wall time, device, base model
      metrics         free-form dict, e.g. {"Set5": {"psnr": 30.1, "ssim": 0.86}}
Loading goes through safetensors, which parses a JSON header and raw tensor bytes and
never executes code from the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from core.common.atomic import write_bytes_atomically
from core.common.errors import first_line
from core.models.header import Header, HeaderError, read_header
from core.nets.config import GeneratorConfig
from core.nets.srresnet import SRResNet

FORMAT_NAME = "srgan-desktop-model"
FORMAT_VERSION = 1
METADATA_KEY = "srgan_desktop"
MODEL_SUFFIX = ".safetensors"
FLOAT_DTYPES = ("F16", "BF16", "F32", "F64")


class ModelFileError(Exception):
    """A model file that cannot be used; the message is one line meant for the user."""


@dataclass(frozen=True)
class ModelInfo:
    """Everything a model file says about itself, without its weights."""

    path: Path
    name: str
    arch_config: GeneratorConfig
    title: str = ""
    description: str = ""
    value_range: tuple[float, float] = (0.0, 1.0)
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def scale(self) -> int:
        return self.arch_config.scale

    @property
    def display_name(self) -> str:
        return self.title or self.name


def save_model(
    model: SRResNet,
    path: str | os.PathLike,
    *,
    name: str,
    title: str = "",
    description: str = "",
    provenance: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    half: bool = False,
) -> Path:
    """Write `model` as a self-describing file, atomically (temp file + rename)."""
    path = Path(path)
    dtype = torch.float16 if half else torch.float32
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()
               if v.is_floating_point()}
    description_json = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "arch": "srresnet",
        "arch_config": model.config.to_dict(),
        "scale": model.config.scale,
        "value_range": [0.0, 1.0],
        "name": name,
        "title": title,
        "description": description,
        "provenance": provenance or {},
        "metrics": metrics or {},
    }
    data = save_safetensors_bytes(tensors, metadata={METADATA_KEY: json.dumps(description_json)})
    write_bytes_atomically(path, data)
    return path


def read_model_info(path: str | os.PathLike) -> ModelInfo:
    """Read only the self-description (cheap: the header, not the weights).

    The declared architecture is checked against the tensors the header lists, so a file
    whose weights would not fit the network it declares is refused before anything is built.
    """
    path = Path(path)
    header = _read_header(path)
    info = _info_from_metadata(path, header.metadata)
    _check_tensors(path, header, info.arch_config)
    return info


def load_model(path: str | os.PathLike) -> tuple[SRResNet, ModelInfo]:
    """Build the generator a model file describes and load its weights (fp32, eval mode)."""
    path = Path(path)
    info = read_model_info(path)
    try:
        tensors = load_safetensors_bytes(path.read_bytes())
    except (SafetensorError, ValueError) as exc:
        raise ModelFileError(f"{path.name}: the model file is corrupted ({first_line(exc)})") from None
    except OSError as exc:
        raise ModelFileError(f"{path.name}: cannot read the model file ({exc.strerror or first_line(exc)})") from None
    if {k: tuple(v.shape) for k, v in tensors.items()} != expected_shapes(info.arch_config):
        raise ModelFileError(f"{path.name}: the model file changed while it was read")
    model = SRResNet(info.arch_config)
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    if not all(torch.isfinite(v).all() for v in tensors.values()):
        raise ModelFileError(f"{path.name}: the weights contain NaN or infinite values")
    return model.eval(), info


def expected_shapes(config: GeneratorConfig) -> dict[str, tuple[int, ...]]:
    """The floating-point tensors (name -> shape) a model file of `config` holds.

    Built on the meta device, which records shapes and allocates no memory.
    """
    with torch.device("meta"):
        model = SRResNet(config)
    return {k: tuple(v.shape) for k, v in model.state_dict().items() if v.is_floating_point()}


def _check_tensors(path: Path, header: Header, config: GeneratorConfig) -> None:
    """ModelFileError unless the header lists exactly the floating-point tensors `config` needs."""
    expected = expected_shapes(config)
    missing = [k for k in expected if k not in header.tensors]
    unexpected = [k for k in header.tensors if k not in expected]
    if missing or unexpected:
        raise ModelFileError(
            f"{path.name}: weights do not match the architecture it declares "
            f"({len(missing)} missing, {len(unexpected)} unexpected tensors)")
    for key, entry in header.tensors.items():
        if entry.shape != expected[key]:
            raise ModelFileError(f"{path.name}: tensor {key} has shape {entry.shape}, "
                                 f"the declared architecture needs {expected[key]}")
        if entry.dtype not in FLOAT_DTYPES:
            raise ModelFileError(f"{path.name}: tensor {key} is {entry.dtype}, not floating point")


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_header(path: Path) -> Header:
    """The checked safetensors header; every way it can be wrong is a one-line ModelFileError."""
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    if path.suffix != MODEL_SUFFIX:
        raise ModelFileError(f"{path.name}: not a model file (expected a {MODEL_SUFFIX} file)")
    try:
        return read_header(path)
    except HeaderError as exc:
        raise ModelFileError(f"{path.name}: {exc}") from None
    except OSError as exc:
        raise ModelFileError(f"{path.name}: cannot read the model file ({exc.strerror or first_line(exc)})") from None


def _info_from_metadata(path: Path, metadata: dict[str, str]) -> ModelInfo:
    raw = metadata.get(METADATA_KEY)
    if raw is None:
        raise ModelFileError(f"{path.name}: not an SRGAN Desktop model (no self-description in the file)")
    try:
        desc = json.loads(raw)
        if desc.get("format") != FORMAT_NAME:
            raise ValueError("unknown format")
        if int(desc.get("format_version", 0)) > FORMAT_VERSION:
            raise ModelFileError(f"{path.name}: made by a newer SRGAN Desktop (format "
                                 f"{desc['format_version']}); please update the app")
        if desc.get("arch") != "srresnet":
            raise ValueError(f"unsupported architecture {desc.get('arch')!r}")
        config = GeneratorConfig.from_dict(desc["arch_config"])
        low, high = desc.get("value_range", [0.0, 1.0])
        return ModelInfo(
            path=path, name=_one_line(desc.get("name") or path.stem), arch_config=config,
            title=_one_line(desc.get("title", "")), description=str(desc.get("description", "")),
            value_range=(float(low), float(high)),
            provenance=dict(desc.get("provenance") or {}), metrics=dict(desc.get("metrics") or {}),
        )
    except ModelFileError:
        raise
    except RecursionError:
        raise ModelFileError(f"{path.name}: its self-description is invalid (nested too deeply)") from None
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{path.name}: its self-description is invalid ({first_line(exc)})") from None


def _one_line(value: Any) -> str:
    """Names and titles go into lists and one-line messages: a line break in one is a space."""
    return " ".join(str(value).split())
