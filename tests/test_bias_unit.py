"""The bias unit (`bias_unit=0`): the previous layer's entry 0 is the constant 1 and the
weight from it is the bias, so `\\sum_{k=0}^{n} W_{jk} a_k` is the whole pre-activation.
Fixtures of our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.biasunit import with_bias_unit
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

SETUP = "widths=2,3,2 activation=sigmoid loss=mse_half bias_unit=0"
FORWARD = r"a^{(l)}_j = \sigma\left(\sum_{k=0}^{n_{l-1}} W^{(l)}_{jk} a^{(l-1)}_k\right)"
WEIGHT = r"\frac{\partial J}{\partial W^{(l)}_{jk}} = \delta^{(l)}_j a^{(l-1)}_k"
BIAS = r"\frac{\partial J}{\partial W^{(l)}_{j0}} = \delta^{(l)}_j"


def _verify(tmp: Path, displays: list[str], setup: str = SETUP) -> list[Kind]:
    path = tmp / "note.md"
    body = "\n\n".join(f"$$\n{d}\n$$" for d in displays)
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n{body}\n", encoding="utf-8")
    nf = read_notes(path)
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def test_a_sum_from_zero_holds_the_bias(tmp_path: Path) -> None:
    assert _verify(tmp_path, [FORWARD, WEIGHT, BIAS]) == [Kind.VERIFIED] * 3


def test_planted_errors_are_refuted(tmp_path: Path) -> None:
    """The bias's gradient written with the unit's activation doubled, a sum from 1 that
    drops the bias from the forward pass."""
    kinds = _verify(tmp_path, [FORWARD, BIAS.replace(r"\delta^{(l)}_j", r"2 \delta^{(l)}_j")])
    assert kinds == [Kind.VERIFIED, Kind.REFUTED]
    assert _verify(tmp_path, [FORWARD.replace("k=0", "k=1"), WEIGHT])[0] is Kind.ERROR


def test_without_the_key_index_zero_is_not_the_bias(tmp_path: Path) -> None:
    kinds = _verify(tmp_path, [FORWARD, WEIGHT], SETUP.replace(" bias_unit=0", ""))
    assert kinds[0] is not Kind.VERIFIED


def test_the_weight_from_unit_zero_follows_the_orientation() -> None:
    side = ["sum(W[l][i, j] * a[l - 1][i], (i, 0, n[l - 1]))"]
    assert with_bias_unit(side, {"bias_unit": "0"}, "in_out") == \
        ["b[l][j] * 1 + sum(W[l][i, j] * a[l - 1][i], (i, 1, n[l - 1]))"]
    assert with_bias_unit(["W[l][j, 0] + W[l][0, j]"], {"bias_unit": "0"}, "out_in") == \
        ["b[l][j] + W[l][0, j]"]
    assert with_bias_unit(side, {}, "in_out") == side
