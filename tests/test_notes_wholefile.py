"""A note read whole from one line of set-up: every statement of every display formula is a
claim, a definition, an update, skipped (why) or not understood (the construct)."""
from __future__ import annotations

import json
from pathlib import Path

from bpcheck.cli_scan import scan_main
from bpcheck.model import Kind, Options
from bpcheck.notes.claims import read_notes
from bpcheck.run.runner import run_claims

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "notes"

FRONT = """---
bpcheck:
  widths: [3, 4, 2]
  activation: sigmoid
  loss: mse_half
---
"""
COMMENT = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n"

BODY = r"""# Net

$$ z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}, \qquad a^{(l)} = \sigma(z^{(l)}), \qquad l = 1, \dots, L $$

$$ J = \frac12 \| a^{(L)} - y \|^2 $$

$$ \delta^{(l)} = \left( (W^{(l+1)})^T \delta^{(l+1)} \right) \odot \sigma'(z^{(l)}) $$

$$ \delta^{(l)} = \left( W^{(l+1)} \delta^{(l+1)} \right) \odot \sigma'(z^{(l)}) $$

$$ W^{(l)} \leftarrow W^{(l)} - \eta \, \frac{\partial J}{\partial W^{(l)}} $$

$$ b^{(l)} = b^{(l)} - \alpha \, \delta^{(l)} $$

$$ 0 < a^{(l)}_j < 1 $$

$$ \oint z $$
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def readings(nf) -> list[tuple[int, str]]:
    return [(r.line, r.kind) for f in nf.found for r in f.readings]


def decide(claims) -> dict[str, Kind]:
    return {c.id.split("#")[1]: v.kind for c, v in run_claims(claims, Options(), jobs=1)}


def test_every_statement_is_classified_and_claims_are_decided(tmp_path: Path) -> None:
    for head in (FRONT, COMMENT):
        path = write(tmp_path, "w.md", head + BODY)
        nf = read_notes(path)
        assert nf.errors == []
        off = head.count("\n")
        assert readings(nf) == [
            (off + 3, "definition"), (off + 3, "definition"), (off + 3, "skipped"),
            (off + 5, "definition"), (off + 7, "claim"), (off + 9, "claim"),
            (off + 11, "update"), (off + 13, "update"), (off + 15, "skipped"),
            (off + 15, "skipped"), (off + 17, "not understood")]
        c = {x.id.split("#")[1]: x for x in nf.claims}
        assert c[f"L{off + 7}"].where == (("l", "1..L-1"),)  # W^{(l+1)} exists up to L-1
        assert {x.role for x in nf.claims} == {"definition", ""}
        verdicts = decide(nf.claims)
        assert verdicts == {f"L{off + 3}-1": Kind.VERIFIED, f"L{off + 3}-2": Kind.VERIFIED,
                            f"L{off + 5}": Kind.VERIFIED, f"L{off + 7}": Kind.VERIFIED,
                            f"L{off + 9}": Kind.REFUTED}


def test_a_wrong_forward_pass_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "f.md", COMMENT + "# F\n\n$$ z^{(l)} = (W^{(l)})^T a^{(l-1)} + b^{(l)} $$"
                 "\n\n$$ \\frac{\\partial J}{\\partial b^{(l)}} = \\delta^{(l)} $$\n")
    nf = read_notes(path)
    pairs = run_claims(nf.claims, Options(), jobs=1)
    assert [(c.line, v.kind) for c, v in pairs] == [(4, Kind.ERROR), (6, Kind.ERROR)]
    assert "line 4" in pairs[1][1].reason  # the true gradient is not judged in a wrong network


def test_check_annotated_opts_out(tmp_path: Path) -> None:
    head = COMMENT.replace("mse_half", "mse_half check=annotated")
    nf = read_notes(write(tmp_path, "o.md", head + BODY))
    assert nf.claims == [] and nf.errors == []
    assert {k for _, k in readings(nf)} == {"skipped", "not understood"}


TEX = r"""% bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half
\section{Backward}
\begin{align}
\delta^{(L)} &= (a^{(L)} - y) \odot \sigma'(z^{(L)}) \\
% bpcheck: id=wrong expect=erratum
\frac{\partial J}{\partial b^{(l)}} &= W^{(l)} \delta^{(l)} \\
% bpcheck: skip
\frac{\partial J}{\partial b^{(l)}} &= 2 \delta^{(l)}
\end{align}
\begin{equation}
W^{(l)} := W^{(l)} - \alpha \frac{\partial J}{\partial W^{(l)}}
\end{equation}
"""


def test_tex_rows_carry_their_own_annotation(tmp_path: Path) -> None:
    nf = read_notes(write(tmp_path, "r.tex", TEX))
    assert nf.errors == []
    assert readings(nf) == [(4, "claim"), (6, "claim"), (8, "skipped"), (11, "update")]
    c = {x.id.split("#")[1]: x for x in nf.claims}
    assert c["wrong"].expect.value == "erratum" and c["wrong"].line == 6
    assert decide(nf.claims) == {"L4-1": Kind.VERIFIED, "wrong": Kind.REFUTED}


def test_scan_shows_each_statement(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "s.md", COMMENT + BODY)
    assert scan_main([str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    kinds = [r["kind"] for f in doc["formulas"] for r in f["readings"]]
    assert kinds.count("claim") == 2 and kinds.count("update") == 2
    oint = doc["formulas"][-1]["readings"][0]
    assert oint["kind"] == "not understood" and "\\oint" in oint["reason"] and oint["line"] == 18
    assert scan_main([str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:8: claim s.md#L8: delta[l] = " in out and "update: " in out


def test_shipped_examples_claim_only_their_annotated_displays() -> None:
    for name in ("backprop.md", "backprop_planted.md", "backprop.ipynb", "backprop.tex"):
        nf = read_notes(EXAMPLES / name)
        assert all(f.annotated for f in nf.found if f.claims), name
        assert {r.kind for f in nf.found for r in f.readings} <= {"claim", "skipped"}, name
    nf = read_notes(EXAMPLES / "whole_file.md")
    assert nf.errors == [] and not any(f.annotated for f in nf.found)
    assert all(v is Kind.VERIFIED for v in decide(nf.claims).values()) and len(nf.claims) == 7
