"""ConditionalMediaVAE: media compositions conditioned on a genome embedding.

Encoder ``[X, C] -> 256 -> 128 -> (mu, log-variance)``, decoder
``[z, C] -> 128 -> 64 -> X``; each hidden layer is Linear + BatchNorm +
LeakyReLU. Real media are sparse (a dozen or so ingredients out of hundreds),
so the decoder is a hurdle model: one head gives each ingredient's probability
of being present, the other its amount (softplus, so never negative) in the
transformed space of :mod:`mediagen.cvae.transform`. The loss is the presence
binary cross-entropy plus the squared error of the amounts of the ingredients
that are present, plus beta times the KL divergence; every part is averaged per
ingredient, so ``loss = recon + kl`` reads on one scale whatever the catalog's
width.

At its public edge the model speaks grams per litre and raw genome embeddings;
the transforms, the ingredient ids and names, the catalog media used for
nearest-medium lookups and the training history travel inside the checkpoint.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoint import load_checkpoint, load_weights, save_checkpoint
from ..errors import MediagenError
from .config import CVAEConfig
from .transform import ConditionTransform, Embedding, MediaTransform

CHECKPOINT_KIND = "cvae"
CHECKPOINT_FIELDS = ("state_dict", "config", "ingredient_ids", "ingredient_names",
                     "media_transform", "condition_transform", "reference_media",
                     "type_conditions", "provenance", "phase", "types_seen", "history")
LOG_VAR_RANGE = (-12.0, 8.0)
MIN_AMOUNT = math.log1p(0.01)  # transformed: 1 % of an ingredient's typical g/L


def dense_block(width_in: int, width_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(width_in, width_out), nn.BatchNorm1d(width_out), nn.LeakyReLU(0.2)
    )


def stacked_blocks(widths: list[int]) -> nn.Sequential:
    return nn.Sequential(*(dense_block(a, b) for a, b in zip(widths, widths[1:], strict=False)))


class Encoder(nn.Module):
    """``[X, C]`` -> hidden blocks -> mean and log-variance of q(z | X, C)."""

    def __init__(self, config: CVAEConfig):
        super().__init__()
        self.body = stacked_blocks(
            [config.n_ingredients + config.condition_dim, *config.encoder_dims]
        )
        self.mu = nn.Linear(config.encoder_dims[-1], config.latent_dim)
        self.log_var = nn.Linear(config.encoder_dims[-1], config.latent_dim)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.body(torch.cat([x, c], dim=1))
        return self.mu(hidden), self.log_var(hidden).clamp(*LOG_VAR_RANGE)


class Decoder(nn.Module):
    """``[z, C]`` -> hidden blocks -> presence logits and non-negative amounts."""

    def __init__(self, config: CVAEConfig):
        super().__init__()
        self.body = stacked_blocks([config.latent_dim + config.condition_dim, *config.decoder_dims])
        self.presence = nn.Linear(config.decoder_dims[-1], config.n_ingredients)
        self.amount = nn.Linear(config.decoder_dims[-1], config.n_ingredients)

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.body(torch.cat([z, c], dim=1))
        return self.presence(hidden), F.softplus(self.amount(hidden))


def cvae_loss(
    presence_logits: torch.Tensor,
    amount: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    log_var: torch.Tensor,
    beta: float,
) -> dict[str, torch.Tensor]:
    """Named loss parts, each averaged per ingredient and sample; ``kl`` is beta-weighted."""
    presence_logits, amount, mu, log_var = (t.float() for t in (presence_logits, amount, mu,
                                                                  log_var))
    n_ingredients = x.shape[1]
    present = (x > 0).float()
    presence = F.binary_cross_entropy_with_logits(presence_logits, present, reduction="mean")
    amount_error = ((amount - x) ** 2 * present).sum(dim=1).mean() / n_ingredients
    kl_per_sample = -0.5 * (1 + log_var - mu.pow(2) - log_var.exp()).sum(dim=1)
    kl = beta * kl_per_sample.mean() / n_ingredients
    recon = presence + amount_error
    return {"loss": recon + kl, "recon": recon, "kl": kl, "presence": presence,
            "amount": amount_error}


@dataclass
class ReferenceMedia:
    """Catalog media at the model's width: the candidates for "nearest known medium"."""

    media_ids: list[str]
    media_names: list[str]
    grams_per_litre: np.ndarray  # (n_media, n_ingredients)

    def to_dict(self) -> dict:
        """Sparse rows (most ingredients are absent from most media): nonzero positions
        and values per medium, as plain tensors."""
        rows, columns = np.nonzero(self.grams_per_litre)
        return {
            "media_ids": list(self.media_ids),
            "media_names": list(self.media_names),
            "n_ingredients": int(self.grams_per_litre.shape[1]),
            "rows": torch.from_numpy(rows.astype(np.int64)),
            "columns": torch.from_numpy(columns.astype(np.int64)),
            "values": torch.from_numpy(self.grams_per_litre[rows, columns].astype(np.float64)),
        }

    @classmethod
    def from_dict(cls, record: dict) -> "ReferenceMedia":
        grams = np.zeros((len(record["media_ids"]), int(record["n_ingredients"])))
        grams[record["rows"].numpy(), record["columns"].numpy()] = record["values"].numpy()
        return cls(list(record["media_ids"]), list(record["media_names"]), grams)


