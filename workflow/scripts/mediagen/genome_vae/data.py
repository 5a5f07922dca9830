"""Window profiles on disk -> normalised batches for the genome VAE.

Training reads ``results/kmers/windows/{genome_id}.npy`` files (float32, one
8,362-field profile per window) memory-mapped, one batch of rows at a time, so
the windows of all genomes never need to fit in memory. At most a bounded
number of files is mapped at once, and the pages a batch read are released from
the process as soon as its rows are copied out (they stay in the operating
system's file cache), so resident memory stays flat however much of the data an
epoch has touched.

The split into training and validation is by genome (a genome's windows are
all on one side), seeded, so the same config gives the same split. A large
genome contributes at most ``max_windows_per_genome`` windows, drawn with a
seed derived from its genome id.

Normalisation, stored in every checkpoint: k-mer frequencies and GC become
``log(x + 1e-6)``; the length field (a base count, up to the window length)
becomes the fraction of the window made of A/C/G/T bases, so a full window is
1.0 and the feature has the same scale whatever the window length. These are
the model's inputs and its reconstruction targets; the encoder then standardises
each field with the training windows' mean and spread, kept as buffers in the
model's state dict.
"""

import hashlib
import mmap
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from ..errors import MediagenError
from ..kmers.layout import LENGTH_INDEX, LOG_EPSILON, PROFILE_WIDTH

WINDOW_SUFFIX = ".npy"
MAX_OPEN_FILES = 128
FINGERPRINT_BYTES = 1 << 12  # read at each end of every window file


def genome_id_of(path: str | Path) -> str:
    """``results/kmers/windows/{genome_id}.npy`` -> genome_id."""
    return Path(path).name.removesuffix(WINDOW_SUFFIX)


