"""A proof report's content: the claims of each catalog file as a list of blocks.

The content is built once as blocks (headings, paragraphs, tables, chains, plots) whose
inline parts are text, formulas and links; `markdown` writes them as GitHub Markdown,
`html` as one self-contained page, `write` puts the files in place.  Output is
deterministic: catalog order, fixed float formats, times only when `timings=True`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..version import __version__
from ..model import Claim, Counterexample, Kind, LinkResult, Verdict
from ..typeset.printers import NETWORK_LAYERED, is_formula

# Inline parts: str | ("b"|"i"|"code", s) | ("math", sides joined by =, layered names)
#   | ("sym", SymPy's LaTeX of a symbol) | ("link", text, catalog or "", anchor) | ("verdict", Kind)
MARK = {Kind.VERIFIED: "✓", Kind.REFUTED: "✗", Kind.INCONCLUSIVE: "?", Kind.ERROR: "!"}
EVIDENCE_ORDER = ("points", "seed", "max_abs_err", "max_rel_err", "reference_points",
                  "reference_max_abs_err", "reference_max_rel_err")
DOC_FILE_KEYS = ("file", "path", "notes", "source", "document", "url")


@dataclass
class Catalog:
    """The claims of one catalog file, and what links them to the other files."""

    name: str
    file: str
    document: dict[str, Any]
    pairs: list[tuple[Claim, Verdict]]
    homes: dict[str, str] = field(default_factory=dict)  # claim id -> catalog name
    fixes: dict[str, list[Claim]] = field(default_factory=dict)  # erratum id -> corrections
    timings: bool = False
    unchecked: list[Any] = field(default_factory=list)  # a note's statements no claim checks

    @property
    def title(self) -> str:
        return str(self.document.get("title") or Path(self.file).name)

    @property
    def doc_file(self) -> str:
        """The source document's file name, when [document] names it."""
        value = next((self.document[k] for k in DOC_FILE_KEYS
                      if isinstance(self.document.get(k), str) and self.document[k]), "")
        return value if "://" in value or not value else Path(value).name

    def link(self, claim_id: str) -> tuple:
        home = self.homes.get(claim_id, self.name)
        return ("link", claim_id, "" if home == self.name else home, anchor(claim_id))


def group(pairs: list[tuple[Claim, Verdict]], timings: bool = False,
          unchecked: Any = ()) -> list[Catalog]:
    """Pairs by catalog file, in catalog order (then notes with unchecked statements only);
    names are file stems, made unique."""
    files: dict[str, list[tuple[Claim, Verdict]]] = {}
    for c, v in pairs:
        files.setdefault(c.file, []).append((c, v))
    for u in unchecked:
        files.setdefault(u.file, [])
    names = _unique_names(list(files))
    homes = {c.id: names[c.file] for c, _ in pairs}
    fixes: dict[str, list[Claim]] = {}
    for c, _ in pairs:
        if c.corrects:
            fixes.setdefault(c.corrects, []).append(c)
    return [Catalog(names[f], f, _document(f), ps, homes, fixes, timings,
                    [u for u in unchecked if u.file == f]) for f, ps in files.items()]


def _document(f: str) -> dict[str, Any]:
    from ..catalog.files import load_file
    return load_file(Path(f))[2] if Path(f).is_file() else {}


def _unique_names(files: list[str]) -> dict[str, str]:
    """File stems; where two share a stem, the suffix and then the folder tell them apart
    (notes/backprop.md and notes/backprop.ipynb → backprop-md, backprop-ipynb)."""
    def name(f: str, level: int) -> str:
        p = Path(f)
        return [p.stem, f"{p.stem}-{p.suffix.lstrip('.')}",
                f"{p.parent.name}-{p.stem}-{p.suffix.lstrip('.')}"][level]
    names = {}
    for f in files:
        for level in range(3):
            if sum(name(g, level) == name(f, level) for g in files) == 1 or level == 2:
                names[f] = name(f, level)
                break
    return names


def layered(claim: Claim) -> frozenset[str]:
    """Names whose first subscript is a layer: x^(l) too in the standard numbering."""
    if claim.setting.kind != "network":
        return frozenset()
    if claim.setting.get("numbering", "standard") == "standard":
        return NETWORK_LAYERED | {"x"}
    return NETWORK_LAYERED


def anchor(claim_id: str) -> str:
    return "claim-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", claim_id)


def fnum(value: Any) -> str:
    return f"{value:.3e}" if isinstance(value, float) else str(value)


def fval(value: float) -> str:
    return f"{value:.6g}"


# ---- blocks (shared by both formats) ------------------------------------------------------

def counts_table(s: dict[str, Any]) -> tuple:
    keys = ("VERIFIED", "REFUTED", "expected_errata", "INCONCLUSIVE", "ERROR", "total", "ok")
    return ("table", ["verified", "refuted", "expected errata", "inconclusive", "errors",
                      "claims", "as expected"], [[[str(s.get(k, 0))] for k in keys]])


