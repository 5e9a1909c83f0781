"""Helpers for tests that check a note of their own: write it, load it, decide its claims."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources


def write_note(tmp_path: Path, body: str, name: str = "n.md") -> Path:
    note = tmp_path / name
    note.write_text(body, encoding="utf-8")
    return note


def note_sources(tmp_path: Path, body: str):
    """The claims and load errors of a note written with `body`."""
    return load_sources([str(write_note(tmp_path, body))], None, None)


def note_verdicts(tmp_path: Path, body: str) -> list[Kind]:
    """The verdict kinds of the note's claims (no diagnosis), after checking it loads cleanly."""
    sources = note_sources(tmp_path, body)
    assert not sources.errors, [e.message for e in sources.errors]
    return [check_claim(c, Options(shrink=False, diagnose=False)).kind for c in sources.claims]


def note_found(tmp_path: Path, body: str):
    """How each display formula of the note was read (`bpcheck scan`'s view)."""
    return read_notes(write_note(tmp_path, body), Refs({}, {})).found
