"""On-disk cache of derived data, in the user's cache directory, keyed by the content it derives from.

The N-Triples of the reference graph, its OWL 2 RL closure, the compiled fast-engine tables and the stored
decisions take seconds to compute and change only when the ontology, the rules or the package change. Each
entry lives under a key made of the package version and the bytes of the ontology modules (and, in its own
name, of whatever else it derives from). Entries are written atomically (a temporary file renamed into
place, so two processes filling the same entry both leave a whole one), carry a SHA-256 of their content
that is checked on every read (a truncated or corrupted entry is rebuilt, never used), and the cache is
never required: where it cannot be written, the data is computed in memory and a one-line notice says so.

Entries that do not depend on the user's input (the N-Triples, the vocabulary, the fast engine's compiled
tables) are also built ahead by `wakg build` into `ontology/prebuilt/KEY/`, in the same format, and ship
in the package: a fresh install reads them there (read-only) until its own cache has the entry.
`wakg build --check` fails when they are not those of the current ontology and rules.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Callable

from .. import __version__
from ..atomic import atomic_writer
from .files import ontology_files

ENV_CACHE_DIR = "WAKG_CACHE_DIR"
MAGIC = b"wakg-cache-1\n"
_warned: set[str] = set()


def cache_dir() -> Path:
    """$WAKG_CACHE_DIR, else the platform's user cache directory (XDG on Linux) for wassenaar-kg."""
    override = os.environ.get(ENV_CACHE_DIR)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("wassenaar-kg", appauthor=False))


def ontology_key() -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in ontology_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entry_path(name: str) -> Path:
    return cache_dir() / ontology_key() / name


PREBUILT = "prebuilt"  # under the ontology directory


def prebuilt_path(name: str) -> Path:
    from .files import ontology_dir

    return ontology_dir() / PREBUILT / ontology_key() / name


def read_cached(name: str) -> bytes | None:
    """The entry's content if it is present and whole (its checksum matches) in the user's cache or, for
    entries built ahead, in the package; else None."""
    return _read(entry_path(name)) or _read(prebuilt_path(name))


def _read(path: Path) -> bytes | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    header, _, data = raw.partition(b"\n")
    if not raw.startswith(MAGIC) or len(data) < 64:
        return None
    digest, payload = data[:64], data[65:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    return payload


def _entry(data: bytes) -> bytes:
    return MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data


def write_prebuilt(entries: dict[str, bytes]) -> list[Path]:
    """Write the entries built ahead for the current ontology, and remove those of any other."""
    import shutil

    here = prebuilt_path("x").parent
    for old in here.parent.glob("*"):
        if old.is_dir() and old != here:
            shutil.rmtree(old)
    written = []
    for name, data in entries.items():
        with atomic_writer(here / name, "wb") as handle:
            handle.write(_entry(data))
        written.append(here / name)
    for stale in here.glob("*"):
        if stale.name not in entries:
            stale.unlink()
    return written


def read_prebuilt(name: str) -> bytes | None:
    return _read(prebuilt_path(name))


def write_cached(name: str, data: bytes) -> None:
    """Store an entry atomically; where the cache cannot be written, say so once and go on without it."""
    try:
        with atomic_writer(entry_path(name), "wb") as handle:
            handle.write(_entry(data))
    except OSError as error:
        where = str(cache_dir())
        if where not in _warned:
            _warned.add(where)
            print(f"wakg: note: nothing is cached ({where}: {error.strerror}); derived data is recomputed on every run",
                  file=sys.stderr)


def cached_object(name: str, build: Callable[[], object]) -> object:
    """A pickled entry: unpickled when whole and readable by this code, else rebuilt and stored anew."""
    import pickle

    data = read_cached(name)
    if data is not None:
        try:
            return pickle.loads(data)
        except Exception:  # written by other code (a moved class, an old format): rebuild
            pass
    value = build()
    write_cached(name, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def cached_bytes(name: str, build: Callable[[], bytes]) -> bytes:
    """The cached bytes for `name` under the current ontology key, built and stored on a miss."""
    data = read_cached(name)
    if data is None:
        data = build()
        write_cached(name, data)
    return data
