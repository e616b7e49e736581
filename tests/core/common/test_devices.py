"""Device choice: automatic or the user's, with clear words when it cannot be honoured."""

from __future__ import annotations

import pytest
import torch

import core.common.devices as devices
from core.common.devices import available_devices, choose_device


def test_auto_on_a_machine_without_gpus_is_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "mps_available", lambda: False)
    choice = choose_device("auto")
    assert choice.device.type == "cpu" and "CPU" in choice.description
    assert choice.precision in ("fp32", "bf16")


def test_fp32_is_always_available():
    assert choose_device("cpu", "fp32").precision == "fp32"


def test_cpu_bf16_only_where_the_cpu_has_bf16_units(monkeypatch):
    monkeypatch.setattr(devices, "cpu_supports_fast_bf16", lambda: False)
    assert choose_device("cpu").precision == "fp32"
    monkeypatch.setattr(devices, "cpu_supports_fast_bf16", lambda: True)
    assert choose_device("cpu").precision == "bf16"
    assert choose_device("cpu", "fp32").precision == "fp32"


@pytest.mark.parametrize("requested", ["cuda", "cuda:0", "CUDA:1"])
def test_cuda_without_cuda_is_a_clear_error(monkeypatch, requested):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="no CUDA GPU is usable"):
        choose_device(requested)


def test_mps_without_mps_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(devices, "mps_available", lambda: False)
    with pytest.raises(ValueError, match="MPS is not available"):
        choose_device("mps")


@pytest.mark.parametrize("requested,precision", [("tpu", "auto"), ("cpu", "int8")])
def test_unknown_device_or_precision_is_refused(requested, precision):
    with pytest.raises(ValueError, match="unknown device|precision must be"):
        choose_device(requested, precision)


def test_cpu_only_torch_on_an_nvidia_machine_says_so(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "nvidia_gpu_present", lambda: True)
    monkeypatch.setattr(torch.version, "cuda", None)
    assert "CPU-only" in choose_device("cpu").notice
    with pytest.raises(ValueError, match="CPU-only"):
        choose_device("cuda")


def test_picker_lists_automatic_first_and_the_cpu():
    keys = [option.key for option in available_devices()]
    assert keys[0] == "auto" and "cpu" in keys


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_is_chosen_automatically_with_fp16():
    choice = choose_device("auto")
    assert choice.device.type == "cuda" and choice.precision == "fp16"


@pytest.mark.parametrize("threads, words", [(1, "CPU (1 thread)"), (8, "CPU (8 threads)")])
def test_the_cpu_is_named_with_its_thread_count_in_plain_english(monkeypatch, threads, words):
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads)
    assert choose_device("cpu").description == words
    assert [o.label for o in available_devices() if o.key == "cpu"] == [words]
