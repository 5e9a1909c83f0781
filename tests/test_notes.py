"""Formulas in Markdown notes and notebooks: extraction, line mapping, annotations, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpcheck.cli import main
from bpcheck.notes.claims import read_notes
from bpcheck.notes.readmany import load_notes
from bpcheck.cli_scan import scan_main
from bpcheck.notes.scan import parse_attrs as _attrs
from bpcheck.run.sources import load_sources

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "notes"
# check=annotated: these tests are about annotations (a file read whole: test_notes_wholefile)
DEFAULTS = "<!-- bpcheck-defaults: widths=3,2,2 activation=sigmoid loss=mse_half " \
    "check=annotated -->\n"


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str, start: int = 1) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(i + 1 for i in range(start - 1, len(lines)) if needle in lines[i])


def claims_by_id(nf) -> dict:
    return {c.id.split("#", 1)[1]: c for c in nf.claims}


# ---- Markdown -------------------------------------------------------------------------------

MD = DEFAULTS + r"""
# Notes

<!-- bpcheck: id=single -->
$$ \frac{\partial J}{\partial b^{(L)}} = \delta^{(L)} $$

<!-- bpcheck: id=multi -->

$$
\delta^{(L)}
  = (a^{(L)} - y) \odot f'(z^{(L)})
$$

<!-- bpcheck: id=bracket where="l=1..L" -->
\[ \nabla_{W^{(l)}} J = \delta^{(l)} (a^{(l-1)})^T \]

<!-- bpcheck: id=env where="l=1..L-1" -->
\begin{equation}
\delta^{(l)} = f'(z^{(l)}) \odot (W^{(l+1)})^\top \delta^{(l+1)} \label{eq:rec}
\end{equation}

<!-- bpcheck: id=align -->
\begin{align}
\frac{\partial J}{\partial z^{(L)}}
  &= \nabla_{a^{(L)}} J \odot f'(z^{(L)}) \\
  &= (a^{(L)} - y) \odot f'(z^{(L)})
\end{align}

Text before <!-- bpcheck: skip --> $$ x $$ text after.

```latex
$$ \frac{\partial J}{\partial W^{(l)}} = \text{in a code block} $$
```

<!--
$$ \frac{\partial J}{\partial W^{(l)}} = \text{in a comment} $$
-->

