"""The MediaDive world's NCBI: reference genome reports and genome packages.

Each species of the world has a reference genome (an accession drawn from the seed) whose
sequence is ``world.world_genome`` of the species, made when it is asked for; a
deterministic tenth of the species have none, as real species without a sequenced
reference. Answers follow the NCBI Datasets v2 formats the workflow reads:
``ncbi_reference`` (the taxon's dataset report), ``ncbi_package`` (the genome data
package: a zip with the data catalog, md5sum.txt and the genomic FASTA) and
``ncbi_taxonomy`` (the taxonomy dataset report, each species' lineage).
"""

import functools
import hashlib
import io
import json
import zipfile
import zlib

from ..catalog.lineage import taxon_key
from ..sources.ncbi_package import CATALOG, CHECKSUMS, DATA_DIR, GENOMIC_FASTA
from ..sources.species_names import Species
from .world import world_genome

WITHOUT_REFERENCE_PERCENT = 10
FASTA_LINE = 80


def package_files(accession: str, fasta: bytes, assembly_name: str) -> dict[str, bytes]:
    """The data files of a genome package: data report, data catalog and genomic FASTA."""
    fasta_path = f"{accession}/{accession}_{assembly_name}_genomic.fna"
    catalog = {
        "apiVersion": "V2",
        "assemblies": [
            {"files": [{"filePath": "assembly_data_report.jsonl", "fileType": "DATA_REPORT"}]},
            {"accession": accession,
             "files": [{"filePath": fasta_path, "fileType": GENOMIC_FASTA,
                        "uncompressedLengthBytes": str(len(fasta))}]},
        ],
    }
    return {
        DATA_DIR + "assembly_data_report.jsonl":
            json.dumps({"accession": accession}).encode() + b"\n",
        CATALOG: json.dumps(catalog, indent=2).encode(),
        DATA_DIR + fasta_path: fasta,
    }


def md5sums(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.md5(content).hexdigest() for name, content in files.items()}


def zip_package(files: dict[str, bytes], checksums: dict[str, str],
                extra_entries: dict[str, bytes] | None = None) -> bytes:
    """The package zip: README.md, the files, md5sum.txt (as given), then any extra entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", "# NCBI Datasets genome data package\n")
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr(CHECKSUMS, "".join(f"{md5}  {name}\n"
                                            for name, md5 in checksums.items()))
        for name, content in (extra_entries or {}).items():
            archive.writestr(zipfile.ZipInfo(name), content)
    return buffer.getvalue()


def fasta_bytes(records: list[tuple[str, bytes]]) -> bytes:
    lines = []
    for name, sequence in records:
        lines.append(b">" + name.encode())
        lines += [sequence[i:i + FASTA_LINE] for i in range(0, len(sequence), FASTA_LINE)]
    return b"\n".join(lines) + b"\n"


class NcbiWorld:
    """Reference genomes of the world's species, answered in NCBI's formats."""

    def __init__(self, species: dict[str, Species], taxids: dict[str, str], seed: int,
                 genus_lineages: dict[str, dict[str, str]] | None = None):
        self.seed = seed
        self.species = species
        self.taxids = taxids
        self.genus_lineages = genus_lineages or {}
        self.accessions: dict[str, str] = {}
        taken: set[int] = set()
        for name in sorted(species):
            if self.without_reference(name):
                continue
            number = self._draw(f"accession:{name}") % 10**9
            while number in taken:
                number = (number + 1) % 10**9
            taken.add(number)
            self.accessions[name] = f"GCF_{number:09d}.1"
        self.by_accession = {acc: name for name, acc in self.accessions.items()}
        self.by_taxid: dict[str, str] = {}  # a taxid two species share answers the first
        for name in sorted(taxids):
            self.by_taxid.setdefault(taxids[name], name)

    def _draw(self, key: str) -> int:
        return zlib.crc32(f"{self.seed}:{key}".encode())

    def lineage(self, name: str) -> dict[str, str]:
        """A species' lineage, domain to species: its genus' ranks from the genus table
        (none for a genus the table lacks: it stays unplaced)."""
        genus = self.species[name].genus
        return {**self.genus_lineages.get(taxon_key(genus), {}), "genus": genus,
                "species": name}

    def without_reference(self, species: str) -> bool:
        return self._draw(f"reference:{species}") % 100 < WITHOUT_REFERENCE_PERCENT

    def dataset_report(self, name: str) -> dict | None:
        """The taxon's ``dataset_report`` page, or None for a name the world does not know."""
        if name not in self.species:
            return None
        if name not in self.accessions:
            return {"total_count": 0}
        accession = self.accessions[name]
        taxid = self.taxids.get(name, "")
        return {"reports": [{
            "accession": accession, "current_accession": accession,
            "source_database": "SOURCE_DATABASE_REFSEQ",
            "organism": {"tax_id": int(taxid) if taxid else 0, "organism_name": name},
            "assembly_info": {"assembly_level": "Complete Genome",
                              "assembly_name": self.assembly_name(accession),
                              "refseq_category": "reference genome"},
        }], "total_count": 1}

    def taxonomy_report(self, taxids: list[str]) -> dict | None:
        """The taxonomy ``dataset_report`` page of the taxids, as NCBI answers it: a report
        per taxid, the species' lineage (``lineage``) as its classification, errors for a
        taxid the world lacks; None (HTTP 404) when it knows none of them."""
        reports = []
        for taxid in taxids:
            name = self.by_taxid.get(taxid)
            if name is None:
                reports.append({"query": [taxid], "errors": [{
                    "reason": f"The taxonomy ID '{taxid}' does not match any existing taxids",
                    "invalid_identifiers": [taxid]}]})
                continue
            classification = {rank: {"name": taxon, "id": self._draw(f"taxon:{taxon}") % 10**7}
                              for rank, taxon in self.lineage(name).items()}
            classification["species"]["id"] = int(taxid)
            reports.append({"query": [taxid], "taxonomy": {
                "tax_id": int(taxid), "rank": "SPECIES",
                "current_scientific_name": {"name": name},
                "classification": classification}})
        if all("errors" in report for report in reports):
            return None
        return {"reports": reports, "total_count": len(reports)}

    @staticmethod
    def assembly_name(accession: str) -> str:
        return f"ASM{accession[4:13].lstrip('0') or '0'}v1"

    @functools.lru_cache(maxsize=8)  # noqa: B019 (one world per process, a few retries)
    def genome_package(self, accession: str) -> bytes | None:
        """The genome data package of an accession, or None for one the world lacks."""
        name = self.by_accession.get(accession)
        if name is None:
            return None
        records = world_genome(self.seed, name, self.taxids.get(name, ""),
                               genus=self.species[name].genus, lineage=self.lineage(name))
        files = package_files(accession, fasta_bytes(records), self.assembly_name(accession))
        return zip_package(files, md5sums(files))
