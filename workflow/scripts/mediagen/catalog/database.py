"""The catalog: one SQLite file holding media, ingredients, strains, genomes and growth.

``results/catalog/catalog.sqlite`` (foreign keys on; connect with ``open_catalog``):

- ``media`` (media_id, name, complex, source, link, min_ph, max_ph, description, selected):
  every MediaDive medium as MediaDive lists it (``link`` is the source's PDF or page);
  ``selected`` = 1 for the media in ``media.parquet``.
- ``ingredients`` (ingredient_id, name, chebi, cas_rn, pubchem, kegg, formula, molar_mass,
  complex, in_matrix): ``in_matrix`` = 1 for the columns of ``media.parquet``.
- ``media_composition`` (media_id, ingredient_id, optional, g_l, mmol_l, g_l_from, problem,
  ml_l): the flattened composition; ``g_l`` is NULL where ``problem`` says why (no amount,
  an impossible value). ``ml_l`` is the volume of a complex ingredient given per litre (a
  prepared base or medium), whose ``g_l`` is that volume times its density
  (``g_l_from`` "ml_l"; see ``composition``).
- ``strains`` (strain_id, species, ccno, bacdive_id, domain) and ``strain_growth``
  (strain_id, media_id, growth): MediaDive's strain records per medium.
- ``genomes`` (genome_id, organism_name, organism_type, taxid, source): the genome sheet.
- ``genome_growth`` (genome_id, media_id, growth, confidence, source): the growth sheet.

Genome embeddings are not in the catalog: they are made after it, and live in one table
per method, ``results/embeddings/{method}.parquet`` (genome_id plus the vector), which is
what every model reads; join on genome_id.

The file is built under a temporary name and renamed when complete, so a re-run replaces
it whole and a failed build leaves the previous one in place.
"""

import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from ..errors import MediagenError
from .composition import Component, is_complex

SCHEMA = """
CREATE TABLE media (
    media_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    complex INTEGER,
    source TEXT,
    link TEXT,
    min_ph REAL,
    max_ph REAL,
    description TEXT,
    selected INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE ingredients (
    ingredient_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    chebi TEXT,
    cas_rn TEXT,
    pubchem TEXT,
    kegg TEXT,
    formula TEXT,
    molar_mass REAL,
    complex INTEGER,
    in_matrix INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE media_composition (
    media_id TEXT NOT NULL REFERENCES media (media_id),
    ingredient_id TEXT NOT NULL REFERENCES ingredients (ingredient_id),
    optional INTEGER NOT NULL,
    g_l REAL CHECK (g_l >= 0),
    mmol_l REAL,
    g_l_from TEXT,
    problem TEXT,
    ml_l REAL CHECK (ml_l >= 0),
    PRIMARY KEY (media_id, ingredient_id, optional)
);
CREATE TABLE strains (
    strain_id TEXT PRIMARY KEY,
    species TEXT,
    ccno TEXT,
    bacdive_id TEXT,
    domain TEXT
);
CREATE TABLE strain_growth (
    strain_id TEXT NOT NULL REFERENCES strains (strain_id),
    media_id TEXT NOT NULL REFERENCES media (media_id),
    growth INTEGER NOT NULL,
    PRIMARY KEY (strain_id, media_id)
);
CREATE TABLE genomes (
    genome_id TEXT PRIMARY KEY,
    organism_name TEXT,
    organism_type TEXT NOT NULL,
    taxid TEXT,
    source TEXT NOT NULL
);
CREATE TABLE genome_growth (
    genome_id TEXT NOT NULL REFERENCES genomes (genome_id),
    media_id TEXT NOT NULL REFERENCES media (media_id),
    growth INTEGER NOT NULL,
    confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    source TEXT,
    PRIMARY KEY (genome_id, media_id)
);
CREATE INDEX genome_growth_by_medium ON genome_growth (media_id);
CREATE INDEX strain_growth_by_medium ON strain_growth (media_id);
"""


