"""Conventions stated once in a note's defaults line (issue 17, item 2): layers named by
letters, layers in subscripts, unmarked single-layer names, `dW`-style gradient names, and
the loss symbol written as LaTeX.  Fixtures are formulas of our own in each notation."""
from __future__ import annotations

from pathlib import Path

import pytest

from bpcheck.catalog.files import setting_problem
from bpcheck.model import Kind, Setting
from bpcheck.notes.latex import context_for, statements
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources


def ctx(**params):
    params = {"widths": (3, 4, 2), **params}
    return context_for(Setting("n", "network", tuple(sorted(params.items()))))


def read(tex: str, c) -> str:
    """Each statement of a display as `A = B`, or ERR and the message."""
    out = []
    for s in statements(tex, c):
        out.append(f"ERR {s.error}" if s.error else " = ".join(m.text for m in s.members))
    return " ; ".join(out)


def verdicts(tmp_path: Path, defaults: str, body: str) -> dict[str, Kind]:
    path = tmp_path / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {defaults} -->\n\n{body}", encoding="utf-8")
    catalog = load_sources([path])
    assert not catalog.errors, catalog.errors
    return {c.id.split("#", 1)[1]: check_claim(c).kind for c in catalog.claims}


# ---- 1. layers named by letters -------------------------------------------------------------

@pytest.mark.parametrize("tex, text", [
    (r"W^h", "W[1]"), (r"z^o_j", "z[2][j]"), (r"\delta^o", "delta[2]"), (r"W^{(h)}", "W[1]"),
    (r"W^{[o]T} \delta^{o}", "transpose(W[2]) * delta[2]"),
    (r"\delta^h = (W^o)^T \delta^o \odot a^h \odot (1 - a^h)",
     "delta[1] = transpose(W[2]) * delta[2] % a[1] % (1 - a[1])"),
])
def test_layer_letters(tex: str, text: str) -> None:
    assert read(tex, ctx(layers="h,o")) == text


def test_layer_letters_naming_the_input_too_and_in_toml_lists() -> None:
    assert read(r"a^i = x", ctx(layers=("i", "h", "o"))) == "a[0] = x"
    assert read(r"W^o", ctx(layers=("i", "h", "o"), numbering="ufldl")) == "W[3]"


@pytest.mark.parametrize("tex, text", [
    (r"W_h", "W[1]"), (r"z_{o,j}", "z[2][j]"), (r"\delta_o", "delta[2]"),
    (r"z_o = W_o a_h + b_o", "z[2] = W[2] * a[1] + b[2]"), (r"\delta_{ij}", "kdelta(i, j)"),
])
def test_layers_in_subscripts(tex: str, text: str) -> None:
    assert read(tex, ctx(layers="h,o", layer_marks="subscript")) == text


def test_layer_letters_are_checked_against_the_widths() -> None:
    body = {"kind": "network", "widths": [3, 4, 2]}
    assert setting_problem({**body, "layers": "h"})
    assert setting_problem({**body, "layers": "h,h"})
    assert setting_problem({**body, "layers": "hid,out"})
    assert setting_problem({**body, "layer_marks": "left"})
    assert not setting_problem({**body, "layers": "h,o", "layer_marks": "subscript"})


def test_claim_with_layer_letters(tmp_path: Path) -> None:
    body = r"""<!-- bpcheck: id=delta-h -->
$$ \delta^h = (W^o)^T \delta^o \odot a^h \odot (1 - a^h) $$

<!-- bpcheck: id=wrong -->
$$ \delta^h = W^o \delta^o \odot a^h \odot (1 - a^h) $$
"""
    found = verdicts(tmp_path, "widths=3,3,3 activation=sigmoid loss=mse_half layers=h,o", body)
    assert found == {"delta-h": Kind.VERIFIED, "wrong": Kind.REFUTED}


# ---- 2. unmarked names of a single layer ----------------------------------------------------

@pytest.mark.parametrize("tex, text", [
    (r"z = W x + b", "z[1] = W[1] * x + b[1]"), (r"a = \sigma(z)", "a[1] = sigmoid(z[1])"),
    (r"\delta_j = a_j - y_j", "delta[1][j] = a[1][j] - y[j]"),
    (r"\frac{\partial J}{\partial W_{jk}} = \delta_j x_k", "diff(J, W[1][j, k]) = delta[1][j] * a[0][k]"),
    (r"\delta = a - y", "delta[1] = a[1] - y"), (r"z = wx + b", "z[1] = W[1] * x + b[1]"),
    (r"\delta_{jk}", "kdelta(j, k)"), (r"W^{(1)}", "W[1]"),
])
def test_unmarked_single_layer(tex: str, text: str) -> None:
    assert read(tex, ctx(widths=(3, 2), unmarked="1")) == text


def test_without_the_key_a_bare_name_still_needs_its_layer() -> None:
    assert read(r"z = W x + b", ctx(widths=(3, 2))).startswith("ERR")


def test_unmarked_by_name_or_depth_symbol() -> None:
    assert read(r"z", ctx(layers="h,o", unmarked="o")) == "z[2]"
    assert read(r"z", ctx(unmarked="L")) == "z[L]"
    assert setting_problem({"kind": "network", "widths": [3, 2], "unmarked": "q"})


