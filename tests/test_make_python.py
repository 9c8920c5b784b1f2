"""Which Python `make` builds and uses `.venv` with: 3.11 or newer, one clear line otherwise.

Each test copies the Makefile and tools/check_python.sh into a scratch folder and hands make
stand-in interpreters (small shell scripts that answer the version probe), so the rules are
checked without the real Pythons of the machine.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def fake_python(path: Path, version: str) -> Path:
    """An executable that answers the version probe the way a Python of `version` would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "tools" / "check_python.sh", tmp_path / "tools" / "check_python.sh")
    return tmp_path


def make(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -n: print what would run instead of running it; the check happens when make reads the file.
    return subprocess.run(
        ["make", "--no-print-directory", "-n", *args], cwd=checkout, capture_output=True, text=True
    )


def check(checkout: Path, python: str, origin: str, goal: str = "test") -> str:
    proc = subprocess.run(
        ["sh", "tools/check_python.sh", python, origin, ".venv", goal],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def test_an_older_python_gets_one_line_and_exit_status_2(checkout: Path) -> None:
    old = fake_python(checkout / "bin" / "python3.9", "3.9.2")

    proc = make(checkout, "test", f"PYTHON={old}")

    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert (
        "TiketQ needs Python 3.11 or newer; found 3.9.2. Run: make test PYTHON=/path/to/python3.11"
        in lines[0]
    )
    assert "Traceback" not in proc.stderr


def test_a_python_that_does_not_run_is_named(checkout: Path) -> None:
    proc = make(checkout, "lint", "PYTHON=/nowhere/python3")

    assert proc.returncode == 2
    assert "'/nowhere/python3' does not run. Run: make lint PYTHON=/path/to/python3.11" in proc.stderr


@pytest.mark.parametrize("version", ["3.11.7", "3.12.1", "3.13.0", "4.0.0"])
def test_any_python_from_3_11_on_is_accepted(checkout: Path, version: str) -> None:
    python = fake_python(checkout / "bin" / "python3", version)

    assert check(checkout, str(python), "command line") == ""


def test_a_python_other_than_the_venvs_stops_with_how_to_rebuild(checkout: Path) -> None:
    fake_python(checkout / ".venv" / "bin" / "python", "3.12.1")
    other = fake_python(checkout / "bin" / "python3.13", "3.13.0")

    proc = make(checkout, "test", f"PYTHON={other}")

    assert proc.returncode == 2
    assert ".venv was built with Python 3.12.1, but PYTHON=" in proc.stderr
    assert f"rm -rf .venv && make test PYTHON={other}" in proc.stderr


def test_the_same_minor_version_as_the_venv_is_fine(checkout: Path) -> None:
    fake_python(checkout / ".venv" / "bin" / "python", "3.12.1")
    same = fake_python(checkout / "bin" / "python3.12", "3.12.4")

    assert check(checkout, str(same), "command line") == ""


def test_without_python_given_an_existing_venv_is_used_whatever_python3_is(checkout: Path) -> None:
    fake_python(checkout / ".venv" / "bin" / "python", "3.13.0")
    old_default = fake_python(checkout / "bin" / "python3", "3.9.2")

    assert check(checkout, str(old_default), "file") == ""


def test_help_needs_no_python(checkout: Path) -> None:
    proc = subprocess.run(
        ["make", "--no-print-directory", "help", "PYTHON=/nowhere/python3"],
        cwd=checkout,
        capture_output=True,
        text=True,
    )

    assert proc.returncode == 0
    assert "make test" in proc.stdout
