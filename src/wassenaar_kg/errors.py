"""User-facing errors: they name the file, line and field, and map to exit code 2 (never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass


class WakgError(Exception):
    """Base class for errors caused by the user's input or the reference data, not by a bug."""

    exit_code = 2


@dataclass
class InputError(WakgError):
    """A bad value in an input or reference file."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"
