"""Issue 17's constructs, each with the test that holds it (an audit of "every construct
above has a test"); the constructs that had none are tested here, on fixtures of our own.

Item 1, one line of set-up:
  every display read from a defaults comment or front matter ..... test_notes_wholefile.py::test_every_statement_is_classified_and_claims_are_decided
  notebook metadata, front matter placement ....................... test_notes.py::test_notebook_source_as_one_string_and_metadata_defaults, test_notes_corpus.py::test_defaults_line_goes_after_front_matter_and_into_notebook_metadata
  `% bpcheck-defaults:` in .tex .................................... test_notes_tex.py::test_the_scanner_sees_line_for_line_without_comments_or_verbatim
  definitions checked; a wrong forward pass is an error ........... test_notes_wholefile.py::test_a_wrong_forward_pass_is_an_error_at_its_line
  updates (\\leftarrow, = with a learning rate) ..................... test_notes_wholefile.py::test_every_statement_is_classified_and_claims_are_decided, test_notes_remarks.py::test_updates_written_with_equals_are_updates
  updates with := ................................................. here: test_generic_loss_bold_hatted_names_and_a_colon_equals_update
  remarks skipped with the reason ................................. test_notes_remarks.py (all)
  annotations override, one per align row ......................... test_notes_wholefile.py::test_tex_rows_carry_their_own_annotation, ::test_check_annotated_opts_out
  `scan` shows each reading ....................................... test_notes_wholefile.py::test_scan_shows_each_statement
Item 2, conventions:
  layers=h,o (and in TOML lists) .................................. test_notes_conventions.py::test_layer_letters, ::test_layer_letters_naming_the_input_too_and_in_toml_lists, ::test_claim_with_layer_letters
  loss_symbol C, E ................................................ test_smallnet.py, test_notes_reading.py::test_names_map_the_notes_own_symbols_to_the_settings (E)
  loss_symbol \\mathcal{L}, \\ell, J (the default) .................. test_notes_conventions.py::test_loss_symbol_in_latex_and_ell_as_the_layer, test_latex.py::test_network_constructs
  ^{[l]}, ^{(l)}, ^l .............................................. test_latex_constructs.py::test_bracket_layers, test_latex.py::test_network_constructs
  subscript layers W_k (layer_marks=subscript) .................... test_notes_conventions.py::test_layers_in_subscripts
  \\mathbf{z}, \\boldsymbol{\\delta} ................................. test_latex.py::test_network_constructs
  \\boldsymbol\\delta unbraced, \\hat{\\mathbf{y}} as ŷ ................. here: test_generic_loss_bold_hatted_names_and_a_colon_equals_update
  Z^L, A^{[l]} with samples as columns ............................ test_latex_constructs.py::test_capital_batch_matrix_with_a_layer_superscript_is_a_layer
  samples as rows ................................................. test_notes_reading.py::test_a_batch_with_samples_as_rows
  no biases: TOML / a note ........................................ test_activations.py::test_a_network_without_biases / test_notes_reading.py::test_sample_superscripts_are_columns_of_the_batch
  weight decay: TOML / a note ..................................... test_weight_decay.py::test_weight_decay_in_a_catalog / ::test_a_regularised_note_read_whole
  a generic activation φ .......................................... test_notes_reading.py::test_a_phi_activation_is_the_settings_f
  a generic loss l(y, ŷ) in a note ................................ here: test_generic_loss_bold_hatted_names_and_a_colon_equals_update
  one-hot targets (true_class=) ................................... test_softmax_classes.py::test_true_and_other_class_letters_are_the_targets_class_and_another
  probability targets: TOML / a note .............................. test_probability_target.py::test_probability_targets / here: test_probability_target_and_p_equals_softmax_f_in_a_note
  definitions p = softmax(f) ...................................... here: test_probability_target_and_p_equals_softmax_f_in_a_note
  per-example δ in a batch: notes (gradient_prefix=d) ............. test_notes_conventions.py::test_gradient_names_of_a_batch_with_the_mean_cost_are_per_example
  per-example δ in a batch: TOML key `delta = "per_example"` ...... here (new key): test_per_example_delta_in_a_toml_catalog, test_per_example_delta_in_a_note
  leaky ReLU, ELU, softplus, swish ................................ test_activations.py::test_derivative_rules_are_verified_and_wrong_ones_refuted, ::test_output_delta_of_each_activation
  layer ranges inferred (to L-1 when W^{(l+1)} is named) .......... test_notes_wholefile.py::test_every_statement_is_classified_and_claims_are_decided
  ... and said in the result (reports: "For:"; JSON: `where`) ..... here: test_the_inferred_layer_range_is_said_in_the_json_result
Item 3, LaTeX:
  \\rightarrow \\to \\Rightarrow \\implies ............................ test_latex_constructs.py::test_arrows_split_a_definition_from_what_follows
  \\text{and} \\textrm{and} \\quad \\qquad , \\\\\\\\ ..................... test_latex_constructs.py::test_separators_make_several_equations, ::test_textrm_and_splits_and_drops_nothing
  \\textrm{prod}, calls with several arguments, \\sum no index/\\sum_j,
  \\lVert\\rVert_F, \\operatorname*, cases, \\underbrace, \\frac{df}{dx},
  \\frac{d\\sigma(x)}{dx}, \\left.\\right|, \\tag \\label \\nonumber, λ,
  Unicode ŷ δ σ ................................................... test_latex_constructs.py::test_constructs_translate
  Greek letters as names .......................................... test_notes_reading.py::test_physics_pdv_escaped_carets_and_greek_names
  trailing \\in \\mathbb{R}^{…} ...................................... test_latex_constructs.py::test_trailing_in_reals_is_a_shape, test_notes_reading.py::test_shape_statements_are_checked_against_the_setting
  \\geq >= \\le \\neq .................................................. test_latex_constructs.py::test_inequalities_are_reported_not_checked
  \\approx with the stated digits .................................... test_latex_constructs.py::test_approx_takes_the_stated_digits_as_tolerance, test_notes_reading.py::test_approx_between_numbers_is_checked_to_the_stated_digits
  \\mid .............................................................. test_latex_constructs.py::test_reported_with_the_construct, test_entrywise_names.py::test_a_list_of_quantities_split_by_a_bar_is_skipped
  \\nabla C with the variable from context ........................... here (new): test_bare_nabla_takes_its_variable_from_the_words_before, test_bare_nabla_from_the_display_or_ambiguous
  macros (\\newcommand \\def \\gdef \\renewcommand) ...................... test_latex_constructs.py::test_macros_the_note_defines_are_expanded, ::test_a_macro_that_calls_itself_is_an_error
Item 4, .tex:
  equation, eqnarray, \\[…\\], % annotations, exact lines ............ test_notes_tex.py::test_formulas_annotations_and_lines_are_the_documents_own
  gather, multline, starred, $$…$$ in .tex ........................ here: test_tex_gather_multline_starred_and_dollars
  align rows ...................................................... test_notes_wholefile.py::test_tex_rows_carry_their_own_annotation
  \\input not followed ............................................... test_notes_tex.py::test_input_is_not_followed
  a folder of .tex, never read as TOML ............................ test_notes_tex.py::test_a_folder_with_tex_notes_is_scanned_and_verified, ::test_a_tex_file_is_never_read_as_toml
Item 5, never silent, never a crash:
  every statement read or reported ................................ test_latex_constructs.py::test_fuzz_translated_or_latex_error, test_notes_not_checked.py (all)
  ∂z_i/∂w_ij raised ValueError .................................... test_latex_constructs.py::test_derivative_by_an_entry_the_formula_does_not_depend_on
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.cli import main
from bpcheck.model import Kind, Options
from bpcheck.mutation.oracle import EQUAL, judge
from bpcheck.notes.claims import read_notes
from bpcheck.run.check import check_claim
from bpcheck.run.runner import run_claims

NET = "widths=3,4,2 activation=sigmoid loss=mse_half"


def _note(tmp: Path, name: str, text: str):
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return read_notes(path)


def _readings(nf) -> list[tuple[str, str, str]]:
    return [(r.kind, r.translation, r.reason) for f in nf.found for r in f.readings]


def _verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


# ---- \nabla C with the variable from context ----------------------------------------------

NABLA_MD = rf"""<!-- bpcheck-defaults: {NET} loss_symbol=C -->