def errata_list(cat: Catalog, link_home: bool = False) -> tuple:
    items = [[("link", c.id, cat.name if link_home else "", anchor(c.id)),
              f" ({c.source}): {v.reason} — ",
              "expected erratum" if c.expect.value == "erratum" else ("b", "NOT expected")]
             for c, v in cat.pairs if v.kind is Kind.REFUTED]
    return ("ul", items) if items else ("p", ["None."])


def catalog_blocks(cat: Catalog, plots: dict[str, Any]) -> list:
    from ..catalog.verdict_json import summary
    s = summary(cat.pairs)
    doc = [", document ", ("code", cat.doc_file)] if cat.doc_file else []
    extra = [[f"{k}: {v}"] for k, v in sorted(cat.document.items()) if k != "title"
             and k not in DOC_FILE_KEYS and isinstance(v, (str, int, float))]
    blocks: list = [("p", ["Claims from ", ("code", Path(cat.file).name), *doc,
                           f", checked by bpcheck {__version__}."]), counts_table(s)]
    blocks += [("ul", extra)] if extra else []
    blocks += [("p", [f"Total time: {s['seconds']:.2f} s"])] if cat.timings else []
    blocks += [("h", 2, ["Errata found"], "errata"), errata_list(cat),
               ("h", 2, ["Claims"], "claims"),
               ("table", ["claim", "source", "verdict", "expected", "outcome"],
                [[[cat.link(c.id)], [c.source], [("verdict", v.kind)], [c.expect.value],
                  ["as expected" if v.ok else "NOT as expected"]] for c, v in cat.pairs])]
    return blocks + not_checked_blocks(cat.unchecked) + \
        [("claim", anchor(c.id), v.kind, claim_blocks(cat, c, v, plots.get(c.id)))
         for c, v in cat.pairs]


def not_checked_blocks(unchecked: list[Any]) -> list:
    """A note's statements that no claim checks: skipped (why), updates, not understood."""
    if not unchecked:
        return []
    rows = [[[str(u.line)], [" ".join(u.latex.split())], [u.kind], [u.reason]]
            for u in unchecked]
    return [("h", 2, ["Not checked"], "not-checked"),
            ("p", ["Statements of the note that no claim checks: skipped (with the reason), "
                   "update rules, and statements bpcheck does not understand (with the "
                   "construct). They are listed, not failures."]),
            ("table", ["line", "statement", "class", "reason"], rows)]


def claim_blocks(cat: Catalog, c: Claim, v: Verdict, plot: Any) -> list:
    lay = layered(c)
    title = c.id if c.title in ("", c.id) else f"{c.id}: {c.title}"
    doc = [" (", ("code", cat.doc_file), ")"] if cat.doc_file not in c.source else []
    facts = [[("b", "Source: "), cat.title, *doc, f", {c.source} — {Path(c.file).name}, "
              f"line {c.line}"], [("b", "Scope: "), v.scope or c.scope or "—"],
             [("b", "Verdict: "), v.reason]]
    for var, rng in c.where:
        lo, hi = rng.split("..", 1)
        facts.append([("b", "For: "), ("math", (var,), lay), " from ", ("math", (lo,), lay),
                      " to ", ("math", (hi,), lay)])
    facts += [[("b", "Time: "), f"{v.seconds:.2f} s"]] if cat.timings else []
    out: list = [("h", 3, [title], ""),
                 ("p", [("verdict", v.kind), f" — expected: {c.expect.value} — ",
                        ("b", "as expected" if v.ok else "NOT as expected")]),
                 ("ul", facts), ("chain", list(c.sides), [l.kind for l in v.links], lay)]
    out += [("p", [("i", c.note)])] if c.note else []
    return out + _relations(cat, c, v) + _argument(c, v) + _evidence(v) + \
        _refutation(cat, c, v, plot)


def _relations(cat: Catalog, c: Claim, v: Verdict) -> list:
    out: list = [("p", ["Corrects the erratum ", cat.link(c.corrects), "."])] if c.corrects else []
    for fix in cat.fixes.get(c.id, []):
        out.append(("p", ["Corrected form (", cat.link(fix.id), "): ",
                          ("math", (fix.sides[0], fix.sides[-1]), layered(fix))]))
    if v.diagnosis:
        out.append(("p", [("b", "Diagnosis: "), v.diagnosis]))
    if v.corrected:
        fixed = ("math", (v.corrected,), layered(c)) if is_formula(v.corrected) else v.corrected
        out.append(("p", [("b", "Corrected formula: "), fixed]))
        from .terminal import corrected_latex
        latex = corrected_latex(c, v)
        if latex:  # a note's correction, as its own LaTeX, ready to paste back
            out.append(("p", [("b", "In the note's notation: "), ("code", latex)]))
    return out


