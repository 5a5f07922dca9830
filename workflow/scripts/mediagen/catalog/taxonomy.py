"""Genus and species from an organism name: the units the splits and the evidence use.

The genome sheet's organism_name is free text ("Escherichia coli str. K-12 substr.
MG1655"). Its first word is taken as the genus and its first two words as the species
("Candidatus" is skipped). A name without a species epithet (one word, or "sp.") gives
a species of its own, keyed by the genome id, so genomes nobody identified are never
lumped together; a genome without any name is its own genus too.
"""

import re

_UNNAMED_EPITHETS = {"sp", "sp.", "spp", "spp.", "bacterium", "archaeon"}


def taxon_keys(genome_id: str, organism_name: str) -> tuple[str, str]:
    """(genus, species) keys, lower case, for one genome."""
    words = [w for w in re.split(r"\s+", str(organism_name).strip()) if w]
    if words and words[0].lower() == "candidatus":
        words = words[1:]
    own = f"genome:{genome_id}"
    if not words:
        return own, own
    genus = words[0].lower()
    if len(words) < 2 or words[1].lower() in _UNNAMED_EPITHETS:
        return genus, own
    return genus, f"{genus} {words[1].lower()}"
