"""Genome k-mer counts and the 8,362-field profile, from a FASTA or FASTA.gz file.

The profile follows ``mediagen.kmers.layout``: A/C/G/T length, canonical 7-,
4- and 3-mer frequencies, GC fraction. A canonical k-mer is the smaller 2-bit
code (A=0, C=1, G=2, T=3, first base most significant) of a k-mer and its
reverse complement; canonical k-mers are indexed in ascending code order. A
palindromic k-mer (equal to its reverse complement) counts once per occurrence.
A frequency is a count divided by the number of valid k-mers of that k (zero
when there are none).

``results/kmers/{genome_id}.npz`` (``write_counts_npz`` / ``load_counts_npz``)
holds everything later stages derive a genome representation from, so nothing
reads the FASTA twice:

| key         | dtype   | shape   | what                                              |
|-------------|---------|---------|---------------------------------------------------|
| counts7     | int64   | (8192,) | canonical 7-mer counts, canonical order            |
| counts4     | int64   | (136,)  | canonical 4-mer counts                             |
| counts3     | int64   | (32,)   | canonical 3-mer counts                             |
| all4        | int64   | (256,)  | plain 4-mer counts, index = 2-bit code             |
| all6        | int64   | (4096,) | plain 6-mer counts                                 |
| all8        | int64   | (65536,)| plain 8-mer counts                                 |
| n_acgt      | int64   | ()      | A/C/G/T bases (of the used contigs)                |
| n_gc        | int64   | ()      | G/C bases (of the used contigs)                    |
| n_ambiguous | int64   | ()      | IUPAC ambiguity codes and gaps in sequence lines   |
| n_records   | int64   | ()      | FASTA records                                      |
| n_short_contigs      | int64 | () | records left out: fewer A/C/G/T bases than the minimum |
| n_short_contig_bases | int64 | () | their A/C/G/T bases                                    |
| profile     | float64 | (8362,) | the genome profile                                 |

Counts, profiles and windows all stand on the same bases: the contigs (records)
of at least ``min_contig_length`` A/C/G/T bases (``mediagen.kmers.assembly``
says why, and warns or refuses when too little is left).

Window profiles (``read_window_profiles``, the genome VAE's samples) are
measured in A/C/G/T bases of the used contigs joined end to end in file order,
so a genome cut into many short contigs gives as many windows as an intact one:
a window holds ``window_length`` consecutive bases (N runs and joins break
k-mers but take no room in the window), windows start every ``stride`` bases
from the first base, and a tail shorter than a window is dropped. A genome
shorter than one window gives one window of all its bases. Field 0 of a window
row is the window's length in bases.
"""

import zipfile
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..errors import MediagenError
from . import kernels
from .assembly import MIN_CONTIG_LENGTH, AssemblyUse
from .fasta_bytes import check_sequence_bytes, count_ambiguous, read_fasta_bytes
from .layout import GC_INDEX, KMER3, KMER4, KMER7, LENGTH_INDEX, PROFILE_WIDTH

PROFILE_KS = (7, 4, 3)


def reverse_complement_codes(k: int) -> np.ndarray:
    """The 2-bit code of the reverse complement of every k-mer code 0 .. 4**k - 1."""
    codes = np.arange(4**k, dtype=np.int64)
    reverse = np.zeros_like(codes)
    for _ in range(k):
        reverse = (reverse << 2) | (3 - (codes & 3))
        codes >>= 2
    return reverse


def canonical_codes(k: int) -> np.ndarray:
    """The canonical k-mer codes in ascending order: index i is the i-th of them."""
    codes = np.arange(4**k, dtype=np.int64)
    return np.unique(np.minimum(codes, reverse_complement_codes(k)))


@cache
def canonical_index_table(k: int) -> np.ndarray:
    """For every plain k-mer code, the index of its canonical k-mer (int32, read-only)."""
    codes = np.arange(4**k, dtype=np.int64)
    canonical = np.minimum(codes, reverse_complement_codes(k))
    table = np.searchsorted(canonical_codes(k), canonical).astype(np.int32)
    table.flags.writeable = False
    return table


@dataclass(frozen=True)
class GenomeCounts:
    """Raw counts of one genome; the arrays and scalars of the npz contract."""

    counts7: np.ndarray
    counts4: np.ndarray
    counts3: np.ndarray
    all4: np.ndarray
    all6: np.ndarray
    all8: np.ndarray
    n_acgt: int
    n_gc: int
    n_ambiguous: int
    n_records: int
    n_short_contigs: int
    n_short_contig_bases: int

    @property
    def profile(self) -> np.ndarray:
        return profile_from_counts(self)

    def arrays(self) -> dict[str, np.ndarray]:
        """Every key of the npz contract (the profile included) as an array."""
        arrays = {field.name: np.asarray(getattr(self, field.name)) for field in fields(self)}
        arrays["profile"] = self.profile
        return arrays


