"""The genome and growth sheets: load, validate, explain.

Validation uses the JSON schemas in ``workflow/schemas/`` row by row, so that a
bad row stops the run with one message naming the file, the line and the fix,
before any job starts. Checks a per-row schema cannot express (duplicate ids,
growth rows naming genomes the genome sheet lacks) follow.

A sheet is tab-separated, with a header line. Only a line whose first character
is ``#`` is a comment: ``#`` inside a cell is data (a path ``run#3/g.fna``, a name
``strain #5``). Blank lines are skipped, cells are trimmed, quoted cells, Windows
line ends and a UTF-8 byte order mark are read. Rows keep their physical line
number (the frame's index), so every message points at the line an editor shows.
"""

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

import jsonschema
import pandas as pd
import yaml

from ..errors import MediagenError
from ..sources.mediadive import plain_medium_id
from .lineage import ABOVE_GENUS, parse_gtdb, taxon_key

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"

ORGANISM_TYPES = ("bacteria", "archaea", "fungi", "protist", "virus")
_TYPE_ALIASES = {"archea": "archaea"}
_SHOWN_ROWS = 20
_SHOWN_CHARACTERS = 40


def load_schema(name: str) -> dict:
    with open(SCHEMA_DIR / f"{name}.schema.yaml") as handle:
        return yaml.safe_load(handle)


def _header_columns(schema: dict) -> str:
    """The columns a sheet's header names: the required ones, then the optional ones."""
    required = schema.get("required", [])
    optional = [column for column in schema["properties"] if column not in required]
    return ", ".join(required) + (f" (and any of {', '.join(optional)})" if optional else "")


def _comments_blanked(lines: Iterable[str]) -> Iterator[str]:
    """The lines, a comment line made blank so that line numbers stay physical."""
    for line in lines:
        yield "\n" if line.startswith("#") else line


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(physical line number, trimmed cells) of every line that is not blank or a comment."""
    if path.is_dir():
        raise MediagenError(f"{path}: is a folder, not a sheet; check the path in your config")
    if not path.is_file():
        raise MediagenError(f"{path}: sheet not found; check the path in your config")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(_comments_blanked(handle), delimiter="\t")
            rows = [(reader.line_num, [cell.strip() for cell in cells]) for cells in reader]
    except (csv.Error, UnicodeDecodeError) as exc:
        raise MediagenError(f"{path}: not a readable tab-separated UTF-8 sheet ({exc}); "
                            "save it as tab-separated text") from exc
    return [(number, cells) for number, cells in rows if any(cells)]


def _read_tsv(path: Path, schema: dict) -> pd.DataFrame:
    """The sheet's cells as strings, one column per header name, indexed by line number."""
    rows = _read_rows(path)
    if not rows:
        raise MediagenError(f"{path}: is empty; its first line must be the tab-separated "
                            f"header {_header_columns(schema)}")
    (header_line, header), body = rows[0], rows[1:]
    for number, cells in body:
        if len(cells) > len(header) and any(cells[len(header):]):
            raise MediagenError(
                f"{path}, line {number}: {len(cells)} cells but the header names "
                f"{len(header)}; remove the extra cells or name their column in line "
                f"{header_line}")
    first_seen: dict[str, int] = {}
    for column, name in enumerate(header, start=1):
        if name and name in first_seen:
            raise MediagenError(
                f"{path}, line {header_line}: column {name} appears twice (columns "
                f"{first_seen[name]} and {column}); keep one of them")
        first_seen.setdefault(name, column)
    cells = [(row + [""] * len(header))[:len(header)] for _, row in body]
    frame = pd.DataFrame(cells, columns=header, index=[number for number, _ in body],
                         dtype=str)
    if "" in first_seen:  # a trailing tab in the header, for instance
        unnamed = frame.iloc[:, [i for i, name in enumerate(header) if not name]]
        filled = unnamed.ne("").any(axis=1)
        if filled.any():
            raise MediagenError(f"{path}, line {filled.idxmax()}: a value under a column "
                                f"without a name; name the column in line {header_line}")
        frame = frame.drop(columns="")
    return frame


def _shown(value: str) -> str:
    if len(value) <= _SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:_SHOWN_CHARACTERS]!r}... ({len(value)} characters)"


def _validate_rows(frame: pd.DataFrame, schema: dict, path: Path) -> None:
    required = schema.get("required", [])
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise MediagenError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must hold "
            f"{_header_columns(schema)} (tab-separated)"
        )
    validator = jsonschema.Draft202012Validator(schema)
    for number, record in zip(frame.index, frame.to_dict(orient="records"), strict=True):
        record = {key: value for key, value in record.items() if value != ""}
        error = next(iter(sorted(validator.iter_errors(record), key=str)), None)
        if error is None:
            continue
        field = error.path[0] if error.path else (error.validator_value or ["?"])[0]
        fix = schema["properties"].get(field, {}).get("description", "")
        value = str(record.get(field, ""))
        reason = error.message.replace(repr(value), "it") if len(value) > _SHOWN_CHARACTERS \
            else error.message
        raise MediagenError(
            f"{path}, line {number}: {field} {_shown(value)} is not valid: {reason}. "
            f"Fix: {fix}"
        )


