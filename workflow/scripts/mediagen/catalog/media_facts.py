"""What a user needs to act on a medium: where to read it, its pH, whether it is complex,
how salty it is and whether it is prepared without oxygen.

``results/catalog/media_facts.tsv`` (tab-separated, one row per catalog medium; read it with
``read_media_facts``):

- ``media_id``; ``link``: the medium's MediaDive page, https://mediadive.dsmz.de/medium/<id>
  (MediaDive's own ``link``, kept in the catalog's media table, points at the source's PDF
  or page);
- ``min_ph``, ``max_ph``: MediaDive's pH range, empty where it gives none;
- ``complex``: MediaDive's ``complex_medium``, ``true`` or ``false``, empty where unknown;
- ``salt_g_l``: g/L of sodium chloride and sea salts (sea salt(s), marine salts, artificial
  sea salt) among the medium's required ingredients with an amount in g/L; empty for a
  medium without a composition. Sea water given as a volume is not counted;
- ``anaerobic`` (``true``/``false``) and ``anaerobic_because``: the signs of a medium
  prepared without oxygen that were found, "; "-separated: a reducing agent or the redox
  indicator resazurin among its ingredients (L-cysteine or cysteine-HCl, Na2S,
  thioglycolate, dithiothreitol, titanium(III), dithionite), a gas phase in its name or
  description ("N2/CO2", "H2/CO2", "80% N2"; CO2 alone is how cells are grown, not a sign),
  or its name or description saying "anaerobic", "anaerobe(s)", "anaerob" or
  "pre-reduced" (a genus name such as Thermoanaerobacter is not). These are signs, not
  proof: L-cysteine is also a nutrient, of aerobes too (Legionella's BCYE agar).
"""

import logging
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd

from ..atomic import atomic_write_text
from ..errors import MediagenError
from .composition import Component, is_complex

log = logging.getLogger(__name__)

MEDIADIVE_PAGE = "https://mediadive.dsmz.de/medium/{}"
COLUMNS = ["media_id", "link", "min_ph", "max_ph", "complex", "salt_g_l", "anaerobic",
           "anaerobic_because"]
REDUCING_AGENTS = {  # the sign's name: a pattern of the ingredient names that carry it
    "resazurin": re.compile(r"resazurin", re.IGNORECASE),
    "L-cysteine": re.compile(r"cystein", re.IGNORECASE),  # not cystine
    "Na2S": re.compile(r"\bNa2S\b|sodium sulfide|sodium sulphide", re.IGNORECASE),
    "thioglycolate": re.compile(r"thioglycol", re.IGNORECASE),
    "dithiothreitol": re.compile(r"dithiothreitol", re.IGNORECASE),
    "titanium(III)": re.compile(r"titanium", re.IGNORECASE),
    "dithionite": re.compile(r"dithionite|\bNa2S2O4\b", re.IGNORECASE),
}
_GAS_PHASE = re.compile(r"\b(?:N2|H2|CO2|Ar)(?:\s*/\s*(?:N2|H2|CO2|Ar))+\b"
                        r"|\b\d+\s*%\s*(?:N2|H2)\b", re.IGNORECASE)
_SAID_ANAEROBIC = re.compile(r"\banaerob(?:e|es|ic|ically)?\b|\bpre-?reduced\b",
                             re.IGNORECASE)
_SODIUM_CHLORIDE = re.compile(r"^\s*(?:NaCl|sodium chloride)\s*$", re.IGNORECASE)
_SEA_SALTS = re.compile(r"\b(?:sea|marine)[\s-]*salts?\b", re.IGNORECASE)


