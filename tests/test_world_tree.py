"""The MediaDive world's genomes follow the tree of life: their k-mer distances grow rank by
rank, as real genomes' do, the same names give the same bytes, and a genus nobody placed
still gets a genome."""

import itertools

import numpy as np
import pytest
from mediagen.catalog.lineage import deepest_shared_rank
from mediagen.demo.world import composition, tree_path, world_genome
from mediagen.demo.world_ncbi import fasta_bytes
from mediagen.kmers.layout import KMER4, LOG_EPSILON
from mediagen.kmers.profile import read_genome_profile

SEED = 7


def small_tree() -> list[tuple[dict, str]]:
    """(lineage, strain) of 32 genomes: 2 phyla, each of one class and order with 2
    families of 2 genera of 2 species of 2 strains."""
    genomes = []
    for p, f, g, s in itertools.product(range(2), repeat=4):
        family, genus = f"Fam{p}{f}aceae", f"Gen{p}{f}{g}"
        lineage = {"domain": "Bacteria", "phylum": f"Phylum{p}", "class": f"Class{p}",
                   "order": f"Order{p}", "family": family, "genus": genus,
                   "species": f"{genus} sp{s}"}
        genomes += [(lineage, f"strain {t}") for t in range(2)]
    return genomes


def genome_of(lineage: dict, strain: str) -> list[tuple[str, bytes]]:
    return world_genome(SEED, lineage["species"], strain, lineage=lineage)


@pytest.fixture(scope="module")
def distances_by_rank(tmp_path_factory) -> dict[str, list[float]]:
    folder = tmp_path_factory.mktemp("tree")
    genomes = small_tree()
    vectors = []
    for i, (lineage, strain) in enumerate(genomes):
        path = folder / f"g{i}.fna"
        path.write_bytes(fasta_bytes(genome_of(lineage, strain)))
        profile = read_genome_profile(path, min_length=1000)
        vectors.append(np.log(profile[KMER4] + LOG_EPSILON))
    by_rank: dict[str, list[float]] = {}
    for (a, la), (b, lb) in itertools.combinations(zip(vectors, genomes, strict=True), 2):
        rank = deepest_shared_rank(la[0], lb[0])
        by_rank.setdefault(rank, []).append(float(np.linalg.norm(a - b)))
    return by_rank


def test_genome_distances_grow_rank_by_rank(distances_by_rank):
    median = {rank: np.median(d) for rank, d in distances_by_rank.items()}
    assert {rank: len(d) for rank, d in distances_by_rank.items()} == {
        "species": 16, "genus": 32, "family": 64, "order": 128, "domain": 256}
    # real genomes: about 0.17 within a species, 1.5 within a genus, 3.3 within a family
    assert 0.05 < median["species"] < 0.5
    assert 2 * median["species"] < median["genus"] < 3
    assert 1.5 * median["genus"] < median["family"]
    assert 1.2 * median["family"] < median["order"] < median["domain"]
    # the ranks barely overlap: the closest pair of genera of two families is still
    # farther apart than most species of a genus
    assert min(distances_by_rank["order"]) > np.median(distances_by_rank["genus"])


def test_the_same_names_give_the_same_bytes_and_another_strain_others():
    lineage, strain = small_tree()[5]
    first = genome_of(lineage, strain)
    composition.cache_clear()
    assert genome_of(lineage, strain) == first
    assert genome_of(lineage, "another strain") != first
    other_seed = world_genome(SEED + 1, lineage["species"], strain, lineage=lineage)
    assert other_seed != first


def test_an_unplaced_genus_still_makes_a_genome_of_its_own():
    genome = world_genome(SEED, "Nowhereia alba", "DSM 1")
    sequence = b"".join(seq for _, seq in genome)
    assert 300_000 * 0.9 < len(sequence) < 1_000_000 * 1.1
    assert set(sequence) <= set(b"ACGT")
    assert [name.split()[0] for name, _ in genome] == [f"contig{i + 1}"
                                                         for i in range(len(genome))]
    # unknown ranks are nodes of their own, named after the nearest known taxon below them:
    # two genera of one order whose families are unknown share the order, not a family
    a = tree_path({"phylum": "P", "order": "O"}, "GenusA", "GenusA x", "")
    b = tree_path({"phylum": "P", "order": "O", "family": ""}, "GenusB", "GenusB y", "")
    assert a[:3] == b[:3] and a[3] != b[3]
    assert a[1] == ("class", "(the class of order o)")
    assert tree_path({}, "Nowhereia", "Nowhereia alba", "")[0] == (
        "phylum", "(the phylum of genus nowhereia)")
