"""Payloads for download tests: small genomes and NCBI Datasets v2 genome packages.

``ncbi_package_zip`` builds a real zip with the layout NCBI serves (README.md,
md5sum.txt, ncbi_dataset/data/dataset_catalog.json, the assembly data report and
ncbi_dataset/data/<accession>/<accession>_<assembly name>_genomic.fna); keyword
arguments spoil it in the ways the tests need.
"""

import hashlib
import io
import json
import random
import zipfile


def genome_fasta(seed: int, records: int = 2, length: int = 300) -> bytes:
    """A small nucleotide FASTA, 60 bases a line, different for each seed."""
    rng = random.Random(seed)
    lines = []
    for number in range(1, records + 1):
        lines.append(f">seq{seed}_{number} synthetic contig {number}")
        sequence = "".join(rng.choice("ACGT") for _ in range(length))
        lines.extend(sequence[i:i + 60] for i in range(0, length, 60))
    return ("\n".join(lines) + "\n").encode()


def ncbi_package_zip(accession: str, fasta: bytes, *, assembly_name: str = "ASM1v1",
                     wrong_md5: bool = False, extra_entries: dict | None = None) -> bytes:
    data = "ncbi_dataset/data/"
    fasta_path = f"{accession}/{accession}_{assembly_name}_genomic.fna"
    catalog = {
        "apiVersion": "V2",
        "assemblies": [
            {"files": [{"filePath": "assembly_data_report.jsonl", "fileType": "DATA_REPORT"}]},
            {
                "accession": accession,
                "files": [{
                    "filePath": fasta_path,
                    "fileType": "GENOMIC_NUCLEOTIDE_FASTA",
                    "uncompressedLengthBytes": str(len(fasta)),
                }],
            },
        ],
    }
    files = {
        data + "assembly_data_report.jsonl": json.dumps({"accession": accession}).encode() + b"\n",
        data + "dataset_catalog.json": json.dumps(catalog, indent=2).encode(),
        data + fasta_path: fasta,
    }
    checksums = {name: hashlib.md5(content).hexdigest() for name, content in files.items()}
    if wrong_md5:
        checksums[data + fasta_path] = hashlib.md5(fasta + b"x").hexdigest()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", "# NCBI Datasets genome data package\n")
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("md5sum.txt", "".join(f"{md5}  {name}\n"
                                               for name, md5 in checksums.items()))
        for name, content in (extra_entries or {}).items():
            archive.writestr(zipfile.ZipInfo(name), content)
    return buffer.getvalue()


def download_path(accession: str) -> str:
    """The URL path NCBI Datasets v2 serves ``accession``'s genome package under."""
    return f"/genome/accession/{accession}/download"
