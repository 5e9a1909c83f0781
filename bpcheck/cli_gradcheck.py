"""`bpcheck gradcheck FILE.py:NAME --adapter ADAPTER.toml`: check a course's NumPy backprop code.

Unlike derivation files, which bpcheck never executes, this command deliberately IMPORTS AND
RUNS the user's file (module-level code included): checking code means running it. Only point
it at code you would run yourself. With [module] run = "definitions" (a script) or for a
notebook (FILE.ipynb:NAME), it runs only the imports, definitions and call-free assignments
(gradcheck.source, gradcheck.notebook) and lists in the report what it skipped.

The adapter is declarative TOML (the whole file, or its [gradcheck] table). Two forms:
  model:    NAME is a class or factory, called with [model] kwargs; [params] names are attribute
            paths on the model; [loss] method and [gradients] method are its methods;
  function: [params] init gives the parameter arrays; NAME is the gradient function and
            [loss] function names the loss function in the same file.
examples/course_net.toml shows every key. Exit status: 0 all gradients pass, 1 some fail,
2 usage or input error (bad adapter, user code that raises or returns unusable values).
--report md / --report html (repeatable) also write OUT/gradcheck-<name>.md / .html, where name
is the file's stem unless --name gives one; the files are written whether the check passes or not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext, redirect_stdout
from pathlib import Path

from .gradcheck.adapter import check_target, load_adapter
from .gradcheck.architecture import GradcheckError
from .gradcheck.render import report_to_dict, report_to_text, write_reports
from .gradcheck.result import GradcheckReport


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="bpcheck gradcheck",
        description="Check a NumPy network's hand-written gradients. NOTE: imports and runs FILE.",
    )
    parser.add_argument("target", help="path/to/file.py:ClassOrFunction or path/to/notebook.ipynb:Name")
    parser.add_argument("--adapter", required=True, help="TOML adapter describing how to drive the code")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--rtol", type=float, help="relative tolerance (overrides the adapter)")
    parser.add_argument("--atol", type=float, help="absolute tolerance (overrides the adapter)")
    parser.add_argument("--report", action="append", choices=("md", "html"), default=[],
                        help="also write a report OUT/gradcheck-NAME.md or .html (repeatable)")
    parser.add_argument("--out", default="reports", help="folder for --report files (default: reports)")
    parser.add_argument("--name", help="NAME in the report file names (default: FILE's stem)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed usage; report, don't exit the caller
        return 0 if e.code == 0 else 2
    try:
        adapter = load_adapter(Path(args.adapter))
        check = adapter.setdefault("check", {})
        check |= {k: v for k, v in (("rtol", args.rtol), ("atol", args.atol)) if v is not None}
        # With --format json, whatever the user's code prints goes to stderr, not into the JSON.
        with redirect_stdout(sys.stderr) if args.format == "json" else nullcontext():
            report = check_target(args.target, adapter)
    except GradcheckError as e:
        return _could_not_check(str(e), args.format)
    except Exception as e:  # noqa: BLE001 - a bug of bpcheck's: one line and exit 2, no traceback
        return _could_not_check(f"internal error ({type(e).__name__}: {e}); please report it",
                                args.format)
    try:
        if args.format == "json":
            print(json.dumps(report_to_dict(report), indent=2))
        else:
            _print_text(f"{args.target} (adapter {args.adapter})\n" + report_to_text(report))
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader left; the exit status still tells the result
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return _write_reports(report, args) if args.report else 0 if report.passed else 1


def _could_not_check(message: str, fmt: str) -> int:
    """Exit 2: the check could not be run (input problem or internal error), one line."""
    print(f"bpcheck gradcheck: error: {message}", file=sys.stderr)
    if fmt == "json":
        print(json.dumps({"error": message}))
    return 2


def _write_reports(report: GradcheckReport, args: argparse.Namespace) -> int:
    """The files hold only what was given on the command line (no absolute paths, no times)."""
    name = args.name or Path(args.target.rpartition(":")[0]).stem
    facts = [("target", args.target), ("adapter", args.adapter)]
    facts += [(k, f"{v:g}") for k, v in (("rtol", args.rtol), ("atol", args.atol)) if v is not None]
    try:
        paths = write_reports(report, args.report, Path(args.out), name, f"gradcheck: {args.target}", facts)
    except OSError as e:
        print(f"bpcheck gradcheck: error: cannot write the report in {args.out}: {e.strerror}",
              file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}", file=sys.stderr)
    return 0 if report.passed else 1


def _print_text(text: str) -> None:
    if sys.stdout.isatty():
        try:
            from rich.console import Console
            from rich.text import Text
        except ImportError:
            pass
        else:
            t = Text(text)
            t.highlight_words(["FAIL"], "bold red")
            t.highlight_words(["PASS", "pass"], "green")
            Console().print(t)
            return
    print(text)
