"""Write a genome as ``.fna.gz``, checking on the way that it is nucleotide FASTA.

Every genome source (a member of an NCBI package, a downloaded file, a local file)
ends as ``resources/genomes/{genome_id}.fna.gz`` through ``write_fasta_gz``: the
lines are checked as they stream into an ISA-L gzip writer behind an atomic
rename, so an HTML error page, a protein FASTA or a truncated gzip is refused
and nothing stands under the final name. The bytes are kept as they are.
"""

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from isal import igzip

from ..atomic import atomic_path
from ..errors import MediagenError
from .fasta_bytes import GZIP_READ_ERRORS

GZIP_MAGIC = b"\x1f\x8b"
# IUPAC nucleotide codes (U for RNA, X for masked), gap symbols and whitespace.
SEQUENCE_BYTES = b"ACGTUNRYKMSWBDHVXacgtunrykmswbdhvx-. \t\r\n"
# Letters that occur in proteins but are no nucleotide code.
AMINO_ACID_ONLY = frozenset(b"EFIJLOPQZefijlopqz*")
_WRITE_BATCH = 1 << 20


@dataclass
class FastaSummary:
    records: int = 0
    sequence_bytes: int = 0


class _FastaCheck:
    """Line-by-line judge of a FASTA stream; ``label`` names it in messages."""

    def __init__(self, label: str):
        self.label = label
        self.summary = FastaSummary()
        self.line_number = 0

    def line(self, line: bytes) -> None:
        self.line_number += 1
        if line.startswith(b">"):
            self.summary.records += 1
            return
        stray = line.translate(None, SEQUENCE_BYTES)
        if not self.summary.records and line.strip():
            raise MediagenError(
                f"{self.label}: not FASTA (line {self.line_number} starts with "
                f"{line[:40]!r}, not a '>' header); check that the source is a genome FASTA"
            )
        if stray:
            kind = "a protein FASTA" if AMINO_ACID_ONLY & set(stray) else "not nucleotide FASTA"
            raise MediagenError(
                f"{self.label}: {kind} (line {self.line_number} holds {stray[:20]!r}); "
                "give a genome (nucleotide) FASTA"
            )
        self.summary.sequence_bytes += len(line.strip())

    def finish(self) -> FastaSummary:
        if not self.summary.sequence_bytes:
            raise MediagenError(
                f"{self.label}: no sequence found ({self.summary.records} header(s), no bases); "
                "give a genome FASTA with sequence"
            )
        return self.summary


def write_fasta_gz(lines: Iterable[bytes], destination: str | Path, label: str) -> FastaSummary:
    """Check ``lines`` as nucleotide FASTA and gzip them to ``destination`` atomically."""
    check = _FastaCheck(label)
    with atomic_path(destination) as tmp, igzip.open(tmp, "wb") as out:
        batch, batch_size = [], 0
        for line in lines:
            check.line(line)
            batch.append(line)
            batch_size += len(line)
            if batch_size >= _WRITE_BATCH:  # one compressor call per MB, not per line
                out.write(b"".join(batch))
                batch, batch_size = [], 0
        out.write(b"".join(batch))
        summary = check.finish()
    return summary


@contextlib.contextmanager
def fasta_file_lines(path: str | Path, label: str) -> Iterator[Iterator[bytes]]:
    """The lines of a plain or gzip FASTA file (gzip recognised by its magic bytes)."""
    path = Path(path)
    with open(path, "rb") as handle:
        compressed = handle.read(2) == GZIP_MAGIC
    opener = igzip.open if compressed else open
    with opener(path, "rb") as handle:
        yield _gzip_errors_named(handle, label) if compressed else iter(handle)


def _gzip_errors_named(handle, label: str) -> Iterator[bytes]:
    try:
        yield from handle
    except EOFError as exc:
        raise MediagenError(f"{label}: gzip data is truncated ({exc}); fetch it again") from exc
    except GZIP_READ_ERRORS as exc:
        raise MediagenError(f"{label}: not a readable gzip file ({exc}); fetch it again") from exc
