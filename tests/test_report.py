"""Proof reports: content, well-formed self-contained HTML, plots, determinism, a real browser."""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bpcheck.catalog.files import load_catalog
from bpcheck.cli import main
from bpcheck.model import Kind, Options
from bpcheck.report.write import write_reports
from bpcheck.typeset.printers import NETWORK_LAYERED, to_latex, to_mathml
from bpcheck.run.runner import run_claims
from bpcheck.catalog.verdict_json import summary

NOTES = """
[document]
title = "Small notes"
file = "notes/small_notes.pdf"

[setting.scalar]
kind = "scalar"
symbols = ["x"]

[setting.net]
kind = "network"
widths = [3, 2]
activation = "sigmoid"
loss = "mse_half"

[[claim]]
id = "sig"
title = "Derivative of the logistic function"
source = "eq. (1)"
setting = "scalar"
quantity = "diff(1/(1+exp(-x)), x)"
formula = "sigmoid(x)*(1-sigmoid(x))"

[[claim]]
id = "sig-wrong"
source = "eq. (2)"
setting = "scalar"
expect = "erratum"
quantity = "diff(sigmoid(x), x)"
chain = ["sigmoid(x)*(1-sigmoid(x))", "sigmoid(x)*(1+sigmoid(x))"]

[[claim]]
id = "out-bad"
source = "eq. (3)"
setting = "net"
expect = "erratum"
quantity = "diff(J, z[L])"
formula = "(y - a[L]) ⊙ fprime(z[L])"

[[claim]]
id = "out"
source = "eq. (3), corrected"
setting = "net"
corrects = "out-bad"
quantity = "diff(J, z[L])"
formula = "-(y - a[L]) ⊙ fprime(z[L])"
"""

OTHER = """
[document]
title = "Other notes"

[setting.scalar]
kind = "scalar"
symbols = ["t"]

[[claim]]
id = "square"
source = "p. 2"
setting = "scalar"
quantity = "diff(t**2, t)"
formula = "2*t"
"""


def _decide(folder: Path) -> list:
    catalog = load_catalog([folder])
    assert not catalog.errors
    return run_claims(list(catalog.claims), Options())


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> list:
    folder = tmp_path_factory.mktemp("cat")
    (folder / "010_notes.toml").write_text(NOTES, encoding="utf-8")
    (folder / "020_other.toml").write_text(OTHER, encoding="utf-8")
    return _decide(folder)


