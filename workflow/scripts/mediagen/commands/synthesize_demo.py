"""``mediagen synthesize-demo``: write one synthetic demo genome as FASTA.gz."""

from ..atomic import atomic_open
from ..demo.genomes import TYPE_MODELS, synthesize_genome, write_fasta_gz


def add_arguments(parser) -> None:
    parser.add_argument("genome_id")
    parser.add_argument("organism_type", choices=sorted(TYPE_MODELS))
    parser.add_argument("-o", "--output", required=True, help="FASTA.gz to write")
    parser.add_argument("--seed", type=int, default=42)


def run(args) -> int:
    records = synthesize_genome(args.genome_id, args.organism_type, args.seed)
    with atomic_open(args.output, "wb") as handle:
        write_fasta_gz(records, handle)
    return 0
