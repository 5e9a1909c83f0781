"""The corpus measurement (benchmarks/notes_corpus.py) on two tiny notes of our own, written in
the notation real notes use: counts of displays, read, not understood and misread."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

_SCRIPT = Path(__file__).parents[1] / "benchmarks" / "notes_corpus.py"
_spec = importlib.util.spec_from_file_location("notes_corpus", _SCRIPT)
corpus = importlib.util.module_from_spec(_spec)
sys.modules["notes_corpus"] = corpus  # dataclasses look their module up
_spec.loader.exec_module(corpus)

BRACKET_NOTE = """---
title: own fixture
---
# Backward pass

$$
\\delta^{[l]} = (W^{[l+1]})^T \\delta^{[l+1]} \\odot \\sigma'(z^{[l]})
$$

$$
\\frac{\\partial J}{\\partial b^{[l]}} = \\delta^{[l]}
$$

$$
A^{[l]} = \\sigma(Z^{[l]})
$$

$$
W \\in \\mathbb{R}^{n \\times m}
$$
"""

LETTER_NOTE = """# Output layer

$$
\\frac{\\partial C}{\\partial b^L_j} = \\delta^L_j
$$

$$
\\frac{\\partial C}{\\partial z_k} = p_k - y_k
$$
"""


def _entries() -> list[dict]:
    return [
        {"repo": "own/bracket", "path": "notes.md", "kind": "md",
         "defaults": "widths=3,4,2 activation=sigmoid loss=mse_half loss_symbol=J",
         "misread": [{"index": 3, "why": "Z^{[l]} read as a power"}]},
        {"repo": "own/letter", "path": "notes/out.md", "kind": "md",
         "defaults": "widths=3,2 activation=sigmoid loss=mse_half numbering=standard"},
        {"repo": "own/absent", "path": "gone.md", "kind": "md", "defaults": "widths=2,2"},
    ]


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "own/bracket").mkdir(parents=True)
    (tmp_path / "own/bracket/notes.md").write_text(BRACKET_NOTE, encoding="utf-8")
    (tmp_path / "own/letter/notes").mkdir(parents=True)
    (tmp_path / "own/letter/notes/out.md").write_text(LETTER_NOTE, encoding="utf-8")
    return tmp_path


def _stub_reader(path: Path) -> list:
    """Stands in for the notes reader so the counting is tested apart from the reader's
    progress: formulas 1 and 3 of the bracket note are read, 2 and 4 are not; formula 1 of
    the letter note is read, 2 is not.  It also records that the defaults line was inserted."""
    text = path.read_text(encoding="utf-8")
    assert "bpcheck-defaults: widths=" in text
    ok = SimpleNamespace(error="", translation=("delta[l] = x",))
    bad = SimpleNamespace(error="z needs a layer superscript", translation=())
    return [ok, bad, ok, bad] if "Backward pass" in text else [ok, bad]


def test_counts_per_file(tmp_path):
    bracket, letter, absent = corpus.measure(_folder(tmp_path), _entries(), _stub_reader)
    assert (bracket.displays, bracket.read, bracket.misread, bracket.correct) == (4, 2, 1, 1)
    assert sorted(bracket.failures) == [2, 4]
    assert (letter.displays, letter.read, letter.misread, letter.correct) == (2, 1, 0, 1)
    assert absent.missing and absent.displays == 0


def test_table_totals(tmp_path):
    text = corpus.table(corpus.measure(_folder(tmp_path), _entries(), _stub_reader))
    assert "| **total** | 6 | 3 | 3 | 3 | 1 | 0 | **2 (33%)** |" in text
    assert "(not fetched)" in text


def test_with_the_real_reader_every_display_is_counted_once(tmp_path):
    results = corpus.measure(_folder(tmp_path), _entries())
    assert [r.displays for r in results] == [4, 2, 0]
    for r in results:
        assert r.read + r.not_understood == r.displays and 0 <= r.misread <= r.read
    # the misread audit only counts a formula that was read
    assert results[0].misread == (3 in results[0].translations)


def test_defaults_line_goes_after_front_matter_and_into_notebook_metadata():
    md = corpus.with_defaults("---\nt: x\n---\n# H\n", "md", "widths=2,2")
    assert md.split("\n")[:4] == ["---", "t: x", "---", "<!-- bpcheck-defaults: widths=2,2 -->"]
    nb = json.loads(corpus.with_defaults('{"cells": [], "metadata": {}}', "ipynb",
                                         "widths=2,2 activation=tanh"))
    assert nb["metadata"]["bpcheck"] == {"widths": "2,2", "activation": "tanh"}
    assert corpus.with_defaults("x", "tex", "widths=2,2").startswith("% bpcheck-defaults:")


def test_shipped_corpus_list_is_well_formed():
    held_out = {"d2l-ai/d2l-en", "cs231n/cs231n.github.io", "Atcold/SP19-DL-collaborative-notes",
                "filipecalasans/mlp", "peterroelants/peterroelants.github.io"}
    entries = corpus.load_corpus()
    assert len(entries) >= 15 and len({e['repo'] for e in entries}) >= 10
    assert {e['kind'] for e in entries} >= {'md', 'ipynb', 'tex'}
    for e in entries:
        assert e["repo"] not in held_out
        assert len(e["commit"]) == 40 and e["kind"] in ("md", "ipynb", "tex")
        assert all(int(m["index"]) >= 1 and m["why"] for m in e.get("misread", []))


def test_a_display_skipped_with_its_reason_counts_as_read_but_not_as_checked(tmp_path):
    update = SimpleNamespace(kind="update", translation="", reason="an update rule")
    unread = SimpleNamespace(kind="not understood", translation="", reason="\\foo")

    def reader(path: Path) -> list:
        skipped = SimpleNamespace(error="", translation=(), readings=(update,))
        failed = SimpleNamespace(error="\\foo", translation=(), readings=(update, unread))
        return [skipped, failed]

    results = corpus.measure(_folder(tmp_path), _entries()[1:2], reader)
    assert (results[0].read, results[0].checked, results[0].not_understood) == (1, 0, 1)


SLIP_NOTE = """# Output layer

