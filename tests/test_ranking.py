"""The ranking model: evidence, baselines, calibration and ranking on a world whose answer
is known, and ``mediagen recommend`` end to end."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from cvae_support import keep_logging, single_thread
from mediagen.catalog.media_facts import MEDIADIVE_PAGE, write_media_facts
from mediagen.cli import main
from mediagen.cvae.dataset import genome_taxa, split_genomes
from mediagen.cvae.transform import Embedding
from mediagen.ranking.data import RankingData
from mediagen.ranking.evaluate import (
    baseline_scores,
    calibration_tables,
    evaluate_ranking,
    ranking_scores,
    summarise,
)
from mediagen.ranking.evidence import FEATURES, GATE_WIDTH, GrowthEvidence, MediaSets
from mediagen.ranking.model import MediaRanker
from mediagen.ranking.train import (
    RankerSettings,
    build_evidence,
    calibrate,
    catalog_facts,
    fit_member,
    platt_scaling,
    training_rows,
)

restore_logging = pytest.fixture(autouse=True)(keep_logging)
TINY = RankerSettings(members=2, hidden=16, epochs=6, negatives=30, device="cpu")


one_thread = pytest.fixture(autouse=True, scope="module")(single_thread)


def media_sets(rows: list[list[int]], n_ingredients: int = 12) -> MediaSets:
    grams = np.zeros((len(rows), n_ingredients))
    for medium, ingredients in enumerate(rows):
        grams[medium, ingredients] = 1.0
    return MediaSets.from_matrix(grams)


def test_media_similarity_is_the_jaccard_index_of_ingredient_sets():
    media = media_sets([[0, 1, 2], [1, 2, 3], [5], []])
    similarity = media.similarity_to(np.array([0, 2]))
    np.testing.assert_allclose(similarity[:, 0], [1.0, 2 / 4, 0.0, 0.0])
    np.testing.assert_allclose(similarity[:, 1], [0.0, 0.0, 1.0, 0.0])
    assert list(media.sizes) == [3, 3, 1, 0]


def hand_evidence() -> GrowthEvidence:
    """Three training genomes on a line; media 0-3 (2 resembles 0)."""
    grown = [[0], [0, 1], [3]]
    offsets = np.concatenate([[0], np.cumsum([len(g) for g in grown])])
    return GrowthEvidence(
        points=np.array([[0.0], [1.0], [10.0]], dtype=np.float32),
        organism_types=np.array(["bacteria", "bacteria", "archaea"]),
        media_offsets=offsets, media_indices=np.concatenate(grown),
        media=media_sets([[0, 1, 2, 3], [4, 5], [0, 1, 2, 6], [7, 8]]),
        species_distances=np.array([1.0, 2.0, 3.0, np.inf]))  # typical 2, floor 1.02


def test_features_say_what_the_relatives_grow_on():
    evidence = hand_evidence()
    features = evidence.features(np.array([0.2], dtype=np.float32), "bacteria")
    column = {name: features[:, i] for i, name in enumerate(FEATURES)}
    # distances are judged against the training species': typical 2, floor 1.02; a
    # relative's closeness is 1 / (1 + (d / 2)^2), and nearer than the floor counts as the
    # floor, which no training row came closer than
    assert evidence.typical_distance == 2.0 and evidence.floor_distance == pytest.approx(1.02)
    near, far = 1 / (1 + (1.02 / 2) ** 2), 1 / (1 + (9.8 / 2) ** 2)
    np.testing.assert_allclose(evidence.closeness(np.array([0.2, 0.8, 9.8])), [near, near, far])
    # the relatives' features, weighted by how close the nearest relative is
    gate = evidence.closeness(np.array([0.2]), GATE_WIDTH)[0]
    assert 0 < gate < 1
    np.testing.assert_allclose(column["nearest_grows"], np.array([1, 0, 0, 0]) * gate)
    np.testing.assert_allclose(column["vote_5"], np.array([2 / 5, 1 / 5, 0, 1 / 5]) * gate)
    np.testing.assert_allclose(column["kernel_vote"],
                               np.array([2 * near, near, 0, far]) / (2 * near + far) * gate,
                               rtol=1e-5)
    np.testing.assert_allclose(column["similar_nearest"], np.array([1.0, 0.0, 3 / 5, 0.0]) * gate)
    # how close the nearest genome growing on each medium is
    np.testing.assert_allclose(column["grower_closeness"], [near, near, 0, far], rtol=1e-5)
    # far from every training genome, the relatives fade and the priors are left
    remote = evidence.features(np.array([200.0], dtype=np.float32), "bacteria")
    assert remote[:, :FEATURES.index("grower_closeness")].max() < 1e-3
    np.testing.assert_array_equal(remote[:, FEATURES.index("popularity")], column["popularity"])
    # popularity over all genomes; type popularity of the genome's own type only
    assert column["popularity"][0] > column["popularity"][1] == column["popularity"][3] > 0
    assert column["type_popularity"][3] == 0 and column["type_popularity"][1] > 0
    # leaving genomes out removes their evidence, their share of the popularity included
    alone = evidence.features(np.array([0.2], dtype=np.float32), "bacteria",
                              exclude=np.array([True, True, False]))
    assert list(alone[:, 0] > 0) == [False, False, False, True]
    alone = {name: alone[:, i] for i, name in enumerate(FEATURES)}
    assert list(alone["popularity"]) == [0, 0, 0, column["popularity"][3]]
    assert list(alone["type_popularity"]) == [0, 0, 0, 0]
    without_one = evidence.features(np.array([0.2], dtype=np.float32), "bacteria",
                                    exclude=np.array([False, True, False]))
    assert without_one[0, FEATURES.index("popularity")] == column["popularity"][3]


def test_baselines_and_the_model_are_scored_alike():
    evidence = hand_evidence()
    scores = baseline_scores(evidence, np.array([0.9], dtype=np.float32), "archaea")
    # the nearest genome (1) grows on 0 and 1; popularity breaks the tie: 0 first
    assert list(np.argsort(-scores["nearest_genome"], kind="stable")[:2]) == [0, 1]
    assert np.argmax(scores["type_prior"]) == 3  # the archaeon's medium
    assert np.argmax(scores["global_prior"]) == 0
    truth = np.array([1])
    assert ranking_scores(scores["nearest_genome"], truth, evidence) == {
        "top1": False, "top5": True, "rank": 2, "jaccard": 0.0}
    assert ranking_scores(np.array([0.1, 0.9, 0.0, 0.0]), truth, evidence)["top1"]
    # media a method cannot tell apart count as in a random order, never in catalog order
    tied = ranking_scores(np.array([0.5, 0.0, 0.0, 0.0]), truth, evidence)
    assert tied["rank"] == 3.0  # 1 ahead, then 1 of 3 tied: expected place 2 among them
    assert tied["top1"] == 0.0 and tied["top5"] == 1.0
    assert ranking_scores(np.zeros(4), truth, evidence)["top1"] == 0.25
    assert ranking_scores(np.zeros(4), np.array([1, 2]), evidence)["rank"] == pytest.approx(5 / 3)


def test_intervals_cover_a_known_hit_rate_and_calibration():
    """Species whose true hit rates are known: each interval holds the truth and is as wide
    as a binomial proportion's; a method against itself differs by exactly nothing."""
    rng = np.random.default_rng(4)
    n = 400
    hits, near_hits = rng.random(n) < 0.3, rng.random(n) < 0.5
    rows = [{"genome_id": f"g{i}", "split": "seen_genus", "species": f"s{i}",
             "organism_type": "bacteria", "method": method, "top1": float(hits[i]),
             "top5": float(hits[i] or near_hits[i]), "rank": 1.0, "jaccard": 1.0}
            for i in range(n) for method in ("model", "knn_vote")]
    summary, comparisons = summarise(pd.DataFrame(rows))
    model = summary.set_index("method").loc["model"]
    half_width = 1.96 * np.sqrt(0.3 * 0.7 / n)
    assert model["top1_ci_low"] < 0.3 < model["top1_ci_high"]
    assert model["top1_ci_high"] - model["top1_ci_low"] == pytest.approx(2 * half_width,
                                                                          rel=0.2)
    assert model["top5_ci_low"] < model["top5"] < model["top5_ci_high"]
    margin = comparisons[(comparisons["measure"] == "top1")
                         & (comparisons["versus"] == "best baseline")].iloc[0]
    assert margin["difference"] == margin["difference_ci_low"] == margin["difference_ci_high"] == 0
    alone = summarise(pd.DataFrame(rows).assign(method="model"))[1]
    assert alone.empty  # no baseline, nothing to compare
    # predictions that come true as often as they say: a small error, its interval with it
    p = rng.uniform(0, 1, 4000)
    predicted = pd.DataFrame({"split": "seen_genus", "species": rng.integers(0, 400, 4000)
                              .astype(str), "probability": p, "grows": rng.random(4000) < p})
    _, calibration = calibration_tables(predicted)
    row = calibration.iloc[0]
    assert row["ece"] < 0.04 and row["ece_ci_low"] <= row["ece"] <= row["ece_ci_high"] < 0.06
    assert row["n_species"] == 400
    off = calibration_tables(predicted.assign(probability=np.clip(p + 0.2, 0, 1)))[1].iloc[0]
    assert off["ece_ci_low"] > 0.1  # miscalibrated by 0.2 (less at the top): the interval says so


