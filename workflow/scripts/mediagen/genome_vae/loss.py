"""The genome VAE objective, returned as named parts, and the window metrics.

Four groups weigh equally: 7-mers (binary cross-entropy of the gate against
"present", plus the MSE of the values on present 7-mers only), 4-mers, 3-mers
and GC (MSE each). Their sum is scaled by 8,361 / 4 so the reconstruction sits
on the scale of a per-field sum, comparable to the KL summed over latent
dimensions. The total adds ``beta * kl_weight * KL``.
"""

import torch
import torch.nn.functional as F

from ..kmers.layout import GC_INDEX, KMER3, KMER4, KMER7, PROFILE_WIDTH
from .model import PRESENT_THRESHOLD, VAEOutput

RECONSTRUCTION_SCALE = (PROFILE_WIDTH - 1) / 4


def _masked_mse(prediction: torch.Tensor, target: torch.Tensor, mask: torch.Tensor):
    squared = torch.where(mask, (prediction - target) ** 2, torch.zeros_like(target))
    return squared.sum() / mask.sum().clamp(min=1)


def kl_divergence(z_mean: torch.Tensor, z_log_var: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)), summed over latent dimensions, averaged over the batch."""
    per_window = -0.5 * (1 + z_log_var - z_mean**2 - z_log_var.exp()).sum(dim=1)
    return per_window.mean()


def genome_vae_loss(output: VAEOutput, inputs: torch.Tensor, beta: float,
                    kl_weight: float) -> dict[str, torch.Tensor]:
    """Named parts of the objective for a batch of normalised profiles ``inputs``.

    Computed in float32 whatever precision the forward pass ran in.
    """
    decoded = output.decoded
    target7 = inputs[:, KMER7].float()
    present = target7 > PRESENT_THRESHOLD
    parts = {
        "kmer7_bce": F.binary_cross_entropy_with_logits(
            decoded.kmer7_gate_logits.float(), present.float()),
        "kmer7_value_mse": _masked_mse(decoded.kmer7_values.float(), target7, present),
        "kmer4_mse": F.mse_loss(decoded.kmer4.float(), inputs[:, KMER4].float()),
        "kmer3_mse": F.mse_loss(decoded.kmer3.float(), inputs[:, KMER3].float()),
        "gc_mse": F.mse_loss(decoded.gc.float()[:, 0], inputs[:, GC_INDEX].float()),
    }
    parts["reconstruction"] = RECONSTRUCTION_SCALE * (
        parts["kmer7_bce"] + parts["kmer7_value_mse"] + parts["kmer4_mse"]
        + parts["kmer3_mse"] + parts["gc_mse"]
    )
    parts["kl"] = kl_divergence(output.z_mean.float(), output.z_log_var.float())
    parts["total"] = parts["reconstruction"] + beta * kl_weight * parts["kl"]
    return parts


def gate_metric_sums(output: VAEOutput, inputs: torch.Tensor) -> dict[str, float]:
    """Sums and counts behind the 7-mer gate metrics, so batches add up exactly:
    gate accuracy (gate > 0.5 against present), and the squared error of the gated
    output on present and on absent 7-mers."""
    decoded = output.decoded
    target7 = inputs[:, KMER7].float()
    present = target7 > PRESENT_THRESHOLD
    gate_open = decoded.kmer7_gate_logits.float() > 0
    squared = (decoded.gated_kmer7() - target7) ** 2
    return {
        "gate_correct": float((gate_open == present).sum()),
        "kmer7_fields": float(present.numel()),
        "present": float(present.sum()),
        "present_sq_error": float(squared[present].sum()),
        "absent_sq_error": float(squared[~present].sum()),
    }
