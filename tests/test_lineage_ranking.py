"""Relatives above the genus: the taxonomy lookups, the ranking's lineage features, placing
a genome without a lineage, and splits that hold out whole genera and families."""

import numpy as np
import pandas as pd
from mediagen.cvae.dataset import genome_taxa, split_genomes
from mediagen.ranking.evaluate import lookup_scores
from mediagen.ranking.evidence import FEATURES, SHARE_RANKS, GrowthEvidence, rank_reach
from test_ranking import media_sets

# genome: (species, genus, family, order, point, media)
TREE = [
    ("a1", "alpha", "fa", "oa", 0.0, [0]),
    ("a2", "alpha", "fa", "oa", 0.2, [0]),
    ("b1", "beta", "fa", "oa", 1.0, [1]),
    ("b2", "beta", "fa", "oa", 1.2, [1, 0]),
    ("b3", "beta", "fa", "oa", 1.4, [1]),
    ("b4", "beta", "fa", "oa", 1.6, [1]),
    ("c1", "gamma", "fc", "oa", 5.0, [2]),
    ("d1", "delta", "fd", "ob", 20.0, [3]),
    ("d2", "delta", "fd", "ob", 20.3, [3]),
]


def tree_evidence() -> GrowthEvidence:
    grown = [media for *_, media in TREE]
    offsets = np.concatenate([[0], np.cumsum([len(g) for g in grown])])
    points = np.array([[p] for *_, p, _ in TREE], dtype=np.float32)
    taxa = {rank: np.array([row[i] for row in TREE])
            for i, rank in enumerate(("species", "genus", "family", "order"))}
    return GrowthEvidence(
        points=points, organism_types=np.array(["bacteria"] * len(TREE)),
        media_offsets=offsets, media_indices=np.concatenate(grown),
        media=media_sets([[0], [1], [2], [3], [4]]),
        species_distances=np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 3.4, 0.3, 0.3]),
        taxa=taxa, reach=rank_reach(points, taxa))


def first(scores: np.ndarray) -> int:
    return int(np.argmax(scores))


def test_lookups_give_the_groups_most_common_media_and_fall_back_rank_by_rank():
    evidence = tree_evidence()
    alpha = {"genus": "alpha", "family": "fa", "order": "oa"}
    scores = lookup_scores(evidence, alpha, "bacteria")
    # the genus: both alpha species grow on 0; the family: 4 beta species on 1, 3 of 6 on 0
    # (b2 too), so family and genus disagree; the order: fa and fc, medium 1 most common
    assert first(scores["genus_lookup"]) == 0
    assert first(scores["family_lookup"]) == 1
    assert first(scores["order_lookup"]) == 1
    # the genus' ties fall to the family: after 0, medium 1 (4 family species), then the
    # order's medium 2
    assert list(np.argsort(-scores["genus_lookup"], kind="stable")[:3]) == [0, 1, 2]
    # an unseen genus of a seen family falls to the family; of an unseen family, to the order
    assert first(lookup_scores(evidence, {"genus": "new", "family": "fa", "order": "oa"},
                               "bacteria")["genus_lookup"]) == 1
    unseen_family = lookup_scores(evidence, {"genus": "new", "family": "new", "order": "ob"},
                                  "bacteria")
    assert first(unseen_family["genus_lookup"]) == 3 == first(unseen_family["family_lookup"])
    # nothing known: the type's most common medium (1: four genomes)
    nothing = lookup_scores(evidence, {}, "bacteria")
    assert {first(s) for s in nothing.values()} == {1}
    np.testing.assert_array_equal(nothing["genus_lookup"], nothing["order_lookup"])


