"""Small MediaDive-format payloads for the tests, served from a folder or a loopback server."""

import json
from pathlib import Path

from loopback_http import Response

MEDIA = [
    {"id": 1, "name": "NUTRIENT AGAR", "complex_medium": 1, "source": "DSMZ",
     "min_pH": 7, "max_pH": 7},
    {"id": "J2", "name": "MINIMAL SALTS", "complex_medium": 0, "source": "JCM",
     "min_pH": 7.2, "max_pH": 7.4},
    {"id": "3a", "name": "HALOPHILE BROTH", "complex_medium": "yes", "source": "DSMZ"},
]
COMPOSITIONS = {
    "1": [{"id": 1, "name": "Peptone", "g_l": 5, "mmol_l": None, "optional": 0},
          {"id": 2, "name": "Meat extract", "g_l": 3, "mmol_l": None, "optional": 0},
          {"id": 4, "name": "Distilled water", "g_l": None, "mmol_l": None, "optional": 0}],
    "J2": [{"id": 10, "name": "K2HPO4", "g_l": 1.5, "mmol_l": 8.6, "optional": 0},
           {"id": 10, "name": "K2HPO4", "g_l": 0.5, "mmol_l": 2.9, "optional": 0},
           {"id": 20, "name": "MgSO4 x 7 H2O", "g_l": None, "mmol_l": 2.0, "optional": 0},
           {"id": 21, "name": "Glucose", "g_l": 10, "mmol_l": 55.5, "optional": 1}],
    "3a": [{"id": 30, "name": "NaCl", "g_l": 2500, "mmol_l": None, "optional": 0},
           {"id": 1, "name": "Peptone", "g_l": -2, "mmol_l": None, "optional": 0},
           {"id": 2, "name": "Meat extract", "g_l": "lots", "mmol_l": None, "optional": 0},
           {"id": 10, "name": "K2HPO4", "g_l": 1, "mmol_l": None, "optional": 0}],
}
STRAINS = {
    "1": [{"id": 101, "species": "Escherichia coli", "ccno": "DSM 30083", "growth": 1,
           "bacdive_id": 4907, "domain": "B"},
          {"id": 102, "species": "Halobacterium salinarum", "ccno": "DSM 3754", "growth": 0,
           "bacdive_id": None, "domain": "A"}],
    "3a": [{"id": 102, "species": "Halobacterium salinarum", "ccno": "DSM 3754", "growth": 1,
            "bacdive_id": None, "domain": "A"}],
}
INGREDIENTS = {
    "1": {"id": 1, "name": "Peptone", "complex_compound": 1},
    "2": {"id": 2, "name": "Meat extract", "complex_compound": 1},
    "4": {"id": 4, "name": "Distilled water", "formula": "H2O", "mass": 18.02},
    "10": {"id": 10, "name": "K2HPO4", "ChEBI": 131527, "formula": "K2HPO4", "mass": 174.18},
    "20": {"id": 20, "name": "MgSO4 x 7 H2O", "ChEBI": 31795, "formula": "MgSO4.7H2O",
           "mass": 246.47},
    "21": {"id": 21, "name": "Glucose", "ChEBI": 17234, "mass": 180.16},
    "30": {"id": 30, "name": "NaCl", "ChEBI": 26710, "mass": 58.44},
}


def envelope(data) -> dict:
    return {"status": 200, "count": len(data) if isinstance(data, list) else 1, "data": data}


def api_payloads(media=MEDIA, compositions=COMPOSITIONS, strains=STRAINS,
                 ingredients=INGREDIENTS) -> dict[str, dict]:
    """Relative API path -> JSON answer; a medium without strains has no entry (404)."""
    payloads = {"media": envelope(media)}
    payloads.update({f"medium-composition/{k}": envelope(v) for k, v in compositions.items()})
    payloads.update({f"medium-strains/{k}": envelope(v) for k, v in strains.items()})
    payloads.update({f"ingredient/{k}": envelope(v) for k, v in ingredients.items()})
    return payloads


def write_folder(folder: Path, payloads: dict[str, dict]) -> Path:
    """A folder laid out like the API (``media.json``, ``medium-composition/1.json`` ...)."""
    for path, answer in payloads.items():
        target = folder / f"{path}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(answer))
    return folder


def serve(server, payloads: dict[str, dict], prefix: str = "/rest") -> str:
    """Route every payload on a loopback server; returns the base URL."""
    for path, answer in payloads.items():
        server.route(f"{prefix}/{path}", Response.json(answer))
    return server.url + prefix
