"""What inputs are checked and screened against: the vocabulary of the reference graph (ECCNs, destinations)
and the Entity List entries — the bundled ones, plus those of a Consolidated Screening List file in use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..kg.cache import cached_object
from ..kg.entity_list import from_screening_list, graph_of
from ..kg.reference import reference_graph
from ..kg.screening_list import read_screening_list
from .records import Vocabulary


VOCABULARY = "vocabulary-v4.pickle"


def build_vocabulary() -> Vocabulary:
    return Vocabulary(reference_graph())


@lru_cache(maxsize=1)
def _base_vocabulary() -> Vocabulary:
    return cached_object(VOCABULARY, build_vocabulary)


_SCREENING: dict[str, str | None] = {"path": None}


def use_screening_list(path: str | Path | None) -> None:
    """Screen end-user names against this Consolidated Screening List file as well as the bundled Entity List
    entries (None: the bundled entries only), in this process and in worker processes started after this."""
    _SCREENING["path"] = str(path) if path else None
    screening_entries.cache_clear()
    vocabulary.cache_clear()
    screening_ntriples.cache_clear()


def screening_list_path() -> str | None:
    return _SCREENING["path"]


@lru_cache(maxsize=1)
def screening_entries() -> tuple:
    """The Entity List rows of the active screening list as dated entries (checked: a bad file is an InputError)."""
    path = _SCREENING["path"]
    if not path:
        return ()
    return tuple(from_screening_list(read_screening_list(Path(path))))


@lru_cache(maxsize=1)
def screening_ntriples() -> bytes:
    """The active screening list's entries as N-Triples, loaded into every rule store beside the reference graph."""
    entries = screening_entries()
    if not entries:
        return b""
    return graph_of(list(entries)).serialize(format="nt", encoding="utf-8")


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """ECCN and destination names and the Entity List entries names are screened against, for checking
    inputs (cached: no ontology parse on a warm start)."""
    extra = screening_entries()
    return _base_vocabulary().with_entries(extra) if extra else _base_vocabulary()


def coverage_through():
    """The last day the bundled dated law (Country Chart, Country Groups) was verified (None: not stated)."""
    coverage = _base_vocabulary().coverage
    return coverage[1] if coverage else None
