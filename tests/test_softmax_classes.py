"""Softmax notes' per-class conventions (true_class=, other_class=), the operator slip
\\frac{\\partial}{x}, and numerical examples (boxed vectors; a value checked to its digits)."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

SETUP = ("<!-- bpcheck-defaults: widths=3,3 activation=identity output=softmax "
         "loss=cross_entropy target=onehot unmarked=1 loss_symbol=E names=u:z,q:a{extra} -->\n")
BODY = r"""
$$ E = -\sum_{i} t_i \log q_i $$

$$ E = -t_c \log q_c = -\log q_c $$

$$ u = \boxed{1}\boxed{0}\boxed{2} $$

$$ E = -\log(0.665) = 0.408 $$

$$ E = -\log(0.665) = 0.418 $$

$$ \frac{\partial E}{\partial u_c} = \frac{\partial}{u_c}\left(-\log q_c\right) = q_c - 1 $$

$$ \frac{\partial E}{\partial u_r} = -\frac{1}{q_c}\frac{\partial}{u_r}\left(\frac{e^{u_c}}{\sum_{i} e^{u_i}}\right) = q_r $$

$$ \frac{\partial E}{\partial u} = \boxed{0.24}\boxed{0.09}\boxed{-0.33} $$
""".replace("t_", "y_")


def _read(tmp: Path, extra: str = " true_class=c other_class=r"):
    path = tmp / "softmax.md"
    path.write_text(SETUP.format(extra=extra) + BODY, encoding="utf-8")
    return read_notes(path)


def _verdicts(nf) -> dict[int, Kind]:
    return {c.line: v.kind for c, v in run_claims(nf.claims, Options(), jobs=1)}


def _kinds(nf) -> list[str]:
    return [r.kind for f in nf.found for r in f.readings]


def test_true_and_other_class_letters_are_the_targets_class_and_another(tmp_path: Path) -> None:
    nf = _read(tmp_path)
    assert nf.errors == []
    assert _kinds(nf) == ["definition", "definition", "skipped", "claim", "claim", "claim",
                          "claim", "skipped"]
    by_line = {c.line: c for c in nf.claims}
    assert "kt" in by_line[5].sides[1]  # y_c: the target's class
    assert by_line[15].when == "r != kt" and by_line[13].when == ""
    v = _verdicts(nf)
    assert v[3] == v[5] == v[13] == v[15] == Kind.VERIFIED


def test_without_the_other_class_the_step_for_a_wrong_class_is_refuted(tmp_path: Path) -> None:
    nf = _read(tmp_path, " true_class=c")
    v = _verdicts(nf)
    assert v[13] == Kind.VERIFIED and v[15] == Kind.REFUTED  # r = c: ∂E/∂u_c ≠ q_c


def test_a_value_of_the_example_is_checked_to_its_digits(tmp_path: Path) -> None:
    nf = _read(tmp_path)
    v = _verdicts(nf)
    assert v[9] == Kind.VERIFIED  # -ln 0.665 = 0.4080...
    assert v[11] == Kind.REFUTED  # 0.418 is off by more than half a unit of the 3rd decimal


def test_boxed_numbers_are_the_notes_example_and_the_slip_is_said(tmp_path: Path) -> None:
    nf = _read(tmp_path)
    skipped = [r.reason for f in nf.found for r in f.readings if r.kind == "skipped"]
    assert len(skipped) == 2 and all("numerical example" in s for s in skipped)
    slip = [r.reason for f in nf.found for r in f.readings if r.line in (13, 15)]
    assert all(r"\frac{\partial}{\partial x}" in s for s in slip)


def test_a_lone_partial_over_an_expression_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text(SETUP.format(extra="") + r"$$ \frac{\partial E}{\partial u_1} = "
                    r"\frac{\partial}{u_1 + u_2}(E) $$" + "\n", encoding="utf-8")
    nf = read_notes(path)
    assert _kinds(nf) == ["not understood"]