def test_claim_with_unmarked_names(tmp_path: Path) -> None:
    body = r"""<!-- bpcheck: id=grad-w -->
$$ \frac{\partial J}{\partial W} = \left((a - y) \odot a \odot (1 - a)\right) x^T $$

<!-- bpcheck: id=wrong -->
$$ \frac{\partial J}{\partial W} = (a - y) x^T $$
"""
    found = verdicts(tmp_path, "widths=3,2 activation=sigmoid loss=mse_half unmarked=1", body)
    assert found == {"grad-w": Kind.VERIFIED, "wrong": Kind.REFUTED}


# ---- 3. gradient names dW, db, dZ, dA -----------------------------------------------------

@pytest.mark.parametrize("tex, text", [
    (r"dW^{[l]}", "diff(J, W[l])"), (r"db^{[2]}", "diff(J, b[2])"),
    (r"dz^{[l]} = da^{[l]} \odot g'(z^{[l]})", "diff(J, z[l]) = diff(J, a[l]) % gprime(z[l])"),
    (r"da^{[l-1]} = W^{[l]T} dz^{[l]}", "diff(J, a[l - 1]) = transpose(W[l]) * diff(J, z[l])"),
    (r"\frac{dJ}{dW^{[1]}}", "diff(J, W[1])"),
])
def test_gradient_names(tex: str, text: str) -> None:
    assert read(tex, ctx(gradient_prefix="d")) == text


def test_gradient_names_of_a_batch_with_the_mean_cost_are_per_example() -> None:
    c = ctx(gradient_prefix="d", batch=5, reduction="mean")
    assert read(r"dW^{[l]} = \frac{1}{5} dZ^{[l]} A^{[l-1]T}", c) == \
        "diff(J, W[l]) = 1 / 5 * (5 * diff(J, z[l])) * transpose(a[l - 1])"
    assert read(r"dZ^{[l]}", ctx(gradient_prefix="d", batch=5)) == "diff(J, z[l])"


def test_gradient_name_without_the_key_is_an_error_never_a_product() -> None:
    found = read(r"dW^{[l]} = \delta^{[l]} a^{[l-1]T}", ctx())
    assert found.startswith("ERR") and "gradient_prefix=d" in found


def test_claim_with_gradient_names(tmp_path: Path) -> None:
    body = r"""<!-- bpcheck: id=dw -->
$$ dW^{[2]} = \frac{1}{4} dZ^{[2]} A^{[1]T} $$

<!-- bpcheck: id=wrong -->
$$ dW^{[2]} = dZ^{[2]} A^{[1]T} $$
"""
    defaults = ("widths=3,2,2 activation=sigmoid output=identity loss=mse_half batch=4 "
                "reduction=mean gradient_prefix=d")
    assert verdicts(tmp_path, defaults, body) == {"dw": Kind.VERIFIED, "wrong": Kind.REFUTED}


# ---- 4. the loss symbol as LaTeX, \ell then free for the layer ------------------------------

def test_loss_symbol_in_latex_and_ell_as_the_layer() -> None:
    c = ctx(loss_symbol=r"\mathcal{L}")
    assert read(r"\frac{\partial \mathcal{L}}{\partial W^{(\ell)}}", c) == "diff(calL, W[l])"
    assert read(r"\delta^{(\ell)} = (W^{(\ell+1)})^T \delta^{(\ell+1)} \odot f'^{(\ell)}(z^{(\ell)})",
                c) == "delta[l] = transpose(W[l + 1]) * delta[l + 1] % fprime(z[l])"
    assert read(r"W^\ell", c) == "W[l]"
    assert read(r"\frac{\partial \ell}{\partial W^{(l)}}", ctx()) == "diff(J, W[l])"
    assert read(r"\frac{\partial \ell}{\partial W^{(l)}}", ctx(loss_symbol=r"\ell")) == \
        "diff(ell, W[l])"


def test_per_layer_activation_superscript_needs_one_activation() -> None:
    assert read(r"a^{[l]} = \sigma^{[l]}(z^{[l]})", ctx()) == "a[l] = sigmoid(z[l])"
    assert read(r"a^{[l]} = \sigma^{[l]}(z^{[l]})", ctx(output="softmax")).startswith("ERR")
    assert read(r"\sigma^{2}(u)", ctx()) == "sigmoid(u) ** 2"


def test_claim_with_a_latex_loss_symbol_and_ell_layers(tmp_path: Path) -> None:
    body = r"""<!-- bpcheck: id=rec where="l=1..L-1" -->
$$ \delta^{(\ell)} = (W^{(\ell+1)})^T \delta^{(\ell+1)} \odot f'(z^{(\ell)}) $$

<!-- bpcheck: id=grad -->
$$ \frac{\partial \mathcal{L}}{\partial b^{(2)}} = \delta^{(2)} $$

<!-- bpcheck: id=wrong where="l=1..L-1" -->
$$ \delta^{(\ell)} = W^{(\ell+1)} \delta^{(\ell+1)} \odot f'(z^{(\ell)}) $$
"""
    defaults = r"widths=3,3,3,2 activation=tanh loss=mse_half loss_symbol=\mathcal{L}"
    assert verdicts(tmp_path, defaults, body) == {
        "rec": Kind.VERIFIED, "grad": Kind.VERIFIED, "wrong": Kind.REFUTED}
