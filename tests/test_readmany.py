"""Reading many note files in forked processes gives exactly what one process reads."""
from __future__ import annotations

import sys

import pytest

from bpcheck.notes.claims import read_notes
from bpcheck.notes import readmany
from bpcheck.notes.readmany import load_notes, read_many

SETUP = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half loss_symbol=C -->\n"


def _write(tmp_path, count: int):
    paths = []
    for k in range(count):
        extra = "+ 1" if k % 3 == 0 else ""  # a planted error in every third file
        body = (SETUP + "$$\n\\delta^{[L]} = (a^{[L]} - y) \\odot \\sigma'(z^{[L]})\n$$\n\n"
                f"$$\n\\frac{{\\partial C}}{{\\partial b^{{[l]}}}} = \\delta^{{[l]}} {extra}\n$$\n"
                "$$\n\\frac{\\partial C}{\\partial q} = \\unknowncommand{x}\n$$\n")
        path = tmp_path / f"n{k:02d}.md"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe not utf-8")
    return sorted(paths + [tmp_path / "bad.md"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is used on Linux")
def test_forked_reading_equals_one_process(tmp_path):
    paths = _write(tmp_path, 12)
    serial = [read_notes(p) for p in paths]
    forked = list(read_many(paths, jobs=2))
    assert [f.claims for f in forked] == [s.claims for s in serial]
    assert [f.found for f in forked] == [s.found for s in serial]
    assert [[e.__dict__ for e in f.errors] for f in forked] == \
        [[e.__dict__ for e in s.errors] for s in serial]
    assert sum(len(f.claims) for f in forked) == 24  # two claims in each of 12 files
    assert any(f.errors for f in forked)  # the undecodable file, and the unknown command


def test_few_small_files_stay_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(readmany.os, "cpu_count", lambda: 4)
    assert readmany._auto_jobs(_write(tmp_path, 3)) == 1
    assert readmany._auto_jobs(_write(tmp_path, 12)) == 1  # many files, all short
    big = [tmp_path / f"big{k}.md" for k in range(readmany.MIN_FILES)]
    for p in big:
        p.write_text(SETUP + "x" * 5000, encoding="utf-8")
    assert readmany._auto_jobs(big) == 4
    assert readmany._auto_jobs(big[:-1]) == 1


def test_load_notes_same_with_and_without_workers(tmp_path, monkeypatch):
    paths = _write(tmp_path, 10)
    monkeypatch.setattr(readmany, "_auto_jobs", lambda p: 2)
    forked = load_notes(paths)
    monkeypatch.setattr(readmany, "_auto_jobs", lambda p: 1)
    serial = load_notes(paths)
    assert forked == serial
    assert len(serial.claims) == 20
