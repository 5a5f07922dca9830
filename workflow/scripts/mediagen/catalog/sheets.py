"""The genome and growth sheets: load, validate, explain.

Validation uses the JSON schemas in ``workflow/schemas/`` row by row, so that a
bad row stops the run with one message naming the file, the row and the fix,
before any job starts. Checks a per-row schema cannot express (duplicate ids)
follow.
"""

from pathlib import Path

import jsonschema
import pandas as pd
import yaml

from ..errors import MediagenError

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"

ORGANISM_TYPES = ("bacteria", "archaea", "fungi", "protist", "virus")
_TYPE_ALIASES = {"archea": "archaea"}


def load_schema(name: str) -> dict:
    with open(SCHEMA_DIR / f"{name}.schema.yaml") as handle:
        return yaml.safe_load(handle)


def _read_tsv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise MediagenError(f"{path}: sheet not found; check the path in your config")
    try:
        frame = pd.read_csv(
            path, sep="\t", dtype=str, keep_default_na=False, comment="#", skipinitialspace=True
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise MediagenError(f"{path}: not a readable tab-separated sheet ({exc})") from exc
    return frame.apply(lambda column: column.str.strip())


def _validate_rows(frame: pd.DataFrame, schema: dict, path: Path) -> None:
    required = schema.get("required", [])
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise MediagenError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must hold "
            f"{', '.join(schema['properties'])} (tab-separated)"
        )
    validator = jsonschema.Draft202012Validator(schema)
    for number, record in enumerate(frame.to_dict(orient="records"), start=2):
        record = {key: value for key, value in record.items() if value != ""}
        error = next(iter(sorted(validator.iter_errors(record), key=str)), None)
        if error is None:
            continue
        field = error.path[0] if error.path else (error.validator_value or ["?"])[0]
        fix = schema["properties"].get(field, {}).get("description", "")
        value = record.get(field, "")
        raise MediagenError(
            f"{path}, line {number}: {field} {value!r} is not valid: {error.message}. "
            f"Fix: {fix}"
        )


def load_genome_sheet(path: str | Path) -> pd.DataFrame:
    """The genome sheet indexed by genome_id, organism types normalised."""
    path = Path(path)
    frame = _read_tsv(path)
    if "organism_type" in frame:
        frame["organism_type"] = frame["organism_type"].str.lower().replace(_TYPE_ALIASES)
    _validate_rows(frame, load_schema("genomes"), path)
    duplicated = frame["genome_id"][frame["genome_id"].duplicated()]
    if not duplicated.empty:
        genome_id = duplicated.iloc[0]
        lines = [str(i + 2) for i in frame.index[frame["genome_id"] == genome_id]]
        raise MediagenError(
            f"{path}, lines {', '.join(lines)}: genome_id {genome_id!r} is duplicated. "
            "Fix: give every genome a unique genome_id"
        )
    for column in ("organism_name", "taxid"):
        if column not in frame:
            frame[column] = ""
    return frame.set_index("genome_id", drop=False)


def load_growth_sheet(path: str | Path) -> pd.DataFrame:
    """The growth sheet; growth as bool and confidence as float."""
    path = Path(path)
    frame = _read_tsv(path)
    if "growth" in frame:
        frame["growth"] = frame["growth"].str.lower()
    _validate_rows(frame, load_schema("growth"), path)
    frame["growth"] = frame["growth"].isin(["true", "1", "yes"])
    if "confidence" not in frame:
        frame["confidence"] = ""
    frame["confidence"] = pd.to_numeric(frame["confidence"].replace("", "1")).astype(float)
    if "source" not in frame:
        frame["source"] = ""
    return frame
