"""The derived-data cache: keyed by content, checked on read, rebuilt when corrupt, safe under concurrent
fills, and never required (an unwritable location only costs time)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from wassenaar_kg.kg import cache


@pytest.fixture()
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_an_entry_is_built_once_and_read_back(fresh):
    calls = []
    build = lambda: calls.append(1) or b"payload"  # noqa: E731
    assert cache.cached_bytes("x.bin", build) == b"payload"
    assert cache.cached_bytes("x.bin", build) == b"payload"
    assert calls == [1]


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_a_damaged_entry_is_rebuilt_not_used(fresh, damage):
    cache.cached_bytes("x.bin", lambda: b"the real data" * 100)
    path = cache.entry_path("x.bin")
    raw = path.read_bytes()
    path.write_bytes({"truncate": raw[:-7], "flip": raw[:-1] + bytes([raw[-1] ^ 1]), "empty": b"",
                      "garbage": b"\x00\xff" * 50}[damage])
    assert cache.read_cached("x.bin") is None
    assert cache.cached_bytes("x.bin", lambda: b"rebuilt") == b"rebuilt"
    assert cache.read_cached("x.bin") == b"rebuilt"


def test_a_pickle_this_code_cannot_read_is_rebuilt(fresh):
    cache.write_cached("obj.pickle", b"\x80\x04\x95not a pickle")
    assert cache.cached_object("obj.pickle", lambda: {"ok": 1}) == {"ok": 1}


def test_concurrent_fills_leave_one_whole_entry(fresh):
    data = bytes(range(256)) * 4000
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: cache.cached_bytes("big.bin", lambda: data), range(16)))
    assert all(r == data for r in results)
    assert cache.read_cached("big.bin") == data
    assert not [p for p in cache.entry_path("big.bin").parent.iterdir() if p.name.endswith(".tmp")]


def test_an_unwritable_cache_is_a_notice_not_a_failure(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(blocker / "cache"))
    cache._warned.clear()
    assert cache.cached_bytes("x.bin", lambda: b"computed") == b"computed"
    assert cache.cached_bytes("y.bin", lambda: b"again") == b"again"
    err = capsys.readouterr().err
    assert err.count("nothing is cached") == 1


def test_the_cli_works_with_a_corrupt_reference_cache(tmp_path):
    env_cache = tmp_path / "cache"
    run = lambda: subprocess.run([sys.executable, "-m", "wassenaar_kg", "check", "--format", "csv", "-q",  # noqa: E731
                                  str(tmp_path / "one.csv")], capture_output=True, text=True,
                                 env={**__import__("os").environ, "WAKG_CACHE_DIR": str(env_cache)})
    (tmp_path / "one.csv").write_text("id,eccn,destination,end_user,date\nx,4D004,CN,government,2026-07-23\n")
    first = run()
    assert first.returncode == 1 and "license_required" in first.stdout
    for entry in env_cache.rglob("reference.nt"):
        entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 3])  # cut mid-file
    second = run()
    assert second.returncode == 1 and second.stdout == first.stdout, second.stderr


def test_a_fresh_install_reads_the_data_built_ahead_and_rebuilds_none_of_it(tmp_path):
    """ontology/prebuilt/ (built by `wakg build`, shipped in the wheel) stands in for an empty user cache: the
    first check after install neither builds nor writes the N-Triples, the vocabulary or the fast tables."""
    import os
    from pathlib import Path

    from wassenaar_kg.api import prebuilt_entries

    empty = tmp_path / "cache"
    book = Path(__file__).parents[1] / "examples" / "exports.csv"
    run = subprocess.run([sys.executable, "-m", "wassenaar_kg", "check", str(book), "--engine", "fast", "-q",
                          "--format", "csv"], env={**os.environ, cache.ENV_CACHE_DIR: str(empty)},
                         capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    written = {p.name for p in empty.rglob("*") if p.is_file()}
    assert written and all(name.startswith("fast-decisions-") for name in written), written
    for name in prebuilt_entries():
        assert cache.prebuilt_path(name).is_file(), name


def test_a_damaged_prebuilt_entry_is_not_used(tmp_path, monkeypatch, fresh):
    monkeypatch.setattr(cache, "prebuilt_path", lambda name: tmp_path / "prebuilt" / name)
    (tmp_path / "prebuilt").mkdir()
    (tmp_path / "prebuilt" / "x.bin").write_bytes(cache._entry(b"shipped")[:-2])
    assert cache.read_cached("x.bin") is None
    (tmp_path / "prebuilt" / "x.bin").write_bytes(cache._entry(b"shipped"))
    assert cache.read_cached("x.bin") == b"shipped"
