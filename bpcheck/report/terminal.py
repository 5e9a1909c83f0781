"""Terminal output: what needs attention first, in color with a progress bar on a
terminal, plain text otherwise.

Plain text when output is not a terminal or NO_COLOR is set (unless --color always),
so that logs and CI read cleanly.  Ids and lines are never cut.  Nothing here imports
SymPy.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from typing import Any, Sequence, TextIO

from ..catalog.files import LoadError, Unchecked
from ..model import Claim, Kind, Verdict, failure_line

STYLE = {Kind.VERIFIED: "green", Kind.REFUTED: "red", Kind.INCONCLUSIVE: "yellow",
         Kind.ERROR: "magenta"}


def fancy(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def color_wanted(choice: str, stream: TextIO) -> bool:
    """--color: always, never, or auto (a terminal, unless NO_COLOR or TERM=dumb)."""
    if choice in ("always", "never"):
        return choice == "always"
    return fancy(stream)


def mark(claim: Claim, v: Verdict) -> str:
    if v.ok:
        return "ok" if claim.expect.value == "holds" else "erratum"
    return "FAIL"


def explain(claim: Claim, v: Verdict) -> list[str]:
    """Lines saying why: first broken link, counterexample, diagnosis."""
    lines = [f"{claim.file}:{failure_line(claim, v)}: {claim.id} ({claim.source}): "
             f"{v.kind.value}: {v.reason}"]
    if v.first_broken is not None and len(claim.sides) > 2:
        link = v.links[v.first_broken]
        lines.append(f"  first broken link: {claim.sides[link.left].strip()}  =  "
                     f"{claim.sides[link.right].strip()}")
        if v.ends_agree is not None:
            lines.append(f"  the chain's two ends {'still agree' if v.ends_agree else 'differ too'}")
    for link in v.links:
        if link.kind is Kind.REFUTED and link.case:
            lines.append(f"  case: {link.case}")
            break
    cx = v.counterexample
    if cx is not None:
        lines.append(f"  counterexample (seed {cx.seed}): {_inputs(cx.inputs)}")
        where = f" entry {cx.entry}" if cx.entry else ""
        k = _entry_pos(cx.entry, cx.shape)
        lines.append(f"  at{where}: claimed {cx.rhs[k]:.6g}, true {cx.lhs[k]:.6g} "
                     f"(relative error {cx.rel_err:.3g})")
    if v.diagnosis:
        lines.append(f"  diagnosis: {v.diagnosis}")
    if v.corrected:
        lines.append(f"  corrected: {v.corrected}")
        latex = corrected_latex(claim, v)
        if latex:  # ready to paste back into the notes
            lines.append(f"  corrected (LaTeX): {latex}")
    widths = dict(v.extra).get("minimal_widths")
    if widths and tuple(widths) != tuple(claim.setting.get("widths", ())):
        lines.append(f"  smallest widths that still show it: {'-'.join(map(str, widths))}")
    return lines


def corrected_latex(claim: Claim, v: Verdict) -> str:
    """A note's corrected formula in the note's own notation ("" for a catalog's claim, or
    a correction outside the formula language)."""
    if not v.corrected or not claim.file.endswith((".md", ".ipynb", ".tex")):
        return ""
    from ..typeset.style import note_latex
    try:
        return note_latex(v.corrected.replace("⊙", "%"), claim.setting, dict(claim.notation))
    except (ValueError, SyntaxError):
        return ""


def _inputs(inputs: tuple[tuple[str, float], ...], most: int = 8) -> str:
    """The non-zero inputs first (a shrunk counterexample is mostly zeros)."""
    nonzero = [(k, v) for k, v in inputs if v != 0]
    shown = ", ".join(f"{k}={v:.4g}" for k, v in nonzero[:most])
    parts = [shown] if shown else []
    if len(nonzero) > most:
        parts.append(f"{len(nonzero) - most} more")
    zeros = len(inputs) - len(nonzero)
    if zeros:
        parts.append("all inputs 0" if not nonzero else f"the other {zeros} inputs 0")
    return "; ".join(parts)


def _entry_pos(entry: str, shape: str) -> int:
    if not entry:
        return 0
    nums = [int(t) for t in entry.strip("[]").split(",")]
    cols = int(shape.split("×")[1]) if "×" in shape else 1
    return (nums[0] - 1) * cols + (nums[1] - 1) if len(nums) == 2 else nums[0] - 1


class TerminalReporter:
    """Shows progress while claims are decided, then what needs attention: a line per
    file, the claims not as expected with their explanation, the expected errata one
    line each, and the summary.  `verbosity` -1 (-q): the summary only; 1 (-v): every
    claim on its own line, and each expected erratum's whole refutation."""

    def __init__(self, stream: TextIO = sys.stdout, total: int = 0, rich: bool | None = None,
                 verbosity: int = 0):
        self.stream = stream
        self.rich = fancy(stream) if rich is None else rich
        self.total = total
        self.verbosity = verbosity
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> "TerminalReporter":
        if self.rich and self.total and self.stream.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total}"),
                                      TimeElapsedColumn(), transient=True,
                                      console=self._console())
            self._progress.start()
            self._task = self._progress.add_task("checking claims", total=self.total)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def claim_done(self, claim: Claim, verdict: Verdict) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=claim.id)

    def load_errors(self, errors: list[LoadError]) -> None:
        for err in errors:
            print(str(err), file=sys.stderr)

    def finish(self, pairs: list[tuple[Claim, Verdict]], summary: dict[str, Any],
               unchecked: Sequence[Unchecked] = (), errors: Sequence[LoadError] = ()) -> None:
        out: list[tuple[str, str]] = []  # (text, style)
        if self.verbosity >= 1:
            out += [(claim_row(c, v), STYLE[v.kind]) for c, v in pairs]
        if self.verbosity >= 0:
            out += [(line, "green" if ok else "red") for line, ok in file_lines(pairs, errors)]
            for c, v in pairs:
                if not v.ok:
                    out += [(line, "red" if k == 0 else "") for k, line in enumerate(explain(c, v))]
            for c, v in pairs:
                if v.ok and v.kind is not Kind.VERIFIED:  # an expected erratum
                    lines = explain(c, v) if self.verbosity >= 1 else [erratum_line(c, v)]
                    out += [(line, "") for line in lines]
            out += [(line, "") for line in not_checked_lines(unchecked)]
        bad = summary["not_ok"] or summary["input_errors"] or summary.get("interrupted")
        out.append((summary_line(summary), "bold red" if bad else "bold green"))
        self._print(out)

    def _console(self) -> Any:
        from rich.console import Console
        return Console(file=self.stream, force_terminal=True, highlight=False, soft_wrap=True,
                       no_color=False, emoji=False)

    def _print(self, lines: list[tuple[str, str]]) -> None:
        if not self.rich:
            for text, _ in lines:
                print(text, file=self.stream)
            return
        from rich.text import Text  # plain Text: a formula's [l] is never read as markup
        console = self._console()
        for text, style in lines:
            console.print(Text(text, style=style or ""))


