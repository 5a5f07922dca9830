"""Training the ranking model: evidence rows, an ensemble of scoring heads, calibration.

Rows: every training genome is scored against the catalog with its own species left out
(and once more with its genus left out, where the genus has other species, and with its
family left out, where the family has other genera), like a held-out species, genus or
family would be, each with its own lineage. A row per medium the genome grows on
(target 1), per medium a neighbour grows on, and per medium of a uniform sample of the
rest (target 0, weighted by how many media the sample stands for), so the loss is that of
the whole catalog at the cost of a few hundred rows per genome.

Members: each head trains on a bootstrap sample of the training genomes (its own seed),
with the weighted binary cross-entropy and Adam, for a number of epochs; batches shrink
on small data so that an epoch is at least ``MIN_STEPS_PER_EPOCH`` steps.

Calibration: Platt scaling of the ensemble's mean logit on the validation genomes against
every catalog medium, each scored as it is and with its genus and its family left out of
the evidence (so the probabilities hold for unseen genera and families too); without
validation genomes, on the training rows.
"""

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..atomic import atomic_write_text
from ..catalog.media_facts import read_media_facts
from ..cvae.transform import ConditionTransform
from ..device import pick_device
from ..errors import MediagenError
from .data import RankingData, load_ranking_data
from .evidence import FEATURES, SHARE_RANKS, TAXA, GrowthEvidence, rank_reach
from .model import FACTS, MediaRanker, ScoringHead, TrainingGenomes, sigmoid

log = logging.getLogger(__name__)

MAX_COMPONENTS = 64  # genome space: leading principal components kept
MIN_STEPS_PER_EPOCH = 50


@dataclass(frozen=True)
class RankerSettings:
    members: int = 5
    hidden: int = 32
    epochs: int = 6
    negatives: int = 200
    batch_size: int = 4096
    learning_rate: float = 0.003
    seed: int = 0
    device: str = "auto"

    @classmethod
    def from_config(cls, section: dict, seed: int) -> "RankerSettings":
        """config.yaml's ``ranking:`` section."""
        known = {k: section[k] for k in ("members", "hidden", "epochs", "negatives",
                                         "batch_size", "learning_rate", "device")
                 if k in section}
        return cls(**known, seed=int(seed))


@dataclass
class TrainingRows:
    features: np.ndarray  # (n, len(FEATURES)) float32
    targets: np.ndarray  # (n,) float32
    weights: np.ndarray  # (n,) float32
    genome: np.ndarray  # (n,) training genome index, for bootstrap samples


def build_evidence(data: RankingData) -> tuple[GrowthEvidence, ConditionTransform,
                                                 TrainingGenomes]:
    train = data.rows("train")
    if len(train) < 2:
        raise MediagenError(f"{len(train)} training genome(s) with growth pairs; the ranking "
                            "model needs at least 2 (add genomes or growth observations)")
    embedding = data.embedding_of(train.index)
    transform = ConditionTransform.fit(embedding.method, embedding.values, MAX_COMPONENTS)
    points = transform.apply(embedding)
    grown = [data.grown[g] for g in train.index]
    offsets = np.concatenate([[0], np.cumsum([len(m) for m in grown])]).astype(np.int64)
    evidence = GrowthEvidence(
        points=points, organism_types=train["organism_type"].to_numpy(str),
        media_offsets=offsets, media_indices=np.concatenate(grown).astype(np.int64),
        media=data.media, species_distances=species_distances(points, train["species"]),
        taxa={rank: train[rank].to_numpy(str) for rank in TAXA},
        reach=rank_reach(points, {rank: train[rank].to_numpy(str) for rank in TAXA}))
    genomes = TrainingGenomes(list(train.index), list(train["genus"]), list(train["species"]),
                              list(train["organism_type"]))
    return evidence, transform, genomes


def species_distances(points: np.ndarray, species) -> np.ndarray:
    """Each genome's distance to its nearest genome of another species (inf where the
    sheet holds one species)."""
    species = np.asarray(species)
    found = np.full(len(points), np.inf)
    for i, point in enumerate(points):
        other = species != species[i]
        if other.any():
            found[i] = np.sqrt(((points[other] - point) ** 2).sum(axis=1,
                                                                  dtype=np.float64)).min()
    return found


