"""Verdicts never depend on Python's hash seed (the iteration order of sets and dicts of
SymPy objects): the example notes and a ReLU claim are decided alike under two seeds."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELU_NOTE = ("<!-- bpcheck-defaults: widths=6,5,2 activation=relu output=relu loss=cross_entropy "
             "loss_symbol=L -->\n$$\n\\frac{\\partial L}{\\partial z^{[1]}} = "
             "\\frac{\\partial L}{\\partial a^{[1]}} \\odot \\mathbb{1}(z^{[1]} > 0)\n$$\n")


def _verdicts(seed: str, paths: list[str]) -> list[tuple[str, str, str]]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bpcheck.cli", "verify", "--no-cache", "-j", "1",
                           "--format", "json", *paths], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)
    results = json.loads(done.stdout)["results"]
    return [(r["id"], r["verdict"], r["reason"]) for r in results]


def test_verdicts_are_the_same_under_two_hash_seeds(tmp_path: Path) -> None:
    note = tmp_path / "relu.md"
    note.write_text(RELU_NOTE, encoding="utf-8")
    paths = [str(note), str(ROOT / "examples" / "notes")]
    first, second = _verdicts("1", paths), _verdicts("3", paths)
    assert len(first) > 10
    assert first == second
