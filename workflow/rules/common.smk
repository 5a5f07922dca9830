# Sheets, validation, wildcard constraints and the input functions every stage shares.

import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from mediagen.errors import MediagenError
from mediagen.sources.ncbi_package import is_assembly_accession
from mediagen.catalog.sheets import load_sheets


validate(config, schema="../schemas/config.schema.yaml")

try:
    genomes, growth = load_sheets(config["genomes"], config["growth"])
except MediagenError as error:
    raise WorkflowError(str(error)) from None

GENOME_IDS = list(genomes.index)
ORGANISM_TYPES = sorted(set(genomes["organism_type"]))
PHASES = list(config["cvae"]["phases"])


wildcard_constraints:
    genome_id="|".join(re.escape(genome_id) for genome_id in GENOME_IDS) or "(?!)",
    method="[a-z0-9_]+",
    phase="[a-z]+",


def get_final_output():
    targets = ["results/embeddings/profiles.parquet", "results/reports/report.html"]
    if config["catalog"]["derive_candidates"]:
        targets += [
            "results/catalog/candidate_genomes.tsv",
            "results/catalog/candidate_growth.tsv",
        ]
    return targets


def genome_fasta(wildcards):
    return f"resources/genomes/{wildcards.genome_id}.fna.gz"


def genome_source(wildcards):
    return genomes.loc[wildcards.genome_id, "source"]


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
