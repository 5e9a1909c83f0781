"""Notes as real courses write them (issue 17): derivations one step per display, index
conditions, excluded summation indices, italic function names, letters the note defines,
activation identities read entrywise, tables in Markdown.  Every fixture is our own."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind
from bpcheck.notes.claims import Refs, read_notes
from bpcheck.run.check import check_claim

SOFTMAX = ("<!-- bpcheck-defaults: widths=3,4 activation=sigmoid output=softmax "
           "loss=cross_entropy unmarked=1 loss_symbol=E target=onehot -->\n")


def _read(tmp_path: Path, body: str, head: str = SOFTMAX):
    path = tmp_path / "note.md"
    path.write_text(head + body, encoding="utf-8")
    return read_notes(path, Refs({}, {}))


def _kinds(notes) -> list[Kind]:
    return [check_claim(c).kind for c in notes.claims]


DERIVATION = r"""
$$ \frac{\partial E}{\partial z_m} = -\sum_r y_r \frac{1}{a_r} \frac{\partial a_r}{\partial z_m} $$

$$ = -y_m (1 - a_m) + \sum_{r \neq m} y_r a_m $$

$$ = a_m - y_m $$
"""


def test_a_display_starting_with_equals_continues_the_chain_before(tmp_path):
    notes = _read(tmp_path, DERIVATION)
    assert not notes.errors
    assert [c.sides[0] for c in notes.claims] == ["diff(E, z[1][m])"] * 3
    assert "kdelta(r, m)" in notes.claims[1].sides[1]  # \sum_{r \neq m}
    assert _kinds(notes) == [Kind.VERIFIED] * 3


def test_a_wrong_step_in_a_continued_derivation_is_refuted_at_its_line(tmp_path):
    notes = _read(tmp_path, DERIVATION.replace("= a_m - y_m", "= y_m - a_m"))
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]
    assert notes.claims[2].line == 7


def test_a_display_starting_with_equals_and_nothing_before_is_not_understood(tmp_path):
    notes = _read(tmp_path, "$$ = a_m - y_m $$\n")
    assert not notes.claims
    assert notes.found[0].readings[0].kind == "not understood"


def test_an_index_condition_after_the_formula_is_its_when(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{\partial a_p}{\partial z_q} = a_p (1 - a_p), \quad p = q $$

$$ \frac{\partial a_p}{\partial z_q} = -a_p a_q, \quad p \neq q $$
""")
    assert [c.when for c in notes.claims] == ["q == p", "q != p"] or \
        [c.when for c in notes.claims] == ["p == q", "p != q"]
    assert [r.kind for r in notes.found[0].readings] == ["claim", "skipped"]
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_without_its_condition_the_diagonal_formula_is_refuted(tmp_path):
    notes = _read(tmp_path, r"$$ \frac{\partial a_p}{\partial z_q} = a_p (1 - a_p) $$" + "\n")
    assert _kinds(notes) == [Kind.REFUTED]


ACTIVATIONS = ("<!-- bpcheck-defaults: widths=3,3 activation=sigmoid loss=mse_half "
               "unmarked=1 -->\n")


