"""A note's set-up values are checked where they are written: a bad key or value in a
bpcheck-defaults line, front matter or notebook metadata is an error at its file:line naming
the key and the accepted values (exit 2); the file's claims are not decided in a setting it
did not mean, and the other files are still checked."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpcheck.cli import main
from bpcheck.notes.claims import read_notes

FORMULA = "\n# N\n\n$$ \\delta^{(L)} = (a^{(L)} - y) \\odot \\sigma'(z^{(L)}) $$\n"
GOOD = "<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->\n" + FORMULA


def _run(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main(["verify", "--no-cache", "--format", "json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.mark.parametrize("bad, key, accepted", [
    ("orientation=rowz", "orientation", "out_in"),
    ("widths=3,x", "widths", "positive integers"),
    ("activation=sigmoidd", "activation", "softplus"),
    ("layers=h,h", "layers", "distinct letters"),
    ("layers=", "layers", "distinct letters"),
    ("colour=red", "colour", "orientation"),
    ("check=some", "check", "annotated"),
    ("loss=mse", "loss", "cross_entropy"),
    ("batch=two", "batch", "positive integer"),
])
def test_a_bad_defaults_value_is_an_error_at_its_line(tmp_path: Path, capsys, bad: str,
                                                       key: str, accepted: str) -> None:
    values = {"widths": "3,4,2", "activation": "sigmoid", "loss": "mse_half"}
    values[key] = bad.split("=", 1)[1]  # the bad value replaces a good one, or is added
    line = " ".join(f"{k}={v}" for k, v in values.items())
    setup = f"<!-- bpcheck-defaults: {line} -->\n"
    (tmp_path / "bad.md").write_text("\n\n" + setup + FORMULA)
    (tmp_path / "good.md").write_text(GOOD)
    code, doc, _ = _run(capsys, str(tmp_path))
    assert code == 2
    (err,) = doc["errors"]
    assert err["file"].endswith("bad.md") and err["line"] == 3
    assert key in err["message"] and accepted in err["message"]
    assert [r["file"].endswith("good.md") for r in doc["results"]] == [True]  # still checked
    assert doc["results"][0]["verdict"] == "VERIFIED"


def test_front_matter_values_are_checked_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "f.md"
    path.write_text("---\ntitle: t\nbpcheck:\n  widths: [3, 4, 2]\n  orientation: rowz\n"
                    "  loss: mse_half\n---\n" + FORMULA)
    nf = read_notes(path)
    assert nf.claims == []
    (err,) = nf.errors
    assert err.line == 5 and "orientation" in err.message and "in_out" in err.message


def test_notebook_metadata_values_are_checked_at_their_line(tmp_path: Path) -> None:
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [FORMULA]}],
          "metadata": {"bpcheck": {"widths": [3, 4, 2], "activation": "sigmoidd"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "n.ipynb"
    text = json.dumps(nb, indent=1)
    path.write_text(text)
    nf = read_notes(path)
    assert nf.claims == []
    (err,) = nf.errors
    line = next(k for k, ln in enumerate(text.split("\n"), 1) if '"activation"' in ln)
    assert err.line == line and "activation" in err.message and "tanh" in err.message


def test_an_annotation_value_is_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(GOOD.replace("\n$$", "\n<!-- bpcheck: id=x activation=tanhh -->\n$$", 1))
    nf = read_notes(path)
    assert nf.claims == []
    assert [("activation" in e.message and "tanh" in e.message) for e in nf.errors] == [True]


def test_good_values_are_read_as_toml_would_give_them(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    path.write_text(GOOD.replace("loss=mse_half", "loss=mse_half orientation=out_in "
                                 "numbering=standard layers=h,o"))
    nf = read_notes(path)
    assert nf.errors == [] and len(nf.claims) == 1
    assert nf.claims[0].setting.get("widths") == (3, 4, 2)