def _link_head(c: Claim, k: int, link: LinkResult) -> list:
    return [("b", f"Link {k + 1}: "), ("math", (c.sides[link.left], c.sides[link.right]),
                                       layered(c))]


def _argument(c: Claim, v: Verdict) -> list:
    out: list = [("h", 4, ["Symbolic argument"], "")] if v.links else []
    for k, link in enumerate(v.links):
        case = f" (case {link.case})" if link.case else ""
        out.append(("p", [*_link_head(c, k, link), " ", ("verdict", link.kind),
                          f" — {link.reason}{case}"]))
        steps = [[("i", s.label), f": {s.text}"] for s in link.steps]
        out.append(("ul", steps) if steps else ("p", ["(no symbolic steps recorded)"]))
        out += [("display", s.latex) for s in link.steps if s.latex]
    return out


def _evidence(v: Verdict) -> list:
    keys = sorted({k for l in v.links for k, _ in l.numeric},
                  key=lambda k: (EVIDENCE_ORDER.index(k) if k in EVIDENCE_ORDER else 99, k))
    if not keys:
        return []
    note = ("Both sides evaluated at seeded random points"
            + ("; \"reference\": the quantity against bpcheck's NumPy backprop." if any(
                k.startswith("reference") for k in keys) else "."))
    rows = [[[str(k + 1)]] + [[fnum(dict(l.numeric).get(key, "—"))] for key in keys]
            for k, l in enumerate(v.links)]
    heads = ["link"] + [k.replace("_err", " error").replace("_", " ") for k in keys]
    return [("h", 4, ["Numeric evidence"], ""), ("p", [note]), ("table", heads, rows)]


def _refutation(cat: Catalog, c: Claim, v: Verdict, plot: Any) -> list:
    if v.kind is not Kind.REFUTED:
        return []
    out: list = [("h", 4, ["Refutation"], "")]
    if v.first_broken is not None:
        link = v.links[v.first_broken]
        out.append(("p", ["First broken link: ", *_link_head(c, v.first_broken, link),
                          f" — {link.reason}"]))
    if v.ends_agree is not None:
        out.append(("p", ["The chain's two ends " + ("still agree: the errors cancel."
                                                    if v.ends_agree else "differ too.")]))
    at = next((l for l in v.links if l.counterexample is not None), None)
    if at is not None:
        out += counterexample_blocks(at.counterexample, at.left, at.right, at.case)
    if plot is not None:
        out.append(("plot", plot, f"{cat.name}-{anchor(c.id)[6:]}.svg"))
    return out


def counterexample_blocks(cx: Counterexample, left: int, right: int, case: str = "") -> list:
    entry = f" at entry {cx.entry}" if cx.entry else ""
    case = f", case {case}" if case else ""
    shape = f" of the {cx.shape} values" if cx.shape not in ("", "1×1") else ""
    names = ("side 1 (the quantity)" if left == 0 else f"side {left + 1}",
             f"side {right + 1} (claimed)")
    rows = [[[name], [", ".join(fval(x) for x in vals)]]
            for name, vals in zip(names, (cx.lhs, cx.rhs))]
    return [("p", [("b", "Counterexample"), f" (seed {cx.seed}{case}): the sides differ{entry}"
                   f"{shape} by {fnum(cx.abs_err)}, relative error {fnum(cx.rel_err)}."]),
            ("table", ["side", "value"], rows),
            ("inputs", [[("sym", k), f" = {fval(val)}"] for k, val in cx.inputs])]


def index_blocks(catalogs: list[Catalog], summary: dict[str, Any], timings: bool) -> list:
    from ..catalog.verdict_json import summary as summarise
    blocks: list = [("p", [f"{len(catalogs)} catalog files, checked by bpcheck {__version__}."]),
                    counts_table(summary)]
    blocks += [("p", [f"Total time: {summary.get('seconds', 0):.2f} s"])] if timings else []
    if summary.get("not_checked"):
        blocks.append(("p", [f"{summary['not_checked']} statements of notes not checked "
                             f"({summary.get('not_understood', 0)} not understood): see "
                             "“Not checked” in each note's report."]))
    rows = []
    for cat in catalogs:
        s = summarise(cat.pairs)
        rows.append([[("link", cat.name, cat.name, "")], [cat.title]] +
                    [[str(s[k])] for k in ("total", "VERIFIED", "REFUTED", "ok")])
    blocks += [("h", 2, ["Catalogs"], "catalogs"),
               ("table", ["report", "document", "claims", "verified", "refuted", "as expected"],
                rows), ("h", 2, ["Errata found, per source document"], "errata")]
    for cat in catalogs:
        blocks += [("h", 3, [cat.title], ""), errata_list(cat, link_home=True)]
    return blocks
