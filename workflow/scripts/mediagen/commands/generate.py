"""``mediagen generate``: propose media for a genome with a trained conditional media VAE.

The condition is a new genome's FASTA (embedded the way the model's training
genomes were, including through the genome VAE), a genome of the workflow's
sheet (its row in the embedding table), or the average genome of an organism
type. With a ranking model (``ranker.pt`` beside the media model, or
``--ranker``), the recipes are variations of the media it ranks first for the
genome, and each carries the growth probability of its nearest known medium;
without one they are drawn from the model's prior. Each proposal is printed as a
recipe, with the nearest known catalog medium, and all of them are written to
``PREFIX.tsv`` and ``PREFIX.json``.
"""

from pathlib import Path

from .arguments import number_from_zero, seed, whole_number
from .recipe_output import (
    MAX_RECIPES,
    add_model_arguments,
    add_output_arguments,
    check_recipe_outputs,
    print_and_write,
)

# Latent samples are drawn from N(0, temperature^2): beyond ten standard deviations of the
# prior the decoder sees nothing like its training data.
MAX_TEMPERATURE = 10.0


def add_arguments(parser) -> None:
    add_model_arguments(parser)
    condition = parser.add_mutually_exclusive_group(required=True)
    condition.add_argument("--genome", metavar="FASTA", help="a genome FASTA or FASTA.gz")
    condition.add_argument("--genome-id", help="a genome of the workflow's genome sheet")
    condition.add_argument("--organism-type", help="the average genome of a type, e.g. fungi")
    parser.add_argument("-n", type=whole_number(1, MAX_RECIPES), default=10,
                        help=f"media to propose, at most {MAX_RECIPES:,} (default 10)")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the latent samples")
    parser.add_argument("--temperature", type=number_from_zero(MAX_TEMPERATURE), default=0.5,
                        help="spread of the latent samples: 1 samples the prior, 0 gives the "
                        f"single most typical medium, at most {MAX_TEMPERATURE:g} "
                        "(default 0.5, as the report)")
    parser.add_argument("--ranker", help="ranking model whose best media the recipes vary "
                        "(default: ranker.pt beside --model, where there is one)")
    add_output_arguments(parser, "proposals")


def run(args) -> int:
    from ..cvae.generate import (
        fasta_condition,
        genome_condition,
        recipes_for,
        type_condition,
    )
    from ..cvae.model import ConditionalMediaVAE

    check_recipe_outputs(args, args.genome)
    model = ConditionalMediaVAE.load(args.model)
    if args.genome:
        condition, name = fasta_condition(model, args.genome, genome_vae=args.genome_vae), \
            args.genome
    elif args.genome_id:
        condition, name = genome_condition(model, args.genome_id, args.embeddings), \
            args.genome_id
    else:
        condition, name = type_condition(model, args.organism_type), \
            f"average {args.organism_type} genome"
    ranker_path = args.ranker or Path(args.model).with_name("ranker.pt")
    if args.ranker or ranker_path.is_file():
        from ..ranking.model import MediaRanker

        ranking = MediaRanker.load(ranker_path).rank(condition, args.organism_type,
                                                     n_evidence=0)
        reference = model.record.reference_media
        rows = [reference.media_ids.index(m) for m in ranking.anchors
                if m in reference.media_ids]
        anchors = reference.grams_per_litre[rows] if rows else None
        probabilities = ranking.table.set_index("media_id")["probability"].to_dict()
    else:
        anchors = probabilities = None
    grams = model.generate(args.n, condition, seed=args.seed, temperature=args.temperature,
                           anchors=anchors)
    recipes = recipes_for(model, grams, [f"{name} proposal {i + 1}" for i in range(args.n)],
                          probabilities)
    print_and_write(recipes, args.output)
    return 0