The gradient of the cost with respect to the output activations $a^L$ is

$$ \nabla C = a^L - y $$

and with respect to $W^L$ it is the outer product

$$ \nabla C = \delta^L (a^{{L-1}})^T $$
"""


def test_bare_nabla_takes_its_variable_from_the_words_before(tmp_path: Path) -> None:
    nf = _note(tmp_path, "n.md", NABLA_MD)
    (k1, t1, r1), (k2, t2, _) = _readings(nf)
    assert (k1, t1) == ("claim", "diff(C, a[L]) = a[L] - y") and "a^L" in r1
    assert (k2, t2) == ("claim", "diff(C, W[L]) = delta[L] * transpose(a[L - 1])")
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED]
    # in a LaTeX document: the variable typed bare in the words, and \( … \) math
    tex = (f"% bpcheck-defaults: {NET} loss_symbol=C\n"
           "The gradient of C with respect to the output activations a^L is\n"
           "\\begin{equation}\n  \\nabla C = y - a^L\n\\end{equation}\n"
           "and w.r.t.\\ the weights \\(W^L\\) it is\n"
           "\\[ \\nabla C = \\delta^L (a^{L-1})^T \\]\n")
    nf = _note(tmp_path, "n.tex", tex)
    assert [t for _, t, _ in _readings(nf)] == ["diff(C, a[L]) = y - a[L]",
                                                "diff(C, W[L]) = delta[L] * transpose(a[L - 1])"]
    assert _verdicts(nf) == [Kind.REFUTED, Kind.VERIFIED]  # the planted sign is caught


def test_bare_nabla_from_the_display_or_ambiguous(tmp_path: Path) -> None:
    nf = _note(tmp_path, "n.md", rf"""<!-- bpcheck-defaults: {NET} loss_symbol=C -->

