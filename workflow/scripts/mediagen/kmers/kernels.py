"""numba kernels that count k-mers in the raw bytes of a FASTA file, in one pass.

Bytes are classified by a 256-entry table (``BYTE_CLASS``): A/C/G/T in either
case carry their 2-bit code (A=0, C=1, G=2, T=3); whitespace (line breaks, CR,
spaces) is skipped without breaking a run of bases; a ``>`` at the start of a
line opens a record; every other byte breaks the run and is tallied, so the
caller can tell N runs from protein letters or binary junk. K-mers therefore
never span two records or a non-A/C/G/T byte, and line length does not matter.

Whole-genome counting (``count_fasta_kmers``) does one increment per base: the
longest k-mer asked for (7 for the profile, 8 when the plain 8-mers are wanted)
ending at that base, as a plain code with the first base most significant. Every
shorter k-mer is the prefix of exactly one counted k-mer, except those that start
in a run's last few bases; when a run ends, those few are added to ``tails``
(k = 1..7, laid out at ``TAIL_OFFSETS[k]``). The long counts folded down to k
plus ``tails`` give the exact plain k-mer counts for every shorter k.

Contigs too short to use are left out by counting them again on their own
(``count_records``, over each one's byte range) and subtracting: a second pass over
the short contigs only, which leaves the hot loop as it is.

Window profiles first copy the used contigs' A/C/G/T bases into one compact array,
joined end to end (``compact_bases``, a flag bit marking where runs start, so no
k-mer spans a join), then count each window afresh over its slice of that array
(``window_profiles``).
"""

import numpy as np
from numba import njit

from .layout import GC_INDEX, KMER3, KMER4, KMER7, LENGTH_INDEX

SKIP = 4  # whitespace: not sequence, does not break a run
HEADER = 5  # '>': a header when it starts a line
OTHER = 6  # anything else: breaks the run, tallied
RUN_START = 4  # flag bit in compact_bases output
HEADER_BYTE = ord(">")
NEWLINE_BYTE = ord("\n")

