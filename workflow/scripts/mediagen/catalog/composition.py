"""From MediaDive compositions to grams per litre: flatten, check, select, tabulate.

MediaDive's ``medium-composition`` already expands a medium's solutions into ingredient
lines with g/L of final medium. Flattening here means: one amount per (medium, ingredient,
optional flag), the sum of that ingredient's lines (an ingredient can come from more than
one solution). Each line is one of these kinds, counted in the catalog's quirks:

- ``g_l``: an amount in g/L, used;
- ``mmol_l``: no g/L but mmol/L and the ingredient's molar mass, converted
  (g/L = mmol/L x g/mol / 1000) and used;
- ``water``: water or sea water (tap, distilled, natural sea water ...). Its amount is a
  volume per litre of medium (MediaDive lists "1000" of tap water), not a mass: left out
  of the matrix, never flagged;
- ``volume``: a complex ingredient (a prepared base or medium, a broth, an extract,
  sludge, a juice ...) given at or above ``max_g_per_l`` and at most 1000: the body of the
  medium ("1000" of Columbia agar base, of Marine agar 2216), a volume in ml per litre of
  medium. Kept as an ingredient, its volume in the catalog's ``ml_l``, and used in the
  matrix as the volume times the ingredient's density (g/ml) where MediaDive gives one,
  else 1 g/ml;
- ``variable``: neither g/L nor mmol/L (an amount MediaDive gives as "variable", such as
  soil): left out;
- ``mmol_without_molar_mass``: only mmol/L, and no molar mass to convert it: left out;
- ``at_or_above_limit``: g/L at or above ``max_g_per_l`` of a chemical (1000 g/L of a
  salt or an acid), or of a complex ingredient beyond a litre per litre: impossible,
  flagged and left out;
- ``impossible``: negative or not a number: flagged and left out.

An ingredient is complex where MediaDive's ``complex_compound`` says so, or where it has
no formula and its name says it is a prepared mixture (a medium, broth, base, agar,
extract, juice, sludge, infusion or whey).

A value is never used silently when it cannot be right; the log and the catalog's
``problem`` column say why each left-out amount was left out.

The matrix the models read (``media.parquet``) holds the selected media, their required
ingredients (optional ones too if asked), and only ingredients used by at least
``min_ingredient_media`` selected media; the catalog keeps everything.
"""

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..errors import MediagenError
from ..sources.mediadive import MEDIUM_ID_FORMS, plain_medium_id
from .media_table import MediaMatrix

log = logging.getLogger(__name__)

LINE_KINDS = ("g_l", "mmol_l", "water", "volume", "variable", "mmol_without_molar_mass",
              "at_or_above_limit", "impossible")