def test_platt_scaling_recovers_a_known_calibration():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, 20_000)
    outcome = rng.random(20_000) < 1 / (1 + np.exp(-(0.5 * logits - 1.0)))
    a, b = platt_scaling(logits, outcome.astype(float))
    assert a == pytest.approx(0.5, abs=0.05) and b == pytest.approx(-1.0, abs=0.08)


def known_world(seed: int = 0, n_genera: int = 12, species_per_genus: int = 8):
    """Genera cluster in genome space; a genus' species grow on its home medium (80 %)
    and, else, on a medium of their own; media 0-11 are homes, the rest are the others."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, size=(n_genera, 6))
    rows, vectors, grown = [], [], {}
    n_home = n_genera
    for g in range(n_genera):
        for s in range(species_per_genus):
            genome_id = f"g{g}s{s}"
            rows.append({"genome_id": genome_id, "organism_name": f"Genus{g} sp{s}",
                         "organism_type": "bacteria"})
            vectors.append(centres[g] + rng.normal(0, 0.3, 6))
            home = rng.random() < 0.8
            grown[genome_id] = np.array([g] if home else [n_home + len(grown)])
    n_media = n_home + len(grown)
    grams = np.zeros((n_media, 40))
    for medium in range(n_media):
        grams[medium, rng.choice(40, size=6, replace=False)] = 1.0
    sheet = pd.DataFrame(rows).set_index("genome_id")
    taxa = genome_taxa(sheet)
    genomes = taxa.join(split_genomes(taxa, 0.15, 0.15, 0.0, seed))
    ids = [f"m{i}" for i in range(n_media)]
    return RankingData(genomes, Embedding("vae", np.array(vectors)), grown, ids, ids,
                       MediaSets.from_matrix(grams))


def train_tiny(data: RankingData) -> MediaRanker:
    evidence, transform, genomes = build_evidence(data)
    rows = training_rows(evidence, genomes, TINY)
    heads = [fit_member(rows, len(genomes.genome_ids), TINY, m, torch.device("cpu"))[0]
             for m in range(TINY.members)]
    ranker = MediaRanker(heads, TINY.hidden, (1.0, 0.0), transform, evidence, genomes,
                         data.media_ids, data.media_names)
    ranker.calibration, ranker.calibrated_on = calibrate(ranker, data, rows)
    return ranker


@pytest.fixture(scope="module")
def known():
    data = known_world()
    return data, train_tiny(data)


def test_the_ranking_finds_the_home_medium_with_calibrated_odds(known):
    data, ranker = known
    result = evaluate_ranking(ranker, data)
    summary = result.summary.set_index("method")
    assert set(summary["split"]) == {"seen_genus"}
    # the best any method can do: the home medium, right for 80 % of species
    assert summary.loc["model", "top1"] >= 0.6
    assert summary.loc["model", "top1"] >= summary.loc["global_prior", "top1"] + 0.4
    assert summary.loc["model", "top1"] >= summary.loc["knn_vote", "top1"] - 0.05
    # the home medium's probability sits near the 80 % it is right
    test = data.rows("test")
    points = ranker.transform.apply(data.embedding_of(test.index))
    homes = []
    for point, genome_id in zip(points, test.index, strict=True):
        probability, uncertainty = ranker.probabilities(ranker.evidence.features(point,
                                                                                 "bacteria"))
        home = int(genome_id[1:genome_id.index("s")])
        assert int(np.argmax(probability)) == home
        homes.append(probability[home])
        assert (uncertainty >= 0).all() and (probability >= 0).all() and (probability <= 1).all()
    assert np.mean(homes) == pytest.approx(0.8, abs=0.15)
    assert result.calibration["ece"].max() < 0.15
    recommended = result.recommendations
    assert recommended.groupby("genome_id").size().eq(5).all()
    assert recommended.loc[recommended["rank"] == 1, "evidence"].str.contains("g").all()


def with_genome_added(evidence: GrowthEvidence, point: np.ndarray, organism_type: str,
                      grown: list[int], lineage: dict[str, str]) -> GrowthEvidence:
    """The same evidence with one more training genome, a new species of ``lineage``; the
    distance scale is the model's."""
    media = [evidence.grown_by(g) for g in range(len(evidence.points))] + [np.array(grown)]
    taxa = {rank: np.append(keys, lineage.get(rank, "added species"))
            for rank, keys in evidence.taxa.items()}
    return GrowthEvidence(
        points=np.vstack([evidence.points, point[None]]).astype(np.float32),
        organism_types=np.append(evidence.organism_types, organism_type),
        media_offsets=np.concatenate([[0], np.cumsum([len(m) for m in media])]),
        media_indices=np.concatenate(media).astype(np.int64), media=evidence.media,
        species_distances=evidence.species_distances, taxa=taxa, reach=evidence.reach)


