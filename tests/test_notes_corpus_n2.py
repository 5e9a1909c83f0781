"""Constructs of real notes (issue 17, part n2), each on a fixture of our own in the
notation such notes use."""
from __future__ import annotations

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

NG = ("<!-- bpcheck-defaults: widths=3,4,2 activation=relu output=sigmoid "
      "loss=binary_cross_entropy batch=3 reduction=mean gradient_prefix=d hadamard=* -->\n\n")


def _verdicts(tmp_path, body: str, name: str = "n.md") -> dict[str, Kind]:
    note = tmp_path / name
    note.write_text(body, encoding="utf-8")
    claims = load_sources([str(note)], None, None).claims
    return {c.id.split("#")[1]: check_claim(c, Options(shrink=False, diagnose=False)).kind
            for c in claims}


def _readings(tmp_path, body: str):
    note = tmp_path / "r.md"
    note.write_text(body, encoding="utf-8")
    return [r for f in read_notes(note).found for r in f.readings]


def test_a_generic_activation_means_each_layers_own(tmp_path):
    body = NG + "$$ A^{[l]} = g(Z^{[l]}) $$\n\n$$ dZ^{[l]} = dA^{[l]} * g'(Z^{[l]}) $$\n"
    [d, c] = _readings(tmp_path, body)
    assert d.kind == "definition" and c.kind == "claim"
    assert "sigmoid(z[L])" in d.translation and "g(z[l])" in d.translation
    verdicts = _verdicts(tmp_path, body)
    assert sorted(verdicts) == ["L3-hidden", "L3-output", "L5-hidden", "L5-output"]
    assert verdicts["L5-hidden"] is Kind.VERIFIED and verdicts["L5-output"] is Kind.VERIFIED


def test_a_planted_error_is_refuted_in_each_part(tmp_path):
    body = NG + "$$ dZ^{[l]} = dA^{[l]} + g'(Z^{[l]}) $$\n"
    assert _verdicts(tmp_path, body) == {"L3-hidden": Kind.REFUTED, "L3-output": Kind.REFUTED}


def test_a_shifted_layer_stops_the_hidden_range_earlier(tmp_path):
    body = NG + "$$ dZ^{[l-1]} = W^{[l]T} dZ^{[l]} * g'(Z^{[l-1]}) $$\n"
    verdicts = _verdicts(tmp_path, body)
    assert list(verdicts.values()) == [Kind.VERIFIED]  # never the output layer: one claim


def test_a_softmax_output_has_no_entrywise_derivative_to_split_into(tmp_path):
    body = NG.replace("output=sigmoid", "output=softmax").replace(
        "binary_cross_entropy", "cross_entropy") + "$$ dZ^{[l]} = dA^{[l]} * g'(Z^{[l]}) $$\n"
    [r] = _readings(tmp_path, body)
    assert r.kind == "not understood"
