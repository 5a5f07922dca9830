"""One module per ``mediagen`` subcommand: ``add_arguments(parser)`` and ``run(args)``."""
