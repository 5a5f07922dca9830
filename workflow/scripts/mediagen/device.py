"""Where the models run: CUDA with bf16 autocast when a GPU is present, else the CPU."""

import contextlib
import logging

import torch

log = logging.getLogger(__name__)


def pick_device(requested: str = "auto") -> torch.device:
    """``auto`` takes CUDA when available; ``cpu`` or ``cuda[:N]`` force one."""
    if requested == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(requested)
    if device.type == "cuda":
        log.info("running on %s (%s)", device, torch.cuda.get_device_name(device))
    else:
        log.info("running on the CPU (%d threads)", torch.get_num_threads())
    return device


def autocast(device: torch.device):
    """bf16 autocast on CUDA; nothing on the CPU, where fp32 is exact and reproducible."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
