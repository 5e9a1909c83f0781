"""`bpcheck scan` of a 1,000-formula corpus against the `import sympy, numpy` floor.

Writes a synthetic corpus of our own formulas (about 1,000 display formulas in 50 Markdown
and LaTeX files, in varied notation: bracket, parenthesised and letter layers, `\\odot` and
`\\circ`, `^T` and `^\\top`, align rows, updates, remarks) to a temporary folder, then times,
in turns, `python -c "import sympy, numpy"` and `python -m bpcheck.cli scan <folder>`
(several runs each, interleaved so that a busy machine slows both alike) and prints the
medians and their ratio.  The target is a ratio under 2.

    PYTHONPATH=$PWD python benchmarks/scan_speed.py [--runs 5] [--files 50]
"""
from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STYLES = (("[", "]"), ("(", ")"), ("", ""))
MARKDOWN_SETUP = "<!-- bpcheck-defaults: widths=3,4,4,2 activation=sigmoid loss=mse_half -->\n"
TEX_SETUP = "% bpcheck-defaults: widths=3,4,4,2 activation=tanh loss=mse_half\n"
LETTER_SETUP = ("<!-- bpcheck-defaults: widths=2,3,2 layers=h,o activation=sigmoid "
                "loss=mse_half loss_symbol=E -->\n")


def _formulas(k: int, open_: str, close: str) -> list[str]:
    """Twenty display formulas of one file, in one layer style (the k-th variant)."""
    L = lambda s: f"^{{{open_}{s}{close}}}"
    prod = r"\odot" if k % 2 else r"\circ"
    top = "^T" if k % 3 else r"^\top"
    return [
        rf"z{L('l')} = W{L('l')} a{L('l-1')} + b{L('l')}",
        rf"a{L('l')} = \sigma\left(z{L('l')}\right)",
        rf"J = \frac{{1}}{{2}} \left\lVert a{L('L')} - y \right\rVert^2",
        rf"\delta{L('L')} = \left(a{L('L')} - y\right) {prod} \sigma'\left(z{L('L')}\right)",
        rf"\delta{L('l')} = \left( (W{L('l+1')}){top} \delta{L('l+1')} \right) {prod} "
        rf"\sigma'(z{L('l')})",
        rf"\frac{{\partial J}}{{\partial W{L('l')}}} = \delta{L('l')} (a{L('l-1')}){top}",
        rf"\frac{{\partial J}}{{\partial b{L('l')}}} = \delta{L('l')}",
        rf"\frac{{\partial J}}{{\partial W{L('l')}_{{jk}}}} = a{L('l-1')}_k \, \delta{L('l')}_j",
        rf"\delta{L('l')}_j = \sigma'(z{L('l')}_j) \sum_{{i}} W{L('l+1')}_{{ij}} "
        rf"\delta{L('l+1')}_i",
        rf"W{L('l')} \leftarrow W{L('l')} - \eta \frac{{\partial J}}{{\partial W{L('l')}}}",
        rf"b{L('l')} := b{L('l')} - \alpha \, \delta{L('l')}",
        rf"0 < a{L('l')}_j < 1",
        r"l = 1, \dots, L",
        r"\sigma(u) = \frac{1}{1 + e^{-u}}",
        r"\frac{d}{du} \sigma(u) = \sigma(u)\left(1 - \sigma(u)\right)",
        rf"\frac{{\partial J}}{{\partial z{L('L')}}} = \nabla_{{a{L('L')}}} J {prod} "
        rf"\sigma'(z{L('L')})",
        rf"\frac{{\partial a{L('l')}}}{{\partial z{L('l')}}} = "
        rf"\mathrm{{diag}}\left(\sigma'(z{L('l')})\right)",
        rf"\delta{L('l')} = \mathrm{{diag}}\left(\sigma'(z{L('l')})\right) "
        rf"(W{L('l+1')}){top} \delta{L('l+1')}",
        rf"\frac{{\partial J}}{{\partial W{L('1')}}} = \delta{L('1')} x{top} + {k}",
        rf"\begin{{aligned}} \delta{L('L')} &= \frac{{\partial J}}{{\partial z{L('L')}}} \\ "
        rf"&= (a{L('L')} - y) {prod} \sigma'(z{L('L')}) \end{{aligned}}",
    ]