def catalog_facts(path: str | Path, media_ids: list[str]) -> pd.DataFrame:
    """The media facts of every catalog medium, in the catalog's order."""
    facts = read_media_facts(path)
    missing = [m for m in media_ids if m not in facts.index]
    if missing:
        raise MediagenError(f"{path}: no facts for media {', '.join(missing[:5])}; rebuild the "
                            "catalog (rule build_catalog)")
    facts = facts.loc[media_ids, list(FACTS)].reset_index(drop=True).astype(object)
    return facts.where(facts.notna(), None)  # plain values: None where unknown


def leave_out_views(evidence: GrowthEvidence) -> list[tuple[int, np.ndarray]]:
    """(training genome, exclusion mask) pairs: its species left out, then its genus and its
    family, each where that leaves out more than the rank below and not everything."""
    species = evidence.taxa["species"]
    return [(i, mask) for i in range(len(species))
            for mask in held_out_views(evidence, lineage_at(evidence, i),
                                       species == species[i])]


def held_out_views(evidence: GrowthEvidence, lineage: dict[str, str],
                   own_species: np.ndarray) -> list[np.ndarray]:
    """Exclusion masks for a genome: ``own_species``, then its genus and its family
    left out, each where that leaves out more than the one before and not everything."""
    views, last = [own_species], own_species
    for rank in ("genus", "family"):
        if not lineage.get(rank):
            break
        mask = evidence.taxa[rank] == lineage[rank]
        if mask.sum() > last.sum() and (~mask).any():
            views.append(mask)
            last = mask
    return views


def lineage_at(evidence: GrowthEvidence, genome: int) -> dict[str, str]:
    return {rank: str(evidence.taxa[rank][genome]) for rank in SHARE_RANKS}


def training_rows(evidence: GrowthEvidence, genomes: TrainingGenomes,
                  settings: RankerSettings) -> TrainingRows:
    rng = np.random.default_rng(settings.seed)
    n_media = len(evidence.media)
    blocks = []
    for genome, exclude in leave_out_views(evidence):
        features = evidence.features(evidence.points[genome], genomes.organism_types[genome],
                                     exclude, lineage_at(evidence, genome))
        own = evidence.grown_by(genome)
        shown = np.flatnonzero(features[:, FEATURES.index("vote_25")] > 0)
        shown = np.union1d(shown, own)
        rest = np.setdiff1d(np.arange(n_media), shown, assume_unique=True)
        sample = rng.choice(rest, size=min(settings.negatives, len(rest)), replace=False)
        columns = np.concatenate([shown, sample])
        weights = np.concatenate([np.ones(len(shown)),
                                  np.full(len(sample), len(rest) / max(len(sample), 1))])
        targets = np.isin(columns, own)
        blocks.append((features[columns], targets, weights, np.full(len(columns), genome)))
    features, targets, weights, owner = (np.concatenate(parts) for parts in zip(*blocks,
                                                                                 strict=True))
    return TrainingRows(features.astype(np.float32), targets.astype(np.float32),
                        (weights / weights.mean()).astype(np.float32), owner)


