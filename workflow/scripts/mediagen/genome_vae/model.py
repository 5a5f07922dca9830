"""The genome VAE: a three-branch encoder and a decoder with a gated 7-mer head.

Inputs are normalised window profiles in the 8,362-field layout (see
``data.normalise_profiles``): length as a fraction of the window, then
``log(x + 1e-6)`` of the 7-, 4-, 3-mer frequencies and GC. Each k-mer branch
sees its own k-mers plus copies of length and GC. The decoder returns the
8,361 fields after length: 7-mers, 4-mers, 3-mers, GC.

Most canonical 7-mers are absent from a 5 kb window, so the 7-mer head has a
gate: a sigmoid per 7-mer saying "present", and values used only where it is
open; a closed gate outputs the floor ``log(1e-6)``. GC is predicted by every
branch and averaged.
"""

from collections import OrderedDict
from typing import NamedTuple

import torch
from torch import nn

from ..errors import MediagenError
from ..kmers.layout import (
    GC_INDEX,
    KMER3,
    KMER4,
    KMER7,
    LENGTH_INDEX,
    LOG_FLOOR,
    N_CANONICAL,
    PROFILE_WIDTH,
)
from .config import GenomeVAEConfig

# Every branch also sees length and GC.
SIDE_FIELDS = [LENGTH_INDEX, GC_INDEX]
BRANCH_INPUTS = {"kmer7": N_CANONICAL[7] + 2, "kmer4": N_CANONICAL[4] + 2,
                 "kmer3": N_CANONICAL[3] + 2}
OUTPUT_WIDTH = PROFILE_WIDTH - 1  # no length
# In log space a k-mer seen once in a 5 kb window sits near -8.5 and an absent one
# at the floor log(1e-6) = -13.8; anything above -10 counts as present.
PRESENT_THRESHOLD = -10.0
# Fields that barely vary (length is 1.0 in almost every window) are scaled by at most 1/0.1.
MIN_INPUT_STD = 0.1


def dense_stack(in_width: int, widths: tuple[int, ...], slope: float) -> nn.Sequential:
    """Dense + BatchNorm + LeakyReLU blocks named ``dense1``, ``dense2``, ..."""
    blocks = OrderedDict()
    for index, width in enumerate(widths, start=1):
        blocks[f"dense{index}"] = nn.Sequential(
            nn.Linear(in_width, width), nn.BatchNorm1d(width), nn.LeakyReLU(slope)
        )
        in_width = width
    return nn.Sequential(blocks)


def check_profile_width(inputs: torch.Tensor) -> None:
    if inputs.ndim != 2 or inputs.shape[1] != PROFILE_WIDTH:
        raise MediagenError(
            f"genome VAE input has shape {tuple(inputs.shape)}; it needs (windows, "
            f"{PROFILE_WIDTH}) window profiles in the mediagen profile layout; recompute "
            "them with this mediagen version"
        )


class GenomeEncoder(nn.Module):
    def __init__(self, config: GenomeVAEConfig):
        super().__init__()
        slope = config.leaky_relu_slope
        self.kmer7 = dense_stack(BRANCH_INPUTS["kmer7"], config.kmer7_widths, slope)
        self.kmer4 = dense_stack(BRANCH_INPUTS["kmer4"], config.kmer4_widths, slope)
        self.kmer3 = dense_stack(BRANCH_INPUTS["kmer3"], config.kmer3_widths, slope)
        self.shared = dense_stack(config.concat_width, config.shared_widths, slope)
        self.z_mean = nn.Linear(config.shared_widths[-1], config.latent_dim)
        self.z_log_var = nn.Linear(config.shared_widths[-1], config.latent_dim)
        self.log_var_range = (config.log_var_min, config.log_var_max)
        self.register_buffer("input_mean", torch.zeros(PROFILE_WIDTH))
        self.register_buffer("input_std", torch.ones(PROFILE_WIDTH))

    @torch.no_grad()
    def standardise_like(self, inputs: torch.Tensor) -> None:
        """Standardise every input field with its mean and spread over ``inputs``
        (normalised training windows). Log frequencies sit around -8 to -14 with spreads
        of a few units; centred inputs make the first layers train many times faster."""
        self.input_mean.copy_(inputs.mean(dim=0))
        self.input_std.copy_(inputs.std(dim=0).nan_to_num(0).clamp(min=MIN_INPUT_STD))

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inputs = (inputs - self.input_mean) / self.input_std
        side = inputs[:, SIDE_FIELDS]
        hidden = torch.cat([
            self.kmer7(torch.cat([inputs[:, KMER7], side], dim=1)),
            self.kmer4(torch.cat([inputs[:, KMER4], side], dim=1)),
            self.kmer3(torch.cat([inputs[:, KMER3], side], dim=1)),
        ], dim=1)
        hidden = self.shared(hidden)
        return self.z_mean(hidden), self.z_log_var(hidden).clamp(*self.log_var_range)


