"""``mediagen recommend``: the catalog's media ranked for a genome, most likely first.

The genome is a FASTA (embedded the way the ranking model's training genomes were), a
genome of the workflow's sheet (its row in the embedding table), or, with
``--organism-type`` alone, the average training genome of a type. Each medium comes with
the calibrated probability that the organism grows on it, its uncertainty (the spread of
the model's ensemble) and the evidence: the nearest training genomes that grow on it. The
answer says how far the genome is from the training genomes (the nearest one's distance,
as a percentile of training species' distances to their nearest other species), marks a
known genome's recorded media (a genome nearer to a training genome than any two training
species are: its recorded media come first) and flags a genome beyond anything trained.
What relatives above the genome grow on counts too: its lineage (``--lineage``, a
GTDB-style string as GTDB-Tk prints; a training genome's own; else the ranks its nearest
training genome places it in), and the answer says which rank that evidence came from.
The best ``-n`` are printed and written to ``PREFIX.tsv`` and ``PREFIX.json``.
"""

import json
import sys

from .arguments import whole_number
from .recipe_output import add_output_arguments, check_recipe_outputs


def add_arguments(parser) -> None:
    parser.add_argument("--model", required=True,
                        help="ranking model file (results/models/ranker.pt)")
    genome = parser.add_mutually_exclusive_group()
    genome.add_argument("--genome", metavar="FASTA", help="a genome FASTA or FASTA.gz")
    genome.add_argument("--genome-id", help="a genome of the workflow's genome sheet")
    parser.add_argument("--organism-type", help="the genome's organism type (default: that of "
                        "its nearest training genome); alone, the type's average genome")
    parser.add_argument("--lineage", help="the genome's lineage, GTDB-style: "
                        "'d__Bacteria;p__...;c__...;o__...;f__...;g__...;s__...' (default: "
                        "placed by its nearest training genomes)")
    parser.add_argument("-n", type=whole_number(1, 100_000), default=10,
                        help="media to show (default 10)")
    add_output_arguments(parser, "recommendations")


def describe_medium(row) -> str:
    """'pH 7.0-7.2, complex, salt 5 g/L, anaerobic (resazurin), LINK' for a ranking row."""
    parts = []  # facts are None where MediaDive does not say
    if row.min_ph is not None:
        high = row.max_ph if row.max_ph is not None else row.min_ph
        parts.append(f"pH {row.min_ph:g}" + (f"-{high:g}" if high != row.min_ph else ""))
    if row.complex is not None:
        parts.append("complex" if row.complex else "defined")
    if row.salt_g_l is not None:
        parts.append(f"salt {row.salt_g_l:.3g} g/L")
    parts.append(f"anaerobic ({row.anaerobic_because})" if row.anaerobic
                 else "no sign of anaerobic preparation")
    return ", ".join(parts + [row.link])


def run(args) -> int:
    from ..atomic import atomic_path, atomic_write_text
    from ..catalog.lineage import parse_gtdb
    from ..cvae.generate import fasta_embedding, recipe_files, table_embedding
    from ..errors import MediagenError
    from ..kmers.fasta_bytes import check_fasta_path
    from ..ranking.model import MediaRanker

    if not (args.genome or args.genome_id or args.organism_type):
        raise MediagenError("give the genome: --genome FASTA, --genome-id ID, or "
                            "--organism-type TYPE for a type's average genome")
    try:
        lineage = parse_gtdb(args.lineage) if args.lineage is not None else None
    except ValueError as exc:
        raise MediagenError(f"--lineage: {exc}") from None
    check_recipe_outputs(args, args.genome)
    files = recipe_files(args.output)
    ranker = MediaRanker.load(args.model)
    provenance = ranker.provenance
    if args.genome:
        point, name = ranker.point(fasta_embedding(
            check_fasta_path(args.genome), ranker.embedding_method, provenance,
            genome_vae=args.genome_vae)), args.genome
    elif args.genome_id:
        point, name = ranker.point(table_embedding(
            args.embeddings or provenance.get("embedding_table", ""), args.genome_id)), \
            args.genome_id
        if lineage is None and args.genome_id in ranker.genomes.genome_ids:
            lineage = ranker.training_lineage(args.genome_id)
    else:
        point, name = ranker.type_point(args.organism_type), \
            f"average {args.organism_type} genome"
    ranking = ranker.rank_point(point, args.organism_type, n_evidence=args.n, lineage=lineage)
    best = ranking.table.head(args.n)
    print(f"{name}: organism type {ranking.organism_type}; {ranking.describe_distance()}")
    print(f"  {ranking.lineage_evidence}")
    for row in best.itertuples(index=False):
        recorded = "  [recorded]" if row.recorded else ""
        print(f"{row.rank:4d}  {row.probability:5.3f} +- {row.uncertainty:5.3f}  "
              f"{row.media_id:>8}  {row.media_name}{recorded}")
        if "link" in best.columns:
            print(f"      {describe_medium(row)}")
        print(f"      evidence: {row.evidence}")
    with atomic_path(files[0]) as tmp:
        best.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    atomic_write_text(files[1], json.dumps({
        "genome": name, "organism_type": ranking.organism_type,
        "nearest_genome": ranking.nearest_genome,
        "nearest_distance": ranking.nearest_distance,
        "nearest_distance_percentile": ranking.distance_percentile,
        "known_as": ranking.known_as, "novel": ranking.novel,
        "lineage_evidence": ranking.lineage_evidence,
        "media": best.to_dict(orient="records")}, indent=1) + "\n")
    print(f"wrote {files[0]} and {files[1]}", file=sys.stderr)
    return 0