@dataclass(frozen=True)
class _Scan:
    """What one kernel pass over a file's bytes leaves: the counts every k derives from."""

    longest: np.ndarray  # plain counts of the longest k counted (k_max)
    k_max: int
    tails: np.ndarray
    other_bytes: np.ndarray
    assembly: AssemblyUse

    def plain(self, k: int) -> np.ndarray:
        """Exact plain k-mer counts (int64) for any k <= k_max."""
        folded = self.longest.reshape(4**k, -1).sum(axis=1, dtype=np.int64)
        if k == self.k_max:
            return folded
        offset = kernels.TAIL_OFFSETS[k]
        return folded + self.tails[offset : offset + 4**k]

    def canonical(self, k: int) -> np.ndarray:
        return fold_canonical(self.plain(k), k)

    def base_counts(self) -> tuple[int, int]:
        """(A/C/G/T bases, G/C bases)."""
        bases = self.plain(1)
        return int(bases.sum()), int(bases[1] + bases[2])


def fold_canonical(plain: np.ndarray, k: int) -> np.ndarray:
    """Canonical k-mer counts from plain ones (a palindrome keeps its single count)."""
    index = canonical_index_table(k)
    folded = np.zeros(int(index.max()) + 1, dtype=np.int64)
    np.add.at(folded, index, plain)
    return folded