Here we differentiate with respect to $W^L$ and $b^L$:

$$ \nabla C = 0 $$

$$ \nabla C = \frac{{\partial C}}{{\partial a^L}} $$

$$ \nabla C = 2 (a^L - y) $$
""")
    (k1, _, r1), (k2, t2, r2), (k3, _, r3) = _readings(nf)
    assert k1 == "not understood" and "W^L" in r1 and "b^L" in r1  # two named: which one?
    assert (k2, t2) == ("claim", "diff(C, a[L]) = diff(C, a[L])") and "display" in r2
    assert k3 == "not understood" and r"\nabla" in r3  # no context at all: never guessed


# ---- per-example δ in a batch: the TOML key ------------------------------------------------

PER_EXAMPLE = '''
[setting.{name}]
kind = "network"
widths = [3, 4, 2]
activation = "sigmoid"
loss = "{loss}"
batch = 3
reduction = "{reduction}"
{key}

[[claim]]
id = "out-{name}"
source = "own"
setting = "{name}"
quantity = "delta[L]"
formula = "{formula}"
'''
OUT_DELTA = "(a[L] - y) % a[L] % (1 - a[L])"


def _catalog(tmp: Path, **kw: str):
    path = tmp / f"{kw['name']}.toml"
    path.write_text(PER_EXAMPLE.format(**kw), encoding="utf-8")
    (claim,) = load_catalog([path]).claims
    return claim


@pytest.mark.parametrize("reduction, key, holds", [
    ("mean", 'delta = "per_example"', True), ("mean", "", False),
    ("sum", 'delta = "per_example"', True), ("sum", 'delta = "batch"', True)])
def test_per_example_delta_in_a_toml_catalog(tmp_path: Path, reduction: str, key: str,
                                             holds: bool) -> None:
    claim = _catalog(tmp_path, name="s", loss="mse_half", reduction=reduction, key=key,
                     formula=OUT_DELTA)
    assert check_claim(claim).kind == (Kind.VERIFIED if holds else Kind.REFUTED)
    (oracle,) = judge(claim, [OUT_DELTA])  # the independent oracle agrees
    assert (oracle.kind == EQUAL) == holds


def test_per_example_delta_of_the_mean_squared_error_and_a_bad_value(tmp_path: Path) -> None:
    # mse_mean is a mean over every entry: each sample's own δ is N times the batch's
    claim = _catalog(tmp_path, name="m", loss="mse_mean", reduction="sum",
                     key='delta = "per_example"', formula=f"2 / 2 * {OUT_DELTA}")
    assert check_claim(claim).kind == Kind.VERIFIED
    path = tmp_path / "bad.toml"
    path.write_text(PER_EXAMPLE.format(name="b", loss="mse_half", reduction="mean",
                                       key='delta = "each"', formula=OUT_DELTA), encoding="utf-8")
    errors = load_catalog([path]).errors
    assert errors and "delta" in errors[0].message and errors[0].line > 0


def test_per_example_delta_in_a_note(tmp_path: Path) -> None:
    body = r"""

$$ \delta^{[L]} = (A^{[L]} - Y) \odot A^{[L]} \odot (1 - A^{[L]}) $$

