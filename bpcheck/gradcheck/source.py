"""Load the user's code for gradcheck: a module as it is, only the definitions of a script
([module] run = "definitions"), or the code cells of a Jupyter notebook (FILE.ipynb:Name).

The definitions rule (scripts, and every notebook cell not listed in run_cells): a top-level
statement runs when it is an import, a def or class, a docstring or pass, or an assignment to
plain names whose right side has no call, comprehension or await (literals, attributes,
subscripts, arithmetic, lambdas) and uses only names that statements run before it define; an
`if` or `try` runs when its test is such an expression and everything in it is a definition.
Everything else (loops, calls such as input() or np.load(), plotting, `if __name__ ==
"__main__":`, `with`, and assignments from what was skipped) is skipped and listed in the
report's notes.
This module RUNS the user's code that is kept (that is what checking code means).
"""
from __future__ import annotations

import ast
import builtins
import importlib.util
import re
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .architecture import GradcheckError

_CALLS = (ast.Call, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Await,
          ast.Yield, ast.YieldFrom, ast.NamedExpr)
_KINDS = {ast.For: "for loop", ast.While: "while loop", ast.With: "with block", ast.If: "if block",
          ast.Try: "try block", ast.AugAssign: "update", ast.Assert: "assert", ast.Delete: "del",
          ast.Global: "global", ast.Expr: "expression", ast.Assign: "assignment",
          ast.AnnAssign: "assignment"}


def module_name(path: Path) -> str:
    return f"_bpcheck_user_{path.stem}_{abs(hash(str(path.resolve())))}"


def load_module(path: Path) -> Loaded:
    """Import the file as it is (all of its module-level code runs)."""
    must_exist(path)
    name = module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise GradcheckError(f"cannot import {path} (not a Python file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling in user code look themselves up here
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as e:  # SystemExit: a script that calls sys.exit() at import
        sys.modules.pop(name, None)
        raise GradcheckError(f"importing {path} raised {_located(e, str(path))}") from None
    return Loaded(module)


@dataclass
class Loaded:
    """The user's module, what to tell about loading it, and where each name a skipped
    statement would have set is (to explain a later NameError)."""

    module: Any
    notes: list[str] = field(default_factory=list)
    skipped_names: dict[str, str] = field(default_factory=dict)

    def explain(self, message: str) -> str:
        m = re.search(r"NameError: name '(\w+)' is not defined", message)
        if m and m.group(1) in self.skipped_names:
            return (f"{message}; '{m.group(1)}' is set by a skipped statement "
                    f"({self.skipped_names[m.group(1)]})")
        return message


def load_definitions(path: Path) -> Loaded:
    """Run only the file's definitions; the notes say what was skipped."""
    must_exist(path)
    module = new_module(path)
    tree = parse(read_text(path), str(path), str(path))
    kept, skipped = split_definitions(tree.body, set())
    exec_statements(kept, module, str(path), f"running the definitions of {path} raised ")
    return Loaded(module, [skipped_note(path.name, len(kept), [(None, s) for s in skipped])],
                  skipped_where([(None, s) for s in skipped]))


def split_definitions(body: list[ast.stmt], known: set[str]) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """The statements the definitions rule runs, and the others; known (the names defined so
    far, "*" after a star import) grows with each statement kept."""
    kept, skipped = [], []
    for stmt in body:
        (kept if is_definition(stmt, known) else skipped).append(stmt)
    return kept, skipped


def is_definition(stmt: ast.stmt, known: set[str]) -> bool:
    trial = set(known)
    if not _definition(stmt, trial):
        return False
    known |= trial
    return True


def _definition(stmt: ast.stmt, known: set[str]) -> bool:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        known |= {a.asname or a.name.split(".")[0] for a in stmt.names}
        return True
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        known.add(stmt.name)
        return True
    if isinstance(stmt, ast.Expr):  # a docstring or a bare constant
        return isinstance(stmt.value, ast.Constant)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if stmt.value is None or not _simple(stmt.value, known) or not all(map(_plain_target, targets)):
            return False
        known |= {n for t in targets for n in bound_names(t)}
        return True
    if isinstance(stmt, ast.If):
        return _simple(stmt.test, known) and all(_definition(s, known) for s in stmt.body + stmt.orelse)
    if isinstance(stmt, ast.Try):
        inner = stmt.body + stmt.orelse + stmt.finalbody + [s for h in stmt.handlers for s in h.body]
        return all(_definition(s, known) for s in inner)
    return isinstance(stmt, ast.Pass)


def _simple(expr: ast.AST, known: set[str]) -> bool:
    """No call and no name that is not defined yet (a lambda's body runs only when called)."""
    if isinstance(expr, ast.Lambda):
        return True
    if isinstance(expr, ast.Name):
        return expr.id in known or "*" in known or hasattr(builtins, expr.id)
    return not isinstance(expr, _CALLS) and all(_simple(c, known) for c in ast.iter_child_nodes(expr))


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(t) for t in target.elts)
    return isinstance(target, ast.Name)