def test_italic_function_names_and_letters_the_note_defines(tmp_path):
    notes = _read(tmp_path, r"""
$$ u = sigmoid(z) $$

$$ \frac{du}{dz} = u(1-u) $$

$$ v = tanh(z) $$

$$ \frac{dv}{dz} = 1 - v^2 $$
""", ACTIVATIONS)
    assert not notes.errors
    assert notes.claims[0].sides == ("diff(sigmoid(z[1][j]), z[1][j])",
                                     "sigmoid(z[1][j]) * (1 - sigmoid(z[1][j]))")
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_an_activation_identity_is_read_entrywise_and_a_wrong_one_refuted(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{d\sigma(z)}{dz} = \sigma(z)(1-\sigma(z)) $$

$$ \frac{d\sigma(z)}{dz} = \sigma(z)(1+\sigma(z)) $$
""", ACTIVATIONS)
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED]


def test_a_claim_with_two_quantities_is_not_read_entrywise(tmp_path):
    notes = _read(tmp_path, r"$$ \frac{\partial E}{\partial z} = (a - y) \odot \sigma'(z) $$"
                  "\n", ACTIVATIONS.replace("loss=mse_half", "loss=mse_half loss_symbol=E"))
    assert "[j]" not in notes.claims[0].sides[0]


def test_a_letter_in_a_script_or_a_word_is_not_substituted(tmp_path):
    notes = _read(tmp_path, r"""
$$ s = sigmoid(z) $$

$$ \frac{ds}{dz} = s (1 - s) + 0 \cdot \mathrm{sigmoid}(z_s) $$
""", ACTIVATIONS.replace("-->", "where=s=1..3 -->"))
    sides = notes.found[1].translation
    assert sides and "z[1][s]" in sides[0]


def test_dollar_signs_in_a_table_row_do_not_open_a_display(tmp_path):
    notes = _read(tmp_path, r"""
| name | formula |
|---|---|
| sigmoid | $\sigma(z)$ |$$|
||$$|$$|

$$ \frac{d\sigma(z)}{dz} = \sigma(z)(1-\sigma(z)) $$
""", ACTIVATIONS)
    assert len(notes.found) == 1 and notes.found[0].line == 8
    assert _kinds(notes) == [Kind.VERIFIED]


SAMPLES = ("% bpcheck-defaults: widths=3,2,1 activation=sigmoid output=identity loss=mse_half "
           "reduction=mean bias=false loss_symbol=Q unmarked=1 batch=3 samples=s batch_symbol=S "
           "depth_symbol=D\n")

MEAN_COST = r"""
\begin{align}
\frac{\partial Q}{\partial W^{(2)}_k}
&= \frac{1}{S}\sum_{s=1}^{S} \left(\hat y^{(s)} - y^{(s)}\right) a_k^{(s)}
& &\mbox{the chain rule}
\\[6pt]
&= \frac{1}{S}\sum_{s=1}^{S} \left(\hat y^{(s)} - y^{(s)}\right) a_k^{(s)}
& & W^{(2)} \mbox{ is a row}
\end{align}

\[ \nabla_{W^{(2)}} Q = \frac{1}{S}\sum_{s=1}^{S} \left(y^{(s)} - \hat y^{(s)}\right) {a^{(s)}}^T \]
"""


def _read_tex(tmp_path: Path, body: str):
    path = tmp_path / "note.tex"
    path.write_text(SAMPLES + body, encoding="utf-8")
    return read_notes(path, Refs({}, {}))


def test_sample_superscripts_are_columns_of_the_batch(tmp_path):
    notes = _read_tex(tmp_path, MEAN_COST)
    assert not notes.errors
    first, grad = notes.claims
    assert "column(a[1], s)[k]" in first.sides[1] and "(s, 1, 3)" in first.sides[1]
    assert "W[2][k]" in first.sides[0]  # one index on a one-row W
    assert len(first.sides) == 3  # `&=` on the next row continues past the comment column
    assert [check_claim(c).kind for c in notes.claims] == [Kind.VERIFIED, Kind.REFUTED]


def test_a_comment_column_and_a_row_break_with_space_are_not_part_of_the_formula(tmp_path):
    notes = _read_tex(tmp_path, MEAN_COST)
    kinds = [r.kind for r in notes.found[0].readings]
    assert kinds.count("claim") == 1 and "not understood" not in kinds


def test_one_index_on_a_full_matrix_is_not_an_entry(tmp_path):
    path = tmp_path / "m.md"
    path.write_text("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
                    r"$$ \frac{\partial J}{\partial W^{(1)}_k} = \delta^{(1)}_k $$" "\n",
                    encoding="utf-8")
    notes = read_notes(path, Refs({}, {}))
    assert [check_claim(c).kind for c in notes.claims] != [Kind.VERIFIED]


def test_samples_need_a_batch(tmp_path):
    path = tmp_path / "b.md"
    path.write_text("<!-- bpcheck-defaults: widths=3,2 samples=i -->\n$$ y^{(i)} $$\n",
                    encoding="utf-8")
    assert read_notes(path, Refs({}, {})).errors


def test_names_map_the_notes_own_symbols_to_the_settings(tmp_path):
    head = ("<!-- bpcheck-defaults: widths=3,4 activation=sigmoid output=softmax "
            r"loss=cross_entropy loss_symbol=E unmarked=1 target=onehot names=q:a,K_{o}:n_1 -->" "\n")
    notes = _read(tmp_path, r"""
$$ \frac{\partial E}{\partial z_k} = q_k - y_k $$

$$ \frac{\partial E}{\partial z_k} = \frac{1}{K_{o}} \sum_{r=1}^{K_{o}} (q_k - y_k) $$

$$ \frac{\partial E}{\partial z_k} = y_k - q_k $$
""", head)
    assert notes.claims[0].sides == ("diff(E, z[1][k])", "a[1][k] - y[k]")
    assert "n[1]" in notes.claims[1].sides[1]
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_bad_names_are_a_set_up_error(tmp_path):
    notes = _read(tmp_path, "$$ a $$\n", "<!-- bpcheck-defaults: widths=3,4 names=q -->\n")
    assert notes.errors


def test_a_bias_added_to_a_batch_is_broadcast_over_its_samples(tmp_path):
    head = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half batch=3 -->\n")
    notes = _read(tmp_path, r"""
$$ Z^{[1]} = W^{[1]} A^{[0]} + b^{[1]} $$

$$ \frac{\partial J}{\partial b^{[1]}} = \delta^{[1]} $$
""", head)
    definition, derivative = notes.claims
    assert definition.sides[1] == "W[1] * a[0] + b[1] * ones(1, 3)"
    assert derivative.sides[0] == "diff(J, b[1])"  # a bias alone is never broadcast
    assert check_claim(definition).kind == Kind.VERIFIED


GENERIC_HEAD = "<!-- bpcheck-defaults: widths=3,4,2 activation=relu loss=mse_half -->\n"


def test_bare_letters_the_setting_cannot_mean_are_generic_calculus(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{dz}{dx} = \frac{dz}{dg} \cdot \frac{dg}{dx} $$

$$ \frac{\partial L}{\partial w} = \frac{\partial L}{\partial u} \cdot x $$

$$ \frac{ds}{dz} = s(1 - s) $$

$$ \oint z $$
""", GENERIC_HEAD)
    kinds = [f.readings[0].kind for f in notes.found]
    assert kinds == ["skipped", "not understood", "not understood", "not understood"]