def describe_rows(frame: pd.DataFrame) -> str:
    """'line N (genome, medium)' for the first few growth rows."""
    shown = [f"line {i} ({g}, {m})" for i, g, m in
             zip(frame.index[:_SHOWN_ROWS], frame["genome_id"], frame["media_id"],
                 strict=False)]
    more = len(frame) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def load_genome_sheet(path: str | Path, *, allow_empty: bool = False) -> pd.DataFrame:
    """The genome sheet indexed by genome_id, organism types normalised, with the rank
    columns ``ABOVE_GENUS`` (empty where unknown; a ``lineage`` string fills them). A sheet
    with a header and no genome is refused unless ``allow_empty`` (genomes derived from
    MediaDive may be all there is)."""
    path = Path(path)
    schema = load_schema("genomes")
    frame = _read_tsv(path, schema)
    if frame.empty and not allow_empty:
        raise MediagenError(f"{path}: holds no genomes; add one row per genome below the "
                            "header")
    if "organism_type" in frame:
        frame["organism_type"] = frame["organism_type"].str.lower().replace(_TYPE_ALIASES)
    _validate_rows(frame, schema, path)
    duplicated = frame["genome_id"][frame["genome_id"].duplicated()]
    if not duplicated.empty:
        genome_id = duplicated.iloc[0]
        lines = [str(i) for i in frame.index[frame["genome_id"] == genome_id]]
        raise MediagenError(
            f"{path}, lines {', '.join(lines)}: genome_id {genome_id!r} is duplicated. "
            "Fix: give every genome a unique genome_id"
        )
    for column in ("organism_name", "taxid", *ABOVE_GENUS):
        if column not in frame:
            frame[column] = ""
    if "lineage" in frame:
        _fill_from_lineage(frame, path, schema["properties"]["lineage"]["description"])
    return frame.set_index("genome_id", drop=False)


def _fill_from_lineage(frame: pd.DataFrame, path: Path, fix: str) -> None:
    """The rank columns (and an empty organism_name) filled from each row's GTDB string.

    A MAG's lineage comes from GTDB-Tk as one string; the rank columns are what the
    workflow groups by, so the string is spread over them here, once. A rank column that
    names another taxon than the string on the same row is refused: one of them is wrong.
    """
    for number, text in frame["lineage"].items():
        if not text:
            continue
        try:
            lineage = parse_gtdb(text)
        except ValueError as reason:
            raise MediagenError(f"{path}, line {number}: lineage {_shown(text)} is not valid: "
                                f"{reason}. Fix: {fix}") from None
        for rank in ABOVE_GENUS:
            given, parsed = frame.at[number, rank], lineage.get(rank, "")
            if given and parsed and taxon_key(given) != taxon_key(parsed):
                raise MediagenError(
                    f"{path}, line {number}: {rank} {given!r} contradicts the lineage's "
                    f"{rank} {parsed!r}. Fix: correct one of them, or leave the {rank} cell "
                    "empty")
            frame.at[number, rank] = given or parsed
        if not frame.at[number, "organism_name"]:
            frame.at[number, "organism_name"] = lineage.get("species") or lineage.get(
                "genus", "")


def load_growth_sheet(path: str | Path) -> pd.DataFrame:
    """The growth sheet; growth as bool, confidence as float, media ids as MediaDive spells
    them (``mediadive.medium:1`` reads as ``1``)."""
    path = Path(path)
    schema = load_schema("growth")
    frame = _read_tsv(path, schema)
    if "growth" in frame:
        frame["growth"] = frame["growth"].str.lower()
    _validate_rows(frame, schema, path)
    frame["media_id"] = frame["media_id"].map(plain_medium_id)
    frame["growth"] = frame["growth"].isin(["true", "1", "yes"])
    if "confidence" not in frame:
        frame["confidence"] = ""
    frame["confidence"] = pd.to_numeric(frame["confidence"].replace("", "1")).astype(float)
    if "source" not in frame:
        frame["source"] = ""
    return frame


def load_sheets(genome_path: str | Path, growth_path: str | Path
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both sheets, once every growth row names a genome of the genome sheet: what the
    workflow checks when it starts, before any job runs."""
    genomes = load_genome_sheet(genome_path)
    growth = load_growth_sheet(growth_path)
    unknown = growth[~growth["genome_id"].isin(genomes.index)]
    if len(unknown):
        raise MediagenError(
            f"{growth_path}: {len(unknown)} row(s) name a genome_id missing from "
            f"{genome_path}: {describe_rows(unknown)}. Fix: add these genomes to "
            f"{genome_path}, or correct or remove the rows")
    return genomes, growth
