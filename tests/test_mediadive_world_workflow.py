"""Real Snakemake runs that train on MediaDive's strain records, against the MediaDive
world on loopback: the derive_sheets checkpoint grows the DAG, the user's rows (and their
lineage) win, species without a reference genome are listed, every genome carries its lineage
from NCBI's taxonomy, and a second run plans nothing.

The first runs on the offline demo's snapshot (always there); the second on the real
MediaDive snapshot, thinned to a dozen species (skipped where the snapshot is absent).
"""

import gzip

import pandas as pd
import pytest
import yaml
from conftest import REPO, run_snakemake
from mediagen.catalog.lineage import ABOVE_GENUS
from mediagen.demo.genomes import write_fasta_gz
from mediagen.demo.world import world_genome
from mediagen.demo.world_server import serve_world
from mediagen.demo.world_snapshot import load_world_records
from mediagen.sources.ncbi_reference import NO_REFERENCE

DEMO_SNAPSHOT = REPO / "config" / "demo" / "mediadive"
RANKS = list(ABOVE_GENUS)
DEMO_WORLD_SEED = 33  # withholds Halobacterium salinarum's reference genome: no archaea
REAL_WORLD_SEED = 10  # a dozen species: one without a reference genome, names with sp.
TINY = {
    "embedding": {"method": "kmer_64"},
    "kmers": {"methods": ["kmer_64"]},
    "cvae": {"encoder_dims": [16], "decoder_dims": [16], "condition_components": 4,
             "latent_dim": 2, "batch_size": 4, "epochs": 3, "patience": 3, "threads": 1},
    "report": {"n_generated": 2, "n_examples": 1},
}


def world_config(world, genomes: str, growth: str, **overrides) -> dict:
    return {
        "genomes": genomes, "growth": growth,
        "mediadive": {"base_url": world.mediadive_url, "requests_per_second": 1000},
        "download": {"ncbi_base_url": world.ncbi_url, "requests_per_second": 1000,
                     "requests_per_second_with_key": 1000, "retries": 0},
        **TINY, **overrides,
    }


def downloads(world) -> set[str]:
    return {path.split("/")[-2] for path in world.ncbi_server.requests
            if path.endswith("/download")}


def read_sheet(workdir, name) -> pd.DataFrame:
    return pd.read_csv(workdir / "results" / "sheets" / f"{name}.tsv", sep="\t", dtype=str,
                       keep_default_na=False)


@pytest.mark.slow
def test_strain_records_train_a_model_and_the_users_rows_win(workflow_copy, tmp_path):
    stock = tmp_path / "bsub_stock.fna.gz"
    records = world_genome(1, "Bacillus subtilis", "our stock")
    with open(stock, "wb") as handle:
        write_fasta_gz(records, handle)
    (workflow_copy / "user_genomes.tsv").write_text(
        "genome_id\torganism_name\torganism_type\ttaxid\tsource\tlineage\n"
        f"bacillus_subtilis\tBacillus subtilis, our stock\tbacteria\t\t{stock}\t"
        "d__Bacteria;p__Bacillota;c__Bacilli;o__Bacillales;f__Bacillaceae;g__Bacillus\n")
    (workflow_copy / "user_growth.tsv").write_text(
        "genome_id\tmedia_id\tgrowth\tconfidence\tsource\n"
        "escherichia_coli\t1\ttrue\t1.0\tour lab\n")
    with serve_world(DEMO_SNAPSHOT, seed=DEMO_WORLD_SEED) as world:
        withheld = {s for s in world.records.species if world.ncbi.without_reference(s)}
        assert withheld == {"Halobacterium salinarum"}
        config = world_config(world, "user_genomes.tsv", "user_growth.tsv",
                              dataset={"val_fraction": 0.0, "test_fraction": 0.0},
                              catalog={"min_ingredient_media": 1})
        (workflow_copy / "world.yaml").write_text(yaml.safe_dump(config))
        args = ("results/models/cvae_all.pt", "--configfile", "config/mediadive.yaml",
                "world.yaml")
        first = run_snakemake(workflow_copy, *args)
        fetched, asked = downloads(world), sum(world.ncbi_server.requests.values())
        again = run_snakemake(workflow_copy, *args, "-n")
        assert sum(world.ncbi_server.requests.values()) == asked  # nothing asked again

    assert "checkpoint derive_sheets" in first.stderr
    assert "Nothing to be done" in again.stdout + again.stderr
    assert (workflow_copy / "results" / "models" / "cvae_all.pt").is_file()

    genomes = read_sheet(workflow_copy, "genomes").set_index("genome_id")
    assert sorted(genomes.index) == ["bacillus_subtilis", "escherichia_coli",
                                     "lactiplantibacillus_plantarum"]
    assert genomes.loc["bacillus_subtilis", ["source", "origin"]].tolist() == [str(stock),
                                                                             "user"]
    derived = genomes[genomes["origin"] == "mediadive"]
    assert set(derived["source"]) == fetched  # the user's genome is not downloaded
    assert dict(zip(derived["organism_name"], derived["source"], strict=True)) == {
        name: world.ncbi.accessions[name] for name in derived["organism_name"]}
    assert genomes[RANKS].values.tolist() == [  # the user's lineage
        ["Bacteria", "Bacillota", "Bacilli", "Bacillales", "Bacillaceae"],
        ["", "", "", "", ""], ["", "", "", "", ""]]  # the demo's records name no taxid
    local = gzip.decompress((workflow_copy / "resources/genomes/bacillus_subtilis.fna.gz")
                            .read_bytes())
    with gzip.open(stock) as handle:
        assert local == handle.read()

    growth = read_sheet(workflow_copy, "growth").set_index(["genome_id", "media_id"])
    assert growth.loc[("escherichia_coli", "1"), ["confidence", "source", "origin"]
                      ].tolist() == ["1.0", "our lab", "user"]
    assert growth.loc[("bacillus_subtilis", "1"), "origin"] == "mediadive"

    unresolved = read_sheet(workflow_copy, "unresolved_species").set_index("taxon_name")
    assert unresolved.loc["Halobacterium salinarum", "reason"] == NO_REFERENCE
    assert unresolved.loc["Saccharomyces cerevisiae", "reason"] == \
        "no domain in the strain record"
    archaea = (workflow_copy / "results/logs/train_cvae/archaea.log").read_text()
    assert ("[archaea] no training genomes of type archaea: the bacteria phase's model is "
            "passed on unchanged") in archaea


