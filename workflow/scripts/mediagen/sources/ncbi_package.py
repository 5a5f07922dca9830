"""The NCBI Datasets v2 genome data package: where to ask for it, and how to read it safely.

``GET {base}/genome/accession/{accession}/download?include_annotation_type=GENOME_FASTA``
(``api-key`` header optional) answers a zip laid out as::

    README.md
    md5sum.txt                                    "<md5>  <path from the zip root>" per file
    ncbi_dataset/data/assembly_data_report.jsonl
    ncbi_dataset/data/dataset_catalog.json        {"assemblies": [{"accession": ..., "files":
                                                    [{"filePath": ..., "fileType": ...}]}]},
                                                    filePath relative to ncbi_dataset/data/
    ncbi_dataset/data/<accession>/<accession>_<assembly name>_genomic.fna

The genomic FASTA is the catalog's ``GENOMIC_NUCLEOTIDE_FASTA`` file(s) of the
requested accession. Before anything is read, an entry with an absolute path or a
``..`` part refuses the whole package; every file md5sum.txt lists is checked (the
FASTA while it streams, so it is read once).
"""

import contextlib
import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

from ..errors import MediagenError

ASSEMBLY_ACCESSION = re.compile(r"GC[AF]_\d{9}\.\d+")
DATA_DIR = "ncbi_dataset/data/"
CATALOG = DATA_DIR + "dataset_catalog.json"
CHECKSUMS = "md5sum.txt"
GENOMIC_FASTA = "GENOMIC_NUCLEOTIDE_FASTA"
_CHUNK = 1 << 20


def is_assembly_accession(source: str) -> bool:
    return ASSEMBLY_ACCESSION.fullmatch(source) is not None


def package_url(base_url: str, accession: str) -> str:
    """The download URL of ``accession``'s package holding the genomic FASTA only."""
    if not is_assembly_accession(accession):
        raise MediagenError(
            f"{accession!r} is not an NCBI assembly accession (GCF_/GCA_ + 9 digits + "
            "version, e.g. GCF_000005845.2); fix the source column of the genome sheet"
        )
    query = urlencode({"include_annotation_type": "GENOME_FASTA", "hydrated": "FULLY_HYDRATED"})
    return f"{base_url.rstrip('/')}/genome/accession/{accession}/download?{query}"


def request_headers(api_key: str | None) -> dict:
    headers = {"Accept": "application/zip"}
    if api_key:
        headers["api-key"] = api_key
    return headers


@contextlib.contextmanager
def genomic_fasta_lines(zip_path: str | Path, accession: str) -> Iterator[Iterator[bytes]]:
    """The lines of the package's genomic FASTA, checksum-verified as they are read.

    The md5 of each FASTA member is compared when its last line has been read, so a
    caller writing the lines atomically discards its output when they do not match.
    """
    label = f"NCBI package of {accession}"
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        with open(zip_path, "rb") as handle:
            start = handle.read(60)
        raise MediagenError(
            f"{label}: the answer is not a zip archive (it starts with {start!r}); "
            "check download.ncbi_base_url, or try again later"
        ) from None
    with archive:
        _refuse_escaping_entries(archive, label)
        checksums = _read_checksums(archive, label)
        members = _genomic_fasta_members(archive, accession, checksums, label)
        for name in sorted(set(checksums) - set(members)):
            _verify_member(archive, name, checksums[name], label)
        yield _verified_lines(archive, members, checksums, label)


def _refuse_escaping_entries(archive: zipfile.ZipFile, label: str) -> None:
    for name in archive.namelist():
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"[A-Za-z]:", name):
            raise MediagenError(
                f"{label}: entry {name!r} points outside the package; refused the whole "
                "package (nothing was written)"
            )


def _read_checksums(archive: zipfile.ZipFile, label: str) -> dict[str, str]:
    """md5sum.txt as {member name: md5}; empty when the package has none."""
    if CHECKSUMS not in archive.namelist():
        return {}
    checksums = {}
    for line in archive.read(CHECKSUMS).decode("utf-8", "replace").splitlines():
        fields = line.split(maxsplit=1)
        if not fields or line.startswith("#"):
            continue
        if len(fields) != 2 or not re.fullmatch(r"[0-9a-fA-F]{32}", fields[0]):
            raise MediagenError(f"{label}: unreadable {CHECKSUMS} line {line!r}; try again")
        checksums[fields[1].strip().lstrip("*").removeprefix("./")] = fields[0].lower()
    return checksums


def _genomic_fasta_members(archive, accession, checksums, label) -> list[str]:
    if CATALOG not in archive.namelist():
        raise MediagenError(f"{label}: no {CATALOG} in the package; try again later")
    if CATALOG in checksums:
        _verify_member(archive, CATALOG, checksums[CATALOG], label)
    try:
        catalog = json.loads(archive.read(CATALOG))
        members = [
            DATA_DIR + entry["filePath"]
            for assembly in catalog.get("assemblies", [])
            if assembly.get("accession") == accession
            for entry in assembly.get("files", [])
            if entry.get("fileType") == GENOMIC_FASTA
        ]
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise MediagenError(f"{label}: unreadable {CATALOG} ({exc}); try again later") from None
    if not members:
        raise MediagenError(
            f"{label}: the package holds no genomic FASTA for {accession}; check that the "
            "accession exists and has a genome sequence (NCBI Datasets web page)"
        )
    missing = [name for name in members if name not in archive.namelist()]
    if missing:
        raise MediagenError(f"{label}: {missing[0]} is listed but absent; try again")
    return members


def _verify_member(archive, name, expected, label) -> None:
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with archive.open(name) as member:
            while chunk := member.read(_CHUNK):
                digest.update(chunk)
    except KeyError:
        raise MediagenError(f"{label}: {name} is listed in {CHECKSUMS} but absent") from None
    except zipfile.BadZipFile as exc:
        raise MediagenError(f"{label}: {name} is damaged ({exc}); try again") from None
    _compare(name, digest.hexdigest(), expected, label)


def _verified_lines(archive, members, checksums, label) -> Iterator[bytes]:
    for name in members:
        digest = hashlib.md5(usedforsecurity=False)
        try:
            with archive.open(name) as member:
                for line in member:
                    digest.update(line)
                    yield line
        except zipfile.BadZipFile as exc:
            raise MediagenError(f"{label}: {name} is damaged ({exc}); try again") from None
        if name in checksums:
            _compare(name, digest.hexdigest(), checksums[name], label)


def _compare(name, actual, expected, label) -> None:
    if actual != expected:
        raise MediagenError(
            f"{label}: md5 of {name} is {actual}, {CHECKSUMS} says {expected}; the download "
            "is corrupt, run again to fetch it anew"
        )