def test_a_genome_identical_to_the_query_never_lowers_what_it_grows_on(known):
    data, ranker = known
    assert ranker.calibration[0] > 0
    rng = np.random.default_rng(1)
    test = data.rows("test").index
    points = ranker.transform.apply(data.embedding_of(test))
    for genome_id, point in zip(test, points, strict=True):
        lineage = data.lineage_of(genome_id)  # the added genome is of the query's genus
        before, _ = ranker.probabilities(ranker.evidence.features(point, "bacteria",
                                                                  lineage=lineage))
        for medium in rng.choice(len(ranker.media_ids), size=8, replace=False):
            grown = [int(medium), *rng.choice(len(ranker.media_ids), size=2)]
            evidence = with_genome_added(ranker.evidence, point, "bacteria", grown, lineage)
            after, _ = ranker.probabilities(evidence.features(point, "bacteria",
                                                              lineage=lineage))
            assert after[medium] >= before[medium] - 1e-6


def test_a_known_genome_gets_its_recorded_media_first_and_near_copies_no_more(known):
    data, ranker = known
    evidence, genomes = ranker.evidence, ranker.genomes
    species = np.asarray(genomes.species)
    direction = np.random.default_rng(2).normal(size=evidence.points.shape[1])
    direction /= np.linalg.norm(direction)
    for genome in range(0, len(genomes.genome_ids), 7):
        point = evidence.points[genome].astype(np.float64)
        recorded = evidence.grown_by(genome)
        ranking = ranker.rank_point(point)
        assert ranking.known_as == [genomes.genome_ids[genome]] and not ranking.novel
        assert ranking.nearest_distance == 0 and ranking.distance_percentile == 0
        first = ranking.table.head(len(recorded))
        assert first["recorded"].all() and not ranking.table["recorded"][len(recorded):].any()
        assert set(first["media_id"]) == {ranker.media_ids[m] for m in recorded}
        # at least what its relatives would give: the same genome with its species left out
        relatives, _ = ranker.probabilities(evidence.features(
            point, "bacteria", exclude=species == species[genome]))
        assert (ranking.probability[recorded] >= relatives[recorded] - 1e-6).all()
        # copies ever farther away: the recorded media never gain more than noise
        steps = [ranker.rank_point(point + r * evidence.typical_distance * direction)
                 for r in (0.05, 0.2, 0.5, 1.0)]
        probabilities = [ranking.probability[recorded]] + [s.probability[recorded]
                                                           for s in steps]
        assert (np.diff(probabilities, axis=0) <= 0.02).all()
        assert not steps[-1].known_as  # as far as the typical species: no longer known