@pytest.mark.slow
def test_the_real_catalog_and_strain_records_train_and_report(workflow_copy, real_snapshot):
    (workflow_copy / "none_genomes.tsv").write_text(
        "genome_id\torganism_name\torganism_type\ttaxid\tsource\n")
    (workflow_copy / "none_growth.tsv").write_text("genome_id\tmedia_id\tgrowth\n")
    genera = {s.genus for s in load_world_records(real_snapshot, seed=REAL_WORLD_SEED,
                                                  n_species=12, media="linked"
                                                  ).species.values()}
    genus_table = workflow_copy / "genus_lineage.tsv"  # all but one genus placed
    genus_table.write_text("genus\tdomain\tphylum\tclass\torder\tfamily\n" + "".join(
        f"{g}\tBacteria\tPhylum{g}\tClass{g}\tOrder{g}\t{g}aceae\n" for g in sorted(genera)[1:]))
    with serve_world(real_snapshot, seed=REAL_WORLD_SEED, n_species=12, media="linked",
                     lineage_table=genus_table) as world:
        config = world_config(world, "none_genomes.tsv", "none_growth.tsv")
        (workflow_copy / "world.yaml").write_text(yaml.safe_dump(config))
        args = ("results/models/cvae_all.pt", "results/reports/report.html", "--configfile",
                "config/mediadive.yaml", "world.yaml")
        run_snakemake(workflow_copy, *args)
        again = run_snakemake(workflow_copy, *args, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr

    served = {r.get("species") or "" for rs in world.records.strains.values() for r in rs}
    genomes = read_sheet(workflow_copy, "genomes")
    unresolved = read_sheet(workflow_copy, "unresolved_species")
    named = {r.get("species") or "" for rs in world.records.strains.values() for r in rs
             if (r.get("species") or "").startswith(tuple(genomes["species"]))}
    assert served == named | set(unresolved["taxon_name"])  # every name is accounted for
    assert not named & set(unresolved["taxon_name"])
    withheld = {s for s in world.records.species if world.ncbi.without_reference(s)}
    assert withheld and set(unresolved.loc[unresolved["reason"] == NO_REFERENCE, "species"]
                            ) == withheld
    assert set(genomes["species"]) == set(world.records.species) - withheld
    for name in (n for n in served if " sp." in n):
        reason = unresolved.set_index("taxon_name").loc[name, "reason"]
        assert reason.startswith("not named to species level")

    page = (workflow_copy / "results" / "reports" / "report.html").read_text()
    assert "Passed on without training: fungi, protist" in page
    assert "From MediaDive&#x27;s strain records" in page
    assert (genomes["origin"] == "mediadive").all()
    unplaced = sorted(genera)[0]
    assert genomes[RANKS].values.tolist() == [  # NCBI's taxonomy of each genome's taxid
        ["", "", "", "", ""] if g == unplaced else ["Bacteria", f"Phylum{g}", f"Class{g}",
                                                   f"Order{g}", f"{g}aceae"]
        for g in genomes["genus"]]
    assert unplaced in set(genomes["genus"]) and genomes["taxid"].ne("").all()
