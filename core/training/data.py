"""Training data: find usable photos, split off validation, and serve (LR, HR) crops.

The crop stream is a pure function of (seed, sample number k): sample k belongs to epoch
k // n, picks the image at position k % n of that epoch's seeded permutation, and draws its
crop box and flip/rotation from a generator seeded by (seed, k). Resuming at step s is
therefore exact: start the loader at sample s * batch_size (`make_loader(start_sample=...)`).

Decoding a 2-megapixel PNG takes ~50-100 ms, far longer than cutting a crop, so on a
2-core machine decoding per crop would starve the model. `CropDataset` decodes each image
once, keeps it and its 8-bit LR version (antialiased bicubic) in RAM up to a memory budget,
and cuts aligned crops from both. Images beyond the budget are decoded on demand. Files are
found and decoded by `core.imageio` (the app's own suffixes, pixel limit and error words).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from core.common.errors import first_line, reason_without_name
from core.common.events import NEVER_CANCELLED, Control
from core.imageio.bicubic import make_pair, modcrop
from core.imageio.files import ImageReadError, list_images, load_rgb8, probe_image
from core.training.degradations import DegradationConfig, degrade

DEFAULT_CACHE_BYTES = 3 * 1024 ** 3       # decoded HR + LR kept in RAM
DECODE_THREADS = 4                        # at most; fewer on machines with fewer cores
VALIDATION_STREAM = 1 << 40               # validation degradations draw from a stream training never uses
DETAIL_TRIES = 10                         # crop boxes drawn per sample when flat ones are refused

Progress = Callable[[int, int], None]     # (done, total)


@dataclass
class ScanResult:
    usable: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    sizes: dict[Path, tuple[int, int]] = field(default_factory=dict)   # (width, height)

    @property
    def total_pixels(self) -> int:
        return sum(w * h for w, h in self.sizes.values())


def scan_folder(folder: Path, min_size: int, control: Control = NEVER_CANCELLED,
                progress: Progress | None = None) -> ScanResult:
    """Check every image under `folder`: it must decode fully and be at least min_size on both sides.

    Unreadable, truncated, too-small and byte-identical duplicate files are skipped, each with
    a reason. Raises ValueError if `folder` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    paths = list_images(folder)
    result, seen = ScanResult(), dict[str, Path]()
    for done, path in enumerate(paths, start=1):
        control.checkpoint()
        outcome = _scan_one(path, seen)
        if isinstance(outcome, str):
            result.skipped.append((path, outcome))
        elif min(outcome) < min_size:
            result.skipped.append((path, f"{outcome[0]}x{outcome[1]} is smaller than the {min_size}-pixel crop"))
        else:
            result.usable.append(path)
            result.sizes[path] = outcome
        if progress is not None:
            progress(done, len(paths))
    return result


def _scan_one(path: Path, seen: dict[str, Path]) -> tuple[int, int] | str:
    """The displayed (width, height) of a photo that decodes and is new, or why it is skipped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return exc.strerror or first_line(exc)
    digest = hashlib.sha256(data).hexdigest()
    if digest in seen:
        return f"same file as {seen[digest].name}"
    try:
        size = probe_image(path, data=data)
    except ImageReadError as exc:
        return reason_without_name(exc, path)
    seen[digest] = path
    return size


def split_validation(paths: Sequence[Path], count: int, seed: int = 0) -> tuple[list[Path], list[Path]]:
    """(train, val): `count` images held out at random, reproducibly; at least one stays for training."""
    paths = list(paths)
    count = max(0, min(count, len(paths) - 1))
    held = set(np.random.default_rng(seed).permutation(len(paths))[:count].tolist())
    train = [p for i, p in enumerate(paths) if i not in held]
    val = [p for i, p in enumerate(paths) if i in held]
    return train, val


def load_validation_images(paths: Sequence[Path], scale: int, photo_scale: float = 1.0,
                           degradation: DegradationConfig | None = None,
                           seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Whole images as (lr, hr) float32 HxWx3 pairs: HR shrunk like the training photos and
    modcropped, LR antialiased bicubic, 8-bit; or, with `degradation`, the real-world chain
    drawn from (seed, the file's name), the same at every validation and in every run."""
    pairs = []
    for path in paths:
        lr, hr = make_pair(shrink_photo(load_rgb8(path), photo_scale), scale)
        if degradation is not None:
            name_key = int.from_bytes(hashlib.sha256(Path(path).name.encode()).digest()[:8], "little")
            lr = degrade(hr, scale, degradation, np.random.default_rng((seed, VALIDATION_STREAM, name_key)))
        pairs.append((lr, hr))
    return pairs


