"""Payloads for download tests: small genomes and NCBI Datasets v2 genome packages.

``ncbi_package_zip`` builds a real zip with the layout NCBI serves (README.md,
md5sum.txt, ncbi_dataset/data/dataset_catalog.json, the assembly data report and
ncbi_dataset/data/<accession>/<accession>_<assembly name>_genomic.fna), as the MediaDive
world's NCBI does (``mediagen.demo.world_ncbi``); keyword arguments spoil it in the ways
the tests need.
"""

import hashlib
import random

from mediagen.demo.world_ncbi import md5sums, package_files, zip_package


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
    files = package_files(accession, fasta, assembly_name)
    checksums = md5sums(files)
    if wrong_md5:
        fasta_member = next(name for name in files if name.endswith("_genomic.fna"))
        checksums[fasta_member] = hashlib.md5(fasta + b"x").hexdigest()
    return zip_package(files, checksums, extra_entries)


def download_path(accession: str) -> str:
    """The URL path NCBI Datasets v2 serves ``accession``'s genome package under."""
    return f"/genome/accession/{accession}/download"