def open_catalog(path: str | Path) -> sqlite3.Connection:
    """A connection with foreign keys enforced (SQLite leaves them off by default)."""
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: catalog not found; run the build_catalog rule first")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _text(value) -> str | None:
    return None if value is None or value == "" else str(value)


def _real(value) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _flag(value) -> int | None:
    flag = is_complex(value)
    return None if flag is None else int(flag)


def build_catalog(path: str | Path, *, media: list[dict], ingredients: dict[str, dict],
                  components: list[Component], strains: dict[str, list[dict]],
                  genomes: pd.DataFrame, growth: pd.DataFrame, selected: Iterable[str],
                  matrix_ingredients: Iterable[str]) -> None:
    """Write the whole catalog to ``path`` (atomically)."""
    selected, matrix_ingredients = set(selected), set(matrix_ingredients)
    with atomic_path(path) as tmp:
        connection = sqlite3.connect(tmp)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.executescript(SCHEMA)
            with connection:
                _insert_media(connection, media, selected)
                _insert_ingredients(connection, ingredients, components, matrix_ingredients)
                connection.executemany(
                    "INSERT INTO media_composition VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(c.media_id, c.ingredient_id, int(c.optional), c.g_l, c.mmol_l,
                      c.g_l_from, c.problem, c.ml_l) for c in components])
                _insert_strains(connection, strains)
                connection.executemany(
                    "INSERT INTO genomes VALUES (?, ?, ?, ?, ?)",
                    [(g, _text(n), t, _text(x), s) for g, n, t, x, s in zip(
                        genomes["genome_id"], genomes["organism_name"],
                        genomes["organism_type"], genomes["taxid"], genomes["source"],
                        strict=True)])
                connection.executemany(
                    "INSERT INTO genome_growth VALUES (?, ?, ?, ?, ?)",
                    [(g, m, int(y), float(c), _text(s)) for g, m, y, c, s in zip(
                        growth["genome_id"], growth["media_id"], growth["growth"],
                        growth["confidence"], growth["source"], strict=True)])
        finally:
            connection.close()


def _insert_media(connection, media: list[dict], selected: set[str]) -> None:
    connection.executemany(
        "INSERT INTO media VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(str(m["id"]), str(m.get("name") or m["id"]), _flag(m.get("complex_medium")),
          _text(m.get("source")), _text(m.get("link")), _real(m.get("min_pH")),
          _real(m.get("max_pH")), _text(m.get("description")),
          int(str(m["id"]) in selected)) for m in media])


def _insert_ingredients(connection, ingredients: dict[str, dict],
                        components: list[Component], in_matrix: set[str]) -> None:
    """Every ingredient a composition names; one without a record keeps the name it has."""
    rows = {}
    for ingredient_id, record in ingredients.items():
        rows[ingredient_id] = (
            ingredient_id, str(record.get("name") or ingredient_id), _text(record.get("ChEBI")),
            _text(record.get("CAS-RN")), _text(record.get("PubChem")),
            _text(record.get("KEGG-Compound")), _text(record.get("formula")),
            _real(record.get("mass")), _flag(record.get("complex_compound")),
            int(ingredient_id in in_matrix))
    for c in components:
        if c.ingredient_id not in rows:
            rows[c.ingredient_id] = (c.ingredient_id, c.ingredient_id, None, None, None, None,
                                     None, None, None, int(c.ingredient_id in in_matrix))
    connection.executemany("INSERT INTO ingredients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           list(rows.values()))


def _insert_strains(connection, strains: dict[str, list[dict]]) -> None:
    records, growth = {}, {}
    for media_id, entries in strains.items():
        for entry in entries:
            strain_id = str(entry["id"])
            records.setdefault(strain_id, (
                strain_id, _text(entry.get("species")), _text(entry.get("ccno")),
                _text(entry.get("bacdive_id")), _text(entry.get("domain"))))
            growth[(strain_id, media_id)] = int(bool(entry.get("growth")))
    connection.executemany("INSERT INTO strains VALUES (?, ?, ?, ?, ?)", list(records.values()))
    connection.executemany("INSERT INTO strain_growth VALUES (?, ?, ?)",
                           [(s, m, g) for (s, m), g in growth.items()])

