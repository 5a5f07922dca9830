"""A real Snakemake run of the media model's chain on tiny data: dataset, curriculum
phases (one with no genome of its type, passed on), fine-tuning on every type, and the
report."""

import json
import re

import pandas as pd
import pytest
import torch
import yaml
from conftest import copy_workflow, run_snakemake
from cvae_support import TINY_CVAE, write_inputs

# Only the stages under test: their inputs (catalog, growth pairs, embeddings) are
# written by the test, as the upstream stages would.
SNAKEFILE = """
configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/cvae.smk"
include: "workflow/rules/ranking.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        "results/reports/report.html",
    default_target: True
"""


@pytest.mark.slow
def test_dataset_phases_and_report_run_in_snakemake(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    inputs = write_inputs(workdir, genomes_per_type=8, media_per_type=4,
                          genome_types=("bacteria", "archaea", "protist"))
    catalog = workdir / "results" / "catalog"
    left_out = inputs["pairs"]["genome_id"] == "protist_00"  # as if its media had no recipe
    inputs["pairs"][~left_out].to_parquet(catalog / "growth_pairs.parquet", index=False)
    inputs["pairs"][left_out].assign(reason="no usable g/L composition").to_csv(
        catalog / "growth_pairs_excluded.tsv", sep="\t", index=False)
    pairs = inputs["pairs"].assign(growth=inputs["pairs"]["growth"].map({True: "true",
                                                                         False: "false"}))
    pairs.to_csv(workdir / "growth.tsv", sep="\t", index=False)
    (workdir / "Snakefile.cvae").write_text(SNAKEFILE)
    overrides = {"genomes": "genomes.tsv", "growth": "growth.tsv",
                 "embedding": {"method": "vae"},
                 "cvae": {**TINY_CVAE, "phases": ["bacteria", "archaea", "fungi"]},
                 "ranking": {"members": 2, "epochs": 2, "negatives": 10, "threads": 1},
                 "report": {"n_generated": 3, "n_examples": 2}}
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(overrides))
    quirks = {"lines_water": 7, "lines_at_or_above_limit": 2, "max_g_per_l": 1000.0}
    (workdir / "results" / "catalog" / "quirks.json").write_text(json.dumps(quirks))

    run_snakemake(workdir, "--snakefile", "Snakefile.cvae", "--configfile", "tiny.yaml")

    models = workdir / "results" / "models"
    for phase in ("bacteria", "archaea", "all"):
        assert (models / f"cvae_{phase}.pt").is_file()
        metrics = pd.read_csv(models / f"cvae_{phase}.metrics.tsv", sep="\t")
        assert metrics["epoch"].tolist() == [1, 2, 3] and (metrics["phase"] == phase).all()
    assert not (models / "cvae_protist.pt").exists()  # only the configured phases
    assert not list((models / "resume").glob("*.state.pt"))
    # no fungal genome: the fungi phase passes the archaea phase's model on
    assert pd.read_csv(models / "cvae_fungi.metrics.tsv", sep="\t").empty
    fungi = torch.load(models / "cvae_fungi.pt", weights_only=True)
    archaea = torch.load(models / "cvae_archaea.pt", weights_only=True)
    assert all(torch.equal(fungi["state_dict"][k], v) for k, v in archaea["state_dict"].items())
    passed_on = {"fungi": {"from": "archaea", "reason": "no training genomes of type fungi"}}
    assert fungi["passed_on"] == passed_on
    assert "passed on unchanged" in (
        workdir / "results" / "logs" / "train_cvae" / "fungi.log").read_text()

    final = torch.load(models / "cvae_all.pt", weights_only=True)
    assert final["phase"] == "all" and final["passed_on"] == passed_on
    assert final["types_seen"] == ["archaea", "bacteria", "protist"]
    assert list(dict.fromkeys(row["phase"] for row in final["history"])) == [
        "bacteria", "archaea", "all"]
    log = (workdir / "results" / "logs" / "train_cvae" / "archaea.log").read_text()
    assert "training on bacteria, archaea:" in log
    assert re.search(r"Epoch 3/3 loss=\d+\.\d{4} recon=\d+\.\d{4} kl=\d+\.\d{4} \[archaea\]",
                     log)

    samples = pd.read_parquet(workdir / "results" / "datasets" / "cvae" / "samples.parquet")
    assert (samples.groupby("genome_id")["split"].nunique() == 1).all()

    reports = workdir / "results" / "reports"
    page = (reports / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3
    for heading in ("Training data", "Which medium? The ranking against four baselines",
                    "Are the probabilities right?", "Recommendations for held-out genomes",
                    "Generated recipes", "Does the media model use its latent space?",
                    "Reconstruction of the test split", "Proposals for held-out genomes",
                    "Example recipes"):
        assert heading in page
    evaluation = pd.read_csv(reports / "evaluation.tsv", sep="\t")
    assert list(evaluation.columns) == ["split", "method", "n_species", "top1", "top1_ci_low",
                                        "top1_ci_high", "top5", "top5_ci_low", "top5_ci_high",
                                        "mean_rank", "jaccard"]
    assert (evaluation["top1_ci_low"] <= evaluation["top1"]).all()
    assert (evaluation["top5"] <= evaluation["top5_ci_high"]).all()
    recommended = pd.read_csv(reports / "recommendations.tsv", sep="\t")
    assert recommended["link"].str.startswith("https://mediadive.dsmz.de/medium/").all()
    assert {"min_ph", "max_ph", "complex", "salt_g_l", "anaerobic"} <= set(recommended.columns)
    for n in evaluation["n_species"]:  # a split this small gets no verdict
        assert (f"too few to judge (n = {n})" in page) == (n < 20)
    held_out = samples[samples["split"] == "test"]
    assert set(evaluation["split"]) == set(held_out["holdout"])
    assert set(evaluation["method"]) == {"model", "nearest_genome", "knn_vote", "genus_lookup",
                                         "family_lookup", "order_lookup", "type_prior",
                                         "global_prior"}
    generated = pd.read_csv(reports / "generated.tsv", sep="\t")
    assert (generated["empty"] == 0).all()
    assert generated["n"].sum() == 3 * held_out["genome_id"].nunique()
    assert (models / "ranker.pt").is_file()
    assert "water or sea water: a volume per litre, not a mass, left out</td><td>7" in page
    assert "<b>Passed on without training: fungi</b>" in page
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["data"]["genomes_per_phase"] == {"bacteria": 8, "archaea": 8, "fungi": 0}
    assert metrics["data"]["phases"][2] == {"phase": "fungi", "genomes": 0, "epochs": 0,
                                            "passed_on_from": "archaea",
                                            "reason": "no training genomes of type fungi"}
    # the genome whose pairs the catalog left out is named in the table, log and report
    dropped = pd.read_csv(workdir / "results" / "datasets" / "cvae" / "dropped.tsv", sep="\t")
    assert dropped["genome_id"].tolist() == ["protist_00"]
    assert "protist_00" in (workdir / "results" / "logs" / "build_dataset.log").read_text()
    assert [g["genome_id"] for g in metrics["data"]["left_out_genomes"]] == ["protist_00"]
    assert "Genomes left out of training" in page and "<td>protist_00</td>" in page
    assert metrics["data"]["catalog_quirks"] == quirks
    methods = {row["method"] for row in metrics["proposal_summary"]}
    assert methods == {"model", "nearest_genome", "type_prior"}
    assert list(pd.read_csv(reports / "proposal_summary.tsv", sep="\t").columns) == [
        "group", "method", "n_genomes", "jaccard", "proposal_rank", "median_proposal_rank",
        "top1_pct"]
    assert any("type_prior on proposal_rank" in claim["claim"]
               for claim in metrics["comparisons"])
    for claim in metrics["comparisons"]:
        assert claim["holds"] == (claim["value"] > claim["other"]
                                  if "higher" in claim["claim"] or "resemble" in claim["claim"]
                                  else claim["value"] < claim["other"])
    for name in ("latent_pca.png", "training_curves.png", "reliability.png"):
        assert (reports / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    reconstruction = pd.read_csv(reports / "reconstruction.tsv", sep="\t")
    assert reconstruction["group"].tolist()[0] == "all"
    assert set(reconstruction["group"]) - {"all"} == set(samples.loc[
        samples["split"] == "test", "organism_type"])