def fit_member(rows: TrainingRows, n_genomes: int, settings: RankerSettings, member: int,
               device: torch.device) -> tuple[ScoringHead, float]:
    """One head on a bootstrap sample of the training genomes; returns it and its loss
    (the mean over the last epoch)."""
    seed = settings.seed * 1000 + member
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    drawn = np.bincount(rng.integers(0, n_genomes, n_genomes), minlength=n_genomes)
    repeats = drawn[rows.genome]
    index = torch.from_numpy(np.repeat(np.arange(len(repeats)), repeats))
    x = torch.from_numpy(rows.features).to(device)
    y = torch.from_numpy(rows.targets).to(device)
    w = torch.from_numpy(rows.weights).to(device)
    head = ScoringHead(len(FEATURES), settings.hidden).to(device)
    optimizer = torch.optim.Adam(head.parameters(), lr=settings.learning_rate)
    generator = torch.Generator().manual_seed(seed)
    batch_size = max(1, min(settings.batch_size, -(-len(index) // MIN_STEPS_PER_EPOCH)))
    losses = []
    for _ in range(settings.epochs):
        order = index[torch.randperm(len(index), generator=generator)].to(device)
        losses = []
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            loss = (F.binary_cross_entropy_with_logits(head(x[batch]), y[batch],
                                                       reduction="none") * w[batch]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    loss_sum = float(np.mean(losses)) if losses else float("nan")
    return head.cpu(), loss_sum


def platt_scaling(logits: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None,
                  iterations: int = 50) -> tuple[float, float]:
    """(a, b) minimising the weighted log loss of sigmoid(a * logit + b): Newton steps."""
    x = np.stack([logits, np.ones_like(logits)], axis=1)
    w = np.ones_like(logits) if weights is None else weights
    params = np.array([1.0, 0.0])
    for _ in range(iterations):
        p = sigmoid(x @ params)
        gradient = x.T @ (w * (p - targets))
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + 1e-9 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        params -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(params[0]), float(params[1])


def calibrate(ranker: MediaRanker, data: RankingData, rows: TrainingRows
              ) -> tuple[tuple[float, float], str]:
    """Platt scaling of the ensemble's mean logit, and what it was fitted on in words."""
    val = data.rows("val")
    if len(val):
        points = ranker.transform.apply(data.embedding_of(val.index))
        logits, targets = [], []
        nobody = np.zeros(len(ranker.evidence.points), dtype=bool)
        for point, (genome_id, row) in zip(points, val.iterrows(), strict=True):
            lineage = data.lineage_of(genome_id)
            target = np.zeros(len(ranker.media_ids))
            target[data.grown[genome_id]] = 1.0
            for exclude in held_out_views(ranker.evidence, lineage, nobody):
                features = ranker.evidence.features(point, row["organism_type"], exclude,
                                                    lineage)
                logits.append(ranker.member_logits(features).mean(axis=0))
                targets.append(target)
        log.info("calibrating on %d validation genomes (%d views: as they are, genus and "
                 "family left out)", len(val), len(logits))
        return (platt_scaling(np.concatenate(logits), np.concatenate(targets)),
                f"{len(val)} validation genomes (species held out of training), each also "
                "with its genus and its family left out")
    log.warning("no validation genomes: calibrating on the training rows (species left out); "
                "the probabilities are not calibrated on held-out species")
    return (platt_scaling(ranker.member_logits(rows.features).mean(axis=0), rows.targets,
                          rows.weights),
            "the training rows, each genome's species left out (no validation genomes): "
            "not calibrated on held-out species")


def train_ranker(dataset_dir: str | Path, embedding_table: str | Path,
                 catalog_media: str | Path, model_path: str | Path,
                 metrics_path: str | Path, settings: RankerSettings,
                 provenance: dict | None = None,
                 media_facts: str | Path | None = None) -> MediaRanker:
    """Train, calibrate and save the ranking model; returns it. ``provenance`` records how
    genomes were embedded (genome VAE file, minimum genome length, embedding table), so
    ``mediagen recommend`` embeds a new FASTA the same way; ``media_facts`` (the catalog's
    media_facts.tsv) travels with the model, so every recommended medium says how to act
    on it."""
    data = load_ranking_data(dataset_dir, embedding_table, catalog_media)
    evidence, transform, genomes = build_evidence(data)
    rows = training_rows(evidence, genomes, settings)
    log.info("ranking model: %d training genomes, %d catalog media, %d evidence rows "
             "(%d growing)", len(genomes.genome_ids), len(data.media_ids), len(rows.targets),
             int(rows.targets.sum()))
    device = pick_device(settings.device)
    heads, history = [], []
    for member in range(settings.members):
        head, loss = fit_member(rows, len(genomes.genome_ids), settings, member, device)
        heads.append(head)
        history.append({"member": member, "loss": loss})
        log.info("member %d/%d: weighted log loss %.4f", member + 1, settings.members, loss)
    ranker = MediaRanker(heads, settings.hidden, (1.0, 0.0), transform, evidence, genomes,
                         data.media_ids, data.media_names, history, dict(provenance or {}))
    if media_facts is not None:
        ranker.facts = catalog_facts(media_facts, data.media_ids)
    ranker.calibration, ranker.calibrated_on = calibrate(ranker, data, rows)
    log.info("calibration: p = sigmoid(%.3f * logit + %.3f)", *ranker.calibration)
    ranker.save(model_path)
    atomic_write_text(metrics_path, json.dumps({
        "settings": asdict(settings), "training_genomes": len(genomes.genome_ids),
        "validation_genomes": int((data.genomes["split"] == "val").sum()),
        "catalog_media": len(data.media_ids), "evidence_rows": len(rows.targets),
        "typical_distance": evidence.typical_distance,
        "floor_distance": evidence.floor_distance,
        "calibration": list(ranker.calibration), "members": history,
    }, indent=1) + "\n")
    return ranker