$$
\\frac{\\partial C}{\\partial b^L_j} = \\delta^L_j
$$

$$
\\frac{\\partial C}{\\partial b^L_j} = -\\delta^L_j
$$
"""


def test_with_verify_a_refuted_reading_counts_as_misread_unless_it_is_a_slip(tmp_path):
    (tmp_path / "own/slip").mkdir(parents=True)
    (tmp_path / "own/slip/n.md").write_text(SLIP_NOTE, encoding="utf-8")
    entry = {"repo": "own/slip", "path": "n.md", "kind": "md",
             "defaults": "widths=3,2 activation=sigmoid loss=mse_half loss_symbol=C"}
    plain, = corpus.measure(tmp_path, [entry])
    assert (plain.read, plain.correct) == (2, 2)  # reading alone cannot see the sign
    checked, = corpus.measure(tmp_path, [entry], verify=True)
    assert sorted(checked.wrong_verdict) == [2] and checked.correct == 1
    slip = {**entry, "slips": [{"index": 2, "why": "the sign"}]}
    listed, = corpus.measure(tmp_path, [slip], verify=True)
    assert not listed.wrong_verdict and listed.correct == 2


def test_each_selection_group_gets_its_subtotal(tmp_path):
    entries = _entries()
    entries[1]["group"] = "fresh"
    folder = _folder(tmp_path)
    results = corpus.measure(folder, entries, _stub_reader)
    text = corpus.table(results)
    assert "| *subtotal: development* | 4 |" in text and "| *subtotal: fresh* | 2 |" in text
    assert "| **total** | 6 | 3 | 3 | 3 | 1 | 0 | **2 (33%)** |" in text
    rows = corpus._json_rows(results)
    assert [r["file"] for r in rows[-2:]] == ["subtotal: development", "subtotal: fresh"]
    assert rows[-1]["displays"] == 2 and rows[1]["group"] == "fresh"
    # one group only: no subtotal rows
    assert "subtotal" not in corpus.table(corpus.measure(folder, _entries(), _stub_reader))
