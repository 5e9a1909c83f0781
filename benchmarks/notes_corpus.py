"""How many display formulas of real backprop notes bpcheck reads correctly (issue 17, item 6).

The corpus is a list of references in `benchmarks/notes_corpus.toml` (repository, commit,
path), never the files themselves: they are third-party text.  To run:

1. Fetch each listed file at its commit into a folder OUTSIDE the repository, keeping
   `<repo>/<path>`, e.g. `/tmp/corpus/ezalos/NotYetSelfAware/maths.md` (with `git clone` +
   `git show <commit>:<path>`, or any copy of that version).  This script never fetches.
2. `PYTHONPATH=$PWD python benchmarks/notes_corpus.py /tmp/corpus` prints the Markdown table
   for the README; `--show` also prints, per display formula, how it was read (the
   `bpcheck scan -v` view) for the audit; `--json` prints the per-file counts.

Each file is copied to a temporary folder with its one `bpcheck-defaults` line (from the
TOML) inserted, and read in-process with `bpcheck.notes.claims.read_notes`.  Every statement
of a display is read as a claim, a definition, an update rule, skipped (with its reason) or not
understood.  A display formula counts as read correctly when none of its statements is not
understood and the audit in the TOML does not list it as misread: a translation to the wrong
formula, or a skip for the wrong reason (a claim taken for a remark), is a failure, like one
that does not parse.
Display indices in the audit are 1-based, in file order.

`--verify` also decides every claim of every file (`bpcheck verify --no-cache --format json`
on the copy, in a subprocess) and holds the readings to their verdicts: a display whose claim
comes out REFUTED or ERROR (a definition the setting refutes, or a claim "not judged" because
of one) counts as misread unless the audit lists it in `slips` (a real error of the note, with
the reason).  INCONCLUSIVE is counted apart.  This catches a literal reading that is not what
the author means (a tensor shorthand refuted as ill-formed) without an audit by eye.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from types import SimpleNamespace
from pathlib import Path

from bpcheck.notes.claims import Refs, read_notes
from bpcheck.notes.scan import parse_attrs

CORPUS_TOML = Path(__file__).with_name("notes_corpus.toml")
DEFAULT_GROUP = "development"  # entries with no `group` key


@dataclass
class FileResult:
    name: str
    displays: int = 0
    read: int = 0
    checked: int = 0  # displays with at least one claim or definition
    misread: int = 0
    failures: dict[int, str] = field(default_factory=dict)  # index -> construct not understood
    translations: dict[int, tuple[str, ...]] = field(default_factory=dict)
    missing: bool = False
    wrong_verdict: dict[int, str] = field(default_factory=dict)  # index -> verdict (--verify)
    inconclusive: int = 0
    group: str = DEFAULT_GROUP  # the entry's selection group (its `group` key in the TOML)

    @property
    def correct(self) -> int:
        return self.read - self.misread - len(self.wrong_verdict)

    @property
    def not_understood(self) -> int:
        return len(self.failures)


def load_corpus(path: Path = CORPUS_TOML) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["file"]


def with_defaults(text: str, kind: str, defaults: str) -> str:
    """The file's text with its one set-up line added where a user would put it."""
    if kind == "ipynb":
        doc = json.loads(text)
        doc.setdefault("metadata", {})["bpcheck"] = parse_attrs(defaults)[0]
        return json.dumps(doc, indent=1)
    if kind == "tex":
        return f"% bpcheck-defaults: {defaults}\n{text}"
    line = f"<!-- bpcheck-defaults: {defaults} -->\n"
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":  # after the front matter, which must stay first
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            return "\n".join(lines[:end + 1]) + "\n" + line + "\n".join(lines[end + 1:])
    return line + text


def verdicts_of(copy: Path) -> dict[str, tuple[str, str]]:
    """claim id -> (verdict, reason) for every claim of one notes file, from the CLI."""
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-m", "bpcheck", "verify", "--no-cache", "--format",
                          "json", "--allow-empty", str(copy)], capture_output=True, text=True,
                         cwd=copy.parent, env={**__import__("os").environ,
                                               "PYTHONPATH": str(root)})
    try:
        results = json.loads(run.stdout)["results"]
    except (json.JSONDecodeError, KeyError):
        return {}
    return {r["id"]: (r["verdict"], r.get("reason", "")) for r in results}


