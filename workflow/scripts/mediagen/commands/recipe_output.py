"""What ``mediagen generate`` and ``mediagen interpolate`` share: the model and
output arguments, and printing the recipes and writing ``PREFIX.tsv``/``.json``."""

import sys

from .arguments import check_outputs, file_name

# Every recipe is printed and written, and the model decodes them all at once.
MAX_RECIPES = 10_000


def add_model_arguments(parser) -> None:
    parser.add_argument("--model", required=True,
                        help="conditional media VAE file (results/models/cvae_all.pt)")


def add_output_arguments(parser, default_prefix: str) -> None:
    parser.add_argument("-o", "--output", default=default_prefix, type=file_name,
                        help=f"write PREFIX.tsv and PREFIX.json (default: {default_prefix})")
    parser.add_argument("--embeddings", help="embedding table for genome ids (default: the "
                        "one recorded in the model)")
    parser.add_argument("--genome-vae", help="genome VAE file for FASTA genomes when the model "
                        "conditions on vae embeddings (default: the one recorded in the model)")


def check_recipe_outputs(args, *inputs) -> None:
    """Refuse an ``-o`` prefix whose files cannot be written or would replace an input."""
    from ..cvae.generate import recipe_files

    check_outputs(recipe_files(args.output),
                  [args.model, args.embeddings, args.genome_vae, *inputs])


def print_and_write(recipes, prefix: str) -> None:
    from ..cvae.generate import write_recipes

    for recipe in recipes:
        print(recipe.as_text(), end="\n\n")
    tsv, json_path = write_recipes(recipes, prefix)
    print(f"wrote {tsv} and {json_path}", file=sys.stderr)