def shrink_photo(photo: np.ndarray, factor: float) -> np.ndarray:
    """The uint8 photo resized by `factor` (antialiased bicubic); itself when factor is 1.

    Shrinking large photos packs more detail into each crop and hides JPEG blocks that the HR
    targets would otherwise teach the network to draw.
    """
    if factor == 1:
        return photo
    size = (max(1, round(photo.shape[1] * factor)), max(1, round(photo.shape[0] * factor)))
    return np.asarray(Image.fromarray(photo).resize(size, Image.Resampling.BICUBIC), dtype=np.uint8)


def default_cache_bytes() -> int:
    """A third of physical RAM, at most 12 GiB (3 GiB where RAM cannot be read)."""
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return 3 * 1024 ** 3
    return int(min(physical / 3, 12 * 1024 ** 3))


class CropDataset(torch.utils.data.Dataset):
    """Random (LR, HR) training crops: float tensors CxHxW in [0, 1], HR crop_size square.

    Index with a sample number k (or a `(seed, k)` key, as `make_loader`'s sampler does);
    `len()` is one epoch, one crop per image. Unusable images are dropped into `.skipped`.
    """

    def __init__(self, paths: Sequence[Path], crop_size: int = 96, scale: int = 4, seed: int = 0,
                 cache_bytes: int | None = None, control: Control = NEVER_CANCELLED,
                 progress: Progress | None = None, photo_scale: float = 1.0, min_detail: float = 0.0,
                 degradation: DegradationConfig | None = None) -> None:
        if crop_size % scale:
            raise ValueError(f"crop size {crop_size} must be a multiple of the scale {scale}")
        if not 0 < photo_scale <= 1 or min_detail < 0:
            raise ValueError(f"photo scale must be in (0, 1] and min detail >= 0, got {photo_scale}, {min_detail}")
        self.crop_size, self.scale, self.seed = crop_size, scale, seed
        self.photo_scale, self.min_detail = photo_scale, min_detail
        self.degradation = degradation
        self.paths: list[Path] = []
        self.skipped: list[tuple[Path, str]] = []
        self._pairs: list[tuple[np.ndarray, np.ndarray] | None] = []   # None: decode on demand
        self._permutations: dict[tuple[int, int], np.ndarray] = {}
        budget = default_cache_bytes() if cache_bytes is None else cache_bytes
        self.cached_bytes = 0
        # Pillow releases the GIL while decoding and resizing, so threads use every core.
        pool = ThreadPoolExecutor(max_workers=min(DECODE_THREADS, os.cpu_count() or 1))
        try:
            outcomes = pool.map(self._try_decode, [Path(p) for p in paths])
            for done, (path, outcome) in enumerate(outcomes, start=1):
                control.checkpoint()
                self._add(path, outcome, budget)
                if progress is not None:
                    progress(done, len(paths))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if not self.paths:
            raise ValueError(f"no usable training images ({len(self.skipped)} skipped)")

    @property
    def fully_cached(self) -> bool:
        return all(pair is not None for pair in self._pairs)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        seed, k = key if isinstance(key, tuple) else (self.seed, key)
        epoch, position = divmod(int(k), len(self.paths))
        index = int(self._permutation(seed, epoch)[position])
        hr, lr = self._pairs[index] or self._decode_pair(self.paths[index])
        rng = np.random.default_rng((seed, int(k)))
        lr_crop = self.crop_size // self.scale
        y, x = self._pick_box(lr, lr_crop, rng)
        s = self.scale
        lr_patch = lr[y:y + lr_crop, x:x + lr_crop]
        hr_patch = hr[y * s:(y + lr_crop) * s, x * s:(x + lr_crop) * s]
        transform = int(rng.integers(8))                # one of the 8 flips/90-degree rotations
        if self.degradation is not None:                # the LR made from this very HR crop, seeded by k
            degraded = degrade(hr_patch.astype(np.float32) / 255.0, s, self.degradation, rng)
            lr_patch = np.round(degraded * 255.0).astype(np.uint8)      # an 8-bit LR, as files are
        return _to_tensor(_dihedral(lr_patch, transform)), _to_tensor(_dihedral(hr_patch, transform))

    def _pick_box(self, lr: np.ndarray, side: int, rng: np.random.Generator) -> tuple[int, int]:
        """A crop's top-left corner in LR pixels. With `min_detail`, flat boxes (sky, bokeh) are
        redrawn, up to DETAIL_TRIES boxes, keeping the most detailed one seen."""
        best, best_detail = (0, 0), -1.0
        for _ in range(DETAIL_TRIES if self.min_detail > 0 else 1):
            y = int(rng.integers(0, lr.shape[0] - side + 1))
            x = int(rng.integers(0, lr.shape[1] - side + 1))
            if self.min_detail <= 0:
                return y, x
            detail = crop_detail(lr[y:y + side, x:x + side])
            if detail >= self.min_detail:
                return y, x
            if detail > best_detail:
                best, best_detail = (y, x), detail
        return best

    def _try_decode(self, path: Path) -> tuple[Path, tuple[np.ndarray, np.ndarray] | str]:
        try:
            return path, self._decode_pair(path)
        except ImageReadError as exc:
            return path, reason_without_name(exc, path)

    def _add(self, path: Path, outcome: tuple[np.ndarray, np.ndarray] | str, budget: int) -> None:
        if isinstance(outcome, str):
            self.skipped.append((path, outcome))
            return
        hr, lr = outcome
        if min(hr.shape[:2]) < self.crop_size:
            self.skipped.append((path, f"{hr.shape[1]}x{hr.shape[0]} is smaller than the "
                                       f"{self.crop_size}-pixel crop"))
            return
        size = hr.nbytes + lr.nbytes
        keep = self.cached_bytes + size <= budget
        self.cached_bytes += size if keep else 0
        self.paths.append(path)
        self._pairs.append((hr, lr) if keep else None)

    def _decode_pair(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        hr = modcrop(shrink_photo(load_rgb8(path), self.photo_scale), self.scale)
        # Pillow's 8-bit BICUBIC is the same antialiased filter as `bicubic_downscale` in fixed
        # point (mean difference ~0.1 grey level, at most 2) and 4x faster than the float path.
        size = (hr.shape[1] // self.scale, hr.shape[0] // self.scale)
        lr = np.asarray(Image.fromarray(hr).resize(size, Image.Resampling.BICUBIC), dtype=np.uint8)
        return hr, lr

    def _permutation(self, seed: int, epoch: int) -> np.ndarray:
        key = (seed, epoch)
        if key not in self._permutations:
            self._permutations = {key: np.random.default_rng((seed, epoch, 1)).permutation(len(self.paths))}
        return self._permutations[key]


class SampleStream(torch.utils.data.Sampler):
    """The endless sample keys (seed, k), (seed, k + 1), ... starting at `start`."""

    def __init__(self, seed: int, start: int = 0) -> None:
        self.seed, self.start = seed, start

    def __iter__(self) -> Iterator[tuple[int, int]]:
        k = self.start
        while True:
            yield self.seed, k
            k += 1


def make_loader(dataset: CropDataset, batch_size: int, seed: int, num_workers: int | None = None,
                start_sample: int = 0, pin_memory: bool = False) -> torch.utils.data.DataLoader:
    """An endless loader of (lr, hr) batches; batch b holds samples b*batch_size ... (b+1)*batch_size-1.

    Resume exactly at step s with start_sample = s * batch_size (same seed and batch size).
    num_workers None: 0 when every image is cached (cutting crops from RAM is cheap), else 1-2
    background decoders. Worker processes share the cache copy-on-write where fork is used.
    """
    if num_workers is None:
        num_workers = 0 if dataset.fully_cached else max(1, min(2, (os.cpu_count() or 2) - 1))
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, sampler=SampleStream(seed, start_sample), num_workers=num_workers,
        drop_last=True, pin_memory=pin_memory, persistent_workers=num_workers > 0)


def crop_detail(patch: np.ndarray) -> float:
    """Mean absolute difference between neighbouring luma values (0-255): ~1 for sky, ~12 for a
    typical Set5/Set14 crop at LR size."""
    y = patch.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return float((np.abs(np.diff(y, axis=0)).mean() + np.abs(np.diff(y, axis=1)).mean()) / 2)


def _dihedral(patch: np.ndarray, transform: int) -> np.ndarray:
    if transform & 1:
        patch = patch[:, ::-1]
    if transform & 2:
        patch = patch[::-1]
    if transform & 4:
        patch = patch.transpose(1, 0, 2)
    return patch


def _to_tensor(patch: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(patch.transpose(2, 0, 1))).float().div_(255.0)
