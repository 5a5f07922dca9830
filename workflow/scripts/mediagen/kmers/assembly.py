"""Which of an assembly's bases a genome's counts and windows stand on.

Genomes come as complete chromosomes, but also as drafts and metagenome-assembled
genomes: hundreds of contigs, often short, 50-95% complete. Every contig (FASTA
record) of at least ``MIN_CONTIG_LENGTH`` A/C/G/T bases is used, however the
assembly is cut: the whole-genome counts add its k-mers, and the windows run over
the used contigs joined end to end in file order (no k-mer spans a join). Shorter
contigs, and N runs and other ambiguity codes, are left out and counted: a warning
names the genome when less than ``MIN_USED_FRACTION`` of its sequence was used,
and an assembly whose used contigs hold fewer bases than the genome minimum is
refused as too fragmented to embed.

Why 200 bases: it is the shortest contig a genome submission to NCBI may hold;
shorter ones are mostly assembly debris (repeat fragments, adapters, contaminant
reads), and one contig that short gives a 7-mer profile little more than noise.
"""

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import MediagenError

MIN_CONTIG_LENGTH = 200
MIN_USED_FRACTION = 0.9

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssemblyUse:
    """A genome's records and what of them is used."""

    record_lengths: np.ndarray  # A/C/G/T bases of each record, in file order
    n_ambiguous: int  # N and other ambiguity codes, in every record
    min_contig_length: int

    @cached_property
    def used(self) -> np.ndarray:
        """One flag per record: long enough to use (computed once: every count below
        reads it)."""
        return self.record_lengths >= self.min_contig_length

    @property
    def n_acgt(self) -> int:
        """A/C/G/T bases of every record, used or not."""
        return int(self.record_lengths.sum())

    @property
    def n_used(self) -> int:
        return int(self.record_lengths[self.used].sum())

    @property
    def n_short_contigs(self) -> int:
        return int((~self.used).sum())

    @property
    def n_short_contig_bases(self) -> int:
        return int(self.record_lengths[~self.used].sum())

    @property
    def used_fraction(self) -> float:
        """Used A/C/G/T bases over every sequence base (A/C/G/T and ambiguity codes)."""
        total = self.n_acgt + self.n_ambiguous
        return self.n_used / total if total else 0.0

    def check(self, path: str | Path, min_length: int) -> None:
        """Refuse an assembly too fragmented to embed; warn when much of it is left out."""
        if self.n_used < max(min_length, 1):
            raise MediagenError(
                f"{path}: assembly too fragmented to embed: {self.n_used:,} of its "
                f"{self.n_acgt:,} A/C/G/T bases lie in contigs of at least "
                f"{self.min_contig_length:,} bases ({self.n_short_contigs:,} of "
                f"{len(self.record_lengths):,} contigs are shorter), below the minimum of "
                f"{max(min_length, 1):,} (kmers.min_genome_length); give a less fragmented "
                "assembly of the genome"
            )
        if self.used_fraction < MIN_USED_FRACTION:
            log.warning(
                "%s: only %.0f%% of the sequence used: left out %s A/C/G/T bases in %s "
                "contig(s) shorter than %s bases and %s N or other ambiguous bases; the "
                "genome's k-mers and windows stand on the other %s bases",
                path, 100 * self.used_fraction, f"{self.n_short_contig_bases:,}",
                f"{self.n_short_contigs:,}", f"{self.min_contig_length:,}",
                f"{self.n_ambiguous:,}", f"{self.n_used:,}",
            )