$$ \frac{\partial J}{\partial W^{[L]}} = \frac{1}{m} \delta^{[L]} (A^{[L-1]})^T $$
"""
    setup = f"<!-- bpcheck-defaults: {NET} batch=3 reduction=mean"
    assert _verdicts(_note(tmp_path, "p.md", setup + " delta=per_example -->" + body)) == \
        [Kind.VERIFIED, Kind.VERIFIED]
    assert _verdicts(_note(tmp_path, "b.md", setup + " -->" + body)) == \
        [Kind.REFUTED, Kind.REFUTED]


# ---- set-up conventions that had no test of their own --------------------------------------

def test_generic_loss_bold_hatted_names_and_a_colon_equals_update(tmp_path: Path) -> None:
    nf = _note(tmp_path, "g.md", r"""<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=generic -->

$$ J = l(\mathbf{y}, \hat{\mathbf{y}}) $$

$$ \boldsymbol\delta^{(l)} = ((W^{(l+1)})^T \boldsymbol\delta^{(l+1)}) \odot \sigma'(\mathbf{z}^{(l)}) $$

$$ \frac{\partial J}{\partial \hat{\mathbf{y}}} = \frac{\partial J}{\partial \mathbf{a}^{(L)}} $$

$$ \frac{\partial J}{\partial W^{(l)}} = (\mathbf{a}^{(l-1)})^T \boldsymbol\delta^{(l)} $$

$$ W^{(l)} := W^{(l)} - \eta \frac{\partial J}{\partial W^{(l)}} $$
""")
    kinds = [k for k, _, _ in _readings(nf)]
    assert kinds == ["definition", "claim", "claim", "claim", "update"]
    assert nf.claims[1].sides[0] == "delta[l]" and nf.claims[2].sides[0] == "diff(J, yhat)"
    # for every loss: the recurrence and ŷ = a^(L) hold, the swapped outer product does not
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_probability_target_and_p_equals_softmax_f_in_a_note(tmp_path: Path) -> None:
    body = r""" unmarked=1 names=p:a,f:z loss_symbol=\mathcal{L} -->

$$ p = \mathrm{softmax}(f) $$

$$ \mathcal{L} = -\sum_k y_k \log p_k $$

$$ \frac{\partial \mathcal{L}}{\partial f_i} = p_i - y_i $$
"""
    setup = "<!-- bpcheck-defaults: widths=3,3 activation=identity output=softmax " \
            "loss=cross_entropy target="
    nf = _note(tmp_path, "p.md", setup + "probability" + body)
    assert [k for k, _, _ in _readings(nf)] == ["definition", "definition", "claim"]
    assert nf.claims[0].sides == ("a[1]", "softmax(z[1])")
    assert _verdicts(nf) == [Kind.VERIFIED] * 3
    # with a free target Σy = 1 is not given, and p − y is not the gradient
    assert _verdicts(_note(tmp_path, "f.md", setup + "free" + body))[-1] == Kind.REFUTED


def test_tex_gather_multline_starred_and_dollars(tmp_path: Path) -> None:
    nf = _note(tmp_path, "e.tex", f"% bpcheck-defaults: {NET}\n" r"""\begin{gather}
  \delta^{(L)} = (a^{(L)} - y) \odot \sigma'(z^{(L)})
\end{gather}
\begin{multline*}
  \frac{\partial J}{\partial b^{(l)}} = \delta^{(l)}
\end{multline*}
$$ \frac{\partial J}{\partial b^{(L)}} = \delta^{(L)} $$
\begin{equation*}
  \delta^{(l)} = (W^{(l+1)})^T \delta^{(l+1)} \odot \sigma'(z^{(l)})
\end{equation*}
\begin{gather*}
  \delta^{(L)} = (y - a^{(L)}) \odot \sigma'(z^{(L)})
\end{gather*}
""")
    assert [c.line for c in nf.claims] == [3, 6, 8, 10, 13]  # the document's own lines
    assert _verdicts(nf) == [Kind.VERIFIED] * 4 + [Kind.REFUTED]


def test_the_inferred_layer_range_is_said_in_the_json_result(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.md"
    path.write_text(f"<!-- bpcheck-defaults: {NET} -->\n\n"
                    r"$$ \delta^{(l)} = (W^{(l+1)})^T \delta^{(l+1)} \odot \sigma'(z^{(l)}) $$"
                    "\n", encoding="utf-8")
    assert main(["verify", "--no-cache", "--format", "json", str(path)]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["where"] == {"l": "1..L-1"}  # W^{(l+1)} exists up to L-1