class DecodedProfile(NamedTuple):
    """Decoder heads, in the model's (log) space."""

    kmer7_values: torch.Tensor  # (n, 8192) log frequency where present
    kmer7_gate_logits: torch.Tensor  # (n, 8192) logit of "present"
    kmer4: torch.Tensor  # (n, 136)
    kmer3: torch.Tensor  # (n, 32)
    gc: torch.Tensor  # (n, 1) mean of the three branches' GC heads

    def gated_kmer7(self) -> torch.Tensor:
        """gate * values + (1 - gate) * floor, in float32 whatever the heads ran in."""
        gate = torch.sigmoid(self.kmer7_gate_logits.float())
        return gate * self.kmer7_values.float() + (1 - gate) * LOG_FLOOR

    def reconstruction(self) -> torch.Tensor:
        """The 8,361 fields after length: [7-mers (gated), 4-mers, 3-mers, GC], float32."""
        return torch.cat([self.gated_kmer7(), self.kmer4.float(), self.kmer3.float(),
                          self.gc.float()], dim=1)


class GenomeDecoder(nn.Module):
    def __init__(self, config: GenomeVAEConfig):
        super().__init__()
        slope = config.leaky_relu_slope
        shared_widths = (*config.shared_widths[::-1], config.concat_width)
        self.shared = dense_stack(config.latent_dim, shared_widths, slope)
        self.kmer7 = dense_stack(config.concat_width, config.kmer7_widths[::-1], slope)
        self.kmer4 = dense_stack(config.concat_width, config.kmer4_widths[::-1], slope)
        self.kmer3 = dense_stack(config.concat_width, config.kmer3_widths[::-1], slope)
        self.kmer7_values = nn.Linear(config.kmer7_widths[0], N_CANONICAL[7])
        self.kmer7_gate = nn.Linear(config.kmer7_widths[0], N_CANONICAL[7])
        self.kmer7_gc = nn.Linear(config.kmer7_widths[0], 1)
        self.kmer4_values = nn.Linear(config.kmer4_widths[0], N_CANONICAL[4])
        self.kmer4_gc = nn.Linear(config.kmer4_widths[0], 1)
        self.kmer3_values = nn.Linear(config.kmer3_widths[0], N_CANONICAL[3])
        self.kmer3_gc = nn.Linear(config.kmer3_widths[0], 1)

    @torch.no_grad()
    def initialise_output_biases(self, inputs: torch.Tensor) -> None:
        """Start each head at its targets' mean over ``inputs`` (normalised training
        windows): the gate at each 7-mer's presence rate, the values at its mean where
        present. The first epochs then learn structure instead of offsets of ~8 nats."""
        target7 = inputs[:, KMER7]
        present = (target7 > PRESENT_THRESHOLD).float()
        rate = present.mean(dim=0).clamp(1e-3, 1 - 1e-3)
        seen = present.sum(dim=0)
        overall = (target7 * present).sum() / present.sum().clamp(min=1)
        value_mean = torch.where(seen > 0, (target7 * present).sum(dim=0) / seen.clamp(min=1),
                                 overall)
        self.kmer7_gate.bias.copy_(torch.logit(rate))
        self.kmer7_values.bias.copy_(value_mean)
        self.kmer4_values.bias.copy_(inputs[:, KMER4].mean(dim=0))
        self.kmer3_values.bias.copy_(inputs[:, KMER3].mean(dim=0))
        for head in (self.kmer7_gc, self.kmer4_gc, self.kmer3_gc):
            head.bias.fill_(float(inputs[:, GC_INDEX].mean()))

    def forward(self, z: torch.Tensor) -> DecodedProfile:
        shared = self.shared(z)
        h7, h4, h3 = self.kmer7(shared), self.kmer4(shared), self.kmer3(shared)
        gc = (self.kmer7_gc(h7) + self.kmer4_gc(h4) + self.kmer3_gc(h3)) / 3
        return DecodedProfile(
            self.kmer7_values(h7), self.kmer7_gate(h7), self.kmer4_values(h4),
            self.kmer3_values(h3), gc,
        )


class VAEOutput(NamedTuple):
    z_mean: torch.Tensor
    z_log_var: torch.Tensor
    z: torch.Tensor
    decoded: DecodedProfile


class GenomeVAE(nn.Module):
    """Encoder and decoder built from a ``GenomeVAEConfig``, which the model keeps."""

    def __init__(self, config: GenomeVAEConfig):
        super().__init__()
        self.config = config
        self.encoder = GenomeEncoder(config)
        self.decoder = GenomeDecoder(config)

    def initialise_from_windows(self, inputs: torch.Tensor) -> None:
        """Data-dependent start: input standardisation and output-head biases from a
        sample of normalised training windows (both are saved in the state dict)."""
        self.encoder.standardise_like(inputs)
        self.decoder.initialise_output_biases(inputs)

    def encode(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Latent mean and (clipped) log-variance of normalised window profiles."""
        check_profile_width(inputs)
        return self.encoder(inputs)

    def forward(self, inputs: torch.Tensor, generator: torch.Generator | None = None
                ) -> VAEOutput:
        """In training mode z is sampled (noise from ``generator``); in eval mode z is
        the latent mean, so evaluation and embeddings are deterministic."""
        z_mean, z_log_var = self.encode(inputs)
        if self.training:
            noise = torch.randn(z_mean.shape, generator=generator, device=z_mean.device,
                                dtype=z_mean.dtype)
            z = z_mean + torch.exp(0.5 * z_log_var) * noise
        else:
            z = z_mean
        return VAEOutput(z_mean, z_log_var, z, self.decoder(z))


def count_parameters(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())
