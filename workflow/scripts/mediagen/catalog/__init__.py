"""The catalog: the sheets, MediaDive's compositions as g/L, the media matrix, the growth
pairs and the SQLite file that holds them all.

``sheets`` loads and validates the genome and growth sheets, ``composition`` flattens
compositions to g/L, ``media_table`` is the media matrix on disk, ``growth_pairs`` checks
and writes the pairs, ``media_facts`` tells what a user needs to act on a medium (its page,
pH, salt, anaerobic preparation), ``database`` writes the SQLite catalog and ``build`` runs
the rule.
"""