def test_a_genome_beyond_anything_trained_is_flagged_novel(known):
    data, ranker = known
    far = ranker.evidence.points.mean(axis=0) + 100 * ranker.evidence.typical_distance
    ranking = ranker.rank_point(far)
    assert ranking.novel and ranking.distance_percentile == 100 and not ranking.known_as
    assert "NOVEL" in ranking.describe_distance()
    typical = ranker.rank_point(ranker.evidence.points[0] + 1e-3)
    assert not typical.novel and typical.distance_percentile < 5


def test_the_ranker_round_trips_through_its_checkpoint(known, tmp_path):
    data, ranker = known
    ranker.save(tmp_path / "ranker.pt")
    again = MediaRanker.load(tmp_path / "ranker.pt")
    embedding = Embedding("vae", data.embeddings.values[0])
    first, second = ranker.rank(embedding), again.rank(embedding)
    pd.testing.assert_frame_equal(first.table, second.table)
    assert first.anchors == second.anchors and first.anchors[0] == first.table["media_id"][0]


def mutated(rng: np.random.Generator, sequence: bytes, rate: float) -> bytes:
    """``sequence`` with ``rate`` of its bases replaced by another base."""
    bases = np.frombuffer(sequence, dtype=np.uint8).copy()
    sites = np.flatnonzero(rng.random(len(bases)) < rate)
    alphabet = np.frombuffer(b"ACGT", dtype=np.uint8)
    shift = rng.integers(1, 4, len(sites))
    position = np.searchsorted(alphabet, bases[sites])
    bases[sites] = alphabet[(position + shift) % 4]
    return bases.tobytes()