def test_shape_statements_are_checked_against_the_setting(tmp_path):
    notes = _read(tmp_path, r"""
$$ W^{(1)} \in \mathbb{R}^{n_1 \times n_0} $$

$$ W^{(2)} \in \mathbb{R}^{3 \times 4} $$

$$ \frac{\partial J}{\partial W^{(2)}} \in \mathbb{R}^{2 \times 4}, \quad \delta^{(2)} \in \mathbb{R}^{2} $$

$$ x \in \mathbb{R}^{n \times 1} $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED, Kind.VERIFIED]
    own_sizes = notes.found[-1].readings[0]
    assert own_sizes.kind == "skipped"  # n is the note's own size: reported, not checked


def test_a_braced_differential_from_a_macro_is_a_total_derivative(tmp_path):
    path = tmp_path / "d.tex"
    path.write_text("% bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half unmarked=1\n"
                    "\\newcommand{\\dd}{{\\mathrm{d}}}\n"
                    "\\[ \\frac{\\dd \\sigma(z)}{\\dd z} = \\sigma(z)(1-\\sigma(z)) \\]\n",
                    encoding="utf-8")
    notes = read_notes(path, Refs({}, {}))
    assert [check_claim(c).kind for c in notes.claims] == [Kind.VERIFIED]


def test_sigma_can_be_the_notes_generic_activation(tmp_path):
    notes = _read(tmp_path, r"$$ a^{(1)} = \sigma(z^{(1)}) $$" "\n",
                  "<!-- bpcheck-defaults: widths=3,4,2 activation=relu loss=mse_half "
                  "activation_symbol=\\sigma -->\n")
    assert notes.claims[0].sides == ("a[1]", "f(z[1])")
    assert _kinds(notes) == [Kind.VERIFIED]


def test_a_generic_activation_over_layers_whose_activations_differ_is_each_layers_own(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{\partial J}{\partial z^{(l)}} = \frac{\partial J}{\partial a^{(l)}} \odot g'(z^{(l)}) $$

$$ \frac{\partial J}{\partial z^{(1)}} = \frac{\partial J}{\partial a^{(1)}} \odot g'(z^{(1)}) $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=relu output=sigmoid loss=mse_half -->\n")
    assert [f.readings[0].kind for f in notes.found] == ["claim", "claim"]
    assert len(notes.claims) == 3  # hidden layers and output layer, then layer 1


def test_a_phi_activation_is_the_settings_f(tmp_path):
    notes = _read(tmp_path, r"""
$$ a^{(1)} = \phi(z^{(1)}) $$

$$ \frac{\partial J}{\partial z^{(2)}} = (a^{(2)} - y) \odot \phi'(z^{(2)}) $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=tanh loss=mse_half "
     "activation_symbol=\\phi -->\n")
    assert notes.claims[0].sides == ("a[1]", "f(z[1])")
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_kramdown_pages_inline_dollars_and_mathjax_script_displays(tmp_path):
    page = ("---\nlayout: post\n---\n"
            "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"
            "The $$i$$th entry of $$\\delta^{(2)}$$ is a number.\n\n"
            '<script type="math/tex; mode=display">\n'
            "\\frac{\\partial J}{\\partial b^{(2)}} = \\delta^{(2)}\n</script>\n\n"
            "$$ \\frac{\\partial J}{\\partial b^{(1)}} = \\delta^{(1)} $$\n")
    path = tmp_path / "post.md"
    path.write_text(page, encoding="utf-8")
    notes = read_notes(path, Refs({}, {}))
    assert [f.line for f in notes.found] == [8, 11]
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_a_markdown_escaped_starred_environment_is_a_display(tmp_path):
    notes = _read(tmp_path, "\\begin{align\\*}\n\\frac{\\partial J}{\\partial b^{(2)}} &= "
                  "\\delta^{(2)}\n\\end{align\\*}\n",
                  "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert _kinds(notes) == [Kind.VERIFIED]


NAMED_SOFTMAX = ("<!-- bpcheck-defaults: widths=4,3 activation=identity output=softmax "
                 "loss=cross_entropy target=onehot unmarked=1 loss_symbol=H names=x:z,s:a -->\n")


def test_names_reach_exponents_subscripts_and_arguments(tmp_path):
    notes = _read(tmp_path, r"""
$$ s(\mathbf x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}} $$

$$ \frac{\partial s(\mathbf x)_i}{\partial x_i} = s(\mathbf x)_i - s(\mathbf x)_i^2 $$

$$ \mathbf J_{\mathbf s}(\log \mathbf s) = \text{diag}\left(\frac{1}{\mathbf s}\right) $$

$$ s(\mathbf x + c)_i = s(\mathbf x)_i $$

$$ s(1 - s) $$
""", NAMED_SOFTMAX)
    reads = [f.readings[0] for f in notes.found]
    assert reads[0].translation.startswith("a[1][i] = exp(z[1][i])")
    assert reads[2].translation == "diff(log(a[1]), a[1]) = diag(1 / a[1])"
    assert reads[3].kind == "not understood"  # s applied to x + c is not the quantity a
    assert reads[4].translation == "a[1] * (1 - a[1])"  # s(1 - s) is a product
    assert _kinds(notes)[:3] == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED]


