"""Which model upscales each file of a batch: the run's one model, or one per image (automatic).

With `BatchOptions.auto_model`, each image gets the model `core.inference.recommend` suggests
for it (the real-world model for compressed or noisy photos) and every other image the run's
own model, `UpscaleOptions.model` (None: the library's default, Faithful). The noise test
reads the pixels the upscale decodes anyway, so no file is decoded twice. Models come from an
`UpscalerCache`, which keeps two loaded: a folder of JPEGs and PNGs in turn reloads neither.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from core.common.events import Event
from core.imageio.files import DecodedImage
from core.inference.cache import UpscalerCache
from core.inference.recommend import REAL_WORLD_MODEL, Recommendation, recommend
from core.inference.upscale import UpscaleOptions
from core.inference.upscaler import Upscaler
from core.models.library import installed_names, resolve_model

NOTHING_TO_REPAIR = "no sign of JPEG compression or noise"
NOT_INSTALLED = f"the real-world model ({REAL_WORLD_MODEL}) is not installed"


@dataclass(frozen=True)
class ModelChosen(Event):
    """An automatic batch chose this image's model; sent before the image is upscaled."""

    source: Path
    model: str           # library name, e.g. "realworld-x4" (what `--model` takes)
    title: str           # what the app calls it, e.g. "Real-world photo x4"
    reason: str          # one line: why this model


class BatchModels:
    """The upscaler (and options) for each image of one run.

    The run's own upscaler is opened first, so a missing or broken model stops the batch
    before any file is touched (`ModelFileError`); a recommended model is loaded the first
    time an image asks for it, and a failure to load it fails that image alone.
    """

    def __init__(self, auto: bool, options: UpscaleOptions, upscalers: UpscalerCache,
                 upscaler: Upscaler | None = None) -> None:
        self.auto = auto
        self.options = options
        self.fallback = upscaler or upscalers.for_options(options)
        self._upscalers = upscalers
        # Decided once per run: installing the model halfway through must not split the run's choices.
        self._can_recommend = auto and REAL_WORLD_MODEL in installed_names()

    def for_image(self, source: Path, image: DecodedImage) -> tuple[UpscaleOptions, Upscaler, ModelChosen | None]:
        """The options and upscaler for this image, and in an automatic run the choice to report."""
        if not self.auto:
            return self.options, self.fallback, None
        found, reason = self._recommendation(source, image)
        if found is None:
            return self.options, self.fallback, _chosen(source, self.fallback, reason)
        # The recommended model whole: a detail blend pairs the run's own two models, not this one.
        options = replace(self.options, model=found.model, detail=None)
        upscaler = self._upscalers.for_options(options)
        return options, upscaler, _chosen(source, upscaler, reason)

    def preview(self, source: Path, image: DecodedImage) -> tuple[str, str]:
        """(library name, reason) of the model this image would get, loading none (a dry run)."""
        found, reason = self._recommendation(source, image)
        return (found.model if found is not None else self.fallback.info.name), reason

    def _recommendation(self, source: Path, image: DecodedImage) -> tuple[Recommendation | None, str]:
        """The recommendation for this image (None: the run's own model), and why."""
        found = recommend(source, image.color) if self._can_recommend else None
        if found is not None:
            return found, found.reason
        return None, NOTHING_TO_REPAIR if self._can_recommend else NOT_INSTALLED

    def journal_key(self) -> tuple[str, ...]:
        """What decides which model made an output, for the batch journal.

        The run's model by file and by name (a blend's name carries its partner and weight);
        an automatic run adds the rule and the file it may pick, so neither a run with one
        model nor an automatic run before the real-world model was installed counts as the same.
        """
        info = self.fallback.info
        key: tuple[str, ...] = (str(info.path), info.name)
        if self.auto:
            key += ("auto", str(resolve_model(REAL_WORLD_MODEL)) if self._can_recommend else "")
        return key


def _chosen(source: Path, upscaler: Upscaler, reason: str) -> ModelChosen:
    return ModelChosen(source, upscaler.info.name, upscaler.info.display_name, reason)