def claim_row(claim: Claim, v: Verdict) -> str:
    """One claim on one line, its id in full."""
    return f"{mark(claim, v):8} {claim.id}  {v.kind.value}  {v.seconds:.2f}s  {claim.source}"


def erratum_line(claim: Claim, v: Verdict) -> str:
    """An expected erratum, refuted as expected: where it is, and its correction if any."""
    fix = f"; corrected: {v.corrected}" if v.corrected else ""
    return f"erratum  {claim.file}:{failure_line(claim, v)}: {claim.id}: refuted as expected{fix}"


def file_lines(pairs: Sequence[tuple[Claim, Verdict]],
               errors: Sequence[LoadError] = ()) -> list[tuple[str, bool]]:
    """One line per file: its claims by verdict, its input errors, and whether all is as
    expected."""
    per_file: dict[str, list[Verdict]] = {}
    for c, v in pairs:
        per_file.setdefault(c.file, []).append(v)
    bad_input = Counter(e.file for e in errors)
    lines = []
    for file in [*per_file, *(f for f in bad_input if f not in per_file)]:
        verdicts = per_file.get(file, [])
        counts = Counter(v.kind for v in verdicts)
        kinds = ", ".join(f"{counts[k]} {k.value.lower()}" for k in Kind if counts[k])
        problems = [f"{n} not as expected" for n in [sum(not v.ok for v in verdicts)] if n]
        problems += [f"{n} input errors" for n in [bad_input[file]] if n]
        text = f"{file}: {len(verdicts)} claims" + (f" ({kinds})" if kinds else "")
        lines.append((f"{text}: {', '.join(problems) or 'all as expected'}", not problems))
    return lines


def not_checked_lines(unchecked: Sequence[Unchecked], width: int = 110) -> list[str]:
    """The statements of notes no claim checks: a count per file, then one line each."""
    if not unchecked:
        return []
    per_file: dict[str, Counter] = {}
    for u in unchecked:
        per_file.setdefault(u.file, Counter())[u.kind] += 1
    lines = [f"not checked: {len(unchecked)} statements of notes (skipped, updates, not "
             "understood; not failures, but --strict fails on a not-understood one)"]
    for file, counts in per_file.items():
        lines.append(f"  {file}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    seen = Counter(" ".join(str(u).split()) for u in unchecked)  # 0 < a < 1: two, one line
    for text, n in seen.items():
        text = text if len(text) <= width else text[:width - 1] + "…"
        lines.append("    " + text + (f" (×{n})" if n > 1 else ""))
    return lines


def summary_line(s: dict[str, Any]) -> str:
    if s.get("interrupted"):
        return (f"interrupted: {s['total']} claims decided, {s['interrupted']} not; "
                f"{s['not_ok']} of those decided not as expected")
    parts = [f"{s['total']} claims", f"{s['VERIFIED']} verified", f"{s['REFUTED']} refuted "
             f"({s['expected_errata']} expected errata)", f"{s['INCONCLUSIVE']} inconclusive",
             f"{s['ERROR']} errors"]
    tail = "all as expected" if s["not_ok"] == 0 and not s["input_errors"] else \
        f"{s['not_ok']} not as expected" + (f", {s['input_errors']} input errors"
                                            if s["input_errors"] else "")
    if s.get("not_checked"):
        tail += f"; {s['not_checked']} statements of notes not checked" + \
            (f" ({s['not_understood']} not understood)" if s.get("not_understood") else "")
    return ", ".join(parts) + f" in {s.get('wall_seconds', s['seconds']):.2f}s: {tail}"
