"""``mediagen interpolate``: media along a straight path between two genomes' conditions.

Each end is a genome of the workflow's sheet or a FASTA file. The model
decodes its most typical medium (the latent origin) at ``--steps`` evenly
spaced points between the two transformed embeddings, so what changes along
the path is what the model ties to the genome.
"""

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("--model", required=True,
                        help="conditional media VAE file (results/models/cvae_all.pt)")
    parser.add_argument("--from", dest="start", required=True, metavar="GENOME",
                        help="a genome id of the sheet or a FASTA file")
    parser.add_argument("--to", dest="end", required=True, metavar="GENOME",
                        help="a genome id of the sheet or a FASTA file")
    parser.add_argument("--steps", type=int, default=5, help="points on the path (default 5)")
    parser.add_argument("-o", "--output", default="interpolation",
                        help="write PREFIX.tsv and PREFIX.json (default: interpolation)")
    parser.add_argument("--threshold", type=float, default=1e-6,
                        help="list ingredients above this g/L (default 1e-6)")
    parser.add_argument("--embeddings", help="embedding table for genome ids (default: the "
                        "one recorded in the model)")
    parser.add_argument("--genome-vae", help="genome VAE file for FASTA ends when the model "
                        "conditions on vae embeddings (default: the one recorded in the model)")


def run(args) -> int:
    from ..cvae.generate import (
        fasta_condition,
        genome_condition,
        interpolate,
        recipes_for,
        write_recipes,
    )
    from ..cvae.model import ConditionalMediaVAE

    model = ConditionalMediaVAE.load(args.model)

    def condition(value: str):
        if Path(value).is_file():
            return fasta_condition(model, value, genome_vae=args.genome_vae)
        return genome_condition(model, value, args.embeddings)

    fractions, grams = interpolate(model, condition(args.start), condition(args.end),
                                   args.steps)
    labels = [f"{args.start} -> {args.end} at {fraction:.2f}" for fraction in fractions]
    recipes = recipes_for(model, grams, labels, args.threshold)
    for recipe in recipes:
        print(recipe.as_text(), end="\n\n")
    tsv, json_path = write_recipes(recipes, args.output)
    print(f"wrote {tsv} and {json_path}", file=sys.stderr)
    return 0
