"""The README's quick start works as written: its note and its catalog give the verdicts and
exit codes it shows (run in a fresh folder, as a new user would)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _verify(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpcheck", "verify", "--no-cache", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_quick_start_note_is_verified(tmp_path):
    (tmp_path / "notes.md").write_text(_blocks("markdown")[0], encoding="utf-8")
    done = _verify(tmp_path, "notes.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 verified" in done.stdout


def test_the_quick_start_catalog_is_refuted_with_its_correction(tmp_path):
    (tmp_path / "derivations").mkdir()
    (tmp_path / "derivations" / "first.toml").write_text(_blocks("toml")[0], encoding="utf-8")
    done = _verify(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "first.toml:14:" in done.stdout and "REFUTED" in done.stdout
    assert "delta[l] * transpose(a[l - 1])" in done.stdout