def test_recommend_ranks_media_for_a_genome_end_to_end(tmp_path, capsys):
    from mediagen.demo.genomes import write_fasta_gz
    from mediagen.demo.world import world_genome
    from mediagen.kmers.embedding_methods import embed_counts
    from mediagen.kmers.embedding_table import write_embedding_table
    from mediagen.kmers.profile import count_genome

    world = known_world(n_genera=4, species_per_genus=4)
    fastas, vectors = {}, []
    for genome_id in world.genomes.index:  # genomes that follow the taxonomy
        genus, species = genome_id[1:].split("s")
        path = tmp_path / f"{genome_id}.fna.gz"
        with open(path, "wb") as handle:
            write_fasta_gz(world_genome(6, f"Genus{genus} sp{species}"), handle)
        vectors.append(embed_counts("kmer_64", count_genome(path, min_length=1000).arrays()))
        fastas[genome_id] = path
    table = tmp_path / "kmer_64.parquet"
    write_embedding_table(table, list(world.genomes.index), np.array(vectors), "kmer_64")
    world.embeddings = Embedding("kmer_64", np.array(vectors))
    held_out = "g1s1"
    world.genomes["split"] = np.where(world.genomes.index == held_out, "test", "train")
    ranker = train_tiny(world)
    ranker.provenance = {"min_genome_length": 1000, "embedding_table": str(table)}
    facts = pd.DataFrame({"media_id": world.media_ids,
                          "link": [MEDIADIVE_PAGE.format(m) for m in world.media_ids],
                          "min_ph": 7.0, "max_ph": 7.2,
                          "complex": pd.array([True] * len(world.media_ids), "boolean"),
                          "salt_g_l": 5.0, "anaerobic": False, "anaerobic_because": ""})
    facts.loc[1, ["min_ph", "max_ph", "salt_g_l", "complex"]] = [np.nan, np.nan, np.nan, pd.NA]
    facts.loc[1, ["anaerobic", "anaerobic_because"]] = [True, "resazurin; Na2S"]
    write_media_facts(tmp_path / "media_facts.tsv", facts)
    ranker.facts = catalog_facts(tmp_path / "media_facts.tsv", world.media_ids)
    ranker.save(tmp_path / "ranker.pt")

    out = tmp_path / "out" / "best"
    assert main(["recommend", "--model", str(tmp_path / "ranker.pt"), "--genome",
                 str(fastas[held_out]), "-n", "3", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "nearest training genome g1s" in printed  # a relative
    written = json.loads(out.with_name("best.json").read_text())
    assert written["organism_type"] == "bacteria" and written["novel"] is False
    assert written["known_as"] == [] and 0 <= written["nearest_distance_percentile"] <= 100
    assert "percentile" in printed
    media = [row["media_id"] for row in written["media"]]
    assert len(media) == 3 and media[0] == "m1"  # the genus' home medium
    home = written["media"][0]  # what a user needs to act on it, unknowns as null
    assert home["link"] == "https://mediadive.dsmz.de/medium/m1" and home["anaerobic"]
    assert home["min_ph"] is None and home["complex"] is None and home["salt_g_l"] is None
    assert "anaerobic (resazurin; Na2S), https://mediadive.dsmz.de/medium/m1" in printed
    assert "pH 7-7.2, complex, salt 5 g/L, no sign of anaerobic preparation" in printed
    assert all(0 <= row["probability"] <= 1 for row in written["media"])
    assert "g1s" in written["media"][0]["evidence"]
    tsv = pd.read_csv(out.with_name("best.tsv"), sep="\t")
    assert tsv["media_id"].astype(str).tolist() == media
    # placed by its nearest training genomes, or told its lineage: the answer says which
    # rank the relatives' evidence came from; a malformed lineage is refused
    assert "relatives' evidence from its genus genus1" in printed
    assert "placed by its nearest training genome" in written["lineage_evidence"]
    assert main(["recommend", "--model", str(tmp_path / "ranker.pt"), "--genome",
                 str(fastas[held_out]), "--lineage", "d__Bacteria;g__Genus3", "-n", "3",
                 "-o", str(out)]) == 0
    assert json.loads(out.with_name("best.json").read_text())["lineage_evidence"] == (
        "relatives' evidence from its genus genus3 (4 training species; lineage from the "
        "lineage given)")
    assert main(["recommend", "--model", str(tmp_path / "ranker.pt"), "--genome",
                 str(fastas[held_out]), "--lineage", "Bacteria;Genus3", "-o", str(out)]) == 1
    assert "--lineage: field 'Bacteria' is not a rank prefix" in capsys.readouterr().err

    # a training genome, and copies of it with ever more point mutations: its recorded media
    # first, marked, and never more likely for a copy further away
    known_genome = "g2s0"
    recorded = {ranker.media_ids[m] for m in world.grown[known_genome]}
    rng = np.random.default_rng(3)
    records = world_genome(6, "Genus2 sp0")
    chances = []
    for rate in (0.0, 0.001, 0.005, 0.02):
        copy = tmp_path / f"copy_{rate}.fna.gz"
        with open(copy, "wb") as handle:
            write_fasta_gz([(name, mutated(rng, sequence, rate)) for name, sequence in records],
                           handle)
        prefix = tmp_path / "copies" / f"per_mille_{rate * 1000:g}"
        assert main(["recommend", "--model", str(tmp_path / "ranker.pt"), "--genome",
                     str(copy), "-n", str(len(ranker.media_ids)), "-o", str(prefix)]) == 0
        answer = json.loads(prefix.with_name(prefix.name + ".json").read_text())
        chances.append([row["probability"] for row in sorted(answer["media"],
                                                             key=lambda r: r["media_id"])
                        if row["media_id"] in recorded])
        if rate == 0:
            first = answer["media"][0]
            assert first["media_id"] in recorded and first["recorded"]
            assert answer["known_as"] == [known_genome]
            assert answer["nearest_distance"] == 0
            assert "[recorded]" in capsys.readouterr().out
    assert (np.diff(chances, axis=0) <= 0.01).all()

    # a sheet genome by id and a type's average genome give rankings too
    assert main(["recommend", "--model", str(tmp_path / "ranker.pt"), "--genome-id",
                 "g0s0", "-o", str(tmp_path / "byid")]) == 0
    assert main(["recommend", "--model", str(tmp_path / "ranker.pt"), "--organism-type",
                 "fungi", "-o", str(tmp_path / "none")]) == 1
    assert "no training genomes of type 'fungi'" in capsys.readouterr().err
