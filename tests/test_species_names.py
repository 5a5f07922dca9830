"""Taxon names of strain records to species, domain codes to organism types."""

import pytest
from mediagen.sources.species_names import (
    Species,
    genome_id_for,
    ncbi_taxid,
    organism_type,
    resolve_species,
)


@pytest.mark.parametrize(("name", "species", "genus"), [
    ("Bacillus subtilis", "Bacillus subtilis", "Bacillus"),
    ("Thermochromatium tepidum ATCC 43061", "Thermochromatium tepidum", "Thermochromatium"),
    ("Pasteurella multocida subsp. multocida", "Pasteurella multocida", "Pasteurella"),
    ("Vibrio owensii CAIM 1854 = LMG 25443", "Vibrio owensii", "Vibrio"),
    ("  Escherichia   coli  ", "Escherichia coli", "Escherichia"),
    ("[Clostridium] innocuum", "[Clostridium] innocuum", "[Clostridium]"),
    ("[Clostridium] aminophilum DSM 10710", "[Clostridium] aminophilum", "[Clostridium]"),
    ("Candidatus Koribacter versatilis", "Candidatus Koribacter versatilis",
     "Candidatus Koribacter"),
    ("Pseudomonas syringae-like", "Pseudomonas syringae-like", "Pseudomonas"),
])
def test_names_resolve_to_their_binomial(name, species, genus):
    assert resolve_species(name) == Species(species, genus)


@pytest.mark.parametrize(("name", "reason"), [
    (None, "no taxon name"),
    ("", "no taxon name"),
    ("Streptomyces sp.", "not named to species level"),
    ("Acidovorax sp. 3H11", "not named to species level"),
    ("Candidatus Nitrosopumilus sp.", "not named to species level"),
    ("Halomonas", "not named to species level"),
    ("uncultured Halospirulina sp.", "uncultured"),
    ("bacterium", "no genus"),
    ("Clostridiales bacterium", "not named to species level"),
    ("Bacillus NRRL B-14911", "no species epithet"),
])
def test_names_that_are_no_species_say_why(name, reason):
    resolved = resolve_species(name)
    assert isinstance(resolved, str) and reason in resolved


@pytest.mark.parametrize(("domain", "kind"), [
    ("B", "bacteria"), ("A", "archaea"), ("F", "fungi"), ("Y", "fungi"), ("AL", "protist"),
    ("P", "protist"),
])
def test_domain_codes_give_organism_types(domain, kind):
    assert organism_type(domain) == kind


@pytest.mark.parametrize(("domain", "reason"), [
    ("PH", "phage"), (None, "no domain"), ("Q", "not one MediaDive is known to use")])
def test_domains_the_models_do_not_learn_say_why(domain, reason):
    with pytest.raises(ValueError, match=reason):
        organism_type(domain)


def test_genome_ids_and_taxon_ids():
    assert genome_id_for("[Clostridium] innocuum") == "clostridium_innocuum"
    assert genome_id_for("Candidatus Koribacter versatilis") == \
        "candidatus_koribacter_versatilis"
    assert ncbi_taxid("bd42-7654321") == "7654321"
    assert ncbi_taxid("demo-s1") == "" and ncbi_taxid(101) == ""
