# Sheets, validation, wildcard constraints and the input functions every stage shares.

import os
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from mediagen.errors import MediagenError
from mediagen.sources.ncbi_package import is_assembly_accession
from mediagen.sources.strain_sheets import read_genome_table
from mediagen.catalog.sheets import load_genome_sheet, load_growth_sheet, load_sheets


validate(config, schema="../schemas/config.schema.yaml")

try:
    if config["catalog"]["derive_sheets"]:
        # growth rows may name genomes derived from MediaDive: derive_sheets checks them
        # against the merged genome sheet
        user_genomes = load_genome_sheet(config["genomes"], allow_empty=True)
        user_growth = load_growth_sheet(config["growth"])
    else:
        user_genomes, user_growth = load_sheets(config["genomes"], config["growth"])
except MediagenError as error:
    raise WorkflowError(str(error)) from None

# With catalog.derive_sheets, the genomes come from MediaDive's strain records through the
# derive_sheets checkpoint and are known only once it has run; without it they are the
# user's sheet, known now, and every job is planned before anything runs.
DERIVE_SHEETS = config["catalog"]["derive_sheets"]
PHASES = list(config["cvae"]["phases"])


# genome_id is matched by its form, not by the list of ids: a constraint listing thousands of
# ids would be copied into every file pattern and matched at every job (the input functions
# refuse an id that is not in the sheet).
wildcard_constraints:
    genome_id="[A-Za-z0-9._-]+",
    method="[a-z0-9_]+",
    phase="[a-z]+",


def get_final_output():
    targets = ["results/embeddings/profiles.parquet", "results/reports/report.html"]
    if DERIVE_SHEETS:
        targets.append("results/sheets/unresolved_species.tsv")
    return targets


def sheet(name):
    """The genome or growth sheet the workflow trains on: the user's, or the merged one."""
    return f"results/sheets/{name}.tsv" if DERIVE_SHEETS else config[name]


_MERGED_GENOMES = {}


def genome_table():
    """Every genome to train on, indexed by genome_id.

    The merged sheet is read once per version of the file (checked by its stat), so the
    input functions of thousands of per-genome jobs cost a dictionary lookup each.
    """
    if not DERIVE_SHEETS:
        return user_genomes
    path = checkpoints.derive_sheets.get().output.genomes
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _MERGED_GENOMES:
        _MERGED_GENOMES.clear()
        _MERGED_GENOMES[key] = read_genome_table(path)
    return _MERGED_GENOMES[key]


def per_genome(pattern):
    """An input function: ``pattern`` for every genome to train on."""

    def files(wildcards):
        return expand(pattern, genome_id=genome_table().index)

    return files


def genome_fasta(wildcards):
    return f"resources/genomes/{wildcards.genome_id}.fna.gz"


def genome_source(wildcards):
    table = genome_table()
    if wildcards.genome_id not in table.index:
        raise WorkflowError(
            f"genome {wildcards.genome_id!r} is not in the genome sheet ({sheet('genomes')}); "
            "add it there or ask for a genome the sheet lists"
        )
    return table.at[wildcards.genome_id, "source"]


def is_remote_source(source):
    return source.startswith(("http://", "https://")) or is_assembly_accession(source)


def local_source_input(wildcards):
    """A local source is the download rule's input, so editing that file re-runs it."""
    source = genome_source(wildcards)
    return [] if is_remote_source(source) else [source]


def genome_fasta_size_mb(wildcards, input):
    return max(1, int(sum(Path(f).stat().st_size for f in input) / 1e6))


KMER_METHODS = ("kmer_64", "kmer_128", "kmer_256", "stats")
EMBEDDING_METHOD = config["embedding"]["method"]
# Tables aggregate_profiles writes beside profiles.parquet: the configured ones, plus the
# conditioning method when it is one of the k-mer methods.
KMER_TABLE_METHODS = sorted(
    {m for m in config["kmers"]["methods"] if m in KMER_METHODS}
    | ({EMBEDDING_METHOD} & set(KMER_METHODS))
)


def embedding_table_path(method):
    """Where the genome table of an embedding method lives."""
    if method == "profile":
        return "results/embeddings/profiles.parquet"
    return f"results/embeddings/{method}.parquet"
