"""``mediagen profile FASTA... -o OUT.parquet``: genome profiles outside the workflow.

Writes the rows ``results/embeddings/profiles.parquet`` holds (``genome_id``
plus the 8,362 profile fields), one per FASTA / FASTA.gz file, with the genome
id taken from the file name without its FASTA and gzip suffixes. Any bad file
stops the command with one line naming it; nothing is written then.
"""

import logging

import numpy as np

from ..errors import MediagenError
from ..kmers.embedding_table import write_embedding_table
from ..kmers.fasta_bytes import genome_id_from_path
from ..kmers.layout import profile_column_names
from ..kmers.profile import read_genome_profile
from .arguments import check_outputs, file_name, whole_number

log = logging.getLogger(__name__)

DEFAULT_MIN_LENGTH = 10_000  # the workflow's default kmers.min_genome_length


def add_arguments(parser) -> None:
    parser.add_argument("fasta", nargs="+", help="genome FASTA or FASTA.gz files")
    parser.add_argument("-o", "--output", required=True, type=file_name,
                        help="Parquet table to write")
    parser.add_argument(
        "--min-length",
        type=whole_number(0, 2**63 - 1),
        default=DEFAULT_MIN_LENGTH,
        help="refuse genomes with fewer A/C/G/T bases (default: %(default)s, as the workflow)",
    )


def run(args) -> int:
    genome_ids = [genome_id_from_path(path) for path in args.fasta]
    seen: dict[str, str] = {}
    for genome_id, path in zip(genome_ids, args.fasta, strict=True):
        if genome_id in seen:
            raise MediagenError(
                f"{path} and {seen[genome_id]} both give genome id {genome_id!r}; "
                "rename one of them"
            )
        seen[genome_id] = path
    check_outputs([args.output], args.fasta)
    profiles = np.stack(
        [read_genome_profile(path, min_length=args.min_length) for path in args.fasta]
    )
    write_embedding_table(args.output, genome_ids, profiles, "profile", profile_column_names())
    log.info("wrote %d genome profiles to %s", len(genome_ids), args.output)
    return 0
