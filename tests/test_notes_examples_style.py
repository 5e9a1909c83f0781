"""The example notes in each style (bracket layers, letter layers, .tex), each checked from
one set-up line: the planted errors are the refuted claims, at their lines, and each
correction is printed in the note's own notation and reads back as the corrected formula."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bpcheck.catalog.formula import normalise
from bpcheck.model import Kind, Options, Setting
from bpcheck.notes.claims import read_notes
from bpcheck.notes.latex import context_for, translate
from bpcheck.notes.style import note_notation
from bpcheck.report.terminal import corrected_latex
from bpcheck.run.runner import run_claims
from bpcheck.typeset.style import note_latex

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "notes"

# note -> (planted lines, what each correction must contain, what none may contain)
CASES = {
    "letters.md": ({31, 43, 55}, (r"^{o}", r"^{h}", r"\circ", r"\top", r"\sigma'"),
                   ("^{(", "^{[", r"\odot", "f'")),
    "brackets.md": ({38, 50, 63}, (r"^{[l]}", r"^{[L]}", r"\odot", "^{T}", "f'"),
                    ("^{(", r"\top", r"\circ")),
    "layers.tex": ({25, 36, 47}, (r"^{(l)}", r"^{(L)}", r"\odot", r"^{\mathsf{T}}", r"\sigma'"),
                   ("^{[", r"\top}", r"\circ", "f'")),
}


def _decided(name: str):
    nf = read_notes(EXAMPLES / name)
    assert nf.errors == []
    text = (EXAMPLES / name).read_text()
    assert text.count("bpcheck-defaults") == 1 and "bpcheck:" not in text  # one set-up line
    return nf, run_claims(nf.claims, Options(seed=0, points=4), jobs=1)


def _expanded(text: str) -> str:
    """The formula with σ′ and f′ written out as the sigmoid's, for comparing readings."""
    tree = ast.parse(normalise(text.replace("⊙", "%")).strip(), mode="eval")
    out = ast.unparse(tree)
    return re.sub(r"fprime\(([^()]*(?:\([^()]*\))?[^()]*)\)", r"(sigmoid(\1) % (1 - sigmoid(\1)))",
                  out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_planted_errors_are_the_refuted_lines(name: str) -> None:
    lines, _, _ = CASES[name]
    _, pairs = _decided(name)
    refuted = {c.line for c, v in pairs if v.kind is Kind.REFUTED}
    assert refuted == lines
    assert all(v.kind is Kind.VERIFIED for c, v in pairs if c.line not in lines)


@pytest.mark.parametrize("name", sorted(CASES))
def test_corrections_are_written_in_the_notes_notation(name: str) -> None:
    lines, wanted, unwanted = CASES[name]
    _, pairs = _decided(name)
    fixes = [(c, v, corrected_latex(c, v)) for c, v in pairs if c.line in lines]
    assert all(latex for _, _, latex in fixes)  # each planted error gets a correction
    joined = " ".join(latex for _, _, latex in fixes)
    for piece in wanted:
        assert piece in joined, (piece, joined)
    for piece in unwanted:
        assert piece not in joined, (piece, joined)
    for c, v, latex in fixes:  # pasted back, the note's reader reads the corrected formula
        read = translate(latex, context_for(c.setting))
        as_read, as_fixed = _expanded(read), _expanded(v.corrected)
        assert ast.dump(ast.parse(as_read, mode="eval")) == \
            ast.dump(ast.parse(as_fixed, mode="eval")), (latex, read, v.corrected)


def test_notation_is_the_one_the_note_writes_most() -> None:
    found = dict(note_notation([r"W^{[l]T} a^{[l-1]} \circ f'(z^{[l]})",
                                r"z^{[l]} = W^{[l]} a^{[l-1]}"]))
    assert found == {"layers": "bracket", "product": r"\circ", "transpose": "T", "prime": "f"}
    assert note_notation(["x = y"]) == ()


def test_the_loss_symbol_is_the_notes() -> None:
    setting = Setting("s", "network", (("widths", (2, 2)), ("loss_symbol", r"\mathcal{L}")))
    latex = note_latex("diff(calL, W[l]) - transpose(a[l - 1])", setting,
                       {"layers": "plain"})
    assert r"\partial\mathcal{L}" in latex and "W^{l}" in latex and "calL" not in latex
    assert translate(latex, context_for(setting)).replace(" ", "") == \
        "diff(calL,W[l])-transpose(a[l-1])"


def test_a_catalog_claim_gets_no_pasted_latex() -> None:
    nf, pairs = _decided("letters.md")
    c, v = next((c, v) for c, v in pairs if v.kind is Kind.REFUTED)
    from dataclasses import replace
    assert corrected_latex(replace(c, file="derivations/x.toml"), v) == ""
