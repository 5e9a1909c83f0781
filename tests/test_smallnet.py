"""Small networks written entry by entry: an ellipsis typed with a stray full stop, a sum up
to `m` (a layer's width), an approximation whose sides are not read, and the cost summed over
the training examples (`\\sum_{\\forall x}`) in a one-example setting."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.lexer import tokenize
from bpcheck.run.runner import run_claims

HEAD = "<!-- bpcheck-defaults: widths=3,2,2 activation=sigmoid loss=mse_sum loss_symbol=C -->\n"


def note(tmp: Path, body: str):
    path = tmp / "n.md"
    path.write_text(HEAD + body, encoding="utf-8")
    return read_notes(path)


def kinds(nf) -> list[str]:
    return [r.kind for f in nf.found for r in f.readings]


def verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def test_full_stops_against_an_ellipsis_are_part_of_it() -> None:
    for tex in (r"a + .… + b", r"a + ….. + b", r"a + \dots. + b", r"a + .\dots + b"):
        assert [t.text for t in tokenize(tex)] == ["a", "+", r"\dots", "+", "b"], tex
    assert [t.text for t in tokenize("x . y")] == ["x", ".", "y"]


def test_an_entry_sum_with_a_stray_stop_is_a_definition(tmp_path: Path) -> None:
    good = r"$$ z^l_j = w^l_{j,1} a^{l-1}_1 + .… + w^l_{j,m} a^{l-1}_m + b^l_j $$" + "\n"
    bad = r"$$ z^l_j = w^l_{j,1} a^{l-1}_1 + .… + w^l_{j,m} a^{l-1}_m - b^l_j $$" + "\n"
    nf = note(tmp_path, good)
    assert kinds(nf) == ["definition"] and verdicts(nf) == [Kind.VERIFIED]
    nf = note(tmp_path, bad)
    assert kinds(nf) == ["definition"] and verdicts(nf) == [Kind.ERROR]  # the setting refutes it


def test_a_sum_up_to_m_runs_over_the_layer_width(tmp_path: Path) -> None:
    good = r"$$ z^{l}_i = \sum_{j=1}^m (w^{l}_{i,j} a^{l-1}_j) + b^{l}_i $$" + "\n"
    nf = note(tmp_path, good)
    assert [f.translation for f in nf.found][0][0].count("n[l - 1]") == 1
    assert kinds(nf) == ["definition"] and verdicts(nf) == [Kind.VERIFIED]
    claim = r"$$ \frac{\partial C}{\partial a^{l-1}_k} = \sum_{i=1}^m \delta^l_i w^l_{k,i} $$" + "\n"
    nf = note(tmp_path, claim)  # a wrong index order: refuted, over the right range
    assert kinds(nf) == ["claim"] and verdicts(nf) == [Kind.REFUTED]


def test_m_is_the_batch_size_in_a_batch_setting(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_text("<!-- bpcheck-defaults: widths=3,2 activation=sigmoid loss=mse_sum batch=4 -->\n"
                    r"$$ z^{[1]}_i = \sum_{j=1}^m W^{[1]}_{ij} a^{[0]}_j + b^{[1]}_i $$" + "\n",
                    encoding="utf-8")
    nf = read_notes(path)
    assert "(j, 1, 4)" in nf.found[0].translation[0] and "n[" not in nf.found[0].translation[0]


def test_an_approximation_without_digits_is_skipped_whatever_its_sides(tmp_path: Path) -> None:
    nf = note(tmp_path, r"$$ \frac{\partial C}{\partial w_k} \approx \frac{1}{m}\sum_{i=1}^m "
                        r"\frac{\partial C_i}{\partial w_k} $$" + "\n")
    assert kinds(nf) == ["skipped"] and nf.claims == []
    nf = note(tmp_path, r"$$ \frac{\partial C}{\partial w_k} = \frac{1}{m}\sum_{i=1}^m "
                        r"\frac{\partial C_i}{\partial w_k} $$" + "\n")
    assert kinds(nf) == ["not understood"]  # the same with = is a claim it cannot read


def test_a_sum_over_the_training_examples_is_skipped_with_its_reason(tmp_path: Path) -> None:
    nf = note(tmp_path, r"$$ C = \frac{1}{n} \sum_{\forall x} C_x $$" + "\n\n"
                        r"$$ \frac{\partial C}{\partial b_k} = \frac{1}{n}\sum_{\forall x}"
                        r"\frac{\partial C_x}{\partial b_k} $$" + "\n")
    assert kinds(nf) == ["skipped", "skipped"]
    assert all("training examples" in r.reason for f in nf.found for r in f.readings)
    nf = note(tmp_path, r"$$ C = \frac{1}{n} \sum_{x} C_x $$" + "\n")
    assert kinds(nf) == ["not understood"]
