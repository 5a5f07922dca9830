"""What a genome VAE is (architecture) and how it is trained, as plain dataclasses.

The architecture config travels inside every checkpoint, so a saved model is
rebuilt from its own widths, never from the code's current defaults. Two named
presets exist: ``default`` (the resolved multi-branch design) and ``wide`` (the
first layout asked for, with a 4,096 -> 2,048 7-mer branch).
"""

import dataclasses
from dataclasses import dataclass

from ..errors import MediagenError


@dataclass(frozen=True)
class GenomeVAEConfig:
    """Layer widths of every block; the decoder mirrors the encoder.

    Encoder: each branch (7-, 4-, 3-mers, each with copies of length and GC) runs
    through its widths, the branch outputs are concatenated and run through
    ``shared_widths`` to the latent mean and log-variance. Decoder: the latent
    runs back through the shared widths reversed to the concatenation width,
    then each branch projects from it through its own widths reversed to its
    heads.
    """

    kmer7_widths: tuple[int, ...] = (1024, 512, 256)
    kmer4_widths: tuple[int, ...] = (128, 64)
    kmer3_widths: tuple[int, ...] = (64, 32)
    shared_widths: tuple[int, ...] = (512,)
    latent_dim: int = 512
    log_var_min: float = -20.0
    log_var_max: float = 2.0
    leaky_relu_slope: float = 0.2

    def __post_init__(self) -> None:
        for name in ("kmer7_widths", "kmer4_widths", "kmer3_widths", "shared_widths"):
            widths = tuple(int(w) for w in getattr(self, name))
            if not widths or min(widths) < 1:
                raise MediagenError(
                    f"genome_vae {name} {list(widths)}: needs at least one positive width"
                )
            object.__setattr__(self, name, widths)
        if int(self.latent_dim) < 1:
            raise MediagenError(f"genome_vae latent_dim {self.latent_dim}: must be positive")
        object.__setattr__(self, "latent_dim", int(self.latent_dim))

    @property
    def concat_width(self) -> int:
        """Width where the three branches meet (352 in the default preset)."""
        return self.kmer7_widths[-1] + self.kmer4_widths[-1] + self.kmer3_widths[-1]

    def to_dict(self) -> dict:
        """Plain lists and numbers, as stored in a checkpoint."""
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, values: dict) -> "GenomeVAEConfig":
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise MediagenError(
                f"genome VAE architecture has unknown fields {unknown}; "
                "the model file was written by another mediagen version, retrain it"
            )
        return cls(**values)


PRESETS = {
    "default": GenomeVAEConfig(),
    "wide": GenomeVAEConfig(
        kmer7_widths=(4096, 2048),
        kmer4_widths=(64, 32),
        kmer3_widths=(16, 8),
        shared_widths=(1024, 512),
    ),
}

# config key under genome_vae.widths -> architecture field
WIDTH_KEYS = {
    "kmer7": "kmer7_widths",
    "kmer4": "kmer4_widths",
    "kmer3": "kmer3_widths",
    "shared": "shared_widths",
}


def architecture_from_settings(settings: dict) -> GenomeVAEConfig:
    """The architecture a ``genome_vae`` config section asks for: a preset, its
    latent size, and any per-block width overrides under ``widths``."""
    preset = settings.get("preset", "default")
    if preset not in PRESETS:
        raise MediagenError(
            f"genome_vae preset {preset!r} is unknown; use one of {sorted(PRESETS)}"
        )
    overrides = {WIDTH_KEYS[key]: tuple(value)
                 for key, value in (settings.get("widths") or {}).items()}
    if "latent_dim" in settings:
        overrides["latent_dim"] = settings["latent_dim"]
    return dataclasses.replace(PRESETS[preset], **overrides)


@dataclass(frozen=True)
class TrainingConfig:
    """How a genome VAE is trained; every field comes from the ``genome_vae`` config."""

    epochs: int = 200
    batch_size: int = 128
    learning_rate: float = 1e-3
    beta: float = 1.0
    kl_warmup_epochs: int = 20
    val_fraction: float = 0.1
    max_windows_per_genome: int = 400
    seed: int = 42
    device: str = "auto"

    # The plateau schedule on validation loss is part of the design, not a tunable.
    lr_factor: float = 0.5
    lr_patience: int = 20
    lr_min: float = 1e-6

    @classmethod
    def from_settings(cls, settings: dict, seed: int) -> "TrainingConfig":
        fields = {field.name for field in dataclasses.fields(cls)}
        return cls(seed=seed, **{key: value for key, value in settings.items()
                                 if key in fields and key != "seed"})

    def kl_weight(self, epoch: int) -> float:
        """Linear KL warm-up: epoch 0 gets 1/warm-up of the weight, full from then on."""
        if self.kl_warmup_epochs <= 0:
            return 1.0
        return min(1.0, (epoch + 1) / self.kl_warmup_epochs)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