def frequencies(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else np.zeros(counts.shape, dtype=np.float64)


def assemble_profile(counts7, counts4, counts3, n_acgt: int, n_gc: int) -> np.ndarray:
    """The 8,362-field profile (float64) from canonical counts and base counts."""
    profile = np.zeros(PROFILE_WIDTH, dtype=np.float64)
    profile[LENGTH_INDEX] = n_acgt
    profile[KMER7] = frequencies(counts7)
    profile[KMER4] = frequencies(counts4)
    profile[KMER3] = frequencies(counts3)
    profile[GC_INDEX] = n_gc / n_acgt if n_acgt else 0.0
    return profile


def profile_from_counts(counts: GenomeCounts) -> np.ndarray:
    return assemble_profile(
        counts.counts7, counts.counts4, counts.counts3, counts.n_acgt, counts.n_gc
    )


def _scan(path: Path, data: np.ndarray, k_max: int, min_length: int,
          min_contig_length: int) -> _Scan:
    """One kernel pass over the bytes, the short contigs' counts taken off again, then
    the checks that need the tallies."""
    # uint32 counts keep the table in cache; no count can reach 2**32 in a smaller file
    dtype = np.uint32 if data.size < 2**32 else np.int64
    longest = np.zeros(4**k_max, dtype=dtype)
    tails = np.zeros(kernels.TAIL_SIZE, dtype=np.int64)
    other_bytes = np.zeros(256, dtype=np.int64)
    records = kernels.count_fasta_kmers(
        data, kernels.BYTE_CLASS, longest, k_max, tails, kernels.TAIL_OFFSETS,
        other_bytes,
    )
    assembly = AssemblyUse(records[:, 1], count_ambiguous(other_bytes), min_contig_length)
    check_sequence_bytes(path, other_bytes, assembly.n_acgt)
    if assembly.n_acgt < min_length:
        raise MediagenError(
            f"{path}: genome has {assembly.n_acgt:,} A/C/G/T bases, below the minimum of "
            f"{min_length:,} (kmers.min_genome_length); give a complete genome or lower "
            "that setting"
        )
    assembly.check(path, min_length)
    if assembly.n_short_contigs:
        _leave_out_short_contigs(data, records[:, 0], ~assembly.used, longest, tails, k_max)
    return _Scan(longest, k_max, tails, other_bytes, assembly)


def _leave_out_short_contigs(data, record_starts, short, longest, tails, k_max) -> None:
    """Count the ``short`` records again on their own and take their counts off."""
    record_ends = np.append(record_starts[1:], data.size)
    ranges = np.stack([record_starts[short], record_ends[short]], axis=1)
    short_longest = np.zeros_like(longest)
    short_tails = np.zeros_like(tails)
    kernels.count_records(
        data, ranges, kernels.BYTE_CLASS, short_longest, k_max, short_tails,
        kernels.TAIL_OFFSETS, np.zeros(256, dtype=np.int64),
    )
    longest -= short_longest
    tails -= short_tails


def count_genome(path: str | Path, *, min_length: int,
                 min_contig_length: int = MIN_CONTIG_LENGTH) -> GenomeCounts:
    """All counts of the npz contract for a FASTA / FASTA.gz genome, in one pass.

    Raises ``MediagenError`` naming the file for anything that is not a
    nucleotide genome of at least ``min_length`` A/C/G/T bases in contigs of at
    least ``min_contig_length``.
    """
    path = Path(path)
    return _genome_counts(_scan(path, read_fasta_bytes(path), 8, min_length, min_contig_length))


def _genome_counts(scan: _Scan) -> GenomeCounts:
    """The npz contract's counts from a scan at k = 8."""
    n_acgt, n_gc = scan.base_counts()
    plain4 = scan.plain(4)
    return GenomeCounts(
        counts7=scan.canonical(7),
        counts4=fold_canonical(plain4, 4),
        counts3=scan.canonical(3),
        all4=plain4,
        all6=scan.plain(6),
        all8=scan.plain(8),
        n_acgt=n_acgt,
        n_gc=n_gc,
        n_ambiguous=scan.assembly.n_ambiguous,
        n_records=len(scan.assembly.record_lengths),
        n_short_contigs=scan.assembly.n_short_contigs,
        n_short_contig_bases=scan.assembly.n_short_contig_bases,
    )


def read_genome_profile(path: str | Path, *, min_length: int,
                        min_contig_length: int = MIN_CONTIG_LENGTH) -> np.ndarray:
    """The 8,362-field profile (float64) of a FASTA / FASTA.gz genome.

    Counts 7-mers (not 8-mers as ``count_genome`` does): a quarter of the table,
    which stays in cache, for the same profile.
    """
    path = Path(path)
    scan = _scan(path, read_fasta_bytes(path), 7, min_length, min_contig_length)
    return assemble_profile(
        scan.canonical(7), scan.canonical(4), scan.canonical(3), *scan.base_counts()
    )


def read_window_profiles(
    path: str | Path, *, window_length: int, stride: int, min_length: int,
    min_contig_length: int = MIN_CONTIG_LENGTH,
) -> np.ndarray:
    """Profiles of the genome's windows, float32 (n_windows, 8362); see the module docstring.

    Scans at k = 3 only for the checks and which contigs are used: the windows count
    their own k-mers.
    """
    _check_window_settings(window_length, stride)
    path = Path(path)
    data = read_fasta_bytes(path)
    scan = _scan(path, data, 3, min_length, min_contig_length)
    return _window_profiles(data, scan.assembly, window_length, stride)


def count_genome_and_windows(
    path: str | Path, *, window_length: int, stride: int, min_length: int,
    min_contig_length: int = MIN_CONTIG_LENGTH,
) -> tuple[GenomeCounts, np.ndarray]:
    """``count_genome`` and ``read_window_profiles`` of one genome, from one read and one
    scan of its file: the ``count_kmers`` job needs both, and reading (unpacking) the
    file and checking its assembly twice would double its cost and its warnings."""
    _check_window_settings(window_length, stride)
    path = Path(path)
    data = read_fasta_bytes(path)
    scan = _scan(path, data, 8, min_length, min_contig_length)
    return _genome_counts(scan), _window_profiles(data, scan.assembly, window_length, stride)


def _check_window_settings(window_length: int, stride: int) -> None:
    if window_length < 1 or stride < 1:
        raise ValueError(f"window length {window_length} and stride {stride} must be positive")


def _window_profiles(data: np.ndarray, assembly: AssemblyUse, window_length: int,
                     stride: int) -> np.ndarray:
    """The window profiles of a file's bytes, over the contigs ``assembly`` uses."""
    bases = np.empty(assembly.n_used, dtype=np.uint8)
    kernels.compact_bases(data, kernels.BYTE_CLASS, assembly.used, bases)
    window_length = min(window_length, bases.size)  # a genome shorter than a window: all of it
    starts = np.arange(0, bases.size - window_length + 1, stride, dtype=np.int64)
    out = np.empty((starts.size, PROFILE_WIDTH), dtype=np.float32)
    kernels.window_profiles(
        bases, starts, window_length, *map(canonical_index_table, PROFILE_KS), out
    )
    return out


def write_counts_npz(path: str | Path, counts: GenomeCounts) -> None:
    """Write the npz contract of the module docstring, atomically.

    Deflated at level 1, not numpy's default 6: a seventh of the time for a tenth more bytes.
    """
    with (atomic_path(path) as tmp,
          zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive):
        for key, array in counts.arrays().items():
            with archive.open(f"{key}.npy", "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.asanyarray(array), allow_pickle=False)


NPZ_KEYS = (*(field.name for field in fields(GenomeCounts)), "profile")


def read_counts_arrays(path: str | Path, keys=NPZ_KEYS) -> dict[str, np.ndarray]:
    """The named arrays of a genome's npz file; the others are not read."""
    path = Path(path)
    try:
        with np.load(path) as npz:
            return {key: npz[key] for key in keys}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise MediagenError(
            f"{path}: not a readable k-mer count file ({exc}); delete it and re-run count_kmers"
        ) from exc


def load_counts_npz(path: str | Path) -> GenomeCounts:
    """A genome's counts, read back from its npz file."""
    values = read_counts_arrays(path, [field.name for field in fields(GenomeCounts)])
    for name in ("n_acgt", "n_gc", "n_ambiguous", "n_records", "n_short_contigs",
                 "n_short_contig_bases"):
        values[name] = int(values[name])
    return GenomeCounts(**values)
