"""``mediagen embed``: genome VAE embeddings of FASTA files into a genome table.

Each FASTA is cut into windows exactly as the model's training genomes were
(the settings travel in the model file), and its row is the mean of its
windows' latent means: the same ``vae`` table ``embed_genomes`` writes.
genome_id is the file name without its FASTA and gzip suffixes.
"""

import numpy as np

from ..device import pick_device
from ..errors import MediagenError
from ..kmers.embedding_table import write_embedding_table
from ..kmers.fasta_bytes import genome_id_from_path
from .arguments import check_outputs, file_name


def add_arguments(parser) -> None:
    parser.add_argument("fasta", nargs="+", metavar="FASTA", help="genome FASTA or FASTA.gz")
    parser.add_argument("--model", required=True,
                        help="genome VAE model file (results/models/genome_vae.pt)")
    parser.add_argument("-o", "--output", required=True, type=file_name,
                        help="Parquet table to write")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")


def run(args) -> int:
    from ..genome_vae.embed import METHOD, GenomeEmbedder

    genome_ids = [genome_id_from_path(path) for path in args.fasta]
    repeated = sorted({gid for gid in genome_ids if genome_ids.count(gid) > 1})
    if repeated:
        raise MediagenError(f"several FASTA files give genome_id {repeated[0]!r}; "
                            "rename them so each file name is unique")
    check_outputs([args.output], [*args.fasta, args.model])
    embedder = GenomeEmbedder.from_checkpoint(args.model, pick_device(args.device))
    matrix = np.stack([embedder.embed_fasta(path) for path in args.fasta])
    write_embedding_table(args.output, genome_ids, matrix, METHOD)
    return 0
