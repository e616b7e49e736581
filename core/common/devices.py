"""Which device and precision to run on, and how to describe that choice to the user."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import torch

PRECISIONS = ("auto", "fp32")


@dataclass(frozen=True)
class DeviceChoice:
    device: torch.device
    dtype: torch.dtype
    description: str
    notice: str = ""

    @property
    def precision(self) -> str:
        return {torch.float32: "fp32", torch.float16: "fp16", torch.bfloat16: "bf16"}[self.dtype]


@dataclass(frozen=True)
class DeviceOption:
    """One entry of a device picker."""

    key: str      # what `choose_device` accepts: "auto", "cpu", "cuda:0", "mps"
    label: str


def cpu_supports_fast_bf16() -> bool:
    """True on CPUs with native bf16 matrix units (avx512_bf16 or AMX), where bf16 pays off."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def nvidia_gpu_present() -> bool:
    """A driver-level hint that an NVIDIA GPU exists, independent of this torch build."""
    return os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi") is not None


def cpu_only_torch_notice() -> str:
    if torch.cuda.is_available() or not nvidia_gpu_present():
        return ""
    if torch.version.cuda is None:
        return ("An NVIDIA GPU is present but this PyTorch build is CPU-only; install a CUDA "
                "build of PyTorch to use it.")
    return "An NVIDIA GPU is present but PyTorch cannot use it (check the driver version)."


def available_devices() -> list[DeviceOption]:
    options = [DeviceOption("auto", "Automatic")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            options.append(DeviceOption(f"cuda:{i}", f"{torch.cuda.get_device_name(i)} (CUDA)"))
    if mps_available():
        options.append(DeviceOption("mps", "Apple GPU (MPS)"))
    options.append(DeviceOption("cpu", cpu_label()))
    return options


def choose_device(requested: str = "auto", precision: str = "auto") -> DeviceChoice:
    """Resolve the user's device and precision wish into what will actually run.

    auto precision: fp16 on CUDA, fp32 on MPS, bf16 on CPUs with native bf16, else fp32.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    device = _resolve(requested)
    fast = precision == "auto"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        return DeviceChoice(device, torch.float16 if fast else torch.float32, f"{name} (CUDA)")
    if device.type == "mps":
        return DeviceChoice(device, torch.float32, "Apple GPU (MPS)")
    dtype = torch.bfloat16 if fast and cpu_supports_fast_bf16() else torch.float32
    return DeviceChoice(device, dtype, cpu_label(), cpu_only_torch_notice())


def cpu_label() -> str:
    """"CPU (8 threads)", or "CPU (1 thread)" on a machine or a setting that allows one."""
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


def _resolve(requested: str) -> torch.device:
    requested = (requested or "auto").strip().lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", 0)
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {requested!r} asked for, but no CUDA GPU is usable. "
                             + (cpu_only_torch_notice() or "Choose 'cpu' or 'auto'."))
        device = torch.device(requested)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"no CUDA GPU number {device.index} (found {torch.cuda.device_count()})")
        return device
    if requested == "mps":
        if not mps_available():
            raise ValueError("device 'mps' asked for, but Apple's MPS is not available here")
        return torch.device("mps")
    if requested == "cpu":
        return torch.device("cpu")
    raise ValueError(f"unknown device {requested!r}: use auto, cpu, cuda, cuda:N or mps")