def media_facts(media: list[dict], components: list[Component],
                ingredient_names: dict[str, str]) -> pd.DataFrame:
    """One row per medium of ``media`` (MediaDive's media list records), the columns of the
    module docstring, from the records and the flattened compositions."""
    by_medium: dict[str, list[Component]] = defaultdict(list)
    for c in components:
        by_medium[c.media_id].append(c)
    rows = []
    for medium in media:
        media_id = str(medium["id"])
        signs = anaerobic_signs(medium, [ingredient_names.get(c.ingredient_id, "")
                                         for c in by_medium[media_id]])
        rows.append({
            "media_id": media_id, "link": MEDIADIVE_PAGE.format(media_id),
            "min_ph": pd.to_numeric(medium.get("min_pH"), errors="coerce"),
            "max_ph": pd.to_numeric(medium.get("max_pH"), errors="coerce"),
            "complex": is_complex(medium.get("complex_medium")),
            "salt_g_l": salt_g_l(by_medium[media_id], ingredient_names),
            "anaerobic": bool(signs), "anaerobic_because": "; ".join(signs),
        })
    facts = _typed(pd.DataFrame(rows, columns=COLUMNS))
    log.info("media facts: %d media, %d anaerobic, %d with a pH range, %d with salt "
             "(NaCl or sea salts), %d complex", len(facts), facts["anaerobic"].sum(),
             facts["min_ph"].notna().sum(), (facts["salt_g_l"] > 0).sum(),
             facts["complex"].sum())
    return facts


def anaerobic_signs(medium: dict, ingredient_names: list[str]) -> list[str]:
    """The signs that ``medium`` is prepared without oxygen: the reducing agents among its
    ingredients' names, then what its name and description say."""
    signs = [sign for sign, pattern in REDUCING_AGENTS.items()
             if any(pattern.search(name) for name in ingredient_names)]
    text = "\n".join(str(medium.get(field) or "") for field in ("name", "description"))
    gases = (re.sub(r"\s*/\s*", "/", " ".join(gas.split())).upper()
             for gas in _GAS_PHASE.findall(text))
    signs += [f"gas phase {gas}" for gas in dict.fromkeys(gases)]
    for field in ("name", "description"):
        said = _SAID_ANAEROBIC.search(str(medium.get(field) or ""))
        if said:
            signs.append(f'{field} says "{said.group()}"')
    return signs


def salt_g_l(components: list[Component], ingredient_names: dict[str, str]) -> float | None:
    """g/L of sodium chloride and sea salts among the required ingredients; None without a
    composition."""
    if not components:
        return None
    return sum(c.g_l for c in components
               if c.g_l is not None and not c.optional
               and _is_salt(ingredient_names.get(c.ingredient_id, "")))


def _is_salt(name: str) -> bool:
    return bool(_SODIUM_CHLORIDE.match(name) or _SEA_SALTS.search(name))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The table's column types, whether built here or read back from its file."""
    return frame.astype({"media_id": str, "link": str, "min_ph": float, "max_ph": float,
                         "complex": "boolean", "salt_g_l": float, "anaerobic": bool,
                         "anaerobic_because": str})


def write_media_facts(path: str | Path, facts: pd.DataFrame) -> None:
    """``facts`` as tab-separated text (true/false, empty where unknown), atomically."""
    words = {True: "true", False: "false"}
    text = facts[COLUMNS].assign(complex=facts["complex"].map(words),
                                 anaerobic=facts["anaerobic"].map(words))
    atomic_write_text(path, text.to_csv(sep="\t", index=False))


def read_media_facts(path: str | Path) -> pd.DataFrame:
    """The media facts table, indexed by media_id, typed as ``media_facts`` builds it."""
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: media facts not found; run the build_catalog rule first")
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if list(frame.columns) != COLUMNS:
        raise MediagenError(f"{path}: not a media facts table of this version (columns "
                            f"{list(frame.columns)[:8]}); rebuild it with build_catalog")
    flags = {"true": True, "false": False, "": None}
    frame = frame.assign(
        **{column: pd.to_numeric(frame[column].replace("", None))
           for column in ("min_ph", "max_ph", "salt_g_l")},
        complex=frame["complex"].map(flags), anaerobic=frame["anaerobic"].map(flags))
    return _typed(frame).set_index("media_id", drop=False)
