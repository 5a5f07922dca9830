"""What describes a conditional media VAE and how it is trained.

``CVAEConfig`` is the architecture: a checkpoint stores it, so a saved model is
rebuilt from its own numbers rather than from the code's defaults.
``TrainingSettings`` is everything the training loop needs from config.yaml.
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class CVAEConfig:
    """``condition_dim`` is the width the network sees: the number of principal
    components the condition transform keeps, not the raw embedding's width."""

    n_ingredients: int
    condition_dim: int
    encoder_dims: tuple[int, ...] = (256, 128)
    decoder_dims: tuple[int, ...] = (128, 64)
    latent_dim: int = 32
    beta: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "encoder_dims", tuple(int(d) for d in self.encoder_dims))
        object.__setattr__(self, "decoder_dims", tuple(int(d) for d in self.decoder_dims))
        if self.n_ingredients < 1 or self.condition_dim < 1 or self.latent_dim < 1:
            raise ValueError(f"every width must be positive: {self}")

    def to_dict(self) -> dict:
        record = asdict(self)
        record["encoder_dims"] = list(self.encoder_dims)
        record["decoder_dims"] = list(self.decoder_dims)
        return record

    @classmethod
    def from_dict(cls, record: dict) -> "CVAEConfig":
        return cls(**record)


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 300
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    patience: int = 30
    seed: int = 42
    device: str = "auto"
    resume_every_seconds: float = 10.0

    def affects_weights(self) -> dict:
        """The settings a resumed run must share with the run that wrote the resume state."""
        return {"batch_size": self.batch_size, "learning_rate": self.learning_rate,
                "weight_decay": self.weight_decay, "seed": self.seed}

    @classmethod
    def from_config(cls, cvae: dict, seed: int) -> "TrainingSettings":
        """The training part of config.yaml's ``cvae:`` section."""
        return cls(
            epochs=int(cvae["epochs"]),
            batch_size=int(cvae["batch_size"]),
            learning_rate=float(cvae["learning_rate"]),
            weight_decay=float(cvae["weight_decay"]),
            patience=int(cvae["patience"]),
            seed=int(seed),
            device=str(cvae["device"]),
            resume_every_seconds=float(cvae["resume_every_seconds"]),
        )


def architecture_from_config(cvae: dict, n_ingredients: int, condition_dim: int) -> CVAEConfig:
    """``condition_dim``: the number of principal components the condition keeps."""
    """The architecture part of config.yaml's ``cvae:`` section, at the data's widths."""
    return CVAEConfig(
        n_ingredients=n_ingredients,
        condition_dim=condition_dim,
        encoder_dims=tuple(cvae["encoder_dims"]),
        decoder_dims=tuple(cvae["decoder_dims"]),
        latent_dim=int(cvae["latent_dim"]),
        beta=float(cvae["beta"]),
    )
