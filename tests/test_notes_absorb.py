"""Nothing in a formula is silently dropped by the notes reader: every claim formula of the
example notes, changed in one place the way errata change formulas (a transpose dropped, a
layer index shifted, a sign flipped, indices swapped, a factor changed), reads to a different
formula or is reported, never to the same formula as before.  A change that keeps the meaning
(`\\odot` for `\\circ`) does read the same, which shows that the comparison can see it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bpcheck.notes.claims import read_notes

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "notes"
CHANGES = [  # (pattern, replacement): each match is changed alone
    (r"\^\{?(?:T|\\top|\\intercal)\}?", ""),
    (r"l\s*\+\s*1", "l"),
    (r"l\s*-\s*1", "l"),
    (r"(?<=[\[(^{])L(?=[\])}])", "L-1"),
    (r"_\{ij\}", "_{ji}"),
    (r"_\{jk\}", "_{kj}"),
    (r"_j\b", "_k"),
    (r"\\frac\{1\}\{m\}", r"\\frac{1}{2m}"),
    (r"(?<=[^=\s&(])\s-\s", " + "),
    (r"\\sigma'", r"\\sigma"),
    (r"\\odot", "+"),
]


def _readings(path: Path) -> dict[int, tuple[str, ...]]:
    """Each display's statements as read (translation or kind and reason), by line."""
    return {f.line: tuple(r.translation or f"{r.kind}: {r.reason}" for r in f.readings)
            for f in read_notes(path).found}


def _changed(tex: str, changes: list[tuple[str, str]]):
    for pattern, replacement in changes:
        for m in re.finditer(pattern, tex):
            new = tex[:m.start()] + m.expand(replacement) + tex[m.end():]
            if new != tex:
                yield new


def _same_readings(path: Path, tmp_path: Path, changes: list[tuple[str, str]]):
    """(changed formulas, those that read exactly as before) over the note's claims."""
    text = path.read_text(encoding="utf-8")
    before = read_notes(path).found
    tried, same = 0, []
    for f in before:
        if not any(r.kind == "claim" for r in f.readings):
            continue
        was = tuple(r.translation for r in f.readings)
        start = sum(len(line) + 1 for line in text.split("\n")[:max(0, f.line - 4)])
        at = text.find(f.latex, start)
        assert at >= 0
        for new in _changed(f.latex, changes):
            tried += 1
            copy = tmp_path / path.name
            copy.write_text(text[:at] + new + text[at + len(f.latex):], encoding="utf-8")
            now = [g for g in read_notes(copy).found if g.line == f.line]
            if now and tuple(r.translation for r in now[0].readings) == was:
                same.append(new)
    return tried, same


@pytest.mark.parametrize("name", ["backprop.md", "brackets.md", "letters.md", "whole_file.md",
                                  "backprop_planted.md", "backprop.tex", "layers.tex"])
def test_an_erratum_like_change_never_reads_as_the_same_formula(name: str, tmp_path: Path):
    tried, same = _same_readings(EXAMPLES / name, tmp_path, CHANGES)
    assert tried >= 5
    assert same == []


def test_a_change_that_keeps_the_meaning_reads_the_same(tmp_path: Path):
    tried, same = _same_readings(EXAMPLES / "brackets.md", tmp_path, [(r"\\odot", r"\\circ")])
    assert tried >= 2 and len(same) == tried


def test_a_loss_symbol_with_more_inside_is_reported(tmp_path: Path):
    """`\\mathcal{L-1}` was read as the loss, its `-1` dropped."""
    note = tmp_path / "n.md"
    note.write_text("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half "
                    "loss_symbol=\\mathcal{L} -->\n$$\n\\frac{\\partial \\mathcal{L-1}}"
                    "{\\partial b^{[l]}} = \\delta^{[l]}\n$$\n", encoding="utf-8")
    (found,) = read_notes(note).found
    assert [r.kind for r in found.readings] == ["not understood"]


def test_an_empty_superscript_is_reported(tmp_path: Path):
    """`f^{}(z)` (a prime dropped from `f^{'}`) raised IndexError inside the reader."""
    note = tmp_path / "n.md"
    note.write_text("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
                    "$$\n\\delta^{[l]} = ((W^{[l+1]})^T \\delta^{[l+1]}) \\odot f^{}(z^{[l]})\n$$\n",
                    encoding="utf-8")
    nf = read_notes(note)
    assert [r.kind for r in nf.found[0].readings] == ["not understood"]
    assert not [e for e in nf.errors if "internal error" in e.message]
