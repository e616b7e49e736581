"""Network interpolation between two models of one architecture (the detail slider).

ESRGAN (Wang et al. 2018, section 3.4) showed that interpolating every parameter of a
PSNR-oriented network and a GAN fine-tuned from it walks the perception-distortion curve
smoothly: weight 0 is the faithful model, 1 the photo-realistic one. Any two models with the
same architecture config blend (a fine-tuned GAN and its base too); others are refused in words.
The endpoints are exactly the two parents, so the slider's ends reproduce them bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import torch

from core.models.model_file import ModelFileError, ModelInfo, file_sha256, load_model, save_model
from core.nets.srresnet import SRResNet


def describe_architecture(info: ModelInfo) -> str:
    config = info.arch_config
    return f"x{config.scale}, {config.num_blocks} blocks x {config.width} channels"


def check_blendable(info_a: ModelInfo, info_b: ModelInfo) -> None:
    """ModelFileError (one line, in words) unless the two models share one architecture.

    Needs only the models' self-descriptions, so a picker can say it before any weights are read.
    """
    if info_a.arch_config != info_b.arch_config:
        raise ModelFileError(
            f"{info_a.display_name} and {info_b.display_name} cannot be blended: "
            f"{describe_architecture(info_a)} vs {describe_architecture(info_b)} "
            "(blending needs two models of one architecture, e.g. a fine-tuned GAN and its base)")


@dataclass
class ModelBlend:
    """Two loaded parents; `at(weight)` builds the blended generator without touching the files again."""

    faithful: SRResNet
    faithful_info: ModelInfo
    realistic: SRResNet
    realistic_info: ModelInfo

    @classmethod
    def load(cls, faithful: str | Path, realistic: str | Path) -> ModelBlend:
        model_a, info_a = load_model(faithful)
        model_b, info_b = load_model(realistic)
        check_blendable(info_a, info_b)
        return cls(model_a, info_a, model_b, info_b)

    def at(self, weight: float) -> SRResNet:
        """The generator at `weight` in [0, 1]: 0 = faithful parent, 1 = photo-realistic parent."""
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"the detail weight must be between 0 and 1, got {weight}")
        a, b = self.faithful.state_dict(), self.realistic.state_dict()
        blended = {}
        for key, tensor in a.items():
            if not tensor.is_floating_point() or weight == 0.0:
                blended[key] = tensor.clone()
            elif weight == 1.0:
                blended[key] = b[key].clone()
            else:
                blended[key] = (1.0 - weight) * tensor + weight * b[key]
        model = SRResNet(self.faithful_info.arch_config)
        model.load_state_dict(blended)
        return model.eval()

    def info_at(self, weight: float) -> ModelInfo:
        """How the blend at `weight` describes itself (the faithful parent's file, a blend's name)."""
        return replace(self.faithful_info, name=f"{self.faithful_info.name}+{self.realistic_info.name}@{weight:.2f}",
                       title=self.title(weight), provenance=self.provenance(weight), metrics={})

    def title(self, weight: float) -> str:
        return f"{self.faithful_info.display_name} / {self.realistic_info.display_name}, detail {weight:.2f}"

    def provenance(self, weight: float) -> dict:
        """What a model file written for this setting records: both parents and the weight."""
        return {"blend": {
            "weight": weight,
            "faithful": {"name": self.faithful_info.name, "title": self.faithful_info.display_name,
                         "sha256": file_sha256(self.faithful_info.path)},
            "photo_realistic": {"name": self.realistic_info.name, "title": self.realistic_info.display_name,
                                "sha256": file_sha256(self.realistic_info.path)},
        }}


def save_blend(faithful: str | Path, realistic: str | Path, weight: float, out_path: str | Path,
               name: str | None = None) -> Path:
    """Write the blend at `weight` as a self-describing model file (`srgan export --blend A B W`)."""
    blend = ModelBlend.load(faithful, realistic)
    out_path = Path(out_path)
    with torch.no_grad():
        model = blend.at(weight)
    return save_model(model, out_path, name=name or out_path.stem, title=blend.title(weight),
                      description="Network interpolation of two models (0 = the first, 1 = the second).",
                      provenance=blend.provenance(weight))