Inline `$$ code $$` and $x$ are not display formulas; this one is $$\frac{\partial J}{\partial b^{(1)}} = \delta^{(1)}$$ and unannotated.
"""


def test_markdown_displays_and_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "m.md", MD)
    nf = read_notes(path)
    assert nf.errors == []
    c = claims_by_id(nf)
    assert set(c) == {"single", "multi", "bracket", "env", "align"}
    assert c["single"].line == line_of(path, r"$$ \frac{\partial J}{\partial b^{(L)}}")
    assert c["multi"].line == line_of(path, r"\delta^{(L)}", c["single"].line + 1)
    assert c["multi"].side_lines == (c["multi"].line, c["multi"].line + 1)
    assert c["bracket"].line == line_of(path, r"\[ \nabla")
    assert c["env"].line == line_of(path, r"\delta^{(l)} = f'")
    top = line_of(path, r"\frac{\partial J}{\partial z^{(L)}}")
    assert c["align"].side_lines == (top, top + 1, top + 2)
    assert c["align"].sides == ("diff(J, z[L])", "diff(J, a[L]) % fprime(z[L])",
                                "(a[L] - y) % fprime(z[L])")
    assert c["single"].file == str(path) and c["single"].id == "m.md#single"
    assert c["single"].source == "Notes" == c["single"].title
    found = [(f.line, f.annotated, f.skipped) for f in nf.found]
    last = line_of(path, "this one is")
    assert found[-1] == (last, False, False) and nf.found[-1].candidate
    assert len(nf.found) == 7  # code block, comment and inline code are not formulas


def test_chain_with_a_quantity_from_the_annotation(tmp_path: Path) -> None:
    path = write(tmp_path, "q.md", DEFAULTS + "\n<!-- bpcheck: id=g quantity=\\nabla_{W^{(l)}} J "
                 "where=\"l=1..L\" -->\n$$ \\delta^{(l)} \\, (a^{(l-1)})^{\\mathsf T} $$\n"
                 "<!-- bpcheck: id=h quantity=\"diff(J, b[l])\" where=\"l=1..L\" -->\n"
                 "$$ \\delta^{(l)} $$\n")
    c = claims_by_id(read_notes(path))
    assert c["g"].sides == ("diff(J, W[l])", "delta[l] * transpose(a[l - 1])")
    assert c["g"].side_lines == (3, 4) and c["g"].line == 4
    assert c["g"].where == (("l", "1..L"),)
    assert c["h"].sides == ("diff(J, b[l])", "delta[l]")


def test_several_equations_in_one_display(tmp_path: Path) -> None:
    path = write(tmp_path, "s.md", DEFAULTS + "<!-- bpcheck: id=two -->\n$$\n"
                 "\\frac{\\partial J}{\\partial b^{(L)}} &= \\delta^{(L)} \\\\\n"
                 "\\frac{\\partial J}{\\partial a^{(L)}} &= a^{(L)} - y\n$$\n"
                 "<!-- bpcheck: id=bad quantity=\"diff(J, z[L])\" -->\n"
                 "$$ J = J \\\\ J = J $$\n")
    nf = read_notes(path)
    c = claims_by_id(nf)
    assert [c["two-1"].line, c["two-2"].line] == [4, 5]
    assert c["two-2"].sides == ("diff(J, a[L])", "a[L] - y")
    (err,) = nf.errors
    assert err.line == 8 and "2 equations" in err.message


def test_index_ranges_are_inferred_or_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path, "i.md", DEFAULTS + "<!-- bpcheck: id=entry where=\"l=1..L\" -->\n"
                 "$$ \\frac{\\partial J}{\\partial W^{(l)}_{jk}} = a^{(l-1)}_k \\delta^{(l)}_j $$\n"
                 "<!-- bpcheck: id=sum where=\"l=1..L-1\" -->\n"
                 "$$ \\delta^{(l)}_j = f'(z^{(l)}_j) \\sum_k W^{(l+1)}_{kj} \\delta^{(l+1)}_k $$\n"
                 "<!-- bpcheck: id=nolayer -->\n"
                 "$$ \\frac{\\partial J}{\\partial b^{(l)}} = \\delta^{(l)} $$\n")
    nf = read_notes(path)
    c = claims_by_id(nf)
    assert c["entry"].where == (("l", "1..L"), ("j", "1..n[l]"), ("k", "1..n[l - 1]"))
    assert c["sum"].where == (("l", "1..L-1"), ("j", "1..n[l]"))
    assert c["sum"].sides[1] == "fprime(z[l][j]) * sum(W[l + 1][k, j] * delta[l + 1][k], " \
                                "(k, 1, n[l + 1]))"
    (err,) = nf.errors
    assert err.line == 7 and "'l'" in err.message and 'where="l=' in err.message


def test_unsupported_latex_names_file_line_and_construct(tmp_path: Path) -> None:
    path = write(tmp_path, "u.md", DEFAULTS + "<!-- bpcheck: id=ok -->\n"
                 "$$ \\frac{\\partial J}{\\partial b^{(L)}} = \\delta^{(L)} $$\n"
                 "<!-- bpcheck: id=bad -->\n$$\nJ = \\frac12 \\|a^{(L)} - y\\|^2\n"
                 "  = \\oint a^{(L)}\n$$\n")
    cat = load_sources([path])
    assert [c.id for c in cat.claims] == ["u.md#ok"]  # the other formulas are still checked
    (err,) = cat.errors
    assert (err.file, err.line) == (str(path), 7) and "\\oint" in err.message


@pytest.mark.parametrize("annotation, message", [
    ("<!-- bpcheck: id=a colour=red -->", "unknown key(s) colour"),
    ("<!-- bpcheck: id=a where=\"l from 1 to L\" -->", "where="),
    ("<!-- bpcheck: id=a setting=nowhere -->", "setting=nowhere"),
    ("<!-- bpcheck: id=a claim=nowhere -->", "claim=nowhere"),
    ("<!-- bpcheck: id=a expect=maybe -->", "expect must be"),
    ("<!-- bpcheck: id=a widths=3,x -->", "cannot read widths"),
    ("<!-- bpcheck: id=a kind=network vectors=z:3 -->", "do(es) not apply"),
    ("<!-- bpcheck: id=a quantity=\\frac{\\partial J}{\\partial \\iint} -->", "quantity"),
])
def test_annotation_problems_point_at_the_annotation(tmp_path: Path, annotation: str,
                                                     message: str) -> None:
    path = write(tmp_path, "e.md", DEFAULTS + f"\n{annotation}\n$$ \\delta^{{(L)}} = "
                 "\\frac{\\partial J}{\\partial z^{(L)}} $$\n")
    nf = read_notes(path)
    assert nf.claims == []
    (err,) = nf.errors
    assert message in err.message and err.line in (3, 4), err


def test_an_annotation_must_precede_a_formula(tmp_path: Path) -> None:
    path = write(tmp_path, "p.md", DEFAULTS + "<!-- bpcheck: id=a -->\nSome text.\n\n"
                 "$$ \\delta^{(L)} = \\frac{\\partial J}{\\partial z^{(L)}} $$\n"
                 "<!-- bpcheck: id=b -->\n")
    nf = read_notes(path)
    assert nf.claims == []
    assert [e.line for e in nf.errors] == [3, 6]


def test_no_network_setting_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "n.md", "<!-- bpcheck: id=a -->\n$$ \\delta^{(L)} = "
                 "\\frac{\\partial J}{\\partial z^{(L)}} $$\n")
    (err,) = read_notes(path).errors
    assert "widths" in err.message


def test_attribute_syntax() -> None:
    attrs, flags = _attrs(r' skip id=x quantity=\nabla_{W^{(l)}} J where="l=1..L, j=1..3" '
                          r"title='a b' activation=tanh")
    assert flags == {"skip"}
    assert attrs == {"id": "x", "quantity": r"\nabla_{W^{(l)}} J", "where": "l=1..L, j=1..3",
                     "title": "a b", "activation": "tanh"}
    with pytest.raises(ValueError):
        _attrs('title="unclosed')


# ---- defaults and settings ------------------------------------------------------------------

def test_front_matter_defaults(tmp_path: Path) -> None:
    nested = write(tmp_path, "f.md", "---\ntitle: x\nbpcheck:\n  widths: [3, 2, 2]\n"
                   "  activation: tanh\n  loss: mse_sum\n---\n# T\n<!-- bpcheck: id=a -->\n"
                   "$$ \\frac{\\partial J}{\\partial z^{(L)}} = 2 (a^{(L)} - y) \\odot f'(z^{(L)}) $$\n")
    (claim,) = read_notes(nested).claims
    assert claim.line == 10
    assert dict(claim.setting.params) == {"widths": (3, 2, 2), "activation": "tanh",
                                          "loss": "mse_sum"}
    inline = write(tmp_path, "g.md", "---\nbpcheck: widths=2,2 numbering=ufldl\n---\n"
                   "<!-- bpcheck: id=a -->\n$$ \\delta^{(L)} = \\frac{\\partial J}{\\partial z^{(L)}} $$\n")
    (claim,) = read_notes(inline).claims
    assert claim.setting.get("numbering") == "ufldl" and claim.setting.get("widths") == (2, 2)


def test_defaults_comment_applies_from_where_it_stands(tmp_path: Path) -> None:
    path = write(tmp_path, "d.md", DEFAULTS + "<!-- bpcheck: id=a -->\n$$ J = J $$\n"
                 "<!-- bpcheck-defaults: activation=tanh -->\n"
                 "<!-- bpcheck: id=b -->\n$$ J = J $$\n"
                 "<!-- bpcheck: id=c loss=cross_entropy output=softmax -->\n$$ J = J $$\n")
    c = claims_by_id(read_notes(path))
    assert c["a"].setting.get("activation") == "sigmoid"
    assert c["b"].setting.get("activation") == "tanh" and c["b"].setting.get("widths") == (3, 2, 2)
    assert c["c"].setting.get("loss") == "cross_entropy" and c["c"].setting.get("output") == "softmax"


def test_scalar_settings_named_and_inline(tmp_path: Path) -> None:
    path = write(tmp_path, "s.md", DEFAULTS + "<!-- bpcheck-setting: name=smx kind=scalar "
                 "vectors=z:3 -->\n<!-- bpcheck: id=a setting=smx where=\"i=1..3\" -->\n"
                 "$$ \\frac{\\partial}{\\partial z_i} \\log \\sum_k e^{z_k} = "
                 "\\mathrm{softmax}(z)_i $$\n<!-- bpcheck: id=b kind=scalar symbols=u "
                 "matrices=A:2x2 -->\n$$ \\frac{d}{du} u^2 = 2u $$\n")
    c = claims_by_id(read_notes(path))
    assert c["a"].setting.kind == "scalar" and c["a"].setting.name == "smx"
    assert c["a"].sides == ("diff(log(sum(exp(z[k]), (k, 1, 3))), z[i])", "softmax(z)[i]")
    assert dict(c["b"].setting.params) == {"symbols": ("u",), "matrices": (("A", (2, 2)),)}


CATALOG = """
[setting.net]
kind = "network"
widths = [3, 2, 2]

