"""Markdown-escaped display delimiters (`\\\\[ … \\\\]`, as Jekyll/kramdown pages write `\\[ … \\]`)
hold the display without the escaping backslash."""
from __future__ import annotations

from pathlib import Path

from bpcheck.notes.claims import read_notes

SETUP = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half loss_symbol=E -->\n"


def test_escaped_brackets_around_an_equation(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_text(SETUP + "We define\n\\\\[\n\\begin{equation}\n\\delta^l_j = "
                    "\\frac{\\partial E}{\\partial z^l_j} \\tag{2}\n\\end{equation}\n\\\\]\n\n"
                    "and\n\\\\[\n\\delta^L = (a^L - y) \\odot \\sigma'(z^L) + 1\n\\\\]\n",
                    encoding="utf-8")
    found = read_notes(note).found
    assert [f.line for f in found] == [5, 11]
    assert not found[0].latex.endswith("\\") and not found[1].latex.endswith("\\")
    assert [r.kind for f in found for r in f.readings] == ["claim", "claim"]
    assert [e.message for e in read_notes(note).errors] == []
