"""The genome and growth sheets from MediaDive's strain records, merged with the user's.

MediaDive links strains to the media they grow on. Every record's taxon name resolves to a
species (``species_names``), every species to its NCBI reference genome
(``ncbi_reference``), and the species' records become growth rows of that genome: a strain
stands for its species' reference genome, hence a confidence below 1
(``catalog.strain_confidence``). A species grows on a medium when any of its records
there says so.

The user's own sheets merge in and win on conflict: a user genome row replaces the
derived row of the same genome_id (the species' growth rows stay, they are about the
species), a user growth row replaces the derived row of the same genome and medium. The
merged sheets carry an ``origin`` column, ``user`` or ``mediadive`` (``source`` already
means the FASTA's location in the genome sheet), and the genome sheet the ``species`` and
``genus`` of every row that names one, for splits by taxonomy, and the ranks above the genus
(``lineage.ABOVE_GENUS``, empty where unknown): the user's own where their row gives a
lineage, else NCBI's taxonomy of the row's taxid (``ncbi_taxonomy``).

Nothing is dropped silently: every taxon name of the records is either a genome's species
or a row of the unresolved table, with the reason (no species name, a domain the models do
not learn, no reference genome at NCBI).
"""

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write_text
from ..catalog.lineage import ABOVE_GENUS
from ..errors import MediagenError
from .ncbi_reference import NO_REFERENCE
from .species_names import Species, genome_id_for, ncbi_taxid, organism_type, resolve_species

USER, MEDIADIVE = "user", "mediadive"
GENOME_COLUMNS = ["genome_id", "organism_name", "organism_type", "taxid", "source", "species",
                  "genus", *ABOVE_GENUS, "origin"]
GROWTH_COLUMNS = ["genome_id", "media_id", "growth", "confidence", "source", "origin"]
UNRESOLVED_COLUMNS = ["taxon_name", "species", "domain", "strain_records", "media", "reason"]
_SHOWN_STRAINS = 3

log = logging.getLogger(__name__)


@dataclass
class SpeciesRecords:
    """The strain records of one species, by medium."""

    species: Species
    names: Counter = field(default_factory=Counter)  # taxon names as the records give them
    domains: Counter = field(default_factory=Counter)
    taxids: Counter = field(default_factory=Counter)
    media: dict = field(default_factory=dict)  # media_id -> list of records

    def add(self, media_id: str, record: dict) -> None:
        self.names[record.get("species")] += 1
        self.domains[record.get("domain")] += 1
        if taxid := ncbi_taxid(record.get("id")):
            self.taxids[taxid] += 1
        self.media.setdefault(media_id, []).append(record)

    def growth_rows(self, genome_id: str, confidence: float) -> list[dict]:
        rows = []
        for media_id, records in self.media.items():
            ids = [str(r.get("id")) for r in records]
            shown = ", ".join(ids[:_SHOWN_STRAINS])
            more = f" and {len(ids) - _SHOWN_STRAINS} more" if len(ids) > _SHOWN_STRAINS else ""
            rows.append({"genome_id": genome_id, "media_id": media_id,
                         "growth": "true" if any(r.get("growth") for r in records) else "false",
                         "confidence": confidence,
                         "source": f"MediaDive strain records {shown}{more}",
                         "origin": MEDIADIVE})
        return rows


@dataclass
class StrainRecords:
    """Every strain record, grouped: by species, and the names that resolve to none."""

    species: dict[str, SpeciesRecords]
    unresolved: dict[str | None, tuple[str, list]]  # taxon name -> (reason, [(medium, record)])
    n_records: int

    @classmethod
    def group(cls, strains: dict[str, list[dict]]) -> "StrainRecords":
        species: dict[str, SpeciesRecords] = {}
        unresolved: dict = {}
        n_records = 0
        for media_id, records in strains.items():
            for record in records:
                n_records += 1
                name = record.get("species")
                resolved = resolve_species(name)
                if isinstance(resolved, Species):
                    species.setdefault(resolved.name, SpeciesRecords(resolved)).add(
                        str(media_id), record)
                else:
                    unresolved.setdefault(name, (resolved, []))[1].append((media_id, record))
        return cls(species, unresolved, n_records)

    def taxon_names(self) -> int:
        return len(self.unresolved) + sum(len(s.names) for s in self.species.values())


def _unresolved_row(name, species: str, records: list, reason: str) -> dict:
    domains = sorted({str(r.get("domain")) for _, r in records if r.get("domain")})
    return {"taxon_name": name or "", "species": species, "domain": ",".join(domains),
            "strain_records": len(records), "media": len({m for m, _ in records}),
            "reason": reason}