FLAGGED = ("at_or_above_limit", "impossible")
LITRE_ML = 1000.0  # the most of one ingredient a litre of medium can hold, in ml
_WATER = re.compile(r"(?<![\w-])(sea)?water(?![\w-])", re.IGNORECASE)
_PREPARED = re.compile(r"\b(medium|broth|base|agar|extract|juice|sludge|infusion|whey)\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Component:
    """One ingredient of one medium, its lines summed."""

    media_id: str
    ingredient_id: str
    optional: bool
    g_l: float | None  # None: unknown or impossible (see ``problem``)
    mmol_l: float | None
    g_l_from: str | None  # "g_l", "mmol_l" (converted with the molar mass) and/or "ml_l"
    #                       (a volume times the density), joined by "+"
    problem: str | None
    line_kinds: tuple[str, ...] = ()  # one of LINE_KINDS per composition line
    flagged: bool = False  # an amount that cannot be right: an impossible line, or lines
    #                        summing to the limit or more (volumes: to more than a litre)
    ml_l: float | None = None  # the volume of a ``volume`` ingredient, ml per litre


@dataclass(frozen=True)
class AmountRules:
    """What checking and converting a composition line needs to know of its ingredient."""

    max_g_per_l: float
    molar_mass: dict[str, float]  # g/mol
    density: dict[str, float]  # g/ml, where MediaDive gives one
    water: frozenset[str]
    complex: frozenset[str]

    @classmethod
    def from_records(cls, ingredients: dict[str, dict], compositions: dict[str, list],
                     max_g_per_l: float) -> "AmountRules":
        """The rules from MediaDive's ingredient records and the compositions' lines."""
        return cls(max_g_per_l=max_g_per_l,
                   molar_mass=_positive_numbers(ingredients, "mass"),
                   density=_positive_numbers(ingredients, "density"),
                   water=frozenset(water_ingredients(ingredients, compositions)),
                   complex=frozenset(complex_ingredients(ingredients)))


def _positive_numbers(ingredients: dict[str, dict], field: str) -> dict[str, float]:
    return {i: float(r[field]) for i, r in ingredients.items()
            if isinstance(r.get(field), (int, float)) and r[field] > 0}


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def water_ingredients(ingredients: dict[str, dict], compositions: dict[str, list]) -> set[str]:
    """Ids of water and sea water: by the ingredient's name (or the line's) or formula H2O."""
    names = {i: str(r.get("name") or "") for i, r in ingredients.items()}
    for items in compositions.values():
        for item in items if isinstance(items, list) else []:
            if item.get("id") is not None:
                names.setdefault(str(item["id"]), str(item.get("name") or ""))
    return {i for i, name in names.items() if _WATER.search(name)} | {
        i for i, r in ingredients.items() if r.get("formula") == "H2O"}


def complex_ingredients(ingredients: dict[str, dict]) -> set[str]:
    """Ids of complex ingredients: MediaDive's ``complex_compound``, or no formula and a name
    that says prepared mixture (a flag derived from formulas misses "S6 medium" and "V8
    canned vegetable juice"; "Tris base" has a formula and stays a chemical)."""
    return {i for i, r in ingredients.items()
            if is_complex(r.get("complex_compound"))
            or (not r.get("formula") and _PREPARED.search(str(r.get("name") or "")))}


def classify_line(line: dict, ingredient_id: str, rules: AmountRules
                  ) -> tuple[str, float | None]:
    """(kind, amount to use or None) of one composition line; kinds as in the module doc.

    The amount is g/L, except for a ``volume``: ml per litre.
    """
    g_l, mmol_l = _number(line.get("g_l")), _number(line.get("mmol_l"))
    if ingredient_id in rules.water:
        return "water", None
    kind = "g_l"
    if g_l is None and mmol_l is not None and not math.isnan(mmol_l):
        molar_mass = rules.molar_mass.get(ingredient_id)
        if not molar_mass:
            return "mmol_without_molar_mass", None
        g_l, kind = mmol_l * molar_mass / 1000.0, "mmol_l"
    if g_l is None:
        return "variable", None
    if math.isnan(g_l) or g_l < 0:
        return "impossible", None
    if g_l >= rules.max_g_per_l:
        if ingredient_id in rules.complex and g_l <= LITRE_ML:
            return "volume", g_l
        return "at_or_above_limit", None
    return kind, g_l


def flatten_composition(media_id: str, items: list[dict], rules: AmountRules
                        ) -> list[Component]:
    """Sum a medium's composition lines per (ingredient, optional); flag impossible values."""
    if not isinstance(items, list):
        raise MediagenError(f"medium {media_id}: composition is not a list of ingredients; "
                            "the cached MediaDive response looks wrong")
    groups: dict[tuple[str, bool], list[dict]] = {}
    anonymous = [item for item in items if item.get("id") is None]
    if anonymous:
        log.warning("medium %s: %d composition line(s) without an ingredient id left out: %s",
                    media_id, len(anonymous), ", ".join(str(i.get("name")) for i in anonymous))
    for item in items:
        if item.get("id") is None:
            continue
        key = (str(item["id"]), bool(item.get("optional")))
        groups.setdefault(key, []).append(item)
    return [_component(media_id, ingredient_id, optional, lines, rules)
            for (ingredient_id, optional), lines in groups.items()]


def _component(media_id, ingredient_id, optional, lines, rules: AmountRules) -> Component:
    classified = [classify_line(line, ingredient_id, rules) for line in lines]
    kinds = tuple(kind for kind, _ in classified)
    grams = [amount for kind, amount in classified if kind in ("g_l", "mmol_l")]
    volumes = [amount for kind, amount in classified if kind == "volume"]
    bad = [line.get("g_l") if line.get("g_l") is not None else line.get("mmol_l")
           for line, kind in zip(lines, kinds, strict=True) if kind in FLAGGED]
    mmols = [m for m in (_number(line.get("mmol_l")) for line in lines)
             if m is not None and not math.isnan(m)]
    total = sum(grams) if grams else None
    ml_l = sum(volumes) if volumes else None
    past_limit = None if bad else _sum_past_limit(total, ml_l, rules.max_g_per_l)
    if bad:
        problem = (f"impossible amount {', '.join(map(repr, bad))} (g/L must be at least 0 "
                   f"and below {rules.max_g_per_l:g})")
    elif past_limit:
        problem = past_limit
    elif ingredient_id in rules.water:
        amounts = ", ".join(f"{line.get('g_l'):g}" for line in lines
                            if isinstance(line.get("g_l"), (int, float)))
        problem = (f"water or sea water{f' ({amounts} per litre)' if amounts else ''}: a "
                   "volume, not a mass")
    elif total is None and ml_l is None:
        problem = ("no amount in g/L: " + ("only mmol/L, and no molar mass to convert it"
                                           if "mmol_without_molar_mass" in kinds
                                           else "given as variable"))
    else:
        problem = None
    sources = sorted({"ml_l" if kind == "volume" else kind for kind in kinds
                      if kind in ("g_l", "mmol_l", "volume")})
    grams_of_volume = (ml_l or 0.0) * rules.density.get(ingredient_id, 1.0)
    return Component(
        media_id=media_id, ingredient_id=ingredient_id, optional=optional,
        g_l=None if problem else (total or 0.0) + grams_of_volume,
        mmol_l=sum(mmols) if mmols else None,
        g_l_from=None if problem else "+".join(sources), problem=problem, line_kinds=kinds,
        flagged=bool(bad or past_limit), ml_l=ml_l,
    )


def _sum_past_limit(grams: float | None, ml_l: float | None, max_g_per_l: float
                    ) -> str | None:
    """Why an ingredient's lines, each possible, cannot be right summed; None if they can."""
    if grams is not None and grams >= max_g_per_l:
        return f"lines sum to {grams:g} g/L, at or above {max_g_per_l:g}"
    if ml_l is not None and ml_l > LITRE_ML:
        return f"lines sum to {ml_l:g} ml per litre, more than a litre"
    return None


def quirk_counts(components: list[Component]) -> dict[str, int]:
    """Composition lines of each kind, and ingredients whose lines sum past the limit."""
    lines = Counter(kind for c in components for kind in c.line_kinds)
    return {**{f"lines_{kind}": lines.get(kind, 0) for kind in LINE_KINDS},
            "sums_at_or_above_limit": sum(
                1 for c in components
                if c.flagged and not any(kind in FLAGGED for kind in c.line_kinds))}


def report_problems(components: list[Component], names: dict[str, str]) -> None:
    """Log every impossible value (a warning each), the volumes used, and count what else
    stays out."""
    flagged = [c for c in components if c.flagged]
    for c in flagged:
        log.warning("medium %s, ingredient %s (%s): %s; left out", c.media_id,
                    c.ingredient_id, names.get(c.ingredient_id, "?"), c.problem)
    volumes = Counter(names.get(c.ingredient_id, c.ingredient_id) for c in components
                      if c.ml_l is not None and not c.flagged)
    if volumes:
        log.info("%d complex ingredients are given as a volume (ml per litre) and enter the "
                 "matrix at their density, 1 g/ml where MediaDive gives none (most common: "
                 "%s)", sum(volumes.values()),
                 ", ".join(f"{name} x{n}" for name, n in volumes.most_common(5)))
    no_mass = Counter(names.get(c.ingredient_id, c.ingredient_id) for c in components
                      if c.problem and not c.flagged)
    if no_mass:
        log.info("%d ingredients of media have no g/L and stay out of the matrix (water and "
                 "sea water are volumes; most common: %s)", sum(no_mass.values()),
                 ", ".join(f"{name} x{n}" for name, n in no_mass.most_common(5)))
    log.info("%d impossible values flagged and left out", len(flagged))


def is_complex(value) -> bool | None:
    """MediaDive's ``complex_medium`` (1/0, "yes"/"no", true/false) as a bool."""
    if value is None:
        return None
    return str(value).strip().lower() in ("1", "yes", "true")


def select_media(media: list[dict], usable: set[str], choice, min_growth_pairs: int,
                 growth_counts: dict[str, int]) -> tuple[list[str], dict[str, str]]:
    """The media the models use, and why each other medium is left out.

    ``choice`` is "all", "defined" (chemically defined media only) or a list of ids
    (``mediadive.medium:1`` reads as ``1``; an id not in MediaDive is an error). Media
    without a usable composition and media with fewer than ``min_growth_pairs`` growth
    pairs are left out.
    """
    ids = [str(m["id"]) for m in media]
    reasons: dict[str, str] = {}
    if isinstance(choice, list):
        wanted = [plain_medium_id(c) for c in choice]
        unknown = sorted(set(wanted) - set(ids))
        if unknown:
            raise MediagenError(f"catalog.media lists {len(unknown)} id(s) MediaDive does not "
                                f"have: {', '.join(unknown)}; fix the list in your config "
                                f"({MEDIUM_ID_FORMS})")
        reasons.update({i: "not in catalog.media" for i in ids if i not in set(wanted)})
    elif choice == "defined":
        reasons.update({str(m["id"]): "complex medium (catalog.media: defined)" for m in media
                        if is_complex(m.get("complex_medium")) is not False})
    elif choice != "all":
        raise MediagenError(f"catalog.media is {choice!r}; use all, defined or a list of ids")
    for medium_id in ids:
        if medium_id in reasons:
            continue
        if medium_id not in usable:
            reasons[medium_id] = "no usable g/L composition"
        elif growth_counts.get(medium_id, 0) < min_growth_pairs:
            reasons[medium_id] = f"fewer than {min_growth_pairs} growth pairs"
    selected = [i for i in ids if i not in reasons]
    log.info("media selected for the models: %d of %d (left out: %s)", len(selected),
             len(ids), ", ".join(f"{n} {reason}" for reason, n in
                                 Counter(reasons.values()).most_common()) or "none")
    return selected, reasons


def media_matrix(selected: list[str], media_names: dict[str, str],
                 components: list[Component], ingredient_names: dict[str, str],
                 min_ingredient_media: int, include_optional: bool) -> MediaMatrix:
    """The selected media x ingredients (g/L), narrowed to ingredients used often enough."""
    rows = {medium_id: i for i, medium_id in enumerate(selected)}
    amounts: dict[tuple[str, str], float] = {}
    for c in components:
        if c.media_id in rows and c.g_l is not None and (include_optional or not c.optional):
            key = (c.media_id, c.ingredient_id)
            amounts[key] = amounts.get(key, 0.0) + c.g_l
    used_by = Counter(ingredient for (_, ingredient), g in amounts.items() if g > 0)
    columns = sorted((i for i, n in used_by.items() if n >= min_ingredient_media),
                     key=lambda i: (-used_by[i], i))
    dropped = len(used_by) - len(columns)
    log.info("matrix width: %d ingredients (%d used by fewer than %d selected media left out)",
             len(columns), dropped, min_ingredient_media)
    index = {ingredient: j for j, ingredient in enumerate(columns)}
    cells = [(rows[medium_id], index[ingredient], grams)
             for (medium_id, ingredient), grams in amounts.items() if ingredient in index]
    row_of, column_of, values = np.array(cells, dtype=np.float64).reshape(-1, 3).T
    matrix = MediaMatrix.from_entries(
        list(selected), [media_names[m] for m in selected], columns,
        [ingredient_names[i] for i in columns], row_of, column_of, values)
    empty = [m for m, size in zip(selected, matrix.sizes, strict=True) if not size]
    if empty:
        log.warning("%d selected media have no ingredient left in the matrix width: %s",
                    len(empty), ", ".join(empty[:20]))
    return matrix
