"""Turn files and folders into a list of (source, destination) jobs, before anything runs.

Planning reads only image headers, so a preview of thousands of files is quick. It is also
where the batch promises are kept: outputs never land inside an input folder or on top of an
input, two sources never share one destination, and unusable files are listed with a reason
instead of stopping anything.
"""

from __future__ import annotations

import fnmatch
import os
import string
from dataclasses import dataclass, field
from pathlib import Path

from core.common.atomic import longest_target_name
from core.common.errors import first_line, reason_without_name
from core.imageio.complete import check_complete
from core.imageio.files import (
    DEFAULT_MAX_PIXELS,
    FORMAT_SUFFIXES,
    IMAGE_SUFFIXES,
    OUTPUT_FORMATS,
    SUFFIX_FORMATS,
    ImageReadError,
    read_image_size,
)

FORMAT_CHOICES = ("keep",) + tuple(OUTPUT_FORMATS)
EXISTING_CHOICES = ("skip", "overwrite")
NAMING_FIELDS = ("stem", "ext", "name", "scale")
DEFAULT_NAMING = "{stem}_x4.{ext}"


class BatchPlanError(ValueError):
    """The batch as a whole cannot run (bad option, output inside an input); one line for the user."""


@dataclass(frozen=True)
class BatchOptions:
    output_dir: Path | None = None          # None: a sibling "<folder>_x4" (files: beside themselves)
    recursive: bool = True
    include: tuple[str, ...] = ()           # glob patterns on the name or relative path; () = all
    exclude: tuple[str, ...] = ()
    naming: str = DEFAULT_NAMING
    output_format: str = "keep"             # "keep" or one of core.imageio.files.OUTPUT_FORMATS
    quality: int = 95
    existing: str = "skip"                  # or "overwrite"
    max_pixels: int | None = DEFAULT_MAX_PIXELS   # planning flags bigger images; None allows them
    # Automatic per image: each file gets the model core.inference.recommend suggests for it, the
    # others the run's own model (core.batch.model_choice). A batch's choice, as a single image has none.
    auto_model: bool = False

    def __post_init__(self) -> None:
        if self.output_format not in FORMAT_CHOICES:
            raise BatchPlanError(f"unknown output format {self.output_format!r} "
                                 f"(choose from {', '.join(FORMAT_CHOICES)})")
        if self.existing not in EXISTING_CHOICES:
            raise BatchPlanError(f"'existing' must be 'skip' or 'overwrite', got {self.existing!r}")
        if not 1 <= self.quality <= 100:
            raise BatchPlanError(f"quality must be between 1 and 100, got {self.quality}")
        check_naming(self.naming)


@dataclass(frozen=True)
class BatchJob:
    source: Path
    destination: Path
    width: int                              # input pixels, from the header
    height: int
    exists: bool = False                    # the destination was already there when planned

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass
class BatchPlan:
    jobs: list[BatchJob]
    problems: list[tuple[Path, str]]        # files that will not be processed, and why
    options: BatchOptions
    output_roots: list[Path] = field(default_factory=list)

    @property
    def total_pixels(self) -> int:
        return sum(job.pixels for job in self.jobs)

    @property
    def pending(self) -> list[BatchJob]:
        """Jobs that will really run (existing outputs are skipped in "skip" mode)."""
        if self.options.existing == "overwrite":
            return list(self.jobs)
        return [job for job in self.jobs if not job.exists]

    @property
    def pending_pixels(self) -> int:
        return sum(job.pixels for job in self.pending)


