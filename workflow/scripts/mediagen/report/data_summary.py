"""What the model was trained on, for the report: genomes per curriculum phase (and the
phases that had none), where the sheets came from, and what the catalog's amounts needed.

Strain records are mostly bacteria and archaea, so a fungal or protist phase may find no
genome; its training rule warns and trains again on the types before it. The report says
so rather than leaving a reader to infer it from a flat training curve.
"""

import html
import logging

from ..cvae.dataset import Dataset

log = logging.getLogger(__name__)

QUIRK_NAMES = {
    "lines_g_l": "amounts in g/L, used",
    "lines_mmol_l": "only mmol/L, converted with the molar mass, used",
    "lines_water": "water or sea water: a volume per litre, not a mass, left out",
    "lines_variable": "no amount (\"variable\"), left out",
    "lines_mmol_without_molar_mass": "only mmol/L and no molar mass, left out",
    "lines_at_or_above_limit": "g/L at or above the limit: impossible, flagged, left out",
    "lines_impossible": "negative or not a number: flagged, left out",
    "sums_at_or_above_limit": "ingredients whose lines sum past the limit: flagged, left out",
    "selected_media_empty_at_matrix_width": "selected media with no ingredient in the matrix",
}


def data_summary(dataset: Dataset, phases: list[str], quirks: dict | None,
                 sheets: dict | None) -> dict:
    """The numbers of the report's data section (also written to metrics.json)."""
    per_type = dataset.samples.groupby("organism_type")["genome_id"].nunique()
    genomes = {phase: int(per_type.get(phase, 0)) for phase in phases}
    summary = dataset.info.get("summary", {})
    missing = [phase for phase, n in genomes.items() if n == 0]
    log.info("genomes per curriculum phase: %s", ", ".join(f"{p} {n}" for p, n in genomes.items()))
    if missing:
        log.warning("phases with no genomes: %s (each trained again on the types before it)",
                    ", ".join(missing))
    return {
        "genomes_per_phase": genomes,
        "phases_without_genomes": missing,
        "media_empty_at_model_width": int(summary.get("n_media_empty_at_width", 0)),
        "samples_on_empty_media": int(summary.get("n_samples_on_empty_media", 0)),
        "catalog_quirks": quirks or {},
        "sheets": sheets or {},
    }


def data_html(data: dict) -> str:
    """The report's data section."""
    genomes = ", ".join(f"{phase} {n}" for phase, n in data["genomes_per_phase"].items())
    missing = data["phases_without_genomes"]
    parts = [f"<p>Genomes with growth pairs per curriculum phase: {html.escape(genomes)}. "
             + (f"<b>Phases with no genomes: {html.escape(', '.join(missing))}</b>; each "
                "trained again on the types before it." if missing
                else "Every phase had genomes.") + "</p>"]
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