def measure_file(source: Path, entry: dict, work: Path, reader=None,
                 verify: bool = False) -> FileResult:
    """Read one corpus file with its defaults line; count what was read and what was not.
    `reader(path)` gives the file's `Found` list (bpcheck's notes reader unless given)."""
    name = f"{entry['repo']}/{entry['path']}"
    result = FileResult(name, group=entry.get("group", DEFAULT_GROUP))
    if not source.is_file():
        result.missing = True
        return result
    copy = work / (re.sub(r"\W+", "_", name) + "." + entry["kind"])
    copy.write_text(with_defaults(source.read_text(encoding="utf-8"), entry["kind"],
                                  entry.get("defaults", "")), encoding="utf-8")
    if reader:
        found = reader(copy)
    else:
        notes = read_notes(copy, Refs({}, {}))
        setup = next((e.message for e in notes.errors if e.message.startswith("bpcheck-defaults")),
                     "")
        found = notes.found
        if setup:  # the file's set-up is refused: none of its formulas is checked
            found = [SimpleNamespace(error=setup, translation=(), readings=()) for _ in found]
    misread = {int(m["index"]) for m in entry.get("misread", [])}
    slips = {int(m["index"]) for m in entry.get("slips", [])}
    verdicts = verdicts_of(copy) if verify else {}
    result.displays = len(found)
    for index, f in enumerate(found, 1):
        readings = getattr(f, "readings", ())
        if f.error:
            result.failures[index] = f.error
        elif f.translation or readings:
            result.read += 1
            result.checked += bool(f.translation)
            result.translations[index] = tuple(_reading(r) for r in readings) or f.translation
            result.misread += index in misread
            kinds = [verdicts[c] for c in getattr(f, "claims", ()) if c in verdicts]
            bad = [k for k, _ in kinds if k in ("REFUTED", "ERROR")]
            if bad and index not in misread and index not in slips:
                result.wrong_verdict[index] = bad[0] + ": " + next(
                    r for k, r in kinds if k == bad[0])[:120]
            result.inconclusive += any(k == "INCONCLUSIVE" for k, _ in kinds)
        else:
            result.failures[index] = "nothing translated"
    return result


def _reading(r) -> str:
    return f"{r.kind}: {r.translation}" if r.translation else f"{r.kind} ({r.reason})"


def measure(folder: Path, entries: list[dict], reader=None,
            verify: bool = False) -> list[FileResult]:
    work = Path(tempfile.mkdtemp(prefix="bpcheck-corpus-"))
    try:
        return [measure_file(folder / e["repo"] / e["path"], e, work, reader, verify)
                for e in entries]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(results: list[FileResult]) -> str:
    rows = ["| file | display formulas | read | with a claim or definition | not understood | "
            "misread | refuted or error, not a slip of the note | read correctly |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        if r.missing:
            rows.append(f"| {r.name} | (not fetched) | | | | |")
            continue
        rows.append(f"| {r.name} | {r.displays} | {r.read} | {r.checked} | {r.not_understood} | "
                    f"{r.misread} | {len(r.wrong_verdict)} | "
                    f"{r.correct} ({_pct(r.correct, r.displays)}) |")
    groups = list(dict.fromkeys(r.group for r in results))
    if len(groups) > 1:  # each selection group's own subtotal, then the whole corpus
        rows += [_sum_row(f"*subtotal: {g}*", [r for r in results if r.group == g])
                 for g in groups]
    rows.append(_sum_row("**total**", results, bold=True))
    return "\n".join(rows)


def _sum_row(label: str, results: list[FileResult], bold: bool = False) -> str:
    total = sum(r.displays for r in results)
    correct = sum(r.correct for r in results)
    cell = f"{correct} ({_pct(correct, total)})"
    return (f"| {label} | {total} | {sum(r.read for r in results)} | "
            f"{sum(r.checked for r in results)} | "
            f"{sum(r.not_understood for r in results)} | {sum(r.misread for r in results)} | "
            f"{sum(len(r.wrong_verdict) for r in results)} | "
            + (f"**{cell}** |" if bold else f"{cell} |"))


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def details(results: list[FileResult], entries: list[dict]) -> str:
    out = []
    for r, e in zip(results, entries):
        why = {int(m["index"]): m["why"] for m in e.get("misread", [])}
        out.append(f"== {r.name}")
        for i in range(1, r.displays + 1):
            if i in r.failures:
                out.append(f"  [{i}] NOT UNDERSTOOD: {r.failures[i]}")
            else:
                mark = f"MISREAD ({why[i]})" if i in why else f"WRONG VERDICT ({r.wrong_verdict[i]})" \
                    if i in r.wrong_verdict else "read"
                out.append(f"  [{i}] {mark}: " + " ; ".join(r.translations.get(i, ())))
    return "\n".join(out)


def _json_rows(results: list[FileResult]) -> list[dict]:
    """One row per file (with its group), then one `subtotal: <group>` row per group."""
    def row(name: str, rs: list[FileResult], group: str) -> dict:
        return {"file": name, "group": group, "displays": sum(r.displays for r in rs),
                "read": sum(r.read for r in rs), "checked": sum(r.checked for r in rs),
                "misread": sum(r.misread for r in rs),
                "not_understood": sum(r.not_understood for r in rs),
                "wrong_verdict": sum(len(r.wrong_verdict) for r in rs),
                "inconclusive": sum(r.inconclusive for r in rs),
                "correct": sum(r.correct for r in rs)}
    groups = list(dict.fromkeys(r.group for r in results))
    return [row(r.name, [r], r.group) for r in results] + [
        row(f"subtotal: {g}", [r for r in results if r.group == g], g) for g in groups]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", type=Path, help="folder holding <repo>/<path> for each entry")
    p.add_argument("--corpus", type=Path, default=CORPUS_TOML)
    p.add_argument("--show", action="store_true", help="print how each formula was read")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verify", action="store_true",
                   help="decide every claim and count refuted/error readings not listed as slips")
    args = p.parse_args(argv)
    entries = load_corpus(args.corpus)
    results = measure(args.folder, entries, verify=args.verify)
    if args.show:
        print(details(results, entries), end="\n\n")
    if args.json:
        print(json.dumps(_json_rows(results), indent=1))
    else:
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
