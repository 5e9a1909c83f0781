"""Notes that survey activations and losses section by section (issue 17): an activation
identity under a heading naming one activation is read with that activation in every layer;
a loss named by a word subscript of another kind is the note's other loss (skipped with the
reason); a loss defined entrywise in the vectors y, ŷ is the sum of its entries; a condition in
the words before a display survives the one-sample reading of a batch note.  Fixtures of our
own, in letter-named layers (h the pre-activation, z the activation, c the bias)."""
from __future__ import annotations

from pathlib import Path

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.notes.namedloss import loss_label
from bpcheck.notes.sectionact import heading_activation, is_activation_identity
from bpcheck.run.runner import run_claims

MIXED = r"widths=3,4,2 activation=tanh output=sigmoid loss=binary_cross_entropy " \
        r"loss_symbol=\mathcal{L} names=h:z,z:a,c:b"
BATCH = MIXED + " batch=4 samples=n names=h:z,z:a,c:b,H:Z,Z:A"


def _read(tmp: Path, text: str, setup: str = MIXED):
    path = tmp / "note.md"
    path.write_text(f"<!-- bpcheck-defaults: {setup} -->\n\n{text}\n", encoding="utf-8")
    nf = read_notes(path)
    return nf, [(r.kind, r.translation or r.reason) for f in nf.found for r in f.readings]


def _verdicts(nf) -> list[Kind]:
    return [v.kind for _, v in run_claims(nf.claims, Options(), jobs=1)]


def _section(heading: str, *displays: str) -> str:
    return f"## {heading}\n\nWe have\n\n" + "\n".join(f"$$\n{d}\n$$\n" for d in displays)


RELU_ENTRY = r"\frac{\partial z^{(l)}_i}{\partial h^{(l)}_i} = \begin{cases} 1, & " \
             r"h^{(l)}_i > 0 \\ %s, & h^{(l)}_i \leq 0 \end{cases}"
SIGMOID_ENTRY = r"\frac{\partial z^{(l)}_i}{\partial h^{(l)}_i} = \sigma(h^{(l)}_i)" \
                r"(1 %s \sigma(h^{(l)}_i))"
LINEAR_DIAG = r"\frac{\partial \mathbf{z}^{(l)}}{\partial \mathbf{h}^{(l)}} = %s"


def test_heading_names_one_activation() -> None:
    assert heading_activation("ReLU") == "relu"
    assert heading_activation("2.2 The Linear Activation Function") == "identity"
    assert heading_activation("Leaky ReLU") == "leaky_relu"
    assert heading_activation("Sigmoid") == "sigmoid"
    assert heading_activation("ReLU versus sigmoid") == ""
    assert heading_activation("Gradients of the weights") == ""


def test_only_one_layers_a_and_z_make_an_activation_identity() -> None:
    assert is_activation_identity(["diff(a[l][i], z[l][i])", "step(z[l][i])"])
    assert is_activation_identity(["diff(f(x), x)", "1"])
    assert not is_activation_identity(["diff(a[l], z[l - 1])", "W[l]"])
    assert not is_activation_identity(["diff(a[l][i], z[l][i])", "a[l - 1][i]"])
    assert not is_activation_identity(["diff(calL, a[l])", "y"])
    assert not is_activation_identity(["a[l]", "relu(z[l])"])  # no derivative: a definition


def test_identities_under_an_activation_heading_use_that_activation(tmp_path: Path) -> None:
    """In a tanh/sigmoid network, each section's identity holds for its own activation; a
    planted error in each is refuted."""
    text = _section("ReLU", RELU_ENTRY % "0", RELU_ENTRY % "1") + \
        _section("Sigmoid", SIGMOID_ENTRY % "-", SIGMOID_ENTRY % "+") + \
        _section("Linear", LINEAR_DIAG % r"I_{D_l}", LINEAR_DIAG % r"2 I_{D_l}") + \
        _section("The linear activation function", r"\frac{d f(x)}{d x} = 1",
                 r"\frac{d f(x)}{d x} = 0")
    nf, readings = _read(tmp_path, text, MIXED + " names=h:z,z:a,c:b,D:n")
    assert [k for k, _ in readings] == ["claim"] * 8
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED] * 4
    assert all(c.setting.get("activation") == c.setting.get("output") for c in nf.claims)
    assert "Sigmoid" in nf.found[2].readings[0].reason


def test_without_the_heading_the_setting_decides(tmp_path: Path) -> None:
    """The same ReLU identity under a heading naming no activation is about the tanh/sigmoid
    layers of the setting: refuted, never silently read in ReLU."""
    nf, _ = _read(tmp_path, _section("Gradients of the activations", RELU_ENTRY % "0"))
    assert _verdicts(nf) == [Kind.REFUTED]


