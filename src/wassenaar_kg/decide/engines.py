"""The two engines and the automatic choice between them, shared by the command line and the Python API.

The reference engine (pySHACL per export) gives every explanation chain and the RDF of the findings; the
fast engine gives the same verdicts, exceptions and deciding provisions for whole order books.
"""

from __future__ import annotations

ENGINES = ("auto", "reference", "fast")
AUTO_FAST_ABOVE = 200  # exports; up to this many the reference engine also gives every explanation chain


def choose(exports: int) -> str:
    """The engine `auto` means for this many exports."""
    return "fast" if exports > AUTO_FAST_ABOVE else "reference"