@dataclass
class DerivedSheets:
    genomes: pd.DataFrame
    growth: pd.DataFrame
    unresolved: pd.DataFrame
    counts: dict


def species_types(grouped: StrainRecords) -> tuple[dict[str, str], dict[str, str]]:
    """(species -> organism type, species -> why it has none), from the records' domains."""
    types, reasons = {}, {}
    for name, records in grouped.species.items():
        domain = records.domains.most_common(1)[0][0]
        try:
            types[name] = organism_type(domain)
        except ValueError as reason:
            reasons[name] = str(reason)
    return types, reasons


def derive_sheets(grouped: StrainRecords, reports: dict, confidence: float) -> DerivedSheets:
    """Genome, growth and unresolved tables from grouped records and NCBI's answers.

    ``reports`` gives each species of a learnable type (``species_types``) its reference
    genome report (a dict) or the reason it has none (a string).
    """
    types, type_reasons = species_types(grouped)
    genome_rows, growth_rows, unresolved_rows = [], [], []
    used_ids: set[str] = set()
    for name in sorted(grouped.species):
        records = grouped.species[name]
        report = reports.get(name) if name in types else None
        reason = type_reasons.get(name) or (report if isinstance(report, str) else NO_REFERENCE)
        if not isinstance(report, dict):
            for taxon_name, _ in records.names.items():
                named = [(m, r) for m, rs in records.media.items() for r in rs
                         if r.get("species") == taxon_name]
                unresolved_rows.append(_unresolved_row(taxon_name, name, named, reason))
            continue
        genome_id = genome_id_for(name)
        while genome_id in used_ids:  # two names with one slug: number the later one
            genome_id += "_2"
        used_ids.add(genome_id)
        taxid = str((report.get("organism") or {}).get("tax_id") or "")
        genome_rows.append({
            "genome_id": genome_id, "organism_name": name, "organism_type": types[name],
            "taxid": taxid or (records.taxids.most_common(1)[0][0] if records.taxids else ""),
            "source": report["accession"], "species": name,
            "genus": records.species.genus, **dict.fromkeys(ABOVE_GENUS, ""),
            "origin": MEDIADIVE,
        })
        growth_rows += records.growth_rows(genome_id, confidence)
    for name, (reason, records) in grouped.unresolved.items():
        unresolved_rows.append(_unresolved_row(name, "", records, reason))
    unresolved = pd.DataFrame(unresolved_rows, columns=UNRESOLVED_COLUMNS).sort_values(
        ["reason", "taxon_name"], kind="stable", ignore_index=True)
    genomes = pd.DataFrame(genome_rows, columns=GENOME_COLUMNS)
    counts = {
        "strain_records": grouped.n_records,
        "taxon_names": grouped.taxon_names(),
        "species": len(grouped.species),
        "species_with_genome": len(genomes),
        "species_without_genome": len(grouped.species) - len(genomes),
        "strain_records_unresolved": int(unresolved["strain_records"].sum()),
        "unresolved_taxon_names_by_reason": {
            reason: int(n) for reason, n in unresolved["reason"].value_counts().items()},
    }
    return DerivedSheets(genomes, pd.DataFrame(growth_rows, columns=GROWTH_COLUMNS),
                         unresolved, counts)


def user_genome_rows(sheet: pd.DataFrame) -> pd.DataFrame:
    """The user's genome sheet (``sheets.load_genome_sheet``) in the merged columns,
    species and genus where the name has them."""
    resolved = [resolve_species(name) for name in sheet["organism_name"]]
    return sheet.reset_index(drop=True).assign(
        species=[s.name if isinstance(s, Species) else "" for s in resolved],
        genus=[s.genus if isinstance(s, Species) else "" for s in resolved],
        origin=USER)[GENOME_COLUMNS]


