"""Constructs of the fresh notes, round c (issue 17, part n3), each on a fixture of our own
in the notation such notes use: the vector of ones over a batch's samples."""
from __future__ import annotations

from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.check import check_claim
from bpcheck.run.sources import load_sources

COLUMNS = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half "
           "reduction=mean batch=5 delta=per_example -->\n\n")
ROWS = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half reduction=sum "
        "batch=5 row_vectors=true orientation=in_out -->\n\n")


def _verdicts(tmp_path, body: str) -> list[Kind]:
    note = tmp_path / "n.md"
    note.write_text(body, encoding="utf-8")
    claims = load_sources([str(note)], None, None).claims
    return [check_claim(c, Options(shrink=False, diagnose=False)).kind for c in claims]


def _kinds(tmp_path, body: str) -> list[str]:
    note = tmp_path / "r.md"
    note.write_text(body, encoding="utf-8")
    return [r.kind for f in read_notes(note).found for r in f.readings]


def test_bold_one_is_the_samples_ones_vector_in_columns(tmp_path):
    body = COLUMNS + (r"$$ Z^{(l)} = W^{(l)} A^{(l-1)} + \mathbf{b}^{(l)} \mathbf{1}^\top $$"
                      "\n\n" r"$$ \frac{\partial J}{\partial \mathbf b^{(l)}} = "
                      r"\frac{1}{N} \Delta^{(l)} \vec 1 $$" "\n\n"
                      r"$$ \frac{\partial J}{\partial \mathbf b^{(l)}} = "
                      r"\frac{1}{N} \Delta^{(l)} \vec 1 \vec 1^\top $$" "\n")
    assert _kinds(tmp_path, body) == ["definition", "claim", "claim"]
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED, Kind.VERIFIED, Kind.REFUTED]


def test_bold_one_is_the_samples_ones_vector_in_rows(tmp_path):
    body = ROWS + (r"$$ Z^{(l)} = A^{(l-1)} W^{(l)} + \mathbf{1} \mathbf{b}^{(l)} $$" "\n\n"
                   r"$$ \frac{\partial J}{\partial \mathbf b^{(l)}} = \mathbf{1}^T "
                   r"\frac{\partial J}{\partial Z^{(l)}} $$" "\n")
    assert _kinds(tmp_path, body) == ["definition", "claim"]
    assert _verdicts(tmp_path, body) == [Kind.VERIFIED, Kind.VERIFIED]


def test_bold_one_outside_a_batch_is_unchanged(tmp_path):
    body = ("<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n\n"
            r"$$ \frac{\partial J}{\partial \mathbf b^{(l)}} = \mathbf{1}^T \delta^{(l)} $$" "\n")
    assert _kinds(tmp_path, body) == ["not understood"]
