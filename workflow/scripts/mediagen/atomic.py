"""Atomic file writes: a reader never sees a half-written output.

Everything is written under a temporary name in the destination's own folder
(so the final ``os.replace`` is a rename on one filesystem) and renamed only
once complete. On any exception the temporary file is removed.
"""

import contextlib
import glob
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def _temporary_affixes(destination: Path) -> tuple[str, str]:
    """A temporary name is ``.NAME.<random>.tmp<suffixes>``: hidden, beside its
    destination, and of the same type for libraries that judge a file by its suffix."""
    return f".{destination.name}.", ".tmp" + "".join(destination.suffixes)


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it there on success.

    The caller writes the temporary path with whatever library it likes
    (``np.save``, ``DataFrame.to_parquet``, ``torch.save``, sqlite3 ...).
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = _temporary_affixes(destination)
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=destination.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the usual mode
    try:
        yield tmp
        os.replace(tmp, destination)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(destination: str | os.PathLike, mode: str = "w", **kwargs) -> Iterator:
    """``open()`` a temporary file beside ``destination``; rename on success."""
    with atomic_path(destination) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle


def atomic_write_bytes(destination: str | os.PathLike, data: bytes) -> None:
    with atomic_open(destination, "wb") as handle:
        handle.write(data)


def atomic_write_text(destination: str | os.PathLike, text: str) -> None:
    with atomic_open(destination, "w", encoding="utf-8") as handle:
        handle.write(text)


def remove_with_leftovers(destination: str | os.PathLike) -> None:
    """Remove ``destination`` and the temporary files of writers of it that were killed
    mid-write (a kill leaves no chance to clean up)."""
    destination = Path(destination)
    destination.unlink(missing_ok=True)
    prefix, suffix = _temporary_affixes(destination)
    for leftover in destination.parent.glob(glob.escape(prefix) + "*" + glob.escape(suffix)):
        leftover.unlink(missing_ok=True)
