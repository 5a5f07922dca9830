"""The numba profiler against a plain-Python reference, and the profile's contract."""

import gzip
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kmer_support import (
    acgt_length,
    canonical_kmers,
    canonical_order,
    code_of,
    parse_records,
    random_sequence,
    reference_counts,
    reference_windows,
    reverse_complement,
    runs_of,
    write_fasta,
)
from mediagen.errors import MediagenError
from mediagen.kmers.layout import GC_INDEX, KMER3, KMER4, KMER7, LENGTH_INDEX, PROFILE_WIDTH
from mediagen.kmers.profile import (
    NPZ_KEYS,
    canonical_codes,
    canonical_index_table,
    count_genome,
    load_counts_npz,
    read_counts_arrays,
    read_genome_profile,
    read_window_profiles,
    write_counts_npz,
)

# Sequence pieces: single bases in both cases, ambiguity codes, N runs, and palindromic
# 4-mers (equal to their reverse complement) so those are common, not luck.
PIECES = list("ACGTACGTacgtNnRYK-") + ["NNNNN", "ACGT", "GATC", "AATT", "ccgg", "TTAA"]
HEADERS = st.text(alphabet="abcXYZ019 _|.>:=ACGT", max_size=12)


@st.composite
def fasta_texts(draw) -> bytes:
    """A FASTA text: records of random pieces, any line width, LF or CRLF, blank lines."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    width = draw(st.integers(1, 70))
    records = []
    for _ in range(draw(st.integers(1, 4))):
        sequence = "".join(draw(st.lists(st.sampled_from(PIECES), max_size=60)))
        lines = [sequence[i : i + width] for i in range(0, len(sequence), width)]
        if lines and draw(st.booleans()):
            lines.insert(draw(st.integers(0, len(lines))), "")  # a blank line inside
        records.append(f">{draw(HEADERS)}{newline}" + "".join(x + newline for x in lines))
    text = "".join(records)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no line break at the end
    return text.encode()


def has_bases(text: bytes) -> bool:
    return any(runs_of(record) for record in parse_records(text))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("kmer_profile")


HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def used_bases(text: bytes, min_contig_length: int) -> int:
    lengths = [acgt_length(record) for record in parse_records(text)]
    return sum(length for length in lengths if length >= min_contig_length)


@HYPOTHESIS
@given(text=fasta_texts().filter(has_bases), compress=st.booleans(),
       min_contig=st.integers(1, 40))
def test_counts_match_reference(scratch, text, compress, min_contig):
    path = scratch / ("genome.fna.gz" if compress else "genome.fna")
    path.write_bytes(gzip.compress(text) if compress else text)
    if used_bases(text, min_contig) == 0:
        with pytest.raises(MediagenError, match="too fragmented"):
            count_genome(path, min_length=1, min_contig_length=min_contig)
        return
    expected = reference_counts(text, min_contig)
    counts = count_genome(path, min_length=1, min_contig_length=min_contig).arrays()
    for key in NPZ_KEYS:
        if key == "profile":
            np.testing.assert_allclose(counts[key], expected[key], rtol=1e-12, atol=0)
        else:
            np.testing.assert_array_equal(counts[key], expected[key], err_msg=key)
    # the profile-only path counts 7-mers, not 8-mers, and must agree
    np.testing.assert_allclose(
        read_genome_profile(path, min_length=1, min_contig_length=min_contig),
        expected["profile"], rtol=1e-12, atol=0,
    )


@HYPOTHESIS
@given(text=fasta_texts().filter(has_bases), window=st.integers(1, 40), stride=st.integers(1, 50),
       min_contig=st.integers(1, 20))
def test_windows_match_reference(scratch, text, window, stride, min_contig):
    path = scratch / "windows.fna"
    path.write_bytes(text)
    if used_bases(text, min_contig) == 0:
        return  # refused as too fragmented, as test_counts_match_reference checks
    windows = read_window_profiles(path, window_length=window, stride=stride, min_length=1,
                                   min_contig_length=min_contig)
    expected = reference_windows(text, window, stride, min_contig)
    assert windows.dtype == np.float32
    assert windows.shape == expected.shape
    np.testing.assert_allclose(windows, expected, rtol=1e-6, atol=1e-7)


def test_palindromic_4mer_counts_once_per_occurrence(tmp_path):
    # 4-mers of ACGTACGT: ACGT, CGTA, GTAC, TACG, ACGT. ACGT and GTAC are their own
    # reverse complements; CGTA and TACG are each other's.
    path = write_fasta(tmp_path / "p.fa", [("p", "ACGTACGT")])
    counts4 = count_genome(path, min_length=1, min_contig_length=1).counts4
    order = {kmer: i for i, kmer in enumerate(canonical_kmers(4))}
    assert counts4[order["ACGT"]] == 2
    assert counts4[order["GTAC"]] == 1
    assert counts4[order["CGTA"]] == 2
    assert counts4.sum() == 5


def test_kmers_never_span_records_or_other_bytes(tmp_path):
    def count(name, records):
        return count_genome(write_fasta(tmp_path / name, records), min_length=1,
                            min_contig_length=1)

    joined = count("a.fa", [("a", "AAACGTTT")])
    split = count("b.fa", [("a", "AAAC"), ("b", "GTTT")])
    broken = count("c.fa", [("a", "AAACNGTTT")])
    assert joined.counts4.sum() == 5
    assert split.counts4.sum() == broken.counts4.sum() == 2
    assert split.n_records == 2 and broken.n_ambiguous == 1
    assert joined.counts7.sum() == 2 and split.counts7.sum() == 0


@pytest.mark.parametrize("k, n_canonical", [(7, 8192), (4, 136), (3, 32)])
def test_canonical_order_is_ascending_code(k, n_canonical):
    codes = canonical_codes(k)
    assert len(codes) == n_canonical
    assert codes.tolist() == [code_of(kmer) for kmer in canonical_kmers(k)]
    table = canonical_index_table(k)
    for i, kmer in enumerate(canonical_kmers(k)):
        # index i is the i-th smallest canonical code, shared with the reverse complement
        assert table[code_of(kmer)] == table[code_of(reverse_complement(kmer))] == i


def test_profile_layout_and_frequencies(tmp_path):
    rng = np.random.default_rng(5)
    sequence = "".join(rng.choice(list("ACGTN"), 20_000, p=[0.3, 0.2, 0.2, 0.29, 0.01]))
    path = write_fasta(tmp_path / "g.fa.gz", [("a", sequence[:12_000]), ("b", sequence[12_000:])],
                       compress=True)
    profile = read_genome_profile(path, min_length=1)
    assert profile.shape == (PROFILE_WIDTH,) and profile.dtype == np.float64
    n_acgt = sum(sequence.count(base) for base in "ACGT")
    assert profile[LENGTH_INDEX] == n_acgt
    assert math.isclose(profile[GC_INDEX], (sequence.count("G") + sequence.count("C")) / n_acgt)
    for block in (KMER7, KMER4, KMER3):
        assert math.isclose(profile[block].sum(), 1.0, rel_tol=1e-12)
    windows = read_window_profiles(path, window_length=1000, stride=700, min_length=1)
    for block in (KMER7, KMER4, KMER3):
        np.testing.assert_allclose(windows[:, block].sum(axis=1), 1.0, rtol=1e-5)


def test_windows_run_across_records_in_base_coordinates(tmp_path):
    # record a: 25 bases with an N run in the middle; record b: 9 bases
    records = [("a", "ACGTACGTAC" + "N" * 7 + "GGCCAATTGGCCAAT"), ("b", "ACGTTGCAA")]
    path = write_fasta(tmp_path / "w.fa", records, width=4)
    windows = read_window_profiles(path, window_length=10, stride=10, min_length=1,
                                   min_contig_length=1)
    # N bytes take no room: the 34 bases joined give three windows of 10 (tail of 4 dropped)
    assert windows.shape == (3, PROFILE_WIDTH)
    assert (windows[:, LENGTH_INDEX] == 10).all()
    np.testing.assert_allclose(windows, reference_windows(path.read_bytes(), 10, 10), atol=1e-7)
    # the third window holds a's last 5 bases and b's first 5: 4-mers on either side of the
    # join only (2 + 2), none across it
    order = canonical_order(4)
    fourmers = windows[2, KMER4] * 4
    np.testing.assert_allclose(fourmers.sum(), 4, rtol=1e-6)
    assert fourmers[order["CAAT"]] > 0 and fourmers[order["ACGT"]] > 0
    assert fourmers[order["AATA"]] == fourmers[order["ATAC"]] == 0


def test_genome_shorter_than_a_window_gives_one_window_of_all_its_bases(tmp_path):
    path = write_fasta(tmp_path / "s.fa", [("a", "ACGTAC"), ("b", "GGGCCCATTA"), ("c", "AT")])
    windows = read_window_profiles(path, window_length=5000, stride=5000, min_length=1,
                                   min_contig_length=1)
    assert windows.shape == (1, PROFILE_WIDTH)
    assert windows[0, LENGTH_INDEX] == 18
    assert windows[0, GC_INDEX] == pytest.approx(9 / 18)
    np.testing.assert_allclose(windows, reference_windows(path.read_bytes(), 5000, 5000),
                               atol=1e-7)


def test_npz_round_trip_keeps_the_contract(tmp_path):
    path = write_fasta(tmp_path / "g.fa", [("a", "ACGTTGCAAGGCTTANNACGTAGCTAGCTAGGATCCA")])
    counts = count_genome(path, min_length=1, min_contig_length=1)
    npz = tmp_path / "g.npz"
    write_counts_npz(npz, counts)
    arrays = read_counts_arrays(npz)
    shapes = {"counts7": (8192,), "counts4": (136,), "counts3": (32,), "all4": (256,),
              "all6": (4096,), "all8": (65536,), "profile": (PROFILE_WIDTH,)}
    for key in NPZ_KEYS:
        assert arrays[key].shape == shapes.get(key, ()), key
    assert arrays["profile"].dtype == np.float64
    assert arrays["counts7"].dtype == np.int64
    reloaded = load_counts_npz(npz)
    for key, value in counts.arrays().items():
        np.testing.assert_array_equal(reloaded.arrays()[key], value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.fa", "g.npz"]  # no temp files


def test_many_records_and_multi_member_gzip(tmp_path):
    # 300 records outgrow the kernel's first record-length buffer; bgzip-style files are
    # several gzip members one after another
    records = [(f"r{i}", random_sequence(i, 20 + i % 37)) for i in range(300)]
    plain = write_fasta(tmp_path / "many.fa", records)
    text = plain.read_bytes()
    cut = text.index(b">r150")
    members = tmp_path / "many.fa.gz"
    members.write_bytes(gzip.compress(text[:cut]) + gzip.compress(text[cut:]))
    expected = reference_counts(text)
    for path in (plain, members):
        counts = count_genome(path, min_length=1, min_contig_length=1)
        assert counts.n_records == 300
        np.testing.assert_array_equal(counts.counts7, expected["counts7"])
    windows = read_window_profiles(members, window_length=40, stride=15, min_length=1,
                                   min_contig_length=1)
    np.testing.assert_allclose(windows, reference_windows(text, 40, 15), atol=1e-7)