def test_a_gradient_applies_to_the_name_after_it(tmp_path):
    notes = _read(tmp_path, r"$$ \nabla_{\mathbf x} H = \nabla_{\mathbf s} H \, "
                  r"\mathbf J_{\mathbf x}(\mathbf s) $$" "\n",
                  NAMED_SOFTMAX.replace("-->", "layout=numerator -->"))
    assert notes.claims[0].sides == ("diff(H, z[1])", "diff(H, a[1]) * diff(a[1], z[1])")


def test_an_italic_function_right_after_a_one_letter_subscript(tmp_path):
    notes = _read(tmp_path, r"$$ H = -\sum_{k} y_klog(s_k) $$" "\n", NAMED_SOFTMAX)
    assert notes.claims[0].sides[1] == "-sum(y[k] * log(a[1][k]), (k, 1, n[L]))"


def test_a_bare_n_as_a_sums_bound_is_the_size_of_what_it_runs_over(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{\partial C}{\partial z^L_k}=\sum_{i=1}^n\frac{\partial C}{\partial a^L_i}\frac{\partial a^L_i}{\partial z^L_k} $$

$$ z^l_j = \sum_{i=1}^n W^l_{ji} a^{l-1}_i + b^l_j $$
""", "<!-- bpcheck-defaults: widths=4,3,2 activation=sigmoid loss=mse_sum loss_symbol=C -->\n")
    assert "(i, 1, n[L])" in notes.claims[0].sides[1]
    assert "(i, 1, n[l - 1])" in notes.claims[1].sides[1]
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_a_lowercase_blackboard_letter_is_a_name(tmp_path):
    notes = _read(tmp_path, r"$$ \frac{\partial J}{\partial \mathbb{b}^{(2)}} = \delta^{(2)} $$" "\n",
                  "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert _kinds(notes) == [Kind.VERIFIED]


def test_physics_pdv_escaped_carets_and_greek_names(tmp_path):
    notes = _read(tmp_path, r"""
$$ \pdv{J}{b^{(2)}} = \delta\^{(2)} $$

$$ \pdv{}{z^{(2)}} \left[ \frac{1}{2} \| a^{(2)} - y \|^2 \right] = \pdv{J}{z^{(2)}} $$

$$ \frac{\partial J}{\partial \mathbb{\theta}_i} = \mathbb{\hat{y_i}} - y_i $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid output=softmax loss=cross_entropy "
     "target=onehot names=\\theta:z^{(2)} -->\n")
    assert notes.claims[0].sides == ("diff(J, b[2])", "delta[2]")
    assert notes.claims[1].sides[0] == "diff(1 / 2 * sqnorm(a[2] - y), z[2])"
    assert notes.claims[2].sides == ("diff(J, z[2][i])", "yhat[i] - y[i]")
    # the squared error is not this network's loss (cross-entropy): refuted, as written
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED]


