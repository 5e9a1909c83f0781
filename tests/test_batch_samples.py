"""A batch note that writes both the batch's capital matrices and one sample's lower-case
vectors (`dZ^{[l]} = …` beside `dz^{[l]} = …`): each formula is read and decided as the
kind it is, the per-sample ones in the network with one sample."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind
from bpcheck.notes.claims import read_notes
from bpcheck.notes.context import NETWORK
from bpcheck.notes.views import about_batch
from bpcheck.run.check import Options
from bpcheck.run.runner import run_claims

MEAN = ("widths=3,4,2 activation=sigmoid output=identity loss=mse_half batch=5 "
        "reduction=mean gradient_prefix=d")


def _run(tmp_path: Path, defaults: str, body: str) -> dict[str, tuple[Kind, str]]:
    path = tmp_path / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {defaults} -->\n\n{body}", encoding="utf-8")
    notes = read_notes(path)
    assert not notes.errors, notes.errors
    pairs = run_claims(notes.claims, Options(shrink=False, diagnose=False), jobs=1)
    return {c.id.split("#", 1)[1]: (v.kind, c.setting.name) for c, v in pairs}


def test_batch_and_sample_formulas_in_one_display_are_each_read_as_written(tmp_path):
    body = r"""
$$ dZ^{[2]} = A^{[2]} - Y \qquad dz^{[2]} = a^{[2]} - y $$

$$ dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T} \qquad dW^{[2]} = dz^{[2]} a^{[1]T} $$

$$ db^{[2]} = 2\, dz^{[2]} $$

$$ dW^{[2]} = dZ^{[2]} A^{[1]T} $$
"""
    got = _run(tmp_path, MEAN, body)
    assert {k: v[0] for k, v in got.items()} == {
        "L4-1": Kind.VERIFIED, "L4-2": Kind.VERIFIED, "L6-1": Kind.VERIFIED,
        "L6-2": Kind.VERIFIED, "L8": Kind.REFUTED, "L10": Kind.REFUTED}
    assert "(one sample)" in got["L4-2"][1] and "(one sample)" not in got["L4-1"][1]
    assert "(one sample)" not in got["L10"][1]  # the 1/m is missing from the batch's dW


def test_a_per_sample_loss_is_the_samples_own_not_the_batch_mean(tmp_path):
    body = r"""
$$ J = \frac{1}{2} \sum_j (a^{[2]}_j - y_j)^2 $$

$$ \frac{\partial J}{\partial a^{[2]}} = a^{[2]} - y $$
"""
    got = _run(tmp_path, MEAN, body)
    assert {k: v[0] for k, v in got.items()} == {"L4": Kind.VERIFIED, "L6": Kind.VERIFIED}
    off = _run(tmp_path, MEAN + " samples_view=off", body)  # lower case read as the batch
    assert off["L4"][0] is not Kind.VERIFIED


def test_a_definition_of_the_other_convention_blocks_only_its_own_formulas(tmp_path):
    body = r"""
$$ Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]} $$

$$ dZ^{[2]} = A^{[2]} - Y $$

$$ z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]} $$

$$ dz^{[2]} = a^{[2]} - y $$
"""
    got = _run(tmp_path, MEAN, body)
    assert got["L4"][0] is Kind.ERROR and got["L6"][0] is Kind.ERROR  # the row-wise batch
    assert got["L8"][0] is Kind.VERIFIED and got["L10"][0] is Kind.VERIFIED


def test_entries_of_the_batch_matrices_with_the_sample_index(tmp_path):
    defaults = "widths=3,4,2 activation=tanh output=sigmoid loss=binary_cross_entropy " \
               "batch=4 samples=n"
    body = r"""
$$ \frac{\partial J}{\partial b^{(2)}_i} = \sum_{n=1}^{N} \frac{\partial J}{\partial Z^{(2)}_{i,n}} $$

$$ \frac{\partial J}{\partial W^{(2)}_{i,j}} = \sum_{n=1}^{N} \frac{\partial J}{\partial Z^{(2)}_{i,n}} A^{(1)}_{j,n} $$

$$ \frac{\partial J}{\partial b^{(2)}_i} = \frac{1}{N} \sum_{n=1}^{N} \frac{\partial J}{\partial Z^{(2)}_{i,n}} $$
"""
    got = _run(tmp_path, defaults, body)
    assert {k: v[0] for k, v in got.items()} == {
        "L4": Kind.VERIFIED, "L6": Kind.VERIFIED, "L8": Kind.REFUTED}


def test_what_names_the_batch() -> None:
    from dataclasses import replace
    ctx = replace(NETWORK, batch=True, batch_size=5, samples=frozenset({"i"}))
    assert about_batch(r"dZ^{[l]} = A^{[l]} - Y", ctx)
    assert about_batch(r"\frac{1}{m} \sum_i", ctx)
    assert about_batch(r"a^{[L](i)}", ctx)
    assert not about_batch(r"dz^{[l]} = a^{[l]} - y", ctx)
    assert not about_batch(r"z_i = \text{sum of } w_{ij} a_j", ctx)  # a word names nothing
    assert not about_batch(r"a_{i}^{[l]}", ctx)  # i as a unit's index, not (i)