[[claim]]
id = "rec"
source = "catalog"
setting = "net"
where = { l = "1..L-1" }
quantity = "diff(J, z[l])"
formula = "fprime(z[l]) % (transpose(W[l+1]) * delta[l+1])"
"""


def test_catalog_claims_and_settings_are_reused(tmp_path: Path) -> None:
    write(tmp_path, "cat.toml", CATALOG)
    write(tmp_path, "r.md", "<!-- bpcheck: claim=rec -->\n"
          "$$ f'(z^{(l)}) \\odot W^{(l+1)T} \\delta^{(l+1)} $$\n"
          "<!-- bpcheck: id=out setting=net activation=tanh -->\n"
          "$$ \\delta^{(L)} = (a^{(L)} - y) \\odot f'(z^{(L)}) $$\n")
    cat = load_sources([tmp_path])
    assert cat.errors == ()
    by_id = {c.id: c for c in cat.claims}
    assert set(by_id) == {"rec", "r.md#rec", "r.md#out"}
    notes_rec = by_id["r.md#rec"]
    assert notes_rec.sides == ("diff(J, z[l])", "fprime(z[l]) % (transpose(W[l + 1]) * delta[l + 1])")
    assert notes_rec.where == (("l", "1..L-1"),) and notes_rec.setting == by_id["rec"].setting
    assert notes_rec.line == 2 and notes_rec.side_lines == (1, 2)
    assert by_id["r.md#out"].setting.get("activation") == "tanh"
    assert [d for d, _ in cat.documents] == [str(tmp_path / "cat.toml"), str(tmp_path / "r.md")]
    # the notes alone: the catalog is named by catalog= in the defaults
    write(tmp_path, "sub.md", "<!-- bpcheck-defaults: catalog=cat.toml -->\n"
          "<!-- bpcheck: claim=rec -->\n$$ f'(z^{(l)}) \\odot W^{(l+1)T} \\delta^{(l+1)} $$\n")
    notes = load_notes([tmp_path / "sub.md"])
    assert notes.errors == () and notes.claims[0].sides[0] == "diff(J, z[l])"


def test_sources_keyword_and_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "a.md", DEFAULTS + "# Output layer\n<!-- bpcheck: id=x -->\n"
          "$$ \\delta^{(L)} = \\frac{\\partial J}{\\partial z^{(L)}} $$\n"
          "<!-- bpcheck: id=x -->\n$$ \\delta^{(L)} = \\frac{\\partial J}{\\partial z^{(L)}} $$\n")
    cat = load_sources([tmp_path])
    assert len(cat.claims) == 1 and "duplicate claim id" in cat.errors[0].message
    assert len(load_sources([tmp_path], "output layer").claims) == 1
    assert load_sources([tmp_path], "nothing").claims == ()


# ---- notebooks ---------------------------------------------------------------------------------

def notebook(cells: list[tuple[str, str | list[str]]], metadata: dict | None = None) -> str:
    def src(text):
        if isinstance(text, str):
            return [ln + "\n" for ln in text.split("\n")[:-1]] + [text.split("\n")[-1]]
        return text
    return json.dumps({"cells": [{"cell_type": kind, "metadata": {}, "source": src(text),
                                  **({"outputs": [], "execution_count": None}
                                     if kind == "code" else {})}
                                 for kind, text in cells],
                       "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5},
                      indent=1)


def test_notebook_lines_and_cells(tmp_path: Path) -> None:
    text = notebook([
        ("code", "import numpy as np\nprint('$$ x $$')"),
        ("markdown", DEFAULTS + "# Title"),
        ("markdown", "Text.\n\n<!-- bpcheck: id=out -->\n$$\n\\delta^{(L)}\n"
                     "  = (a^{(L)} - y) \\odot f'(z^{(L)})\n$$"),
        ("markdown", "<!-- bpcheck: id=bad -->\n$$ \\iint J $$"),
    ])
    path = write(tmp_path, "n.ipynb", text)
    nf = read_notes(path)
    (claim,) = nf.claims
    assert claim.id == "n.ipynb#out" and claim.file == str(path)
    assert claim.source == "cell 3, line 5"
    assert claim.line == line_of(path, '"\\\\delta^{(L)}\\n"')
    assert claim.side_lines == (claim.line, claim.line + 1)
    (err,) = nf.errors
    assert err.line == line_of(path, "iint") and "(cell 4, line 2)" in err.message
    assert "\\iint" in err.message


def test_notebook_source_as_one_string_and_metadata_defaults(tmp_path: Path) -> None:
    text = notebook([("markdown", ["<!-- bpcheck: id=a -->\n$$ J = J $$\n\n"
                                   "<!-- bpcheck: -->\n$$\\delta^{(L)} = "
                                   "\\frac{\\partial J}{\\partial z^{(L)}}$$"])],
                    metadata={"bpcheck": {"widths": [2, 2], "activation": "tanh"}})
    path = write(tmp_path, "one.ipynb", text)
    nf = read_notes(path)
    assert nf.errors == []
    a, b = nf.claims
    assert a.line == b.line == line_of(path, "bpcheck: id=a")  # one JSON line holds the cell
    assert (a.source, b.source) == ("cell 1, line 2", "cell 1, line 5")
    assert b.id == "one.ipynb#cell1-L5"
    assert a.setting.get("activation") == "tanh" and a.setting.get("widths") == (2, 2)


def test_broken_notebook_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, "x.ipynb", '{"cells": [')
    (err,) = read_notes(path).errors
    assert err.file == str(path) and "notebook" in err.message


# ---- the examples through the command line ----------------------------------------------------

def run_json(capsys, *args: str) -> tuple[int, dict]:
    code = main(["verify", *args, "--no-cache", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["backprop.md", "backprop.ipynb"])
def test_the_lecture_checks(capsys, name: str) -> None:
    code, doc = run_json(capsys, str(EXAMPLES / name))
    assert code == 0, [r for r in doc["results"] if r["verdict"] != "VERIFIED"]
    assert doc["errors"] == [] and len(doc["results"]) >= 20
    assert all(r["verdict"] == "VERIFIED" and r["file"].endswith(name) for r in doc["results"])


@pytest.mark.slow
def test_planted_errors_are_caught_at_their_lines(capsys) -> None:
    path = EXAMPLES / "backprop_planted.md"
    code, doc = run_json(capsys, str(path))
    assert code == 1
    refuted = {r["id"].split("#")[1]: r for r in doc["results"] if r["verdict"] != "VERIFIED"}
    assert set(refuted) == {"delta-out", "delta-out-j", "delta-rec"}
    assert all(r["verdict"] == "REFUTED" for r in refuted.values())
    assert refuted["delta-out"]["line"] == line_of(path, r"\left(y - a^{(L)}\right) \odot")  # sign
    assert refuted["delta-out"]["first_broken_link"] == 2
    assert refuted["delta-out-j"]["line"] == line_of(path, r"= a^{(L)}_j - y_j $$")  # no f'
    assert refuted["delta-rec"]["line"] == line_of(path, r"\left( W^{(l+1)} \delta")  # no ᵀ
    assert "4×3" in refuted["delta-rec"]["reason"]
    code = main(["verify", str(path), "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1 and f"{path}:{refuted['delta-rec']['line']}:" in out


def test_planted_copy_differs_from_the_lecture_in_three_formulas() -> None:
    lecture = (EXAMPLES / "backprop.md").read_text(encoding="utf-8").split("\n")
    planted = (EXAMPLES / "backprop_planted.md").read_text(encoding="utf-8").split("\n")
    assert len(set(planted) - set(lecture)) == 3 + 2  # three formulas and a two-line comment


def test_scan_lists_every_display_formula(capsys, tmp_path: Path) -> None:
    assert scan_main([str(EXAMPLES / "backprop.md")]) == 0
    out = capsys.readouterr().out
    assert "backprop.md#delta-rec" in out and "skip" in out
    assert "\\leftarrow" in out  # the skipped update rule does not parse, and says so
    path = write(tmp_path, "c.md", DEFAULTS + "$$ \\frac{\\partial J}{\\partial b^{(L)}} = "
                 "\\delta^{(L)} $$\n\n$$ J = \\frac12 \\|a^{(L)} - y\\|^2 $$\n\n$$ \\iint $$\n")
    assert scan_main([str(path), "--candidates", "-v"]) == 0
    out = capsys.readouterr().out
    assert f"{path}:2:" in out and "diff(J, b[L]) = delta[L]" in out and ":4:" not in out
    assert "3 display formulas in 1 files: 0 annotated, 2 parse, 1 do not, 1 unannotated" in out
    assert scan_main([str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [f["line"] for f in doc["formulas"]] == [2, 4, 6]
    assert "\\iint" in doc["formulas"][2]["error"]


def test_scan_exit_codes(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "b.md", DEFAULTS + "<!-- bpcheck: id=a -->\n$$ \\oint J $$\n")
    assert scan_main([str(path)]) == 1
    assert "\\oint" in capsys.readouterr().out
    assert scan_main([str(tmp_path / "missing.md")]) == 2
    assert main(["scan", str(path)]) == 1


def test_list_shows_notes_claims(capsys) -> None:
    assert main(["list", str(EXAMPLES / "backprop.md")]) == 0
    out = capsys.readouterr().out
    assert "backprop.md#delta-rec" in out and "in 1 files" in out


def test_notes_in_a_subfolder_find_the_project_catalog(tmp_path: Path, monkeypatch) -> None:
    """A note naming a catalog claim, checked from a subfolder of the project: the claim is
    looked up in derivations/ at the project root (bpcheck.toml), as verify finds its root."""
    write(tmp_path, "bpcheck.toml", "")
    (tmp_path / "derivations").mkdir()
    write(tmp_path / "derivations", "cat.toml", CATALOG)
    (tmp_path / "lectures").mkdir()
    write(tmp_path / "lectures", "r.md", "<!-- bpcheck: claim=rec -->\n"
          "$$ f'(z^{(l)}) \\odot W^{(l+1)T} \\delta^{(l+1)} $$\n")
    monkeypatch.chdir(tmp_path / "lectures")
    cat = load_sources(["r.md"])
    assert cat.errors == ()
    assert [c.sides[0] for c in cat.claims] == ["diff(J, z[l])"]