def test_typed_dots_boxed_vectors_and_spacing(tmp_path):
    notes = _read(tmp_path, r"""
$$ \mathbf o = \boxed{2}\boxed{3}\boxed{4} $$

$$ \frac{\partial J}{\partial b^{(2)}} = \delta^{(2)}, \hspace{1mm} \frac{\partial J}{\partial b^{(1)}} = \delta^{(1)} $$

$$ \mathbf x = \begin{bmatrix} x_1 \\ ... \\ x_n \end{bmatrix} $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert notes.found[0].readings[0].kind == "skipped"
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]
    assert notes.found[2].readings[0].kind == "skipped"


RELU = "<!-- bpcheck-defaults: widths=3,4,2 activation=relu loss=mse_half -->\n"


def test_relu_derivatives_as_notes_write_them(tmp_path):
    notes = _read(tmp_path, r"""
$$ \newcommand{\pz}{\partial z} \newcommand{\pa}{\partial a} $$

$$ \frac{\partial a^{(1)}_i}{\partial z^{(1)}_i} = \begin{cases} 1, & z^{(1)}_i > 0 \\ 0, & z^{(1)}_i \leq 0. \end{cases} $$

$$ \frac{\partial a^{(1)}}{\partial z^{(1)}} = \text{diag}(z^{(1)} > 0) $$

$$ \frac{\partial z^{(1)}}{\partial b^{(1)}} = I_{n_1} $$
""", RELU)
    assert notes.found[0].readings[0].kind == "skipped"  # macro definitions only
    assert notes.claims[1].sides[1] == "diag(step(z[1]))"
    assert notes.claims[2].sides[1] == "eye(n[1])"
    assert _kinds(notes) == [Kind.VERIFIED] * 3


ROWS = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half orientation=in_out "
        "row_vectors=true -->\n")


def test_a_note_whose_vectors_are_rows(tmp_path):
    notes = _read(tmp_path, r"""
$$ z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)} $$

