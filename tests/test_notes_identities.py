"""Identities of the setting's functions with no derivative (issue 17): the note's name for the
output applied to something else than its own input (`s(\\mathbf x + c)_i`, softmax shifted by
a constant), a scalar the words introduce as a constant, and an equation applying softmax to
an expression read as a claim and decided.  Fixtures of our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes import identities
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

SETUP = "widths=3,4 activation=identity output=softmax loss=cross_entropy target=onehot " \
        "unmarked=1 loss_symbol=H names=u:z,q:a row_vectors=true layout=numerator"
WORDS = "Adding a constant $t$ to every input leaves the output unchanged:\n\n"
SHIFT = r"q(\mathbf u + t)_k = \frac{e^{u_k + t}}{\sum_j e^{u_j + t}} " \
        r"= \frac{e^{u_k} e^t}{\sum_j e^{u_j} e^t} = \frac{e^{u_k}}{\sum_j e^{u_j}}"


def _read(tmp: Path, text: str, setup: str = SETUP):
    path = tmp / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n{text}\n", encoding="utf-8")
    nf = read_notes(path)
    return nf, [(r.kind, r.translation or r.reason) for f in nf.found for r in f.readings]


def _display(tex: str) -> str:
    return f"$$\n{tex}\n$$\n"


def _verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def test_a_shifted_softmax_is_an_identity_claim_and_decided(tmp_path: Path) -> None:
    planted = SHIFT.replace(r"{\sum_j e^{u_j} e^t}", r"{\sum_j e^{u_j}}")  # e^t lost below
    nf, readings = _read(tmp_path, WORDS + _display(SHIFT) + "\nAgain, a constant $t$:\n\n"
                         + _display(planted))
    assert [k for k, _ in readings] == ["claim", "claim"]
    assert readings[0][1].startswith("softmax(z[1] + t)[k] = ")
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]


def test_a_letter_not_introduced_in_the_words_is_never_a_free_scalar(tmp_path: Path) -> None:
    _, readings = _read(tmp_path, "Shifting the inputs:\n\n" + _display(SHIFT))
    assert [k for k, _ in readings] == ["not understood"]


def test_the_constant_holds_only_for_the_display_after_the_words(tmp_path: Path) -> None:
    text = WORDS + _display(SHIFT) + "\nThen:\n\n" + _display(SHIFT)
    _, readings = _read(tmp_path, text)
    assert [k for k, _ in readings] == ["claim", "not understood"]


def test_a_name_followed_by_a_spaced_bracket_stays_a_product(tmp_path: Path) -> None:
    """`q_k (1 - q_k)` is a product; only `q(...)` written against the name is applied."""
    tex = r"\frac{\partial q_k}{\partial u_k} = q_k (1 - q_k)"
    nf, readings = _read(tmp_path, _display(tex))
    assert [k for k, _ in readings] == ["claim"] and "softmax" not in readings[0][1]
    assert _verdicts(nf) == [Kind.VERIFIED]


def test_only_the_output_layers_name_is_applied_as_its_function() -> None:
    class _Setting(dict):
        pass
    out = _Setting(widths=(3, 4, 2), output="softmax", unmarked="")
    from bpcheck.notes.lexer import tokenize
    got = identities.applied_functions({"p": tokenize("a^{[L]}"), "h": tokenize("a^{[1]}")}, out)
    assert set(got) == {"p"}
    assert identities.applied_functions({"p": tokenize("a^{[2]}")},
                                        _Setting(widths=(3, 2), output="")) == {}


def test_scalars_are_read_from_the_words_only_and_never_network_letters() -> None:
    text = "x\n$$\nA\n$$\nfor any scalar $\\lambda$ and a constant $c$ and a constant $b$:\n"
    assert identities.stated_scalars(text, len(text)) == ("c",)
