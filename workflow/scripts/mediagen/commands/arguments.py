"""Argument types and the output check that every ``mediagen`` subcommand shares.

Numbers are checked while the arguments are parsed, so a bad one is refused in one
line before any model is loaded. Outputs are checked before any work starts, so a
command neither runs for minutes to fail at its last step nor writes over its input.
"""

import argparse
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import MediagenError

MAX_SEED = 2**64 - 1  # the widest seed torch's generators take


def number_from_zero(maximum: float):
    """An argparse type: a finite number from 0 to ``maximum``."""
    limit = f"a number from 0 to {maximum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 <= value <= maximum):
            raise argparse.ArgumentTypeError(f"{text!r} is not {limit}")
        return value

    return parse


def whole_number(minimum: int, maximum: int):
    """An argparse type: an integer from ``minimum`` to ``maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number from {minimum:,} to {maximum:,}")
        return value

    return parse


seed = whole_number(0, MAX_SEED)


def file_name(text: str) -> str:
    """An argparse type: a path that is not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file name")
    return text


def check_outputs(files: Iterable[str | Path], inputs: Iterable[str | Path | None]) -> None:
    """Refuse an output that is a folder, that is one of ``inputs`` (by any name) or
    whose folder cannot be written; the folder itself is made only when writing."""
    inputs = [Path(path) for path in inputs if path]
    for file in map(Path, files):
        if file.is_dir():
            raise MediagenError(f"-o {file}: is a folder; give a file name, "
                                f"for example {file / 'out'}")
        for source in inputs:
            if file.exists() and source.exists() and os.path.samefile(file, source):
                raise MediagenError(f"-o {file}: is the input {source}; writing there "
                                    "would replace it, so give another output name")
        problem = _unwritable(file.parent)
        if problem:
            raise MediagenError(f"-o {file}: {problem}; give a path in a folder you "
                                "can write")


def _unwritable(folder: Path) -> str:
    """Why files cannot be made in ``folder`` (or in the folders it would need), or ''."""
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return f"cannot write in {existing} ({exc.strerror or exc})"
    return ""
