"""From the taxon names and domains of MediaDive's strain records to species and types.

A strain record names its taxon as NCBI does, sometimes with a strain designation or a
subspecies: ``Bacillus subtilis``, ``Thermochromatium tepidum ATCC 43061``,
``Pasteurella multocida subsp. multocida``. Every strain of a species stands for the
species' reference genome, so a name resolves to its binomial (genus and epithet).
NCBI's spellings are kept: a genus in brackets (``[Clostridium] innocuum``, a misplaced
genus) and ``Candidatus`` names are species too. A name that does not reach the species
(``Streptomyces sp.``, ``uncultured Halospirulina sp.``, ``bacterium``, no name at all)
resolves to nothing, with the reason.

The record's ``domain`` says which kind of organism it is. MediaDive uses ``B``
(bacteria) and ``A`` (archaea) for BacDive's strains and, for the other collections it
holds media for, ``F`` (fungi), ``Y`` (yeasts), ``AL`` (microalgae), ``P`` (protists) and
``PH`` (phages). Yeasts are fungi and microalgae protists here; a phage grows in its host,
so its "medium" says nothing about its own genome and phages are not learned from.
"""

import re
from dataclasses import dataclass

DOMAIN_TYPES = {"B": "bacteria", "A": "archaea", "F": "fungi", "Y": "fungi",
                "AL": "protist", "P": "protist"}
NOT_LEARNED_DOMAINS = {"PH": "a phage: its medium is its host's"}

_GENUS = re.compile(r"^\[?[A-Z][a-z]+\]?$")
_EPITHET = re.compile(r"^[a-z][a-z-]+$")
_NOT_SPECIES = {"sp.", "sp", "spp.", "cf.", "aff.", "gen.", "bacterium"}


@dataclass(frozen=True)
class Species:
    """A resolved binomial: ``name`` as NCBI writes it, and its genus (``[Clostridium]``
    and ``Candidatus Koribacter`` are genera of their own, as in NCBI's taxonomy)."""

    name: str
    genus: str


def resolve_species(taxon_name: str | None) -> Species | str:
    """The species a taxon name belongs to, or the reason it names none."""
    if not taxon_name or not taxon_name.strip():
        return "no taxon name in the strain record"
    words = taxon_name.split()
    if words[0].lower() == "uncultured":
        return "an uncultured organism, not a named species"
    prefix = []
    if words[0] == "Candidatus":
        prefix, words = ["Candidatus"], words[1:]
    if not words or not _GENUS.match(words[0]):
        return "not a species name (no genus)"
    if len(words) < 2 or words[1] in _NOT_SPECIES:
        return "not named to species level (genus only or sp.)"
    if not _EPITHET.match(words[1]):
        return "not a species name (no species epithet after the genus)"
    genus = " ".join([*prefix, words[0]])
    return Species(name=f"{genus} {words[1]}", genus=genus)


def organism_type(domain: str | None) -> str:
    """The organism type of a MediaDive domain code; raises ValueError with the reason."""
    if domain in DOMAIN_TYPES:
        return DOMAIN_TYPES[domain]
    if domain in NOT_LEARNED_DOMAINS:
        raise ValueError(f"domain {domain}, {NOT_LEARNED_DOMAINS[domain]}")
    if not domain:
        raise ValueError("no domain in the strain record")
    raise ValueError(f"domain code {domain!r} is not one MediaDive is known to use")


def genome_id_for(species: str) -> str:
    """A genome id (letters, digits, '_') made from a species name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", species).strip("_").lower()


def ncbi_taxid(strain_id) -> str:
    """The NCBI taxon id in a BacDive-linked strain id ``bd<BacDive id>-<taxon id>``."""
    match = re.fullmatch(r"bd\d+-(\d+)", str(strain_id))
    return match.group(1) if match else ""
