"""Where a command may write: checked before any work starts, so a bad `-o` costs nothing and loses nothing.

`-o -` (or no `-o`) is standard output. Otherwise the target, with symbolic links followed (the link stays,
its target is written), must not be one of the command's inputs, must be a regular file if it exists (never
a directory or a device), and its directory must exist or be creatable and be writable. The file itself is
then written atomically (atomic.py), so an error or Ctrl-C mid-way leaves the old file or none.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError


def checked_output(output: Path | None, inputs: list[Path]) -> Path | None:
    """The file to write (None: standard output), or an InputError naming what is wrong with `-o`."""
    if output is None or str(output) == "-":
        return None
    target = Path(os.path.realpath(output))
    name = str(output)
    if target.exists():
        mode = target.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(name, "is a directory; give a file name after -o", field="-o")
        if not stat.S_ISREG(mode):
            raise InputError(name, "is not a regular file (a device, pipe or socket); leave out -o to write to "
                             "standard output and redirect it", field="-o")
        for given in inputs:
            if given.exists() and os.path.samefile(given, target):
                raise InputError(name, f"is the input {given}; writing there would replace it: choose another file",
                                 field="-o")
    parent = target.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise InputError(name, f"cannot be created: {existing} is not a directory", field="-o")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(name, f"cannot be written: no write permission in {existing}", field="-o")
    return target
