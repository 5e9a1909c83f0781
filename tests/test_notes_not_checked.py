"""`bpcheck verify` lists the statements of notes that no claim checks: skipped (with the
reason), update rules, and not understood (with the construct), in the terminal, the JSON
and the reports.  A not-understood statement is not a failed claim (exit 0), but it is
never silent, and --strict makes it exit 1."""
from __future__ import annotations

import json
from pathlib import Path

from bpcheck.cli import main

NOTE = r"""<!-- bpcheck-defaults: widths=3,4,2 activation=sigmoid loss=mse_half -->

# N

$$ \delta^{(L)} = (a^{(L)} - y) \odot \sigma'(z^{(L)}) $$

$$ W^{(l)} \leftarrow W^{(l)} - \eta \, \frac{\partial J}{\partial W^{(l)}} $$

$$ 0 < a^{(l)}_j < 1 $$

$$ \delta^{(L)} = \oint a^{(L)} $$
"""
# line -> class
EXPECTED = {7: "update", 9: "skipped", 11: "not understood"}


def _note(tmp_path: Path) -> Path:
    path = tmp_path / "n.md"
    path.write_text(NOTE)
    return path


def test_json_lists_each_unchecked_statement(tmp_path: Path, capsys) -> None:
    code = main(["verify", "--no-cache", "--format", "json", str(_note(tmp_path))])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["verdict"] for r in doc["results"]] == ["VERIFIED"]
    listed = {(u["line"], u["kind"]) for u in doc["not_checked"]}
    assert listed == set(EXPECTED.items())
    assert all(u["reason"] and u["file"].endswith("n.md") for u in doc["not_checked"])
    assert any("oint" in u["reason"] for u in doc["not_checked"])  # the construct, named
    assert doc["summary"]["not_understood"] == 1
    assert doc["summary"]["not_checked"] == len(doc["not_checked"])


def test_terminal_lists_them_with_file_and_line(tmp_path: Path, capsys) -> None:
    path = _note(tmp_path)
    assert main(["verify", "--no-cache", str(path)]) == 0
    out = capsys.readouterr().out
    for line, kind in EXPECTED.items():
        assert f"{path}:{line}: {kind}" in out
    assert f"{path}: 1 not understood, 2 skipped, 1 update" in out  # the count per file


def test_strict_fails_on_a_not_understood_statement(tmp_path: Path, capsys) -> None:
    path = _note(tmp_path)
    assert main(["verify", "--no-cache", "--strict", str(path)]) == 1
    path.write_text(NOTE.rsplit("$$ \\delta", 1)[0])  # without the unreadable formula
    assert main(["verify", "--no-cache", "--strict", str(path)]) == 0


def test_reports_have_a_not_checked_section(tmp_path: Path, capsys) -> None:
    path = _note(tmp_path)
    out = tmp_path / "reports"
    main(["verify", "--no-cache", "--report", "md", "--report", "html", "--out", str(out),
          str(path)])
    md = (out / "n.md").read_text()
    html = (out / "n.html").read_text()
    section = md.split("## Not checked", 1)[1].split("\n#", 1)[0]
    rows = [r for r in section.split("\n") if r.startswith("| ") and r[2].isdigit()]
    assert {(int(r.split("|")[1]), r.split("|")[3].strip()) for r in rows} == \
        set(EXPECTED.items())
    assert 'id="not-checked"' in html and "not understood" in html


def test_a_note_with_no_claim_still_lists_them(tmp_path: Path, capsys) -> None:
    path = tmp_path / "only.md"
    path.write_text(NOTE.replace(NOTE.split("\n\n")[2] + "\n\n", ""))
    code = main(["verify", "--no-cache", "--format", "json", "--allow-empty", str(path)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["results"] == [] and len(doc["not_checked"]) == 4  # 0 < a < 1 is two
