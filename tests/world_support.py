"""MediaDive worlds for the tests: a small hand-made one, and the real snapshot's.

``small_world_folder`` writes a folder laid out like the MediaDive API with strain records
of ``n_genera`` genera (three species each, one archaeal genus in ten), plus records of
each genus named only to genus level (``Genus sp.``) and records without a name.
``real_snapshot`` is the real MediaDive snapshot (see mediagen.demo.world_snapshot),
unpacked once per test session, or a skip saying where it was looked for.
"""

from pathlib import Path

import pytest
from mediadive_support import api_payloads, write_folder
from mediagen.demo.world_snapshot import ENV_VAR, find_snapshot, snapshot_folder

EPITHETS = ("alba", "rubra", "marina")


def small_world_folder(folder: Path, n_genera: int = 12) -> Path:
    media, compositions, strains = [], {}, {}
    for g in range(n_genera):
        genus = f"Genus{chr(97 + g // 26)}{chr(97 + g % 26)}"
        domain = "A" if g % 10 == 3 else "B"
        for m in range(2):  # two media per genus
            medium = f"m{g}{'ab'[m]}"
            media.append({"id": medium, "name": f"MEDIUM {medium.upper()}"})
            compositions[medium] = [
                {"id": 1, "name": "Peptone", "g_l": 5.0 + g, "mmol_l": None, "optional": 0},
                {"id": 2, "name": "NaCl", "g_l": 1.0 + m, "mmol_l": None, "optional": 0}]
            strains[medium] = [
                {"id": f"bd{g}{m}{s}-{1000 + 10 * g + s}", "species": f"{genus} {epithet}",
                 "ccno": None, "growth": 1, "bacdive_id": int(f"{g}{m}{s}"), "domain": domain}
                for s, epithet in enumerate(EPITHETS)]
        strains[f"m{g}a"].append({"id": f"bd9{g}-1", "species": f"{genus} sp.", "ccno": None,
                                  "growth": 1, "bacdive_id": 9, "domain": domain})
        strains[f"m{g}b"].append({"id": f"bd8{g}-2", "species": None, "ccno": None,
                                  "growth": 1, "bacdive_id": 8, "domain": None})
    media.append({"id": "lonely", "name": "NO STRAIN RECORD"})
    compositions["lonely"] = [{"id": 2, "name": "NaCl", "g_l": 3, "mmol_l": None,
                               "optional": 0}]
    ingredients = {"1": {"id": 1, "name": "Peptone"}, "2": {"id": 2, "name": "NaCl",
                                                             "mass": 58.44}}
    return write_folder(folder, api_payloads(media, compositions, strains, ingredients))


@pytest.fixture(scope="session")
def real_snapshot(tmp_path_factory) -> Path:
    path = find_snapshot()
    if path is None:
        pytest.skip(f"no real MediaDive snapshot: set {ENV_VAR} or place it at "
                    "../shared/data/mediadive-real/snapshot.tar.gz beside the repository")
    return snapshot_folder(path, tmp_path_factory.mktemp("mediadive-real"))
