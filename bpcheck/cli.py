"""`bpcheck` command line.

Exit codes: 0 every claim meets its expectation, 1 some claim does not,
2 usage or input errors (a bad file is reported as file:line, never as a
traceback, and the other files' claims are still checked), 5 nothing to check
(as pytest: no claim found or selected, unless --allow-empty), 130 interrupted.  A statement of a
note that is skipped or not understood is listed ("not checked"), not a failure;
with --strict a not-understood one makes the exit code 1.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Sequence

from .version import __version__
from .catalog.files import Catalog, LoadError, Unchecked
from .catalog.changes import ChangesError
from .catalog.config import ConfigError
from .model import Kind

NOT_UNDERSTOOD = "not understood"  # the class of a note's statement the reader cannot read


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bpcheck", description="Prove or refute backprop formulas.")
    p.add_argument("--version", action="version", version=f"bpcheck {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check claims (default: derivations/)")
    _catalog_args(v)
    v.add_argument("--timeout", type=float, default=None,
                   help="per-claim time limit in seconds, hard (default 60; 0: no limit)")
    v.add_argument("--seed", type=int, default=None, help="random seed for sample points")
    v.add_argument("--points", type=int, default=None, help="sample points per check")
    v.add_argument("--format", "--output-format", dest="format",
                   choices=("text", "json", "github"), default="text",
                   help="text (default), json, or github: a GitHub Actions workflow command "
                        "(::error file=…,line=…::) for each claim not as expected and each "
                        "input error, the summary on stderr")
    v.add_argument("--report", action="append", choices=("md", "html"), default=[],
                   help="write a proof report (repeatable)")
    v.add_argument("--out", default="reports", help="folder for --report files")
    v.add_argument("--report-timings", action="store_true",
                   help="put run times in --report files (they are then not reproducible)")
    v.add_argument("--junit-xml", default=None, metavar="FILE")
    v.add_argument("-j", "--jobs", type=int, default=None,
                   help="worker processes (default: every core when 16 or more claims "
                        "need deciding, else 1)")
    v.add_argument("--shard", default=None, metavar="K/N", help="check the K-th of N slices")
    v.add_argument("--no-cache", action="store_true", help="decide every claim afresh")
    v.add_argument("--changed", action="store_true",
                   help="only claims in files changed since git HEAD (or --since REV)")
    v.add_argument("--since", default=None, metavar="REV")
    v.add_argument("--strict", action="store_true",
                   help="exit 1 when a statement of a note is not understood")
    v.add_argument("--allow-empty", action="store_true",
                   help="exit 0, not 5, when there is nothing to check")
    v.add_argument("-q", "--quiet", action="store_true", help="print the summary only")
    v.add_argument("-v", "--verbose", action="store_true",
                   help="every claim on its own line, and each expected erratum's refutation")
    v.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colors and a progress bar (auto: on a terminal, unless NO_COLOR is set)")
    ls = sub.add_parser("list", help="show the catalog without checking it")
    _catalog_args(ls)
    sub.add_parser("gradcheck", help="check a NumPy model's backward() (see docs/gradcheck.md)",
                   add_help=False)
    sub.add_parser("scan", help="list display formulas in notes (see docs/notes.md)", add_help=False)
    return p


def _catalog_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help=".toml catalogs, .md/.ipynb/.tex notes, or folders")
    p.add_argument("-k", dest="keyword", default=None, help="only claims whose id/title match")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    one_blas_thread()
    if argv and argv[0] == "gradcheck":
        from .cli_gradcheck import main as gradcheck_main
        return gradcheck_main(argv[1:])
    if argv and argv[0] == "scan":
        from .cli_scan import scan_main
        return scan_main(argv[1:])
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2 already
        return int(exc.code or 0)
    try:
        if args.command == "list":
            return _list(args)
        return _verify(args)
    except (UsageError, ConfigError, ChangesError) as exc:
        print(f"bpcheck: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `| head`: the reader left; nothing more is written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def one_blas_thread() -> None:
    """bpcheck's arrays are a few dozen numbers: BLAS threads never pay.  OpenBLAS
    starts one per core when NumPy is imported, and they spin for a while after it,
    taking CPU from the worker processes (a user's own setting is kept)."""
    if "numpy" not in sys.modules:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
            os.environ.setdefault(name, "1")


def load(args: argparse.Namespace, settings, cache_dir: str | None = None) -> Catalog:
    from .run.sources import load_sources
    paths = args.paths or list(settings.default_paths)
    missing = [p for p in paths if not Path(p).exists()]
    if missing and not args.paths and not settings.paths:
        raise UsageError(_no_default_folder(missing[0], settings))
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return load_sources(paths, args.keyword, cache_dir)


def _no_default_folder(folder: str, settings) -> str:
    """A repository with notes only (the pre-commit hook's first run there): what to do."""
    where = settings.config_file or "pyproject.toml"
    return (f"nothing to check by default: there is no {folder}/ folder (the default catalog). "
            f"Give the catalogs or notes to check as PATH arguments (bpcheck verify notes/), or "
            f"set them in {where}: [tool.bpcheck] paths = [\"notes\"]")


def _list(args: argparse.Namespace) -> int:
    from .catalog.config import resolve_options
    catalog = load(args, resolve_options(args))
    for err in catalog.errors:
        print(str(err), file=sys.stderr)
    for c in catalog.claims:
        doc = Path(c.file).name
        print(f"{c.id:48} {c.expect.value:8} {doc}: {c.source}  —  {c.title}")
    print(f"{len(catalog.claims)} claims in {len(catalog.documents)} files")
    return 2 if catalog.errors else 0


def _verify(args: argparse.Namespace) -> int:
    from .catalog.config import resolve_options

    settings = resolve_options(args)
    use_cache = settings.cache and not args.no_cache
    return _verify_with(args, settings, use_cache, _read(args, settings, use_cache))


def _read(args: argparse.Namespace, settings, use_cache: bool) -> Catalog:
    """The catalog.  When every claim will likely need deciding (no cache, or an
    empty one), a forked child reads it while this process imports SymPy (the import
    floor), so the two are not paid in series; the workers, forked afterwards, start
    with SymPy imported.  A warm run reads it here and never imports SymPy, nor does
    `--changed`, which may select nothing."""
    from .run.runner import Forked, import_verifier
    read = lambda: load(args, settings, settings.cache_dir if use_cache else None)
    if args.changed or (use_cache and _has_entries(Path(settings.cache_dir))):
        return read()
    reading = Forked(read)
    import_verifier()
    return reading.result()


def _has_entries(folder: Path) -> bool:
    try:
        with os.scandir(folder) as found:
            return any(True for _ in found)
    except OSError:
        return False


def _verify_with(args: argparse.Namespace, settings, use_cache: bool, catalog: Catalog) -> int:
    from .catalog.verdict_json import summary
    from .report.terminal import TerminalReporter, color_wanted

    claims = select(list(catalog.claims), args, settings)
    unchecked = select_unchecked(list(catalog.unchecked), args)
    as_json = args.format == "json"
    quiet_stdout = args.format != "text"  # stdout is for a machine: the rest goes to stderr
    empty = "" if claims or catalog.errors or args.allow_empty or args.changed else \
        _why_empty(args, catalog)
    if empty and not quiet_stdout:
        print(f"bpcheck: nothing to check: {empty} (--allow-empty: exit 0)", file=sys.stderr)
        return 5
    reporter = TerminalReporter(sys.stderr if quiet_stdout else sys.stdout, len(claims),
                                rich=False if quiet_stdout else color_wanted(args.color,
                                                                             sys.stdout),
                                verbosity=-1 if args.quiet or args.format == "github"
                                else int(args.verbose))
    for err in catalog.errors:
        print(str(err), file=sys.stderr)
    started = time.perf_counter()
    pairs, interrupted = _run(claims, settings, use_cache,
                              None if quiet_stdout else reporter)
    summ = summary(pairs, len(catalog.errors))
    summ["wall_seconds"] = round(time.perf_counter() - started, 3)
    summ["not_checked"] = len(unchecked)
    summ["not_understood"] = sum(u.kind == NOT_UNDERSTOOD for u in unchecked)
    if interrupted:  # what was decided so far, then the usual exit code of Ctrl-C
        summ["interrupted"] = len(claims) - len(pairs)
        reporter.finish(pairs, summ, ())
        return 130
    _outputs(args, catalog, pairs, summ, unchecked)
    if as_json:
        print(json.dumps(_json_doc(pairs, summ, catalog, unchecked), indent=2,
                         ensure_ascii=False))
    elif args.format == "github":
        from .report.github import annotation_lines
        for line in annotation_lines(pairs, catalog.errors):
            print(line)
        reporter.finish(pairs, summ, unchecked)  # the summary line, on stderr
    else:
        reporter.finish(pairs, summ, unchecked, catalog.errors)
    if empty:
        print(f"bpcheck: nothing to check: {empty} (--allow-empty: exit 0)", file=sys.stderr)
        return 5
    code = exit_code(pairs, catalog.errors)
    return 1 if code == 0 and args.strict and summ["not_understood"] else code


def _run(claims: list, settings, use_cache: bool, reporter) -> tuple[list, bool]:
    """The verdicts, in catalog order, and whether Ctrl-C cut the run short (then the
    verdicts are those decided before it)."""
    from .run.runner import run_claims
    cache = _cache(settings) if use_cache else None
    seen: list = []
    collect = _Collector(reporter, seen)
    try:
        with collect:
            pairs = run_claims(claims, settings.options, collect, settings.jobs,
                               cache.lookup if cache else None,
                               cache.store if cache else None, own_process=True)
    except KeyboardInterrupt:
        order = {id(c): i for i, c in enumerate(claims)}
        return sorted(seen, key=lambda p: order.get(id(p[0]), 0)), True
    for line in cache.signer.warnings() if cache else ():  # forged or foreign entries
        print(line, file=sys.stderr)
    return pairs, False


class _Collector:
    """Passes each verdict on to the terminal (if any) and keeps it."""

    def __init__(self, reporter, seen: list) -> None:
        self.reporter, self.seen = reporter, seen

    def __enter__(self) -> "_Collector":
        if self.reporter:
            self.reporter.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.reporter:
            self.reporter.__exit__(*exc)

    def claim_done(self, claim, verdict) -> None:
        self.seen.append((claim, verdict))
        if self.reporter:
            self.reporter.claim_done(claim, verdict)


def _why_empty(args: argparse.Namespace, catalog: Catalog) -> str:
    """The one-line reason a run has no claim to decide."""
    paths = " ".join(args.paths) if args.paths else "the configured paths"
    if args.keyword:
        return f"no claim id or title matches -k {args.keyword!r}"
    if args.shard and catalog.claims:
        return f"shard {args.shard} selects none of the {len(catalog.claims)} claims"
    if not catalog.documents:
        return f"no catalog (.toml) or note (.md, .ipynb, .tex) found in {paths}"
    return f"no claims in the {len(catalog.documents)} file(s) of {paths}"


def _json_doc(pairs, summ, catalog: Catalog, unchecked) -> dict:
    return {"bpcheck": __version__, "schema": 1,
            "results": [_result(c, v) for c, v in pairs], "summary": summ,
            "errors": [{"file": e.file, "line": e.line, "message": e.message}
                       for e in catalog.errors],
            "not_checked": [dataclasses.asdict(u) for u in unchecked]}


def _result(claim, verdict) -> dict:
    """A result as JSON, with a note's correction in the note's own LaTeX."""
    from .catalog.verdict_json import result_dict
    from .report.terminal import corrected_latex
    out = result_dict(claim, verdict)
    latex = corrected_latex(claim, verdict)
    if latex:
        out["corrected_latex"] = latex
    return out


def _cache(settings):
    from .catalog.results_cache import ResultCache
    return ResultCache(settings.cache_dir, settings.options)


def select(claims: list, args: argparse.Namespace, settings) -> list:
    if args.changed:
        from .catalog.changes import changed_files
        files = changed_files(args.since)
        claims = [c for c in claims if Path(c.file).resolve() in files]
    if args.shard:
        try:
            k, n = (int(t) for t in args.shard.split("/"))
            assert 1 <= k <= n
        except (ValueError, AssertionError):
            raise UsageError(f"--shard takes K/N with 1 <= K <= N, not {args.shard!r}") from None
        claims = [c for i, c in enumerate(claims) if i % n == k - 1]
    return claims


def select_unchecked(unchecked: list[Unchecked], args: argparse.Namespace) -> list[Unchecked]:
    """The unchecked statements a run lists: all of them, once per whole run (none for a
    -k selection or a shard after the first), of changed files only with --changed."""
    if args.keyword or (args.shard and not args.shard.startswith("1/")):
        return []
    if args.changed:
        from .catalog.changes import changed_files
        files = changed_files(args.since)
        return [u for u in unchecked if Path(u.file).resolve() in files]
    return unchecked


def _outputs(args, catalog, pairs, summ, unchecked=()) -> None:
    if args.junit_xml:
        from .report.junit import write_junit
        write_junit(args.junit_xml, pairs, catalog.errors)
    if args.format != "github":  # (with it, stdout holds exactly these lines)
        from .report.github import github_annotations
        # with JSON on stdout, workflow commands go to stderr (the runner reads both)
        github_annotations(pairs, catalog.errors,
                           sys.stderr if args.format == "json" else None)
    if args.report:
        from .report.write import write_reports
        for path in write_reports(pairs, summ, args.report, Path(args.out),
                                  timings=args.report_timings, unchecked=unchecked):
            print(f"wrote {path}", file=sys.stderr)


def exit_code(pairs: list, errors: Sequence[LoadError]) -> int:
    if errors or any(v.kind is Kind.ERROR for _, v in pairs):
        return 2
    return 0 if all(v.ok for _, v in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
