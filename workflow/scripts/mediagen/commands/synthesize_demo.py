"""``mediagen synthesize-demo``: write one synthetic demo genome as FASTA.gz."""

from ..atomic import atomic_open
from ..demo.genomes import TYPE_MODELS, synthesize_genome, write_fasta_gz
from .arguments import check_outputs, file_name, seed


def add_arguments(parser) -> None:
    parser.add_argument("genome_id")
    parser.add_argument("organism_type", choices=sorted(TYPE_MODELS))
    parser.add_argument("-o", "--output", required=True, type=file_name,
                        help="FASTA.gz to write")
    parser.add_argument("--seed", type=seed, default=42)


def run(args) -> int:
    check_outputs([args.output], [])
    records = synthesize_genome(args.genome_id, args.organism_type, args.seed)
    with atomic_open(args.output, "wb") as handle:
        write_fasta_gz(records, handle)
    return 0
