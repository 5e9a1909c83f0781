""".tex documents read as notes: display environments, comment annotations, exact lines."""
from __future__ import annotations

import textwrap
from pathlib import Path

from bpcheck.catalog.files import LoadError
from bpcheck.cli import main
from bpcheck.model import Expect, Kind
from bpcheck.notes.claims import read_notes
from bpcheck.notes.tex import tex_lines
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]

DOC = r"""% bpcheck-defaults: kind=scalar symbols=x
\documentclass{article}
\begin{document}
\section{Squares}
Prose with 50\% and an escaped \$\$ in text, and % this $$ is a comment
% bpcheck: id=square
\begin{equation}
  \frac{d}{dx} x^2 = 2 x
\end{equation}
\begin{verbatim}
$$ x = 1 $$
\end{verbatim}
% bpcheck: id=cube expect=erratum
\begin{eqnarray}
  \frac{d}{dx} x^3 = 3 x
\end{eqnarray}
\[ x + 1 \]
\input{other}
\end{document}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_scanner_sees_line_for_line_without_comments_or_verbatim():
    errors: list[LoadError] = []
    lines = tex_lines("d.tex", DOC, errors).split("\n")
    assert len(lines) == len(DOC.split("\n")) and errors == []
    assert lines[0] == "<!-- bpcheck-defaults: kind=scalar symbols=x -->"
    assert lines[3] == "# Squares"
    assert "comment" not in lines[4] and "50\\%" in lines[4]
    assert lines[9] == "```" and lines[11] == "```"


def test_formulas_annotations_and_lines_are_the_documents_own(tmp_path):
    notes = read_notes(_write(tmp_path, "d.tex", DOC))
    assert notes.errors == []
    found = {f.line: f for f in notes.found}
    assert sorted(found) == [8, 15, 17]  # the two annotated ones and \[ x + 1 \]
    claims = {c.id.split("#")[-1]: c for c in notes.claims}
    assert set(claims) == {"square", "cube"}
    assert claims["square"].line == 8 and claims["cube"].expect is Expect.ERRATUM
    assert claims["square"].title == "Squares"


def test_the_document_is_checked_as_written(tmp_path):
    catalog = load_sources([_write(tmp_path, "d.tex", DOC)])
    verdicts = {c.id.split("#")[-1]: check_claim(c) for c in catalog.claims}
    assert verdicts["square"].kind is Kind.VERIFIED
    assert verdicts["cube"].kind is Kind.REFUTED and verdicts["cube"].ok


def test_an_annotation_after_latex_on_its_line_is_an_error_with_its_line(tmp_path):
    text = "\\begin{equation} % bpcheck: id=late\n x = x\n\\end{equation}\n"
    notes = read_notes(_write(tmp_path, "late.tex", text))
    assert [(e.line, e.file.endswith("late.tex")) for e in notes.errors] == [(1, True)]


def test_input_is_not_followed(tmp_path):
    _write(tmp_path, "other.tex", "% bpcheck: id=elsewhere kind=scalar symbols=x\n\\[ x = x \\]\n")
    main_tex = _write(tmp_path, "main.tex", DOC)
    assert all("elsewhere" not in c.id for c in load_sources([main_tex]).claims)


def test_a_folder_with_tex_notes_is_scanned_and_verified(tmp_path, capsys):
    folder = tmp_path / "notes"
    folder.mkdir()
    _write(folder, "d.tex", DOC)
    assert main(["verify", "--no-cache", str(folder)]) == 0
    assert main(["scan", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "d.tex:8:" in out and "d.tex:15:" in out


def test_the_shipped_tex_example_gives_its_verdicts():
    catalog = load_sources([ROOT / "examples" / "notes" / "backprop.tex"])
    assert catalog.errors == ()
    kinds = {c.id.split("#")[-1]: check_claim(c).kind for c in catalog.claims}
    assert kinds == {"tanh-prime": Kind.VERIFIED, "delta-L": Kind.VERIFIED,
                     "delta-recurrence": Kind.VERIFIED, "delta-no-transpose": Kind.REFUTED,
                     "grad-W": Kind.VERIFIED}


def test_a_tex_file_is_never_read_as_toml(tmp_path, capsys):
    path = _write(tmp_path, "plain.tex", textwrap.dedent(r"""
        \documentclass{article}
        \begin{document} No formulas here. \end{document}
        """))
    assert main(["verify", "--no-cache", "--allow-empty", str(path)]) == 0
    assert "TOML" not in capsys.readouterr().err
