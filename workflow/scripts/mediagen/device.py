"""Where the models run: CUDA with bf16 autocast when a GPU is present, else the CPU."""

import contextlib
import logging
import re

import torch

from .errors import MediagenError

log = logging.getLogger(__name__)

DEVICE_NAMES = re.compile(r"auto|cpu|cuda(:\d+)?")


def pick_device(requested: str = "auto") -> torch.device:
    """``auto`` takes CUDA when available; ``cpu`` or ``cuda[:N]`` force one."""
    requested = str(requested)
    if not DEVICE_NAMES.fullmatch(requested):
        raise MediagenError(f"device {requested!r} is unknown; use cpu, cuda or auto "
                            "(cuda:N for the N-th GPU)")
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise MediagenError(f"device {str(device)!r}: no CUDA GPU is available here (or this "
                            "torch is built without CUDA); use cpu or auto")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise MediagenError(f"device {str(device)!r}: there are only "
                            f"{torch.cuda.device_count()} CUDA GPU(s) here, numbered from 0")
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