@dataclass
class ModelRecord:
    """Everything about a trained model besides its weights and transforms."""

    ingredient_ids: list[str]
    ingredient_names: list[str]
    reference_media: ReferenceMedia
    type_conditions: dict[str, list[float]] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    phase: str = ""
    types_seen: list[str] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    # phase -> {"from": the phase before it, "reason": why}: curriculum phases that had no
    # genome of their own and passed the model before them on unchanged
    passed_on: dict[str, dict] = field(default_factory=dict)


class ConditionalMediaVAE(nn.Module):
    def __init__(
        self,
        config: CVAEConfig,
        media_transform: MediaTransform,
        condition_transform: ConditionTransform,
        record: ModelRecord,
    ):
        super().__init__()
        if len(media_transform.scale) != config.n_ingredients:
            raise ValueError("media transform width differs from the model's")
        if condition_transform.n_components != config.condition_dim:
            raise ValueError("condition transform width differs from the model's")
        self.config = config
        self.media_transform = media_transform
        self.condition_transform = condition_transform
        self.record = record
        self.encoder = Encoder(config)
        self.decoder = Decoder(config)

    # -- the network -----------------------------------------------------------------

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> dict[str, torch.Tensor]:
        """Transformed media and transformed conditions -> named loss parts."""
        mu, log_var = self.encoder(x, c)
        z = mu + torch.randn_like(mu) * (0.5 * log_var).exp() if self.training else mu
        presence_logits, amount = self.decoder(z, c)
        return cvae_loss(presence_logits, amount, x, mu, log_var, self.config.beta)

    def decode_transformed(self, z: torch.Tensor, c: torch.Tensor,
                           sizes: torch.Tensor) -> torch.Tensor:
        """Latent points and conditions -> transformed media with ``sizes[i]`` ingredients.

        Row ``i`` keeps its ``sizes[i]`` most likely ingredients, each at least
        ``MIN_AMOUNT`` (1 % of its typical concentration); the rest are exactly 0. A
        per-ingredient cut at probability 0.5 would keep only what most media of a
        genome share, which for a genome growing on several different media is next to
        nothing; the recipe size comes from the catalog instead (``recipe_sizes``).
        """
        presence_logits, amount = self.decoder(z, c)
        order = presence_logits.float().argsort(dim=1, descending=True)
        ranks = torch.arange(amount.shape[1], device=amount.device).expand_as(order)
        keep = torch.zeros_like(amount, dtype=torch.bool)
        keep.scatter_(1, order, ranks < sizes.to(amount.device)[:, None])
        return amount.float().clamp(min=MIN_AMOUNT) * keep

    # -- the public edge: g/L and raw embeddings -------------------------------------

    @property
    def embedding_method(self) -> str:
        return self.condition_transform.method

    def condition_tensor(self, embedding: Embedding) -> torch.Tensor:
        """The network's condition rows; refuses another method's or width's embedding."""
        return torch.from_numpy(self.condition_transform.apply(embedding)).to(self._device)

    def media_tensor(self, grams_per_litre: np.ndarray) -> torch.Tensor:
        grams = np.asarray(grams_per_litre, dtype=np.float64)
        if grams.ndim != 2 or grams.shape[1] != self.config.n_ingredients:
            raise MediagenError(
                f"media of width {grams.shape[-1]} given to a model of "
                f"{self.config.n_ingredients} ingredients; use the model's ingredient order"
            )
        return torch.from_numpy(self.media_transform.forward(grams)).to(self._device)

    def encode(self, grams_per_litre: np.ndarray, embedding: Embedding) -> np.ndarray:
        """Latent means of media (g/L, n x ingredients) under their genomes' conditions."""
        return self.posterior(grams_per_litre, embedding)[0]

    @torch.no_grad()
    def posterior(self, grams_per_litre: np.ndarray, embedding: Embedding
                  ) -> tuple[np.ndarray, np.ndarray]:
        """(mean, log-variance) of q(z | media, genome) for media (g/L) and conditions."""
        self.eval()
        mu, log_var = self.encoder(self.media_tensor(grams_per_litre),
                                   self.condition_tensor(embedding))
        return mu.float().cpu().numpy(), log_var.float().cpu().numpy()

    @torch.no_grad()
    def predict(self, grams_per_litre: np.ndarray, embedding: Embedding) -> np.ndarray:
        """Reconstruct media (g/L) through the latent mean, each with its own size."""
        self.eval()
        c = self.condition_tensor(embedding)
        x = self.media_tensor(grams_per_litre)
        mu, _ = self.encoder(x, c)
        return self._to_grams(self.decode_transformed(mu, c, _sizes_of(x)))

    @torch.no_grad()
    def generate(
        self, n: int, condition: Embedding, *, seed: int = 0, temperature: float = 1.0,
        anchors: np.ndarray | None = None,
    ) -> np.ndarray:
        """``n`` new media (g/L, n x ingredients) for one genome's embedding.

        Without ``anchors``, latent points come from the prior scaled by ``temperature``
        and recipe sizes from the catalog (``recipe_sizes``). With ``anchors`` (media,
        g/L), recipe ``i`` is a variation of anchor ``i`` modulo their number: its latent
        point is drawn around the anchor's posterior mean (spread: ``temperature`` times
        the posterior's), and it has the anchor's number of ingredients.
        """
        self.eval()
        c = self.condition_tensor(condition)
        if c.shape[0] != 1:
            raise MediagenError(f"generate takes one genome's embedding, got {c.shape[0]}")
        generator = torch.Generator().manual_seed(seed)
        noise = torch.randn(n, self.config.latent_dim, generator=generator).to(self._device)
        c = c.expand(n, -1)
        if anchors is None:
            z = noise * temperature
            sizes = torch.from_numpy(self.recipe_sizes(n, temperature, seed))
        else:
            anchors = np.atleast_2d(anchors)
            if len(anchors) == 0:
                raise MediagenError("no anchor medium to vary")
            x = self.media_tensor(anchors[np.arange(n) % len(anchors)])
            mu, log_var = self.encoder(x, c)
            z = mu + noise * (0.5 * log_var).exp() * temperature
            sizes = _sizes_of(x)
            if not (sizes > 0).all():  # an anchor with no ingredient at the model's width
                sizes = torch.where(sizes > 0, sizes, int(self.recipe_sizes(1, 0.0, seed)[0]))
        return self._to_grams(self.decode_transformed(z, c, sizes))

    def recipe_sizes(self, n: int, temperature: float, seed: int) -> np.ndarray:
        """Ingredient counts for ``n`` recipes, drawn like the catalog's media have them.

        A count is the catalog's quantile at a level drawn uniformly within
        ``temperature / 2`` of the median: temperature 0 gives the median size, 1 the
        whole distribution.
        """
        sizes = (self.record.reference_media.grams_per_litre > 0).sum(axis=1)
        sizes = sizes[sizes > 0]
        if sizes.size == 0:
            raise MediagenError("the model's catalog holds no medium with an ingredient at its "
                                "width; rebuild the dataset with a lower "
                                "catalog.min_ingredient_media")
        spread = min(float(temperature), 1.0) / 2
        levels = np.random.default_rng(seed).uniform(0.5 - spread, 0.5 + spread, size=n)
        return np.quantile(sizes, levels, method="inverted_cdf").astype(np.int64)

    @torch.no_grad()
    def decode_conditions(self, conditions: np.ndarray) -> np.ndarray:
        """The media (g/L) at the latent origin for transformed condition rows, each of the
        catalog's median size."""
        self.eval()
        c = torch.as_tensor(conditions, dtype=torch.float32, device=self._device)
        z = torch.zeros(c.shape[0], self.config.latent_dim, device=self._device)
        sizes = torch.from_numpy(self.recipe_sizes(c.shape[0], 0.0, 0))
        return self._to_grams(self.decode_transformed(z, c, sizes))

    def _to_grams(self, transformed: torch.Tensor) -> np.ndarray:
        return self.media_transform.inverse(transformed.float().cpu().numpy())

    @property
    def _device(self) -> torch.device:
        return next(self.parameters()).device

    # -- saving, loading ----------------------------------------------------

    def save(self, path: str | Path) -> None:
        record = self.record
        save_checkpoint(path, CHECKPOINT_KIND, {
            "state_dict": {k: v.detach().cpu() for k, v in self.state_dict().items()},
            "config": self.config.to_dict(),
            "embedding": {"method": self.embedding_method, "dim": self.condition_transform.dim},
            "ingredient_ids": list(record.ingredient_ids),
            "ingredient_names": list(record.ingredient_names),
            "media_transform": self.media_transform.to_dict(),
            "condition_transform": {
                k: torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray) else v
                for k, v in self.condition_transform.to_dict().items()},
            "reference_media": record.reference_media.to_dict(),
            "type_conditions": {str(k): [float(x) for x in v]
                                for k, v in record.type_conditions.items()},
            "provenance": dict(record.provenance),
            "phase": str(record.phase),
            "types_seen": [str(t) for t in record.types_seen],
            "history": list(record.history),
            "passed_on": {str(k): dict(v) for k, v in record.passed_on.items()},
        })

    @classmethod
    def load(cls, path: str | Path, map_location="cpu") -> "ConditionalMediaVAE":
        checkpoint = load_checkpoint(path, CHECKPOINT_KIND, CHECKPOINT_FIELDS,
                                     map_location=map_location)
        record = ModelRecord(
            ingredient_ids=list(checkpoint["ingredient_ids"]),
            ingredient_names=list(checkpoint["ingredient_names"]),
            reference_media=ReferenceMedia.from_dict(checkpoint["reference_media"]),
            type_conditions=dict(checkpoint["type_conditions"]),
            provenance=dict(checkpoint["provenance"]),
            phase=str(checkpoint["phase"]),
            types_seen=list(checkpoint["types_seen"]),
            history=list(checkpoint["history"]),
            passed_on=dict(checkpoint.get("passed_on", {})),  # absent before phases passed on
        )
        model = cls(
            CVAEConfig.from_dict(checkpoint["config"]),
            MediaTransform.from_dict(checkpoint["media_transform"]),
            ConditionTransform.from_dict(checkpoint["condition_transform"]),
            record,
        )
        load_weights(model, checkpoint["state_dict"], path)
        model.eval()
        return model


def _sizes_of(transformed: torch.Tensor) -> torch.Tensor:
    """The number of ingredients of each medium row."""
    return (transformed > 0).sum(dim=1)


def parameter_count(module: nn.Module) -> int:
    return sum(math.prod(p.shape) for p in module.parameters())