MAX_K = 8
# tails[TAIL_OFFSETS[k] + code] counts plain k-mers (k = 1..7) that start in a run's last 7 bases
TAIL_OFFSETS = np.array([(4**k - 4) // 3 for k in range(MAX_K + 1)], dtype=np.int64)
TAIL_SIZE = int(TAIL_OFFSETS[MAX_K])


def build_byte_class() -> np.ndarray:
    table = np.full(256, OTHER, dtype=np.uint8)
    for code, bases in enumerate(("Aa", "Cc", "Gg", "Tt")):
        for base in bases:
            table[ord(base)] = code
    for byte in b" \t\r\n\v\f":
        table[byte] = SKIP
    table[ord(">")] = HEADER
    return table


BYTE_CLASS = build_byte_class()


@njit(cache=True, nogil=True)
def _skip_line(data, i):
    """Index of the line break that ends the line holding ``i`` (or len(data))."""
    n = data.size
    while i < n and data[i] != NEWLINE_BYTE:
        i += 1
    return i


@njit(cache=True, nogil=True)
def _add_run_tails(code, run, k_max, tails, offsets):
    """Count the plain k-mers (k < k_max) that start in the last k_max - 1 bases of a run."""
    top = min(run, k_max - 1)
    for k in range(1, top + 1):
        offset = offsets[k]
        mask = (1 << (2 * k)) - 1
        for j in range(top - k + 1):
            tails[offset + ((code >> (2 * j)) & mask)] += 1


@njit(cache=True, nogil=True)
def count_fasta_kmers(data, byte_class, counts, k_max, tails, offsets, other_bytes):
    """Count plain k_max-mers and run tails over a whole FASTA; return its records.

    ``counts`` (4**k_max) and ``tails`` (TAIL_SIZE) are incremented in place;
    ``other_bytes[b]`` counts each sequence byte ``b`` that is not A/C/G/T or
    whitespace. Returns an int64 array (records, 2): the byte offset of each
    record's header and the record's A/C/G/T length.
    """
    n = data.size
    mask = (1 << (2 * k_max)) - 1
    records = np.zeros((64, 2), dtype=np.int64)
    n_records = 0
    code = 0
    run = 0
    start = 0
    while start < n:
        if data[start] == HEADER_BYTE:  # a header opens a record; skip its line
            if n_records == len(records):
                grown = np.zeros((2 * len(records), 2), dtype=np.int64)
                grown[: len(records)] = records
                records = grown
            records[n_records, 0] = start
            n_records += 1
            start = _skip_line(data, start)
        # the sequence up to the next header, in a plain counted loop (the hot path)
        record_length = 0
        next_header = n
        for i in range(start, n):
            byte = data[i]
            cls = byte_class[byte]
            if cls < 4:
                code = ((code << 2) | cls) & mask
                run += 1
                if run >= k_max:
                    counts[code] += 1
            elif cls != SKIP:
                _add_run_tails(code, run, k_max, tails, offsets)
                record_length += run
                run = 0
                if cls == HEADER and i > 0 and data[i - 1] == NEWLINE_BYTE:
                    next_header = i
                    break
                other_bytes[byte] += 1
        _add_run_tails(code, run, k_max, tails, offsets)
        record_length += run
        run = 0
        if n_records > 0:
            records[n_records - 1, 1] += record_length
        start = next_header
    return records[:n_records]


@njit(cache=True, nogil=True)
def count_records(data, ranges, byte_class, counts, k_max, tails, offsets, other_bytes):
    """``count_fasta_kmers`` over each (start, stop) byte range of ``ranges`` (records)."""
    for r in range(len(ranges)):
        count_fasta_kmers(data[ranges[r, 0] : ranges[r, 1]], byte_class, counts, k_max,
                          tails, offsets, other_bytes)


@njit(cache=True, nogil=True)
def compact_bases(data, byte_class, used, out):
    """Copy the 2-bit code of every A/C/G/T base of the records flagged in ``used`` into
    ``out``, in file order, the records joined end to end; return how many.

    Bit 2 (``RUN_START``) marks a base that starts a run: the first base of a
    record or the first after a non-A/C/G/T byte. Whitespace marks nothing.
    """
    n = data.size
    written = 0
    flag = RUN_START
    record = -1
    i = 0
    while i < n:
        cls = byte_class[data[i]]
        if cls < 4:
            if record >= 0 and used[record]:
                out[written] = cls | flag
                written += 1
                flag = 0
        elif cls != SKIP:
            flag = RUN_START
            if cls == HEADER and (i == 0 or data[i - 1] == NEWLINE_BYTE):
                record += 1
                i = _skip_line(data, i)
                continue
        i += 1
    return written


@njit(cache=True, nogil=True)
def _write_frequencies(row, start, counts, total):
    scale = 1.0 / total if total > 0 else 0.0
    for i in range(counts.size):
        row[start + i] = counts[i] * scale


@njit(cache=True, nogil=True)
def _fold_into(canonical, plain, index):
    canonical[:] = 0
    for code in range(plain.size):
        canonical[index[code]] += plain[code]


@njit(cache=True, nogil=True)
def window_profiles(bases, starts, window, canon7, canon4, canon3, out):
    """Write into ``out[w]`` the profile of ``bases[starts[w] : starts[w] + window]``.

    ``bases`` comes from ``compact_bases``: k-mers are counted only inside a run
    and inside the window. ``canonK`` maps a plain k-mer code to its canonical
    index. 7-mers are counted by canonical index; 4- and 3-mers as plain codes,
    folded into canonical order once per window.
    """
    counts7 = np.zeros(canon7.max() + 1, dtype=np.int64)
    plain4 = np.zeros(256, dtype=np.int64)
    plain3 = np.zeros(64, dtype=np.int64)
    counts4 = np.zeros(canon4.max() + 1, dtype=np.int64)
    counts3 = np.zeros(canon3.max() + 1, dtype=np.int64)
    for w in range(starts.size):
        counts7[:] = 0
        plain4[:] = 0
        plain3[:] = 0
        code = 0
        run = 0
        gc = 0
        for e in range(starts[w], starts[w] + window):
            value = bases[e]
            base = value & 3
            run = 1 if value & RUN_START else run + 1
            code = ((code << 2) | base) & 0x3FFF
            gc += base == 1 or base == 2
            if run >= 3:
                plain3[code & 0x3F] += 1
                if run >= 4:
                    plain4[code & 0xFF] += 1
                    if run >= 7:
                        counts7[canon7[code]] += 1
        _fold_into(counts4, plain4, canon4)
        _fold_into(counts3, plain3, canon3)
        row = out[w]
        row[LENGTH_INDEX] = window
        _write_frequencies(row, KMER7.start, counts7, counts7.sum())
        _write_frequencies(row, KMER4.start, counts4, counts4.sum())
        _write_frequencies(row, KMER3.start, counts3, counts3.sum())
        row[GC_INDEX] = gc / window
