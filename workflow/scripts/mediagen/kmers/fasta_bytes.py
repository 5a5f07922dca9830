"""Raw FASTA / FASTA.gz bytes, and the checks that tell a user what is wrong with a file.

The k-mer kernels read a genome as one ``uint8`` array, so this module only has
to get the bytes into memory fast: plain files are read in one call, gzip files
(recognised by their magic bytes, whatever the file name says) are decompressed
with ISA-L's igzip, about twice as fast as zlib.

Checks come in two steps. ``read_fasta_bytes`` refuses what can be seen before
counting (a missing, empty, truncated or corrupt file; one that does not start
with a ``>`` header). ``check_sequence_bytes`` then judges the counting pass's
tally of the bytes that are not A/C/G/T: bytes no FASTA holds (control bytes,
digits, punctuation) mean the file is not FASTA, amino-acid letters mean a
protein FASTA, and no sequence at all is refused too. Every refusal is a
``MediagenError`` naming the file and the fix.
"""

import zlib
from pathlib import Path

import numpy as np
from isal import igzip, igzip_lib

from ..errors import MediagenError

GZIP_MAGIC = b"\x1f\x8b"
HEADER_BYTE = ord(">")
WHITESPACE = b" \t\r\n\v\f"
# IUPAC nucleotide codes other than A/C/G/T, plus gap symbols: they may appear in a
# genome's sequence lines; they break k-mers and are counted as ambiguous bases.
AMBIGUOUS_NUCLEOTIDE_BYTES = b"NRYKMSWBDHVUXnrykmswbdhvux-."
# Letters only proteins use (none is an IUPAC nucleotide code), and the stop symbol.
AMINO_ACID_ONLY_BYTES = b"EFIJLOPQZefijlopqz*"

FASTA_SUFFIXES = (".fasta", ".fas", ".fa", ".fna", ".ffn", ".fsa", ".mfa", ".seq")
GZIP_SUFFIXES = (".gz", ".gzip", ".bgz")

_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[np.frombuffer(AMBIGUOUS_NUCLEOTIDE_BYTES + WHITESPACE, dtype=np.uint8)] = True
_AMINO_ACID_ONLY = np.zeros(256, dtype=bool)
_AMINO_ACID_ONLY[np.frombuffer(AMINO_ACID_ONLY_BYTES, dtype=np.uint8)] = True
_COUNTED_AMBIGUOUS = np.zeros(256, dtype=bool)
_COUNTED_AMBIGUOUS[np.frombuffer(AMBIGUOUS_NUCLEOTIDE_BYTES, dtype=np.uint8)] = True


def genome_id_from_path(path: str | Path) -> str:
    """A genome's id from its file name: ``x/GCF_1.2.fna.gz`` -> ``GCF_1.2``."""
    name = Path(path).name
    for suffixes in (GZIP_SUFFIXES, FASTA_SUFFIXES):
        for suffix in suffixes:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
    return name


def looks_like_fasta_path(text: str) -> bool:
    """Whether a command-line value names a file (a folder in it, or a FASTA suffix)
    rather than a genome id."""
    return "/" in text or genome_id_from_path(text) != Path(text).name


def check_fasta_path(path: str | Path) -> Path:
    """``path``, or an error that says whether it is missing or a folder."""
    path = Path(path)
    if path.is_dir():
        raise MediagenError(f"{path}: is a folder, not a FASTA file; give the FASTA files "
                            f"in it, for example {path}/*.fna.gz")
    if not path.is_file():
        raise MediagenError(f"{path}: FASTA file not found; check the path")
    return path


def read_fasta_bytes(path: str | Path) -> np.ndarray:
    """The file's (decompressed) bytes as a read-only ``uint8`` array.

    Raises ``MediagenError`` for a missing, empty, truncated or corrupt file, or
    one whose first non-blank byte is not the ``>`` of a FASTA header.
    """
    path = check_fasta_path(path)
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == GZIP_MAGIC:
        data = np.frombuffer(_gunzip(path), dtype=np.uint8)
    else:
        data = np.fromfile(path, dtype=np.uint8)
    data.flags.writeable = False  # one array type for the kernels, whatever the source
    _check_start(path, data)
    return data


# What a damaged gzip stream raises, beside EOFError for a truncated one.
GZIP_READ_ERRORS = (OSError, zlib.error, igzip_lib.IsalError, ValueError)


def _gunzip(path: Path) -> bytes:
    try:
        return igzip.decompress(path.read_bytes())
    except EOFError as exc:
        raise MediagenError(
            f"{path}: gzip data is truncated ({exc}); download or copy the file again"
        ) from exc
    except GZIP_READ_ERRORS as exc:
        raise MediagenError(
            f"{path}: not a readable gzip file ({exc}); download or copy the file again"
        ) from exc


def _check_start(path: Path, data: np.ndarray) -> None:
    if data.size == 0:
        raise MediagenError(f"{path}: file is empty; give a FASTA file with a genome sequence")
    blank = np.isin(data[:4096], np.frombuffer(WHITESPACE, dtype=np.uint8))
    first = int(np.argmin(blank))
    if blank[first]:
        raise MediagenError(f"{path}: file holds only blank lines; give a genome FASTA file")
    if data[first] != HEADER_BYTE:
        shown = bytes(data[first : first + 20]).decode("latin-1").splitlines()[0]
        raise MediagenError(
            f"{path}: not a FASTA file (it starts with {shown!r}, a FASTA file starts "
            "with a '>' header line); give the genome as FASTA or FASTA.gz"
        )


def count_ambiguous(other_bytes: np.ndarray) -> int:
    """How many sequence bytes were IUPAC ambiguity codes or gaps (N, R, Y, -, ...)."""
    return int(other_bytes[_COUNTED_AMBIGUOUS].sum())


def check_sequence_bytes(path: str | Path, other_bytes: np.ndarray, n_acgt: int) -> None:
    """Refuse a genome from the tally of its non-A/C/G/T sequence bytes.

    ``other_bytes[b]`` counts byte value ``b`` in sequence lines (line breaks
    excluded); ``n_acgt`` counts the A/C/G/T bases.
    """
    invalid = np.flatnonzero(other_bytes * ~(_ALLOWED | _AMINO_ACID_ONLY))
    if invalid.size:
        shown = ", ".join(_describe_byte(b) for b in invalid[:5])
        raise MediagenError(
            f"{path}: not a nucleotide FASTA file (sequence lines hold {shown}); "
            "give the genome as FASTA or FASTA.gz"
        )
    amino = np.flatnonzero(other_bytes * _AMINO_ACID_ONLY)
    if amino.size:
        letters = ", ".join(repr(chr(b)) for b in amino[:5])
        raise MediagenError(
            f"{path}: looks like a protein FASTA (sequence lines hold amino-acid letters "
            f"{letters}); give the genome's nucleotide FASTA"
        )
    if n_acgt == 0:
        if count_ambiguous(other_bytes) == 0:
            raise MediagenError(
                f"{path}: FASTA holds headers but no sequence; give the genome's sequence"
            )
        raise MediagenError(
            f"{path}: sequence holds no A/C/G/T bases (only N or other ambiguity codes); "
            "give an assembled genome"
        )


def _describe_byte(value: int) -> str:
    char = chr(value)
    return repr(char) if char.isprintable() and value < 128 else f"byte 0x{value:02x}"