def check_naming(pattern: str) -> None:
    """Refuse patterns that name no source, use unknown fields, or leave their folder."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise BatchPlanError(f"naming pattern {pattern!r} is malformed ({exc})") from None
    unknown = [f for f in fields if f not in NAMING_FIELDS]
    if unknown:
        raise BatchPlanError(f"naming pattern uses unknown field {{{unknown[0]}}} "
                             f"(known: {', '.join('{' + f + '}' for f in NAMING_FIELDS)})")
    if "stem" not in fields and "name" not in fields:
        raise BatchPlanError("naming pattern must contain {stem} or {name}, or every output gets the same name")
    if "/" in pattern or "\\" in pattern or pattern.strip() in ("", ".", ".."):
        raise BatchPlanError(f"naming pattern {pattern!r} must be a plain file name (no folders)")


def output_format_for(source: Path, output_format: str) -> str:
    """The format an output is written in; "keep" falls back to PNG for formats we cannot write."""
    if output_format != "keep":
        return output_format
    return SUFFIX_FORMATS.get(source.suffix.lower(), "png")


def output_name(source: Path, options: BatchOptions, scale: int = 4) -> str:
    fmt = output_format_for(source, options.output_format)
    same = options.output_format == "keep" and SUFFIX_FORMATS.get(source.suffix.lower()) == fmt
    ext = source.suffix[1:].lower() if same else FORMAT_SUFFIXES[fmt][1:]
    return options.naming.format(stem=source.stem, ext=ext, name=source.name, scale=scale)


def plan_batch(inputs: list[Path], options: BatchOptions = BatchOptions(), scale: int = 4) -> BatchPlan:
    """Expand `inputs` (files and folders) into jobs; problems are reported, not raised.

    Raises `BatchPlanError` only for what makes the whole batch wrong: a missing input, or an
    output folder inside an input folder (outputs would be re-read as inputs next time).
    """
    inputs = [Path(p) for p in inputs]
    for path in inputs:
        if not path.exists():
            raise BatchPlanError(f"{path}: no such file or folder")
    folders = [p for p in inputs if p.is_dir()]
    _refuse_output_inside_inputs(folders, options)
    candidates: list[tuple[Path, Path]] = []           # (source, its output folder)
    roots: dict[str, Path] = {}
    for path in inputs:
        if path.is_dir():
            root = _output_root(path, options, mirror_into_root=len(inputs) == 1)
            for source in _walk(path, options):
                candidates.append((source, root / source.parent.relative_to(path)))
        else:
            root = options.output_dir or path.parent
            candidates.append((path, root))
        roots.setdefault(str(root), root)
    plan = _build_plan(candidates, options, scale)
    plan.output_roots = list(roots.values())
    return plan


def _build_plan(candidates: list[tuple[Path, Path]], options: BatchOptions, scale: int) -> BatchPlan:
    sources = {_key(source) for source, _ in candidates}
    claimed: dict[str, Path] = {}
    name_limits: dict[Path, int] = {}
    jobs, problems = [], []
    for source, out_folder in candidates:
        destination = out_folder / output_name(source, options, scale)
        reason = _probe(source, options.max_pixels)
        limit = name_limits.setdefault(out_folder, longest_target_name(out_folder))
        length = len(os.fsencode(destination.name))
        if isinstance(reason, str):
            problems.append((source, reason))
        elif length > limit:
            problems.append((source, f"its output name is too long for the file system "
                                     f"({length} bytes, at most {limit})"))
        elif _key(destination) in sources:
            problems.append((source, f"its output {destination.name} would overwrite an input file"))
        elif _key(destination) in claimed:
            problems.append((source, f"same output name as {claimed[_key(destination)]} ({destination.name})"))
        else:
            claimed[_key(destination)] = source
            width, height = reason
            jobs.append(BatchJob(source, destination, width, height, exists=_exists(destination)))
    return BatchPlan(jobs, problems, options)


def _exists(path: Path) -> bool:
    """Whether a destination is there; a folder that cannot be looked into says no (the run will say why)."""
    try:
        return path.exists()
    except OSError:
        return False


def _probe(path: Path, max_pixels: int | None) -> tuple[int, int] | str:
    """(width, height) from the header, or why the file cannot be used (a truncated JPEG/PNG too)."""
    try:
        size = read_image_size(path, max_pixels)
        check_complete(path, max_pixels)
        return size
    except ImageReadError as exc:
        return reason_without_name(exc, path)
    except Exception as exc:  # noqa: BLE001 - a damaged header may upset any plugin; never crash the plan
        return f"damaged image header ({first_line(exc, 120)})"


def _walk(folder: Path, options: BatchOptions) -> list[Path]:
    """Image files under `folder` in a stable order; hidden files and folders are left out."""
    found = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if options.recursive else []
        for name in sorted(files):
            path = Path(current) / name
            if name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if _selected(path.relative_to(folder).as_posix(), options):
                found.append(path)
    return found


def _selected(relative: str, options: BatchOptions) -> bool:
    """Patterns match the file name or its path below the input folder, ignoring case."""
    def matches(patterns: tuple[str, ...]) -> bool:
        name = relative.rsplit("/", 1)[-1].lower()
        return any(fnmatch.fnmatchcase(name, p.lower()) or fnmatch.fnmatchcase(relative.lower(), p.lower())
                   for p in patterns)
    return (not options.include or matches(options.include)) and not matches(options.exclude)


def _output_root(folder: Path, options: BatchOptions, mirror_into_root: bool) -> Path:
    if options.output_dir is None:
        resolved = folder.resolve()
        return resolved.parent / f"{resolved.name}_x4"
    return options.output_dir if mirror_into_root else options.output_dir / folder.resolve().name


def _refuse_output_inside_inputs(folders: list[Path], options: BatchOptions) -> None:
    if options.output_dir is None:
        return
    out = options.output_dir.resolve()
    for folder in folders:
        inside = folder.resolve()
        if out == inside or inside in out.parents:
            raise BatchPlanError(f"the output folder {options.output_dir} is inside the input folder "
                                 f"{folder}; choose a folder outside it")


def _key(path: Path) -> str:
    """One spelling per file, so 'a/../b.png' and 'b.png' compare equal (case-folded on Windows).

    `os.path.realpath`, not `Path.resolve`: a symbolic link that loops back on itself makes
    `resolve` raise, and such a file must become one skipped file, not a failed plan.
    """
    return os.path.normcase(os.path.realpath(path))
