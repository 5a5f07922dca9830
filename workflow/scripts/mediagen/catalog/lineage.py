"""Lineages: where a genome sits in the tree of life, rank by rank.

A lineage is a dict from rank (``RANKS``, domain to species) to a taxon name; a rank that
is not known is absent or empty, never a shared name. Lineages come from three places:

- a GTDB-style string, as GTDB-Tk prints for a genome or a MAG
  (``d__Bacteria;p__Pseudomonadota;c__Gammaproteobacteria;o__Enterobacterales;
  f__Enterobacteriaceae;g__Escherichia;s__Escherichia coli``; ``parse_gtdb``);
- NCBI's taxonomy (the ``classification`` of a Datasets v2 taxonomy report);
- a table of genera with their ranks above (``read_genus_lineages``).

Grouping by a rank uses ``taxon_key``: lower case, so that ``Bacillaceae`` from NCBI and
from a user's sheet are one family.
"""

import csv
from pathlib import Path

RANKS = ("domain", "phylum", "class", "order", "family", "genus", "species")
ABOVE_GENUS = RANKS[:5]  # the genome sheet's lineage columns; genus and species it has
GTDB_PREFIX = {rank[0]: rank for rank in RANKS}
GTDB_EXAMPLE = ("d__Bacteria;p__Pseudomonadota;c__Gammaproteobacteria;o__Enterobacterales;"
                "f__Enterobacteriaceae;g__Escherichia;s__Escherichia coli")


def parse_gtdb(text: str) -> dict[str, str]:
    """The lineage a GTDB-style string gives; ``ValueError`` saying what is wrong.

    Fields are ``x__name`` separated by ``;``, with ``x`` one of d, p, c, o, f, g, s, in
    that order; a field may be empty (``f__``: the rank is not known) and fields may stop
    early (``d__Bacteria;p__Bacillota``). GTDB's suffixes (``Bacillota_A``) are part of the
    name.
    """
    fields = [f.strip() for f in str(text).strip().strip(";").split(";")]
    if not fields or fields == [""]:
        raise ValueError(f"empty lineage; give one like {GTDB_EXAMPLE!r}")
    lineage: dict[str, str] = {}
    last = -1
    for field in fields:
        prefix, separator, name = field.partition("__")
        rank = GTDB_PREFIX.get(prefix.strip().lower())
        if not separator or rank is None:
            raise ValueError(
                f"field {field!r} is not a rank prefix (d, p, c, o, f, g or s) followed by "
                f"'__' and a name; a lineage reads like {GTDB_EXAMPLE!r}")
        position = RANKS.index(rank)
        if position <= last:
            raise ValueError(f"field {field!r} is out of order or repeated; ranks go "
                             "d, p, c, o, f, g, s from left to right")
        last = position
        if name.strip():
            lineage[rank] = name.strip()
    return lineage


def format_gtdb(lineage: dict[str, str]) -> str:
    """The GTDB-style string of a lineage, every rank written (empty where unknown)."""
    return ";".join(f"{rank[0]}__{lineage.get(rank, '')}" for rank in RANKS)


def taxon_key(name: str | None) -> str:
    """The key two names of one taxon share: trimmed, lower case; '' for none."""
    return " ".join(str(name or "").split()).lower()


def read_genus_lineages(path: str | Path) -> dict[str, dict[str, str]]:
    """genus key -> its lineage above the genus, from a table with columns ``genus`` and
    any of ``ABOVE_GENUS`` (tab-separated; an empty cell is an unknown rank)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and "genus" not in rows[0]:
        raise ValueError(f"{path}: no 'genus' column; the header must name genus and any "
                         f"of {', '.join(ABOVE_GENUS)}")
    return {taxon_key(row["genus"]): {rank: row[rank].strip() for rank in ABOVE_GENUS
                                      if (row.get(rank) or "").strip()}
            for row in rows if taxon_key(row["genus"])}


def deepest_shared_rank(a: dict[str, str], b: dict[str, str]) -> str | None:
    """The deepest rank at which two lineages name one taxon (None: they share none).

    Two strains of a species share the species; two species of a genus the genus; an
    unknown rank is shared by nobody, so two genera of one order whose families are not
    known share the order.
    """
    shared = [rank for rank in RANKS if taxon_key(a.get(rank))
              and taxon_key(a.get(rank)) == taxon_key(b.get(rank))]
    return shared[-1] if shared else None