$$ \delta^{(l)} = \big(\delta^{(l+1)} (W^{(l+1)})^\top\big) \odot \sigma'(z^{(l)}) $$

$$ \frac{\partial J}{\partial W^{(l)}} = (a^{(l-1)})^\top \delta^{(l)} $$

$$ \frac{\partial J}{\partial W^{(l)}} = \delta^{(l)} (a^{(l-1)})^\top $$
""", ROWS)
    assert notes.claims[1].sides[0] == "transpose(delta[l])"
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_row_vectors_is_a_yes_or_no(tmp_path):
    notes = _read(tmp_path, "$$ a $$\n", ROWS.replace("row_vectors=true", "row_vectors=maybe"))
    assert notes.errors


def test_approx_between_numbers_is_checked_to_the_stated_digits(tmp_path):
    notes = _read(tmp_path, r"""
$$ \sigma(1) \approx 0.731 $$

$$ \sigma(0) \approx 0.6 $$

$$ \tanh(1) \approx 0.7616 $$

$$ \frac{\partial J}{\partial b^{(2)}} \approx 0.25 $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED]
    assert notes.found[3].readings[0].kind == "skipped"  # an example's value, not the setting's


def test_a_hatted_name_can_be_mapped_too(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{\partial L}{\partial y} = y - \hat{y} $$

$$ \frac{\partial L}{\partial w} = (y - \hat{y}) \cdot x $$
""", "<!-- bpcheck-defaults: widths=1,1 activation=identity loss=mse_half unmarked=1 "
     "loss_symbol=L depth_symbol=D names=y:a,\\hat{y}:y -->\n")
    assert notes.claims[0].sides == ("diff(L, a[1])", "a[1] - y")
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED]


def test_an_update_written_with_an_arrow_and_a_generic_sigmoid(tmp_path):
    notes = _read(tmp_path, r"""
$$ w_k \rightarrow w_k - \eta \frac{\partial C}{\partial w_k} $$

$$ \sigma(z) = \frac{1}{1 + e^{-z}} $$

$$ \frac{\partial C}{\partial b^{l}_j} = \delta^{l}_j $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half loss_symbol=C -->\n")
    kinds = [f.readings[0].kind for f in notes.found]
    assert kinds == ["update", "skipped", "claim"]
    assert _kinds(notes) == [Kind.VERIFIED]


def test_a_sum_written_out_with_dots(tmp_path):
    notes = _read(tmp_path, r"""
$$ z^{(1)}_j = W^{(1)}_{j1} a^{(0)}_1 + \dots + W^{(1)}_{jn} a^{(0)}_n + b^{(1)}_j $$

$$ z^{(1)}_j = W^{(1)}_{j1} a^{(0)}_1 + \cdots + W^{(1)}_{j2} a^{(0)}_2 + b^{(1)}_j $$

$$ J = W^{(1)}_{j1} + \dots + W^{(1)}_{jn} a^{(0)}_n $$

$$ z^{(1)}_n = b^{(1)}_n $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert notes.claims[0].sides[1] == "sum(W[1][j, k] * a[0][k], (k, 1, n[0])) + b[1][j]"
    assert [c.id.split("#")[1] for c in notes.claims] == ["L3", "L5"]
    assert [f.readings[0].kind for f in notes.found[2:]] == ["not understood"] * 2
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED]  # 2 terms where the layer has 3


def test_a_derivative_hidden_in_a_macro_is_never_skipped_as_a_picture(tmp_path):
    notes = _read(tmp_path, r"""
$$ \newcommand{\dadb}[2]{\frac{\partial #1}{\partial #2}} $$

$$ \dadb{J}{b^{(2)}} = \begin{bmatrix} \dadb{J}{b^{(2)}_1} \\ ... \\ \dadb{J}{b^{(2)}_n} \end{bmatrix} $$

$$ \mathbf v = \begin{bmatrix} v_1 \\ ... \\ v_n \end{bmatrix} $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    # the dotted column is the gradient of its general entry (tests/test_dotted_matrices.py)
    assert [f.readings[0].kind for f in notes.found] == ["skipped", "claim", "skipped"]


def test_nabla_of_a_quantity_is_the_losss_gradient_by_it(tmp_path):
    notes = _read(tmp_path, r"""
$$ \frac{\partial J}{\partial W^{(2)}} = \nabla z^{(2)} \left(a^{(1)}\right)^T $$

$$ \nabla J = 0 $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n")
    assert notes.claims[0].sides[1] == "diff(J, z[2]) * transpose(a[1])"
    assert notes.found[1].readings[0].kind == "not understood"  # by what: not in the formula
    assert _kinds(notes) == [Kind.VERIFIED]


def test_a_batch_with_samples_as_rows(tmp_path):
    notes = _read(tmp_path, r"""
$$ Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]} $$

$$ dZ^{[L]} = (A^{[L]} - Y) \odot A^{[L]} \odot (1 - A^{[L]}) $$

$$ dW^{[l]} = (A^{[l-1]})^T dZ^{[l]} $$

$$ dW^{[l]} = dZ^{[l]} (A^{[l-1]})^T $$
""", "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half orientation=in_out "
     "row_vectors=true batch=5 gradient_prefix=d -->\n")
    assert notes.claims[0].sides[1] == "transpose(a[l - 1]) * W[l] + ones(5, 1) * transpose(b[l])"
    assert _kinds(notes) == [Kind.VERIFIED, Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_an_identity_of_an_activation_in_the_bare_input_x_is_read_entrywise(tmp_path):
    """`d ReLU(x)/dx` with cases, and σ's rule in x: the scalar rule each entry of x
    follows, as the note means it (read as matrices, a true rule would be refuted on shapes);
    wrong cases and a wrong rule are still refuted."""
    notes = _read(tmp_path, r"""
$$ \frac{\partial}{\partial x} \text{ReLU}(x) = \begin{cases} 1, & x > 0 \\ 0, & x \leq 0 \end{cases} $$

$$ \frac{\partial}{\partial x} \text{ReLU}(x) = \begin{cases} 1, & x > 0 \\ 1, & x \leq 0 \end{cases} $$

$$ \frac{d\sigma(x)}{dx} = \frac{e^{-x}}{(1+e^{-x})^2} = \sigma(x)(1-\sigma(x)) $$

$$ \frac{d\sigma(x)}{dx} = \sigma(x)(1+\sigma(x)) $$
""", ACTIVATIONS)
    assert all("a[0][j]" in c.sides[0] for c in notes.claims)
    assert _kinds(notes) == [Kind.VERIFIED, Kind.REFUTED, Kind.VERIFIED, Kind.REFUTED]


def test_the_input_with_another_quantity_or_in_a_batch_is_not_read_entrywise(tmp_path):
    notes = _read(tmp_path, r"$$ \frac{\partial J}{\partial x} = W^{(1)T} \delta^{(1)} $$" "\n",
                  ACTIVATIONS.replace("unmarked=1 ", ""))
    assert notes.claims[0].sides[0] == "diff(J, x)"
    batch = _read(tmp_path, r"$$ \frac{d\sigma(x)}{dx} = \sigma(x)(1-\sigma(x)) $$" "\n",
                  ACTIVATIONS.replace("unmarked=1", "batch=4 samples_view=off"))
    assert [c.sides for c in batch.claims] == [("diff(sigmoid(x), x)",
                                                 "sigmoid(x) * (1 - sigmoid(x))")]
