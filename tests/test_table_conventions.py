"""A Markdown table whose columns state two batch conventions side by side
(`table_columns=conventions`): each display is read in its own column's convention, and a
definition of one column that disagrees leaves only that column's claims not judged.
Fixtures of our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.tablecols import column_convention
from bpcheck.run.runner import run_claims

SETUP = "widths=2,3,2 activation=tanh loss=mse_mean batch=3 reduction=mean gradient_prefix=d " \
        "table_columns=conventions"
ROWS_FORWARD = r"Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]}"
COLUMNS_FORWARD = r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}"
ROWS_BACK = r"dZ^{[l-1]} = dZ^{[l]} W^{[l]T} \odot f'(Z^{[l-1]})"
COLUMNS_BACK = r"dZ^{[l-1]} = W^{[l]T} dZ^{[l]} \odot f'(Z^{[l-1]})"
ROWS_DW = r"dW^{[l]} = \frac{1}{m} A^{[l-1]T} dZ^{[l]}"
COLUMNS_DW = r"dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}"


def _table(rows_header: str, columns_header: str, cells: list[tuple[str, str]]) -> str:
    out = [f"| step | {rows_header} | {columns_header} |", "|:--|:--:|:--:|"]
    out += [f"| {n} | $${r}$$ | $${c}$$ |" for n, (r, c) in enumerate(cells, 1)]
    return "\n".join(out) + "\n"


def _verify(tmp: Path, table: str, setup: str = SETUP) -> list[Kind]:
    path = tmp / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n# Two conventions\n\n{table}",
                    encoding="utf-8")
    nf = read_notes(path)
    assert not [r for f in nf.found for r in f.readings if r.kind == "not understood"]
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def test_each_column_is_read_in_its_own_convention(tmp_path: Path) -> None:
    table = _table("row-wise", "column-wise", [(ROWS_FORWARD, COLUMNS_FORWARD),
                                               (ROWS_BACK, COLUMNS_BACK), (ROWS_DW, COLUMNS_DW)])
    assert _verify(tmp_path, table) == [Kind.VERIFIED] * 6


def test_planted_errors_are_refuted_in_their_column(tmp_path: Path) -> None:
    """The other column's form written in a column is wrong there: a missing transpose
    (W instead of W^T), the product in the other order."""
    table = _table("samples as rows", "samples as columns", [
        (ROWS_FORWARD, COLUMNS_FORWARD),
        (ROWS_BACK.replace("W^{[l]T}", "W^{[l]}"), COLUMNS_BACK),
        (ROWS_DW, r"dW^{[l]} = \frac{1}{m} A^{[l-1]T} dZ^{[l]}")])
    kinds = _verify(tmp_path, table)
    assert kinds == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED,
                     Kind.VERIFIED, Kind.REFUTED]


def test_a_wrong_definition_blocks_only_its_own_column(tmp_path: Path) -> None:
    """The row-wise column's forward pass written in the column-wise order disagrees with
    its setting: its column's claims are not judged, the other column's are decided."""
    table = _table("row-wise", "column-wise", [("Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}",
                                                COLUMNS_FORWARD), (ROWS_DW, COLUMNS_DW)])
    kinds = _verify(tmp_path, table)
    assert kinds == [Kind.ERROR, Kind.VERIFIED, Kind.ERROR, Kind.VERIFIED]


def test_without_the_key_the_table_is_read_in_the_files_defaults(tmp_path: Path) -> None:
    table = _table("row-wise", "column-wise", [(ROWS_FORWARD, COLUMNS_FORWARD),
                                               (ROWS_DW, COLUMNS_DW)])
    kinds = _verify(tmp_path, table, SETUP.replace(" table_columns=conventions", ""))
    assert kinds == [Kind.ERROR, Kind.VERIFIED, Kind.ERROR, Kind.ERROR]  # one setting for all


def test_the_header_words_name_the_convention() -> None:
    text = "|| row-wise | column-wise | notes |\n| :-: | :-: | :-: | :-: |\n" \
           "|x|$$a$$|$$b$$|$$c$$|\n\n|$$d$$|\n"
    row = text.index("$$a")
    assert column_convention(text, row)["row_vectors"] == "true"
    assert column_convention(text, text.index("$$b"))["orientation"] == "out_in"
    assert column_convention(text, text.index("$$c")) == {}  # neither word in its header
    assert column_convention(text, text.index("$$d")) == {}  # a table with no rule: none
    assert column_convention("plain $$a$$ text", 7) == {}


def test_a_wrong_value_is_a_set_up_error(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("<!-- bpcheck-defaults: widths=2,2 table_columns=rowz -->\n\n$$z = 1$$\n",
                    encoding="utf-8")
    errors = [e.message for e in read_notes(path).errors]
    assert any("table_columns" in m and "conventions" in m for m in errors)


def test_an_activation_of_a_row_batch_is_taken_row_by_row(tmp_path: Path) -> None:
    """Softmax of the row-wise batch normalises each sample's row (so `softmax(Z^T)^T` is
    the same); a planted softmax of the transpose, left a column batch, disagrees."""
    setup = SETUP.replace("loss=mse_mean", "output=softmax loss=cross_entropy target=onehot")
    table = _table("row-wise", "column-wise", [
        (r"A^{[l]} = f(Z^{[l]})", r"A^{[l]} = f(Z^{[l]})"),
        (r"A^{[L]} = \mathrm{softmax}(Z^{[L]T})^T", r"A^{[L]} = \mathrm{softmax}(Z^{[L]})"),
        (r"A^{[L]} = \mathrm{softmax}(Z^{[L]T})", r"A^{[L]} = \mathrm{softmax}(Z^{[L]})")])
    kinds = _verify(tmp_path, table, setup)
    assert kinds == [Kind.VERIFIED] * 6 + [Kind.ERROR, Kind.VERIFIED]
