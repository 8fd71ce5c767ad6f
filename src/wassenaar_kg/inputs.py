"""Standard input as an input file: `wakg check -` reads it into a private temporary file first, because both
engines read a book more than once (the strict reader re-reads a block to name its first problem), and errors
then name `<stdin>`, not the temporary file."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import InputError

SUFFIXES = {"csv": ".csv", "ttl": ".ttl", "jsonld": ".jsonld"}
STDIN = "<stdin>"


@contextmanager
def stdin_copy(path: Path, fmt: str = "csv") -> Iterator[Path]:
    """`path` itself, or for '-' a temporary copy of standard input with the suffix of `fmt` (removed after)."""
    if str(path) != "-":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="wakg-stdin-") as folder:
        copy = Path(folder) / f"stdin{SUFFIXES[fmt]}"
        with copy.open("wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle)
        try:
            yield copy
        except InputError as error:
            error.file = error.file.replace(str(copy), STDIN)
            raise