def describe(stmt: ast.stmt) -> str:
    """"line 12 (for loop)", "line 20 (assignment from a call np.load())"."""
    kind = _KINDS.get(type(stmt), type(stmt).__name__.lower())
    if isinstance(stmt, ast.If) and "__main__" in ast.dump(stmt.test):
        kind = "if __name__ == '__main__' block"
    calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    if calls and isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)):
        kind += f" calling {_callee(calls[0].func)}()" if isinstance(stmt, ast.Expr) else \
            f" from a call {_callee(calls[0].func)}()"
    elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        kind += " from names not defined by what ran"
    return f"line {stmt.lineno} ({kind})"


def _callee(func: ast.expr) -> str:
    try:
        return ast.unparse(func)
    except Exception:  # noqa: BLE001 - only a label
        return "a function"


def bound_names(stmt: ast.stmt) -> set[str]:
    """The names a statement sets (for a skipped one: to explain a later NameError)."""
    names = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return names | {n.name for n in ast.walk(stmt) if isinstance(n, defs)}


def skipped_where(skipped: list[tuple[int | None, ast.stmt]]) -> dict[str, str]:
    return {name: (f"cell {c} " if c else "") + f"line {s.lineno}"
            for c, s in skipped for name in bound_names(s)}


def skipped_note(what: str, ran: int, skipped: list[tuple[int | None, ast.stmt]]) -> str:
    head = f'run = "definitions": ran {ran} top-level statement(s) of {what}'
    if not skipped:
        return head + ", skipped none"
    shown = [(f"cell {c} " if c else "") + describe(s) for c, s in skipped[:6]]
    more = f" and {len(skipped) - 6} more" if len(skipped) > 6 else ""
    return f"{head}; skipped {len(skipped)}: {', '.join(shown)}{more}"


# ------------------------------------------------------------------------------- running code


def must_exist(path: Path) -> None:
    if not path.is_file():
        raise GradcheckError(f"no such file: {path}")


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GradcheckError(f"cannot read {path}: {e}") from None


def new_module(path: Path) -> types.ModuleType:
    module = types.ModuleType(module_name(path))
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    return module


def parse(source: str, filename: str, where: str) -> ast.Module:
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise GradcheckError(f"{where}: syntax error at line {e.lineno}: {e.msg}") from None


def exec_statements(statements: list[ast.stmt], module: types.ModuleType, filename: str,
                    prefix: str) -> None:
    code = compile(ast.Module(body=statements, type_ignores=[]), filename, "exec")
    try:
        exec(code, module.__dict__)  # noqa: S102 - running the user's code is the point
    except (Exception, SystemExit) as e:
        raise GradcheckError(f"{prefix}{_located(e, filename)}") from None


def _located(e: BaseException, filename: str) -> str:
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == filename]
    where = f" (line {frames[-1].lineno})" if frames else ""
    return f"{type(e).__name__}: {e}{where}"
