"""mediagen: learn from genomes which culture media microbes grow on."""

__version__ = "0.1.0"
