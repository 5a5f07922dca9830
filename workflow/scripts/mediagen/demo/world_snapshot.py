"""The MediaDive world's records: a real MediaDive snapshot, thinned to N species.

The snapshot (``snapshot.tar.gz``, unpacking to ``mediadive/`` laid out like the REST API:
``media.json``, ``medium-composition/<id>.json``, ``medium-strains/<id>.json``,
``ingredient/<id>.json``) holds the real catalog and real strain records. It is never
copied into the project: it is found through ``MEDIAGEN_MEDIADIVE_SNAPSHOT`` or at
``../shared/data/mediadive-real/snapshot.tar.gz`` beside the repository.

Thinning keeps N species, chosen whole genera at a time in an order drawn from the seed
(so the kept species share genera, as a split by species within seen genera needs), and
the records of those genera that name no species (``Streptomyces sp.``), and the records
without a name on the media they grow on: the names a real fetch meets, at a smaller scale.
"""

import json
import os
import tarfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import MediagenError
from ..sources.species_names import Species, ncbi_taxid, resolve_species

ENV_VAR = "MEDIAGEN_MEDIADIVE_SNAPSHOT"
DEFAULT_SNAPSHOT = (Path(__file__).resolve().parents[4].parent / "shared" / "data"
                    / "mediadive-real" / "snapshot.tar.gz")
DEFAULT_LINEAGE = (Path(__file__).resolve().parents[4].parent / "shared" / "data"
                   / "lineage" / "genus_lineage.tsv")


def find_lineage_table() -> Path | None:
    """The shared table of genera and their NCBI ranks above, if there."""
    return DEFAULT_LINEAGE if DEFAULT_LINEAGE.is_file() else None


def find_snapshot() -> Path | None:
    """The snapshot named by ``MEDIAGEN_MEDIADIVE_SNAPSHOT``, else the shared one, if there."""
    path = Path(os.environ.get(ENV_VAR) or DEFAULT_SNAPSHOT)
    return path if path.exists() else None


def snapshot_folder(path: str | Path, scratch: str | Path) -> Path:
    """The folder laid out like the API, from a ``.tar.gz`` (unpacked under ``scratch``), a
    folder holding ``snapshot.tar.gz`` or ``mediadive/``, or that folder itself."""
    path = Path(path)
    for candidate in (path, path / "mediadive"):
        if (candidate / "media.json").is_file():
            return candidate
    archive = path / "snapshot.tar.gz" if path.is_dir() else path
    if not archive.is_file():
        raise MediagenError(f"{path}: no MediaDive snapshot (a folder with media.json, or "
                            f"snapshot.tar.gz); set {ENV_VAR} to one")
    target = Path(scratch) / "snapshot"
    if not (target / "mediadive" / "media.json").is_file():
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    return target / "mediadive"


def _read(path: Path):
    return json.loads(path.read_text())["data"]


@dataclass
class WorldRecords:
    """What the world's MediaDive serves: the media list, the records of each medium, and
    the folder compositions and ingredients are read from."""

    folder: Path
    media: list[dict]
    strains: dict[str, list[dict]]  # medium id -> the records served for it
    species: dict[str, Species]  # every species the served records name
    taxids: dict[str, str]  # species -> its NCBI taxon id (from the strain ids)


def _rank(seed: int, key: str) -> int:
    return zlib.crc32(f"{seed}:{key}".encode())


def load_world_records(folder: str | Path, *, seed: int, n_species: int | None = None,
                       media: str = "all") -> WorldRecords:
    """The snapshot's records, thinned to ``n_species`` species (all when None).

    ``media``: ``all`` serves the whole catalog, ``linked`` only the media with a served
    record (a small world for tests).
    """
    folder = Path(folder)
    listed = _read(folder / "media.json")
    strains = {str(m["id"]): _read(path) for m in listed
               if (path := folder / "medium-strains" / f"{m['id']}.json").is_file()}
    resolved = {name: resolve_species(name) for records in strains.values()
                for name in {r.get("species") for r in records}}
    species = {s.name: s for s in resolved.values() if isinstance(s, Species)}
    if n_species is not None:
        species = _thin(species, n_species, seed)
    genera = {s.genus for s in species.values()}

    def kept(record: dict) -> bool:
        found = resolved[record.get("species")]
        if isinstance(found, Species):
            return found.name in species
        words = (record.get("species") or "").split()
        return bool(words) and words[0] in genera

    served = {medium: kept_records for medium, records in strains.items()
              if (kept_records := [r for r in records if kept(r)])}
    for medium, records in served.items():  # nameless records where named ones are kept
        records += [r for r in strains[medium] if not r.get("species")]
    if media == "linked":
        listed = [m for m in listed if str(m["id"]) in served]
    elif media != "all":
        raise MediagenError(f"media={media!r}: use all or linked")
    return WorldRecords(folder=folder, media=listed, strains=served, species=species,
                        taxids=_species_taxids(served, species))


def _thin(species: dict[str, Species], n_species: int, seed: int) -> dict[str, Species]:
    """``n_species`` species, whole genera first, genera in an order drawn from the seed."""
    by_genus: dict[str, list[str]] = {}
    for name, s in species.items():
        by_genus.setdefault(s.genus, []).append(name)
    chosen: list[str] = []
    for genus in sorted(by_genus, key=lambda g: (_rank(seed, g), g)):
        chosen += sorted(by_genus[genus])[: n_species - len(chosen)]
        if len(chosen) >= n_species:
            break
    return {name: species[name] for name in chosen}


def _species_taxids(strains: dict[str, list[dict]], species: dict[str, Species]
                    ) -> dict[str, str]:
    """Each species' taxon id: the one its records under the plain binomial carry most
    (strain-designated names carry strain-level ids), else the most common of any."""
    exact: dict[str, Counter] = {}
    loose: dict[str, Counter] = {}
    for records in strains.values():
        for record in records:
            found = resolve_species(record.get("species"))
            if not isinstance(found, Species) or not ncbi_taxid(record.get("id")):
                continue
            taxid = ncbi_taxid(record["id"])
            loose.setdefault(found.name, Counter())[taxid] += 1
            if record.get("species") == found.name:
                exact.setdefault(found.name, Counter())[taxid] += 1
    return {name: (exact.get(name) or loose.get(name) or Counter({"": 1})).most_common(1)[0][0]
            for name in species}