def _letters(k: int) -> list[str]:
    prod = r"\circ" if k % 2 else r"\odot"
    return [r"z^h = W^h x + b^h", r"a^h = \sigma(z^h)", r"z^o = W^o a^h + b^o",
            r"a^o = \sigma(z^o)", r"E = \frac{1}{2} \lVert a^o - y \rVert^2",
            rf"\delta^o = (a^o - y) {prod} \sigma'(z^o)",
            r"\delta^o_j = (a^o_j - y_j) \sigma'(z^o_j)",
            rf"\delta^h = \left((W^o)^\top \delta^o\right) {prod} \sigma'(z^h)",
            r"\frac{\partial E}{\partial W^o} = \delta^o (a^h)^\top",
            r"\frac{\partial E}{\partial W^h} = \delta^h x^\top",
            r"\frac{\partial E}{\partial b^o} = \delta^o",
            r"\frac{\partial E}{\partial b^h} = \delta^h",
            r"W^o \leftarrow W^o - \eta \frac{\partial E}{\partial W^o}",
            r"\frac{\partial E}{\partial W^o_{jk}} = \delta^o_j a^h_k",
            r"\frac{\partial E}{\partial b^o_j} = \delta^o_j",
            r"0 < a^o_j < 1", r"\sigma'(u) = \sigma(u)(1 - \sigma(u))",
            r"\delta^h_j = \sigma'(z^h_j) \sum_i W^o_{ij} \delta^o_i",
            rf"\frac{{\partial E}}{{\partial z^o}} = (a^o - y) {prod} \sigma'(z^o)",
            rf"z^o_j = \sum_k W^o_{{jk}} a^h_k + b^o_j + {k} - {k}"]


def write_corpus(folder: Path, files: int = 50) -> int:
    """The corpus in `folder`; returns the number of display formulas written."""
    total = 0
    for k in range(files):
        if k % 5 == 4:
            body = _letters(k)
            text = LETTER_SETUP + f"\n# Note {k}\n\n" + "".join(
                f"Step {n}:\n\n$$\n{f}\n$$\n\n" for n, f in enumerate(body))
            name = f"note{k:02d}.md"
        elif k % 5 == 3:
            body = _formulas(k, "(", ")")
            text = TEX_SETUP + "\\documentclass{article}\n\\begin{document}\n" + "".join(
                f"Step {n}:\n\\begin{{equation}}\n{f}\n\\end{{equation}}\n\n"
                for n, f in enumerate(body)) + "\\end{document}\n"
            name = f"note{k:02d}.tex"
        else:
            body = _formulas(k, *STYLES[k % 3])
            text = MARKDOWN_SETUP + f"\n# Note {k}\n\n" + "".join(
                f"Step {n}:\n\n$$\n{f}\n$$\n\n" for n, f in enumerate(body))
            name = f"note{k:02d}.md"
        (folder / name).write_text(text, encoding="utf-8")
        total += len(body)
    return total


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--files", type=int, default=50)
    args = p.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    # byte-compiled first, as an installed package is (see bench.precompile)
    compileall.compile_dir(str(root / "bpcheck"), quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        n = write_corpus(Path(tmp), args.files)
        floor_cmd = [sys.executable, "-c", "import sympy, numpy"]
        scan_cmd = [sys.executable, "-m", "bpcheck.cli", "scan", tmp]
        floors, scans = [], []
        for _ in range(args.runs):  # in turns
            floors.append(_time(floor_cmd, env))
            scans.append(_time(scan_cmd, env))
    floor, scan = statistics.median(floors), statistics.median(scans)
    print(f"{n} display formulas in {args.files} files")
    print(f"import sympy, numpy: median {floor:.3f} s of {args.runs} runs")
    print(f"bpcheck scan:        median {scan:.3f} s of {args.runs} runs")
    print(f"ratio {scan / floor:.2f} (target under 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