def test_share_features_count_the_groups_training_species_left_out_ones_excepted():
    evidence = tree_evidence()
    point = np.array([0.1], dtype=np.float32)
    lineage = {"genus": "alpha", "family": "fa", "order": "oa"}
    features = evidence.features(point, "bacteria", lineage=lineage)
    share = {rank: features[:, FEATURES.index(f"{rank}_share")] for rank in SHARE_RANKS}
    np.testing.assert_allclose(share["genus"], [2 / 3, 0, 0, 0, 0])  # k / (n + 1), n = 2
    np.testing.assert_allclose(share["family"], [3 / 7, 4 / 7, 0, 0, 0])
    np.testing.assert_allclose(share["order"], [3 / 8, 4 / 8, 1 / 8, 0, 0])
    assert not share["class"].any()  # unknown rank: no evidence
    # the genome's genus left out, as in training for an unseen genus
    genus_out = evidence.features(point, "bacteria", np.array([r[1] == "alpha" for r in TREE]),
                                  lineage)
    assert not genus_out[:, FEATURES.index("genus_share")].any()
    np.testing.assert_allclose(genus_out[:, FEATURES.index("family_share")],
                               [1 / 5, 4 / 5, 0, 0, 0])
    # against the group's most common medium; and both at the nearest rank with species,
    # where a lookup falls back to
    column = {name: i for i, name in enumerate(FEATURES)}
    np.testing.assert_allclose(features[:, column["genus_top"]], [1, 0, 0, 0, 0])
    np.testing.assert_allclose(features[:, column["order_top"]], [3 / 4, 1, 1 / 4, 0, 0])
    np.testing.assert_array_equal(features[:, [column["lookup_share"], column["lookup_top"]]],
                                  features[:, [column["genus_share"], column["genus_top"]]])
    np.testing.assert_allclose(genus_out[:, column["lookup_top"]], [1 / 4, 1, 0, 0, 0])


def test_a_genome_without_lineage_is_placed_by_its_nearest_training_genome():
    evidence = tree_evidence()
    # reach: how far a genus' species, a family's genera, an order's families lie apart
    assert evidence.reach["genus"] < evidence.reach["family"] < evidence.reach["order"]
    near_alpha = evidence.place(np.array([0.1], dtype=np.float32))
    assert near_alpha == {"genus": "alpha", "family": "fa", "order": "oa"}
    # nearest is gamma's only species, 2.5 away: too far for a genus or a family (whose
    # members lie 0.2-0.3 and 0.8-1.4 apart), within its order's reach (3.4-5)
    between = evidence.place(np.array([7.5], dtype=np.float32))
    assert "genus" not in between and between.get("order") == "oa"
    assert evidence.place(np.array([200.0], dtype=np.float32)) == {}
    # the placed lineage is what features use when none is given
    np.testing.assert_array_equal(
        evidence.features(np.array([0.1], dtype=np.float32), "bacteria"),
        evidence.features(np.array([0.1], dtype=np.float32), "bacteria", lineage=near_alpha))


def tree_sheet(n_orders=3, families=3, genera=3, species=3) -> pd.DataFrame:
    rows = []
    for o in range(n_orders):
        for f in range(families):
            for g in range(genera):
                for s in range(species):
                    rows.append({"genome_id": f"o{o}f{f}g{g}s{s}",
                                 "organism_name": f"Genus{o}{f}{g} sp{s}",
                                 "organism_type": "bacteria", "family": f"Fam{o}{f}",
                                 "order": f"Ord{o}"})
    return pd.DataFrame(rows).set_index("genome_id")


def test_whole_families_and_genera_are_held_out_with_their_parents_seen():
    taxa = genome_taxa(tree_sheet())
    assert set(taxa["family"]) == {f"fam{o}{f}" for o in range(3) for f in range(3)}
    split = taxa.join(split_genomes(taxa, 0.1, 0.1, 0.1, seed=4, unseen_family_fraction=0.2))
    train = split[split["split"] == "train"]
    for holdout, rank, parent in (("unseen_family", "family", "order"),
                                  ("unseen_genus", "genus", "family")):
        held = split[split["holdout"] == holdout]
        assert len(held), holdout
        # whole groups: no species of a held-out group trains; its parent does
        assert not set(held[rank]) & set(train[rank])
        assert set(held[parent]) <= set(train[parent])
    assert 9 <= (split["holdout"] == "unseen_family").sum() <= 0.2 * 81  # whole families
    # seeded; and without families in the sheet, whole genera are held out as before
    assert split_genomes(taxa, 0.1, 0.1, 0.1, 4, 0.2).equals(
        split_genomes(taxa, 0.1, 0.1, 0.1, 4, 0.2))
    bare = genome_taxa(tree_sheet().drop(columns=["family", "order"]))
    plain = split_genomes(bare, 0.1, 0.1, 0.1, seed=4, unseen_family_fraction=0.2)
    assert set(plain["holdout"]) == {"", "seen_genus", "unseen_genus"}