def merge_sheets(derived: DerivedSheets, user_genomes: pd.DataFrame,
                 user_growth: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(genome sheet, growth sheet, counts): the user's rows, then the derived rows they do
    not replace."""
    user_ids = set(user_genomes["genome_id"])
    kept_genomes = derived.genomes[~derived.genomes["genome_id"].isin(user_ids)]
    genomes = pd.concat([user_genome_rows(user_genomes), kept_genomes], ignore_index=True)

    growth_keys = set(zip(user_growth["genome_id"], user_growth["media_id"].astype(str),
                          strict=True))
    replaced = [(g, m) in growth_keys for g, m in zip(
        derived.growth["genome_id"], derived.growth["media_id"], strict=True)]
    user_rows = user_growth.reset_index(drop=True).assign(
        growth=user_growth["growth"].map({True: "true", False: "false"}).to_numpy(),
        media_id=user_growth["media_id"].astype(str).to_numpy(), origin=USER)[GROWTH_COLUMNS]
    growth = pd.concat([user_rows, derived.growth[[not r for r in replaced]]],
                       ignore_index=True)
    counts = {
        "genomes": {USER: len(user_genomes), MEDIADIVE: len(kept_genomes),
                    "replaced_by_user": len(derived.genomes) - len(kept_genomes)},
        "growth": {USER: len(user_growth), MEDIADIVE: len(growth) - len(user_growth),
                   "replaced_by_user": int(sum(replaced))},
        "genomes_by_type": {t: int(n) for t, n in
                            genomes["organism_type"].value_counts().sort_index().items()},
    }
    log.info("merged sheets: %d genomes (%d from MediaDive, %d from the user, replacing %d), "
             "%d growth rows (%d from MediaDive, %d from the user, replacing %d)",
             len(genomes), counts["genomes"][MEDIADIVE], counts["genomes"][USER],
             counts["genomes"]["replaced_by_user"], len(growth), counts["growth"][MEDIADIVE],
             counts["growth"][USER], counts["growth"]["replaced_by_user"])
    return genomes, growth, counts


def with_ncbi_lineages(genomes: pd.DataFrame, look_up_lineages
                       ) -> tuple[pd.DataFrame, dict]:
    """(genome sheet, counts): NCBI's lineage of the taxid in the rank columns of every row
    that has a taxid and no lineage of its own; a lineage the user gave wins.

    ``look_up_lineages(taxids)`` answers taxid -> lineage for the taxids NCBI knows
    (``ncbi_taxonomy.taxonomy_lineages``).
    """
    given = genomes[list(ABOVE_GENUS)].ne("").any(axis=1)
    asked = ~given & genomes["taxid"].ne("")
    lineages = look_up_lineages(sorted(set(genomes.loc[asked, "taxid"])))
    genomes = genomes.copy()
    for rank in ABOVE_GENUS:
        genomes.loc[asked, rank] = [lineages.get(taxid, {}).get(rank, "")
                                    for taxid in genomes.loc[asked, "taxid"]]
    from_ncbi = int((asked & genomes[list(ABOVE_GENUS)].ne("").any(axis=1)).sum())
    counts = {"given": int(given.sum()), "ncbi": from_ncbi,
              "none": len(genomes) - int(given.sum()) - from_ncbi}
    log.info("lineages: %d genomes have their own from the sheet, %d NCBI's of their taxid, "
             "%d none", counts["given"], counts["ncbi"], counts["none"])
    return genomes, counts


def training_sheets(strains: dict[str, list[dict]], user_genomes: pd.DataFrame,
                    user_growth: pd.DataFrame, look_up, look_up_lineages, confidence: float):
    """(genome sheet, growth sheet, unresolved table, counts) to train on.

    ``look_up(species names)`` answers each species' reference genome report or the reason
    it has none (``ncbi_reference.reference_reports``); ``look_up_lineages(taxids)`` the
    lineages NCBI knows of (``with_ncbi_lineages``).
    """
    grouped = StrainRecords.group(strains)
    types, _ = species_types(grouped)
    log.info("%d strain records on %d media name %d species (%d of a type the models "
             "learn); %d names are not a species", grouped.n_records, len(strains),
             len(grouped.species), len(types), len(grouped.unresolved))
    derived = derive_sheets(grouped, look_up(sorted(types)), confidence)
    genomes, growth, counts = merge_sheets(derived, user_genomes, user_growth)
    if genomes.empty:
        raise MediagenError("no strain record names a species with an NCBI reference genome "
                            "and the genome sheet is empty: nothing to train on; check "
                            "mediadive.base_url and download.ncbi_base_url")
    genomes, counts["lineages"] = with_ncbi_lineages(genomes, look_up_lineages)
    return genomes, growth, derived.unresolved, {**derived.counts, **counts}


def write_table(path: str | Path, frame: pd.DataFrame) -> None:
    atomic_write_text(path, frame.to_csv(sep="\t", index=False))


def write_summary(path: str | Path, counts: dict) -> None:
    atomic_write_text(path, json.dumps(counts, indent=1) + "\n")


def read_genome_table(path: str | Path) -> pd.DataFrame:
    """A merged genome sheet, indexed by genome_id (written here, so read without
    re-validating: planning reads it for every job)."""
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return frame.set_index("genome_id", drop=False)