@pytest.fixture(scope="module")
def out(decided: list, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    write_reports(decided, summary(decided), ["md", "html"], folder)
    return folder


def _section(text: str, claim_id: str) -> str:
    """The part of a report about one claim (up to the next claim's anchor)."""
    start = text.index(f'id="claim-{claim_id}"')
    nxt = text.find('id="claim-', start + 10)
    return text[start:nxt if nxt > 0 else len(text)]


def test_files_per_catalog_and_index(out: Path) -> None:
    names = sorted(p.name for p in out.iterdir())
    assert names == ["010_notes-sig-wrong.svg", "010_notes.html", "010_notes.md",
                     "020_other.html", "020_other.md", "index.html", "index.md"]


def test_verdicts(decided: list) -> None:
    kinds = {c.id: v.kind for c, v in decided}
    assert kinds == {"sig": Kind.VERIFIED, "sig-wrong": Kind.REFUTED, "out-bad": Kind.REFUTED,
                     "out": Kind.VERIFIED, "square": Kind.VERIFIED}


@pytest.mark.parametrize("ext", ["md", "html"])
def test_each_claim_with_verdict_source_and_evidence(out: Path, decided: list, ext: str) -> None:
    text = (out / f"010_notes.{ext}").read_text(encoding="utf-8")
    for c, v in decided:
        if c.file.endswith("010_notes.toml"):
            part = _section(text, c.id)
            assert v.kind.value in part and c.source in part and "small_notes.pdf" in part
            assert ("as expected" in part) and ("NOT as expected" not in part)
            assert "Numeric evidence" in part and "24" in part
    assert "Total time" not in text
    network = _section(text, "out")
    assert "reference" in network  # errors against the NumPy reference


@pytest.mark.parametrize("ext", ["md", "html"])
def test_counterexample_shown(out: Path, decided: list, ext: str) -> None:
    v = dict((c.id, v) for c, v in decided)["out-bad"]
    cx = v.counterexample
    part = _section((out / f"010_notes.{ext}").read_text(encoding="utf-8"), "out-bad")
    assert "Counterexample" in part and f"seed {cx.seed}" in part
    for value in (*cx.lhs, *cx.rhs, cx.inputs[0][1]):
        assert f"{value:.6g}" in part
    assert f"{cx.rel_err:.3e}" in part and cx.entry.strip("[]") in part
    assert "First broken link" in part
    assert "claim-out" in part  # link to the corrected form


def test_chain_marks_and_first_broken_link(out: Path) -> None:
    part = _section((out / "010_notes.md").read_text(encoding="utf-8"), "sig-wrong")
    assert "✓ link 1" in part and "✗ link 2" in part
    assert "differ too" in part  # the chain's ends were compared
    assert "**Link 2:**" in part.split("First broken link")[1][:40]


def test_markdown_math_is_github_safe(out: Path) -> None:
    text = (out / "010_notes.md").read_text(encoding="utf-8")
    assert text.count("\n$$\n") % 2 == 0 and "$$" in text
    for line in text.splitlines():  # GitHub keeps \\ only at the end of a line
        assert "\\\\" not in line.rstrip().removesuffix("\\\\")
    assert r"\frac{\partial J}{\partial z^{(L)}}" in text


def test_html_well_formed_and_self_contained(out: Path) -> None:
    for name in ("010_notes.html", "020_other.html", "index.html"):
        text = (out / name).read_text(encoding="utf-8")
        root = ET.fromstring(text.removeprefix("<!DOCTYPE html>\n"))  # XHTML-compatible
        assert root.tag == "html"
        _check_balanced(text)
        assert "<script" not in text and "<link" not in text and " src=" not in text
        assert not re.findall(r"https?://(?!www\.w3\.org/)", text)  # nothing to fetch
        assert "@media print" in text


def test_html_math_and_inline_plot(out: Path) -> None:
    text = (out / "010_notes.html").read_text(encoding="utf-8")
    part = _section(text, "sig-wrong")
    assert part.count("<math") >= 3 and "<svg" in part and "<path d=\"M" in part
    assert "<svg" not in _section(text, "out-bad")  # plots only for scalar claims


def test_svg_plot_beside_markdown(out: Path) -> None:
    svg = out / "010_notes-sig-wrong.svg"
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    assert root.tag.endswith("svg")
    paths = [p.get("d") for p in root.iter("{http://www.w3.org/2000/svg}path")]
    assert len(paths) == 2 and all(d.count("L") > 100 for d in paths)
    assert "](010_notes-sig-wrong.svg)" in (out / "010_notes.md").read_text(encoding="utf-8")


def test_deterministic_bytes(decided: list, out: Path, tmp_path: Path) -> None:
    write_reports(decided, summary(decided), ["md", "html"], tmp_path)
    for p in out.iterdir():
        assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


def test_timings_only_when_asked(decided: list, tmp_path: Path) -> None:
    write_reports(decided, summary(decided), ["md"], tmp_path, timings=True)
    assert "Total time" in (tmp_path / "010_notes.md").read_text(encoding="utf-8")


def test_single_catalog_has_no_index(decided: list, tmp_path: Path) -> None:
    one = [(c, v) for c, v in decided if c.file.endswith("020_other.toml")]
    paths = write_reports(one, summary(one), ["html"], tmp_path)
    assert [p.name for p in paths] == ["020_other.html"]


def test_index_lists_errata_per_document(out: Path) -> None:
    text = (out / "index.md").read_text(encoding="utf-8")
    notes, other = text.split("### Small notes")[1].split("### Other notes")
    assert "010_notes.md#claim-sig-wrong" in notes and "out-bad" in notes
    assert "None." in other


def test_cli_writes_reports(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "other.toml").write_text(OTHER, encoding="utf-8")
    code = main(["verify", str(tmp_path / "cat"), "--no-cache", "--report", "md", "--report",
                 "html", "--out", str(tmp_path / "reports")])
    assert code == 0
    assert {p.name for p in (tmp_path / "reports").iterdir()} == {"other.md", "other.html"}


@pytest.mark.parametrize("text, latex", [
    ("diff(J, W[l])", r"\frac{\partial J}{\partial W^{(l)}}"),
    ("transpose(x)", r"x^{\top}"),
    ("fprime(z[l])", r"f'(z^{(l)})"),
    ("a % b", r"a \odot b"),
    ("hadamard(a, b)", r"a \odot b"),
    ("sigmoid(x)", r"\sigma(x)"),
    ("sum(e, (k, 1, n))", r"\sum_{k=1}^{n}e"),
    ("W[l][i, j]", r"W^{(l)}_{ij}"),
    ("delta[l]", r"\delta^{(l)}"),
    ("kdelta(i, j)", r"\delta_{ij}"),
    ("transpose(W[l+1]) * delta[l+1]", r"W^{(l+1)\top}\delta^{(l+1)}"),
    ("x - (y - z)", "x-(y-z)"),
])
def test_latex_as_written(text: str, latex: str) -> None:
    assert to_latex(text, NETWORK_LAYERED) == latex


def test_mathml_is_xml_and_never_evaluates() -> None:
    big = "fprime(z[l]) ⊙ (transpose(W[l+1]) * delta[l+1])"
    root = ET.fromstring(to_mathml(big, NETWORK_LAYERED, display=True))
    assert root.get("display") == "block"
    assert "⊙" in to_mathml(big, NETWORK_LAYERED) and "⊤" in to_mathml(big, NETWORK_LAYERED)
    hostile = "__import__('os').system('x')"
    assert "__import__" in to_mathml(hostile)  # shown as text, never run
    assert r"\_\_import\_\_" in to_latex(hostile)


class _Balance(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        pass  # <x/>: opened and closed

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def _check_balanced(text: str) -> None:
    parser = _Balance()
    parser.feed(text)
    assert parser.stack == []


CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and Path(p).exists()),
                None)


@pytest.mark.skipif(CHROMIUM is None, reason="no headless browser: Debian's chromium is not "
                    "installed (apt-get install chromium)")
def test_renders_in_headless_chromium(out: Path, tmp_path: Path) -> None:
    page = (out / "010_notes.html").resolve().as_uri()
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(flags + ["--dump-dom", page], capture_output=True, text=True,
                         timeout=120).stdout
    source = (out / "010_notes.html").read_text(encoding="utf-8")
    assert dom.count("<math") == source.count("<math") > 10
    for claim_id in ("sig", "sig-wrong", "out-bad", "out"):
        assert f'id="claim-{claim_id}"' in dom
    shot = tmp_path / "page.png"
    subprocess.run(flags + ["--window-size=1000,2000", f"--screenshot={shot}", page],
                   capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
