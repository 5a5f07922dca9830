"""What the model was trained on, for the report: genomes per curriculum phase and how
each phase's model was made, the genomes that left training, where the sheets came from,
and what the catalog's amounts needed.

Strain records are mostly bacteria and archaea, so a fungal or protist phase may find no
genome; its training rule passes the previous phase's model on without training. The
report says so rather than leaving a reader to infer it from a missing training curve.
"""

import html
import logging

import pandas as pd

from ..cvae.dataset import Dataset
from ..cvae.model import ModelRecord

log = logging.getLogger(__name__)

QUIRK_NAMES = {
    "lines_g_l": "amounts in g/L, used",
    "lines_mmol_l": "only mmol/L, converted with the molar mass, used",
    "lines_water": "water or sea water: a volume per litre, not a mass, left out",
    "lines_volume": "a prepared base or medium by volume (ml per litre): kept, at its density",
    "lines_variable": "no amount (\"variable\"), left out",
    "lines_mmol_without_molar_mass": "only mmol/L and no molar mass, left out",
    "lines_at_or_above_limit": "g/L at or above the limit (a chemical, or over a litre per "
                               "litre): impossible, flagged, left out",
    "lines_impossible": "negative or not a number: flagged, left out",
    "sums_at_or_above_limit": "ingredients whose lines sum past the limit: flagged, left out",
    "selected_media_empty_at_matrix_width": "selected media with no ingredient in the matrix",
}
PHASE_COLUMNS = {"epochs": "epochs trained", "passed_on_from": "model passed on from",
                 "reason": "why"}


def data_summary(dataset: Dataset, phases: list[str], quirks: dict | None,
                 sheets: dict | None, record: ModelRecord) -> dict:
    """The numbers of the report's data section (also written to metrics.json);
    ``record`` is the final media model's, whose history and passed-on phases tell how
    each phase's model was made."""
    per_type = dataset.samples.groupby("organism_type")["genome_id"].nunique()
    genomes = {phase: int(per_type.get(phase, 0)) for phase in phases}
    summary = dataset.info.get("summary", {})
    log.info("genomes per curriculum phase: %s", ", ".join(f"{p} {n}" for p, n in genomes.items()))
    if record.passed_on:
        log.warning("phases passed on without training: %s", "; ".join(
            f"{phase} from {why['from']} ({why['reason']})"
            for phase, why in record.passed_on.items()))
    dropped = dataset.dropped
    return {
        "genomes_per_phase": genomes,
        "phases": phase_rows(genomes, int(per_type.sum()), record),
        "left_out_genomes": dropped.to_dict(orient="records"),
        "left_out_species": sorted(set(dropped.loc[~dropped["species_kept"], "species"])),
        "media_empty_at_model_width": int(summary.get("n_media_empty_at_width", 0)),
        "samples_on_empty_media": int(summary.get("n_samples_on_empty_media", 0)),
        "catalog_quirks": quirks or {},
        "sheets": sheets or {},
    }


def phase_rows(genomes: dict[str, int], total: int, record: ModelRecord) -> list[dict]:
    """Per curriculum phase, then ``all``: its genomes (of its type; every one for ``all``)
    and how its model was made: epochs trained, or the phase it was passed on from and why."""
    epochs = pd.Series([row["phase"] for row in record.history]).value_counts()
    rows = []
    for phase, n in [*genomes.items(), ("all", total)]:
        passed_on = record.passed_on.get(phase, {})
        rows.append({"phase": phase, "genomes": n, "epochs": int(epochs.get(phase, 0)),
                     "passed_on_from": passed_on.get("from", ""),
                     "reason": passed_on.get("reason", "")})
    return rows


def data_html(data: dict) -> str:
    """The report's data section."""
    phases = pd.DataFrame(data["phases"]).rename(columns=PHASE_COLUMNS)
    passed_on = [row["phase"] for row in data["phases"] if row["passed_on_from"]]
    parts = ["<p>Genomes with growth pairs per curriculum phase, and how each phase's model "
             "was made. " + (f"<b>Passed on without training: {html.escape(', '.join(passed_on))}"
                             "</b> (no training genome of their type)." if passed_on
                             else "Every phase had genomes and trained.") + "</p>"
             + phases.to_html(index=False, border=0, classes="numbers")]
    sheets = data["sheets"]
    if sheets:
        reasons = "; ".join(f"{reason}: {n}" for reason, n in
                            sheets["unresolved_taxon_names_by_reason"].items())
        text = (f"From MediaDive's strain records: {sheets['strain_records']} records naming "
                f"{sheets['taxon_names']} taxa and {sheets['species']} species, of which "
                f"{sheets['species_with_genome']} have an NCBI reference genome. Taxon names "
                "without a genome (listed with the reason in results/sheets/"
                f"unresolved_species.tsv): {reasons or 'none'}. The user's sheets gave "
                f"{sheets['genomes']['user']} genomes (replacing "
                f"{sheets['genomes']['replaced_by_user']} derived ones) and "
                f"{sheets['growth']['user']} growth rows (replacing "
                f"{sheets['growth']['replaced_by_user']}).")
        parts.append(f"<p>{html.escape(text)}</p>")
    quirks = data["catalog_quirks"]
    if quirks:
        rows = "".join(f"<tr><td>{html.escape(QUIRK_NAMES[k])}</td><td>{quirks[k]}</td></tr>"
                       for k in QUIRK_NAMES if k in quirks)
        parts.append(f"<p>MediaDive composition lines by kind (limit "
                     f"{quirks.get('max_g_per_l', '?')} g/L):</p>"
                     f'<table class="numbers">{rows}</table>')
    parts.append(f"<p>{data['media_empty_at_model_width']} catalog media have no ingredient "
                 "at the model's width and are left out of nearest-medium matching; "
                 f"{data['samples_on_empty_media']} growth pairs on them were left out of "
                 "the samples.</p>")
    return "\n".join(parts)


def left_out_html(data: dict) -> str:
    """The report's section on the genomes and species that left training."""
    genomes = data["left_out_genomes"]
    if not genomes:
        return "<p>None: every genome with growth pairs has samples.</p>"
    species = ", ".join(data["left_out_species"]) or "none"
    table = pd.DataFrame(genomes).drop(columns="species_kept")
    return (f"<p>{len({g['genome_id'] for g in genomes})} genome(s) have growth pairs but no "
            "sample, for the reason given (results/datasets/cvae/dropped.tsv). Species left "
            f"with no genome in training: {html.escape(species)}.</p>"
            + table.to_html(index=False, border=0, classes="numbers"))
