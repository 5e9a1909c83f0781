"""What a note says in its words around a display (issue 17): a shorthand it defines in inline
maths (`define $S_K = \\sum_{j=1}^K \\exp(\\theta_j)$`), and the one index condition it states
right before a display (`$i \\neq j$`); names= in a one-token script (`\\sum_{j=1}^K`); an
index both bound in a sum and free beside it.  Fixtures of our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes import prose
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

SOFTMAX = "widths=2,3 activation=identity output=softmax loss=cross_entropy target=onehot " \
          r"unmarked=1 loss_symbol=J names=\theta:z,K:n_1 row_vectors=true layout=numerator"
DIAGONAL = r"\frac{\partial \hat{y}_i}{\partial \theta_i} = \frac{\exp(\theta_i)}{%s} " \
           r"\Big(1 - \frac{\exp(\theta_i)}{%s}\Big) = \hat{y}_i (1 - \hat{y}_i)"
OFF = r"\frac{\partial \hat{y}_i}{\partial \theta_j} = -\frac{\exp(\theta_i)\exp(\theta_j)}" \
      r"{(%s)^2} = %s\hat{y}_i \hat{y}_j"


def _read(tmp: Path, text: str, setup: str = SOFTMAX):
    path = tmp / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n{text}\n", encoding="utf-8")
    nf = read_notes(path)
    readings = [(r.kind, r.translation or r.reason) for f in nf.found for r in f.readings]
    return nf, readings


def _verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def _display(tex: str) -> str:
    return f"$$\n{tex}\n$$\n"


def _script(tex: str) -> str:  # a Jekyll page's display: there `$$j \neq i$$` is inline
    return f'<script type="math/tex; mode=display">\n{tex}\n</script>\n'


SUM = "sum(exp(z[1][j]), (j, 1, n[1]))"


def test_a_shorthand_defined_in_the_words_is_read_as_its_definition(tmp_path: Path) -> None:
    words = r"(define $\sum_K = \displaystyle\sum_{j=1}^{K}\exp(\theta_j)$, here K = 3)" "\n\n"
    good = DIAGONAL % (r"\sum_K", r"\sum_K")
    planted = good.replace(r"(1 - \hat{y}_i)", r"(1 + \hat{y}_i)")
    nf, readings = _read(tmp_path, words + _display(good) + "\nand\n\n" + _display(planted))
    assert [k for k, _ in readings] == ["claim", "claim"]
    assert SUM in readings[0][1] and "\\sum" not in readings[0][1]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]


def test_the_shorthand_is_keyed_on_its_exact_latex(tmp_path: Path) -> None:
    """`\\sum_{j=1}^K` next to the defined `\\sum_K` is still the sum it writes."""
    words = r"Let $\sum_K = \sum_{j=1}^{K}\exp(\theta_j)$." "\n\n"
    tex = r"\frac{\partial \hat{y}_i}{\partial \theta_i} = \frac{\exp(\theta_i)}{\sum_K} - " \
          r"\frac{\exp(\theta_i)^2}{(\sum_{j=1}^K \exp(\theta_j))^2}"
    nf, readings = _read(tmp_path, words + _display(tex))
    assert readings == [("claim", f"diff(yhat[i], z[1][i]) = exp(z[1][i]) / {SUM} - "
                                  f"exp(z[1][i]) ** 2 / {SUM} ** 2")]
    assert _verdicts(nf) == [Kind.VERIFIED]


def test_without_the_words_the_shorthand_is_not_understood(tmp_path: Path) -> None:
    _, readings = _read(tmp_path, _display(DIAGONAL % (r"\sum_K", r"\sum_K")))
    assert [k for k, _ in readings] == ["not understood"]


def test_a_value_or_a_network_letter_is_not_a_shorthand(tmp_path: Path) -> None:
    """`let $K = 3$` gives an example's value (K stays the set-up's n_1); `where $z = ...$`
    is a definition of the setting's own quantity, never substituted."""
    words = r"Let $K = 3$, where $z = 2$; define $S = \sum_{j=1}^K \exp(\theta_j)$." "\n\n"
    tex = r"\frac{\partial \hat{y}_i}{\partial \theta_i} = \frac{\exp(\theta_i)}{S} - " \
          r"\frac{\exp(2\theta_i)}{S^2}"
    assert list(prose.definitions("Let $r = -0.5$, where $q = 2$.", 99, {}, frozenset())) == []
    nf, readings = _read(tmp_path, words + _display(tex))
    assert readings == [("claim", f"diff(yhat[i], z[1][i]) = exp(z[1][i]) / {SUM} - "
                                  f"exp(2 * z[1][i]) / {SUM} ** 2")]
    assert _verdicts(nf) == [Kind.VERIFIED]


