"""``mediagen interpolate``: media along a straight path between two genomes' conditions.

Each end is a genome of the workflow's sheet or a FASTA file. The model
decodes its most typical medium (the latent origin) at ``--steps`` evenly
spaced points between the two transformed embeddings, so what changes along
the path is what the model ties to the genome.
"""

from pathlib import Path

from .arguments import whole_number
from .recipe_output import (
    MAX_RECIPES,
    add_model_arguments,
    add_output_arguments,
    check_recipe_outputs,
    print_and_write,
)


def add_arguments(parser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--from", dest="start", required=True, metavar="GENOME",
                        help="a genome id of the sheet or a FASTA file")
    parser.add_argument("--to", dest="end", required=True, metavar="GENOME",
                        help="a genome id of the sheet or a FASTA file")
    parser.add_argument("--steps", type=whole_number(2, MAX_RECIPES), default=5,
                        help=f"points on the path, 2 to {MAX_RECIPES:,} (default 5)")
    add_output_arguments(parser, "interpolation")


def run(args) -> int:
    from ..cvae.generate import (
        fasta_condition,
        genome_condition,
        interpolate,
        recipes_for,
    )
    from ..cvae.model import ConditionalMediaVAE
    from ..kmers.fasta_bytes import check_fasta_path, looks_like_fasta_path

    check_recipe_outputs(args, args.start, args.end)
    model = ConditionalMediaVAE.load(args.model)

    def condition(value: str):
        if Path(value).exists() or looks_like_fasta_path(value):
            return fasta_condition(model, check_fasta_path(value), genome_vae=args.genome_vae)
        return genome_condition(model, value, args.embeddings)

    fractions, grams = interpolate(model, condition(args.start), condition(args.end),
                                   args.steps)
    labels = [f"{args.start} -> {args.end} at {fraction:.2f}" for fraction in fractions]
    recipes = recipes_for(model, grams, labels)
    print_and_write(recipes, args.output)
    return 0