def _window_file_layout(path: Path) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and data offset of a window file from its .npy header, checking it
    holds profiles."""
    if not path.is_file():
        raise MediagenError(f"{path}: window profile file not found; run count_kmers first")
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran_order, dtype = read_header(handle)
            data_offset = handle.tell()
    except ValueError as exc:
        raise MediagenError(f"{path}: not a .npy window profile file ({exc}); "
                            "recompute it with count_kmers") from exc
    if len(shape) != 2 or shape[1] != PROFILE_WIDTH or fortran_order or dtype.kind != "f":
        raise MediagenError(
            f"{path}: holds a {dtype} array of shape {shape}; window profiles must be float "
            f"(windows, {PROFILE_WIDTH}) rows in the mediagen profile layout; recompute it"
        )
    if path.stat().st_size < data_offset + shape[0] * shape[1] * dtype.itemsize:
        raise MediagenError(f"{path}: truncated window profile file; delete it and re-run "
                            "count_kmers")
    return shape, dtype, data_offset


class WindowFiles:
    """Many window profile files, memory-mapped on demand (least recently used unmapped)."""

    def __init__(self, paths: Sequence[str | Path]):
        self.paths = [Path(path) for path in paths]
        self.genome_ids = [genome_id_of(path) for path in self.paths]
        if len(set(self.genome_ids)) != len(self.genome_ids):
            seen = [gid for gid in self.genome_ids if self.genome_ids.count(gid) > 1]
            raise MediagenError(f"window files name genome {seen[0]!r} twice; pass each once")
        self._layouts = [_window_file_layout(path) for path in self.paths]
        self.n_windows = np.array([shape[0] for shape, _, _ in self._layouts], np.int64)
        self._maps: OrderedDict[int, mmap.mmap] = OrderedDict()

    def __len__(self) -> int:
        return len(self.paths)

    def _mapped(self, file_index: int) -> mmap.mmap:
        if file_index in self._maps:
            self._maps.move_to_end(file_index)
        else:
            if len(self._maps) >= MAX_OPEN_FILES:
                self._maps.popitem(last=False)[1].close()
            with open(self.paths[file_index], "rb") as handle:
                self._maps[file_index] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return self._maps[file_index]

    def rows(self, file_index: int, rows: np.ndarray | slice) -> np.ndarray:
        """A float32 copy of the given rows of one file; the pages read leave the process."""
        mapping = self._mapped(file_index)
        shape, dtype, offset = self._layouts[file_index]
        windows = np.frombuffer(mapping, dtype, count=shape[0] * shape[1],
                                offset=offset).reshape(shape)
        copied = np.array(windows[rows], dtype=np.float32)
        del windows  # no view may outlive the copy: the mapping can then be closed
        mapping.madvise(mmap.MADV_DONTNEED)
        return copied

    def gather(self, index: np.ndarray) -> np.ndarray:
        """Profiles of the (file, row) pairs in ``index``, in that order."""
        out = np.empty((len(index), PROFILE_WIDTH), np.float32)
        for file_index in np.unique(index[:, 0]):
            where = np.flatnonzero(index[:, 0] == file_index)
            rows = index[where, 1]
            order = np.argsort(rows, kind="stable")  # read each file front to back
            out[where[order]] = self.rows(int(file_index), rows[order])
        return out

    def fingerprint(self) -> str:
        """Identifies the data: genome ids, shapes and the bytes at both ends of each
        file (cheap, and changes when a file is recomputed differently)."""
        digest = hashlib.sha256()
        for path, genome_id, n in zip(self.paths, self.genome_ids, self.n_windows, strict=True):
            size = path.stat().st_size
            digest.update(f"{genome_id}:{n}:{size}".encode())
            with open(path, "rb") as handle:
                digest.update(handle.read(FINGERPRINT_BYTES))
                handle.seek(max(0, size - FINGERPRINT_BYTES))
                digest.update(handle.read())
        return digest.hexdigest()


def split_genomes(genome_ids: Sequence[str], val_fraction: float, seed: int
                  ) -> tuple[list[str], list[str]]:
    """Seeded split by genome: (training ids, validation ids), at least one each."""
    ids = sorted(genome_ids)
    if len(ids) < 2:
        raise MediagenError(
            f"the genome VAE needs window profiles of at least 2 genomes (one for "
            f"validation); got {len(ids)}; add genomes to the genome sheet"
        )
    order = np.random.default_rng(seed).permutation(len(ids))
    n_val = min(len(ids) - 1, max(1, round(val_fraction * len(ids))))
    val = sorted(ids[i] for i in order[:n_val])
    train = sorted(ids[i] for i in order[n_val:])
    return train, val


def window_index(files: WindowFiles, genome_ids: Sequence[str], max_per_genome: int,
                 seed: int) -> np.ndarray:
    """(file, row) pairs of the windows used for ``genome_ids``; a genome with more
    than ``max_per_genome`` windows contributes a seeded random subset of them."""
    position = {gid: i for i, gid in enumerate(files.genome_ids)}
    pieces = []
    for genome_id in genome_ids:
        file_index = position[genome_id]
        n = int(files.n_windows[file_index])
        if n > max_per_genome:
            rng = np.random.default_rng([seed, zlib.crc32(genome_id.encode())])
            rows = np.sort(rng.choice(n, size=max_per_genome, replace=False))
        else:
            rows = np.arange(n)
        pieces.append(np.stack([np.full(len(rows), file_index), rows], axis=1))
    if not pieces:
        return np.empty((0, 2), np.int64)
    return np.concatenate(pieces).astype(np.int64)


def iterate_batches(files: WindowFiles, index: np.ndarray, batch_size: int,
                    rng: np.random.Generator | None = None) -> Iterator[np.ndarray]:
    """Raw profile batches over ``index``, shuffled when ``rng`` is given.

    A shuffled (training) pass leaves out a final batch of a single window: batch
    normalisation cannot train on one sample.
    """
    order = rng.permutation(len(index)) if rng is not None else np.arange(len(index))
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        if rng is not None and len(chunk) < 2:
            return
        yield files.gather(index[chunk])


def profile_normalisation(window_length: int) -> dict:
    """The input normalisation a checkpoint records (see the module docstring)."""
    return {
        "kmers_and_gc": "log(x + log_epsilon)",
        "log_epsilon": LOG_EPSILON,
        "length": "bases / window_length",
        "window_length": float(window_length),
        "standardisation": "per field, encoder buffers input_mean and input_std",
    }


def normalise_profiles(raw: np.ndarray | torch.Tensor, normalisation: dict,
                       device: torch.device | str = "cpu") -> torch.Tensor:
    """Raw window profiles -> the model's inputs, on ``device``."""
    raw = torch.as_tensor(raw, dtype=torch.float32).to(device, non_blocking=True)
    inputs = torch.log(raw + normalisation["log_epsilon"])
    inputs[:, LENGTH_INDEX] = raw[:, LENGTH_INDEX] / normalisation["window_length"]
    return inputs
