"""A small network named entry by entry, as beginner tutorials write it: layers in digits
(`w^2_{11}`, `b_{21}`, an output `O_{11}`), a prime for layer 1 (`w_{12}'`), weights from→to,
the example's index (`x_{i1}`), rows opened by words (`\\text{where }`, `\\text{Thus, }`) and a
list of quantities split by `\\mid`.  The fixtures are our own formulas in that notation."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

SETUP = ("widths=2,2,1 activation=identity loss=mse_mean loss_symbol=L depth_symbol=D orientation=in_out "
         "names=Y:y,O:a")
DIGITS = SETUP + " layer_digits=true prime_layer=1 example_index=i"


def note(tmp: Path, body: str, defaults: str = DIGITS):
    path = tmp / "n.md"
    path.write_text(f"<!-- bpcheck-defaults: {defaults} -->\n" + body, encoding="utf-8")
    return read_notes(path)


def kinds(nf) -> list[str]:
    return [r.kind for f in nf.found for r in f.readings]


def verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def test_a_digit_superscript_is_the_layer_never_a_power(tmp_path: Path) -> None:
    good = r"$$ \frac{\partial L}{\partial w_{21}^2} = -2(Y - \hat{Y}) O_{12} $$" + "\n"
    nf = note(tmp_path, good)
    assert nf.claims[0].sides == ("diff(L, W[2][2, 1])", "-(2 * (y - yhat) * a[1][2])")
    assert verdicts(nf) == [Kind.VERIFIED]
    nf = note(tmp_path, good.replace("O_{12}", "O_{11}"))  # the other hidden output
    assert verdicts(nf) == [Kind.REFUTED]
    nf = note(tmp_path, good, SETUP)  # without the key: not read (never w squared)
    assert kinds(nf) == ["not understood"] and nf.claims == []


def test_a_vectors_two_digit_subscript_is_layer_then_entry(tmp_path: Path) -> None:
    nf = note(tmp_path, r"$$ \frac{\partial \hat{Y}}{\partial b_{21}} = 1 $$" + "\n\n"
                        r"$$ \frac{\partial \hat{Y}}{\partial O_{12}} = w_{21}^2 $$" + "\n\n"
                        r"$$ \frac{\partial \hat{Y}}{\partial O_{12}} = w_{11}^2 $$" + "\n")
    assert nf.claims[0].sides == ("diff(yhat, b[2][1])", "1")
    assert verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_weights_run_from_to_as_declared(tmp_path: Path) -> None:
    body = r"$$ \frac{\partial O_{12}}{\partial w_{12}'} = x_{i1} $$" + "\n"  # input 1 to hidden 2
    assert verdicts(note(tmp_path, body)) == [Kind.VERIFIED]
    to_from = DIGITS.replace("orientation=in_out", "orientation=out_in")
    assert verdicts(note(tmp_path, body, to_from)) == [Kind.REFUTED]


def test_a_prime_marks_layer_one_and_must_agree_with_a_written_layer(tmp_path: Path) -> None:
    nf = note(tmp_path, r"$$ \frac{\partial L}{\partial b_{12}'} = -2(Y - \hat{Y}) w_{21}^2 $$"
                        "\n")
    assert nf.claims[0].sides[0] == "diff(L, b[1][2])" and verdicts(nf) == [Kind.VERIFIED]
    nf = note(tmp_path, r"$$ \frac{\partial L}{\partial b_{21}'} = -2(Y - \hat{Y}) $$" + "\n")
    assert kinds(nf) == ["not understood"]  # layer 2 written, layer 1 marked


def test_the_example_index_names_the_one_example(tmp_path: Path) -> None:
    nf = note(tmp_path, r"$$ \frac{\partial O_{11}}{\partial w_{11}'} = \frac{\partial}"
                        r"{\partial w_{11}'} [x_{i1} w_{11}' + x_{i2} w_{21}' + b_{11}'] "
                        r"= x_{i1} $$" + "\n")
    assert "a[0][1] * W[1][1, 1]" in nf.claims[0].sides[1]
    assert verdicts(nf) == [Kind.VERIFIED]


def test_rows_opened_by_where_and_thus_are_read(tmp_path: Path) -> None:
    nf = note(tmp_path, "$$\n\\begin{aligned}\n"
              r"\frac{\partial L}{\partial b_{21}} &= \frac{\partial L}{\partial \hat{Y}} "
              r"\cdot \frac{\partial \hat{Y}}{\partial b_{21}} \\" "\n"
              r"\text{where } \frac{\partial L}{\partial \hat{Y}} &= -2(Y - \hat{Y}) \\" "\n"
              r"\text{Thus, } \frac{\partial L}{\partial b_{21}} &= 2(Y - \hat{Y})" "\n"
              "\\end{aligned}\n$$\n")
    assert kinds(nf) == ["claim", "claim", "claim"]
    assert verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]  # the sign is lost
    nf = note(tmp_path, r"$$ \text{where the weights are fixed} $$" + "\n")
    assert kinds(nf) == ["skipped"]  # words alone stay a remark


def test_a_list_of_quantities_split_by_a_bar_is_skipped(tmp_path: Path) -> None:
    nf = note(tmp_path, r"$$ \frac{\partial L}{\partial w_{11}'}, \frac{\partial L}"
                        r"{\partial b_{11}'} \mid \frac{\partial L}{\partial w_{11}^2}, "
                        r"\frac{\partial L}{\partial b_{21}} $$" + "\n")
    assert kinds(nf) == ["skipped"] * 4 and nf.claims == []


def test_bad_values_of_the_keys_are_set_up_errors(tmp_path: Path) -> None:
    for bad in ("prime_layer=one", "layer_digits=yes", "example_index=ij"):
        nf = note(tmp_path, "$$ a $$\n", f"{SETUP} {bad}")
        assert nf.errors, bad