def test_a_claim_beyond_one_layer_keeps_the_setting(tmp_path: Path) -> None:
    """Under a ReLU heading, δ-style claims that reach other layers keep the setting's tanh."""
    claim = r"\frac{\partial z^{(l)}_i}{\partial z^{(l-1)}_j} = (1 - (z^{(l)}_i)^2) W^{(l)}_{ij}"
    nf, _ = _read(tmp_path, _section("ReLU", claim))
    assert all(c.setting.get("activation") == "tanh" for c in nf.claims)


# ---- named losses -------------------------------------------------------------------------

RSS_DEF = r"\mathcal{L}_{RSS}(\hat{\mathbf{y}}) = (\mathbf{y} - \hat{\mathbf{y}})^2"
RSS_GRAD = r"\frac{\partial \mathcal{L}_{RSS}}{\partial \hat{\mathbf{y}}} = " \
           r"-2(\mathbf{y} - \hat{\mathbf{y}})"
LOG_DEF = r"\mathcal{L}_{\text{Log}}(\hat{\mathbf{y}}) = -\Big(\mathbf{y}\log\hat{\mathbf{y}} " \
          r"%s (1 - \mathbf{y})\log(1 - \hat{\mathbf{y}})\Big)"
LOG_GRAD = r"\frac{\partial \mathcal{L}_{Log}}{\partial \hat{\mathbf{y}}} = " \
           r"-\frac{\mathbf{y}}{\hat{\mathbf{y}}} %s \frac{1 - \mathbf{y}}{1 - \hat{\mathbf{y}}}"


def test_loss_label() -> None:
    assert loss_label(RSS_DEF, r"\mathcal{L}") == "RSS"
    assert loss_label(LOG_DEF, r"\mathcal{L}") == "Log"
    assert loss_label(r"\mathcal{L}_{i} = 1", r"\mathcal{L}") == ""  # an index, not a name
    assert loss_label(r"J_\text{CE} = 1", "J") == "CE"


def test_another_named_loss_is_skipped_and_the_settings_is_checked(tmp_path: Path) -> None:
    """RSS in a cross-entropy setting: its definition and derivative are the note's other
    loss (skipped, not a disagreement that leaves the rest unjudged); the log loss, defined
    entrywise in y and ŷ, is the setting's and its derivative is decided (a planted sign
    error refuted)."""
    text = _section("Losses", RSS_DEF, RSS_GRAD, LOG_DEF % "+", LOG_GRAD % "+",
                    LOG_GRAD % "-")
    nf, readings = _read(tmp_path, text)
    kinds = [k for k, _ in readings]
    assert kinds == ["skipped", "skipped", "definition", "claim", "claim"]
    assert "RSS" in readings[0][1] and "RSS" in readings[1][1]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_an_entrywise_loss_definition_with_an_error_is_refuted(tmp_path: Path) -> None:
    nf, readings = _read(tmp_path, _section("Losses", LOG_DEF % "-"))
    assert [k for k, _ in readings] == ["definition"]
    assert _verdicts(nf) == [Kind.ERROR]  # a definition that disagrees with the setting


def test_a_named_loss_of_the_settings_kind_is_the_settings(tmp_path: Path) -> None:
    """In a squared-error setting the RSS is the setting's loss: checked, not skipped."""
    setup = MIXED.replace("binary_cross_entropy", "mse_sum")
    nf, readings = _read(tmp_path, _section("Losses", RSS_DEF, RSS_GRAD), setup)
    assert [k for k, _ in readings] == ["definition", "claim"]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.VERIFIED]


# ---- a condition in words, in a batch note --------------------------------------------------

def test_a_condition_in_words_survives_the_one_sample_reading(tmp_path: Path) -> None:
    off = r"\frac{\partial z^{(l)}_i}{\partial h^{(l)}_j} = %s"
    text = "## Activations\n\nFor $i \\neq j$, we have\n\n$$\n" + off % "0" + \
        "\n$$\n\nand again, for $i \\neq j$,\n\n$$\n" + off % "1" + "\n$$\n"
    nf, _ = _read(tmp_path, text, BATCH)
    assert [c.when for c in nf.claims] == ["i != j", "i != j"]
    assert _verdicts(nf) == [Kind.VERIFIED, Kind.REFUTED]


def test_words_stating_another_case_of_the_letters_attach_no_condition(tmp_path: Path) -> None:
    """`for $k \\neq j$ ... 0, and when $k = 1$ ... 1` states two cases: no condition is
    attached (the Kronecker delta holds for all k, j)."""
    text = "## Inputs\n\nFor $k \\neq j$ it is 0, and when $k = 1$ it is 1:\n\n$$\n" \
        r"\frac{\partial z^{(l)}_k}{\partial z^{(l)}_j} = \delta_{kj}" "\n$$\n"
    nf, _ = _read(tmp_path, text, BATCH)
    assert [c.when for c in nf.claims] == [""]
    assert _verdicts(nf) == [Kind.VERIFIED]