def test_a_mapped_name_as_a_one_token_script(tmp_path: Path) -> None:
    """names=K:n_1 reads `^K` as `^{K}` does: the sum's upper limit n_1."""
    good = r"\frac{\partial J}{\partial \theta_i} = -\sum_{j=1}^K \frac{y_j}{\hat{y}_j} " \
           r"\frac{\partial \hat{y}_j}{\partial \theta_i} = \hat{y}_i - y_i"
    planted = good.replace(r"\hat{y}_i - y_i", r"y_i - \hat{y}_i")
    nf, readings = _read(tmp_path, _display(good) + "\nand\n\n" + _display(planted))
    assert [k for k, _ in readings] == ["claim", "claim"]
    assert "(j, 1, n[1])" in readings[0][1]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]


def test_a_condition_stated_right_before_a_display_is_its_when(tmp_path: Path) -> None:
    define = r"Define $S_K = \sum_{j=1}^{K}\exp(\theta_j)$." "\n\n"
    good, planted = OFF % ("S_K", "-"), OFF % ("S_K", "")
    text = define + r"For $i \neq j$:" "\n\n" + _display(good) + \
        "\nagain for $i \\neq j$,\n\n" + _display(planted)
    nf, readings = _read(tmp_path, text)
    assert [k for k, _ in readings] == ["claim", "claim"]
    assert [c.when for c in nf.claims] == ["i != j", "i != j"]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]
    assert "the words before the display" in nf.found[0].readings[0].reason


def test_no_condition_or_an_ambiguous_one_is_not_attached(tmp_path: Path) -> None:
    """Without the words the off-diagonal formula is false on the diagonal; words stating two
    different conditions name none."""
    define = r"Define $S_K = \sum_{j=1}^{K}\exp(\theta_j)$." "\n\n"
    text = define + _display(OFF % ("S_K", "-")) + \
        "\nCompare $i = j$ with $i \\neq j$:\n\n" + _display(OFF % ("S_K", "-"))
    nf, _ = _read(tmp_path, text)
    assert [c.when for c in nf.claims] == ["", ""]
    assert _verdicts(nf) == [Kind.REFUTED, Kind.REFUTED]


def test_a_condition_needs_both_indices_free(tmp_path: Path) -> None:
    """`$i = j$` before a diagonal formula in i alone (j only bound in its sum) is no `when`."""
    text = "Case $i = j$:\n\n" + _display(DIAGONAL % ((r"\sum_{j=1}^K \exp(\theta_j)",) * 2))
    nf, _ = _read(tmp_path, text)
    assert [c.when for c in nf.claims] == [""]
    assert _verdicts(nf) == [Kind.VERIFIED]


def test_an_index_bound_in_a_sum_and_free_beside_it(tmp_path: Path) -> None:
    """The quotient rule written with the sum's own letter as the free index (j ≠ i), in
    kramdown's inline `$$...$$`."""
    setup = "widths=4,3 activation=identity output=softmax loss=cross_entropy " \
            "target=onehot unmarked=1 loss_symbol=H names=x:z,s:a row_vectors=true"
    good = r"\frac{\partial s_i}{\partial x_j} = \frac{\sum_j e^{x_j} \cdot 0 - e^{x_i} " \
           r"e^{x_j}}{(\sum_j e^{x_j})^2} = - s_i s_j"
    planted = good.replace(r"\cdot 0", r"\cdot 1")
    text = "The entry off the diagonal, where $$j \\neq i$$.\n\n" + _script(good) + \
        "\nand where $$j \\neq i$$\n\n" + _script(planted)
    nf, readings = _read(tmp_path, text, setup)
    assert [k for k, _ in readings] == ["claim", "claim"]
    assert [c.when for c in nf.claims] == ["j != i", "j != i"]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]
