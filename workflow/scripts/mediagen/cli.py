"""The ``mediagen`` command: one subcommand per job, each a thin call into the
same functions the workflow's rules use.

Each subcommand lives in its own module, which defines ``add_arguments(parser)``
and ``run(args)``; modules are imported only when their subcommand runs, so
``mediagen profile`` never pays for importing torch.

Every refusal is one line on stderr: a ``MediagenError`` from a subcommand (exit
status 1) or a bad argument (exit status 2, without argparse's usage block).
"""

import argparse
import gc
import importlib
import sys

from . import __version__
from .errors import MediagenError
from .rule_job import configure_logging

SUBCOMMANDS = {
    "profile": ("mediagen.commands.profile", "k-mer profiles of FASTA files into a table"),
    "embed": ("mediagen.commands.embed", "genome VAE embeddings of FASTA files"),
    "recommend": ("mediagen.commands.recommend",
                  "the catalog's media ranked for a genome, with growth probabilities"),
    "generate": ("mediagen.commands.generate", "new media recipes for a genome"),
    "interpolate": ("mediagen.commands.interpolate", "media along a path between two genomes"),
    "synthesize-demo": (
        "mediagen.commands.synthesize_demo",
        "write one synthetic demo genome (the offline demo's FASTA)",
    ),
}


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line that points to ``--help``."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mediagen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"mediagen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # The command's options take no values, so its first other argument names the
    # subcommand; only that one's module is imported (not one a file name matches).
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the subcommand ``argv`` names; without ``argv``, the process's own arguments.

    Run as the process's command (no ``argv``), its objects are frozen out of the garbage
    collector at the end: the process ends next, and its exit would otherwise search them
    all for cycles, 0.15 s after numba has loaded a kernel and 0.3 s after torch's import.
    """
    as_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser(argv).parse_args(argv)
    except SystemExit as stop:  # --help, --version or a bad argument, already printed
        return stop.code
    configure_logging(level=10 if args.verbose else 20)
    try:
        return args.run(args) or 0
    except MediagenError as exc:
        print(f"mediagen {args.command}: error: {exc}", file=sys.stderr)
        return 1
    finally:
        if as_process:
            gc.freeze()


if __name__ == "__main__":
    sys.exit(main())
