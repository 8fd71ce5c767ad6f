"""`-o` never loses anything: it refuses an input, a directory or a device, follows a symbolic link, fails
before any work when it cannot be written, and Ctrl-C leaves no partial file (issue #12, point 3, in part)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples" / "exports.csv"


def wakg(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "wassenaar_kg", *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kwargs)


@pytest.fixture()
def book(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(EXAMPLES.read_bytes())
    return path


def test_output_equal_to_the_input_is_refused_and_the_input_kept(book):
    before = book.read_bytes()
    run = wakg("check", book, "-o", book)
    assert run.returncode == 2 and "is the input" in run.stderr and "Traceback" not in run.stderr
    assert book.read_bytes() == before


def test_output_through_a_link_to_the_input_is_refused(book, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(book)
    assert wakg("check", book, "-o", link).returncode == 2


def test_a_link_at_the_output_is_kept_and_its_target_written(book, tmp_path):
    target, link = tmp_path / "results.csv", tmp_path / "latest.csv"
    target.write_text("old\n")
    link.symlink_to(target)
    run = wakg("check", book, "--format", "csv", "-o", link)
    assert run.returncode == 1, run.stderr
    assert link.is_symlink() and target.read_text().startswith("id,verdict,")


@pytest.mark.parametrize("where", ["directory", "device"])
def test_a_directory_or_a_device_is_refused(book, tmp_path, where):
    target = tmp_path if where == "directory" else Path("/dev/null")
    run = wakg("check", book, "-o", target)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert ("is a directory" if where == "directory" else "not a regular file") in run.stderr
    if where == "device":
        assert Path("/dev/null").is_char_device()


def test_an_unwritable_place_fails_before_any_work(book, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running with privileges that ignore directory permissions")
        run = wakg("check", book, "-o", locked / "out.csv")
        assert run.returncode == 2 and "no write permission" in run.stderr and run.stdout == ""
    finally:
        locked.chmod(0o700)


def test_dash_means_standard_output(book):
    run = wakg("check", book, "--format", "csv", "-o", "-")
    assert run.returncode == 1 and run.stdout.startswith("id,verdict,")


def test_query_writes_to_a_file(tmp_path):
    out = tmp_path / "states.csv"
    run = wakg("query", "participating-states", "--as-of", "2026-07-23", "--format", "csv", "-o", out)
    assert run.returncode == 0, run.stderr
    assert len(out.read_text().splitlines()) == 43


def test_ctrl_c_ends_a_check_with_130_and_leaves_no_file(tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from generate import generate

    book = generate(tmp_path / "big.csv", 60_000, 7)
    out = tmp_path / "out.csv"
    env = {**os.environ, "WAKG_CACHE_DIR": str(tmp_path / "cache")}  # cold: every situation decided by the rules
    child = subprocess.Popen([sys.executable, "-m", "wassenaar_kg", "check", str(book), "-o", str(out), "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(4)
    assert child.poll() is None, "the check ended before it could be interrupted"
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = child.communicate(timeout=30)
    assert child.returncode == 130 and "Traceback" not in err, err[-2000:]
    assert time.monotonic() - started < 3  # about 0.1-1 s here; the bound leaves room for a loaded machine
    assert not out.exists() and not list(tmp_path.glob(".out.csv.*"))


def test_a_place_under_a_file_fails_before_any_work(book):
    run = wakg("check", book, "-o", book / "out.csv")
    assert run.returncode == 2 and "is not a directory" in run.stderr and run.stdout == ""
