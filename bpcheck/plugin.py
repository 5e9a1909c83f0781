"""pytest plugin: every claim of the catalog becomes a test item named by its id.

Opt-in (`pytest --bpcheck`, or `bpcheck = true` under [tool.pytest.ini_options]),
because the `pytest11` entry point loads this module into every pytest run in
the environment: importing it costs nothing and does nothing until enabled.
Known errata that are refuted report as xfail; an erratum that is not
refuted fails.  Verdicts go through the same result cache as the CLI.
Under pytest-xdist (`-n auto`) each worker loads the catalog itself, in the same
order, so every worker collects the same items; the cache is shared through
whole-file writes.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

_CATALOG = pytest.StashKey[dict]()
_CACHE = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bpcheck", "check backprop claims (bpcheck)")
    group.addoption("--bpcheck", action="store_true", default=False,
                    help="collect the claims of the bpcheck catalog as test items")
    group.addoption("--bpcheck-path", action="append", default=[], dest="bpcheck_path",
                    metavar="PATH", help="catalog file or folder (repeatable; "
                    "default: ini bpcheck_paths, [tool.bpcheck] paths, or derivations/)")
    group.addoption("--bpcheck-no-cache", action="store_true", default=False,
                    help="decide every claim afresh, ignoring the .bpcheck_cache")
    parser.addini("bpcheck", type="bool", default=False, help="enable the bpcheck plugin")
    parser.addini("bpcheck_paths", type="paths", default=[],
                  help="catalog files or folders for the bpcheck plugin")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("bpcheck") or config.getini("bpcheck"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bpcheck: a claim checked by bpcheck")
    if not _enabled(config):
        return
    roots = _catalog_roots(config)
    config.stash[_CATALOG] = {"roots": roots, "files": None}
    # Without explicit arguments pytest walks testpaths only: add the catalog.
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        for root in roots:
            if root.exists() and not any(_inside(root, Path(a)) for a in config.args):
                config.args.append(str(root))


def _catalog_roots(config: pytest.Config) -> list[Path]:
    base = config.invocation_params.dir
    given = config.getoption("bpcheck_path")
    if given:
        return [(base / p).resolve() for p in given]
    ini = config.getini("bpcheck_paths")
    if ini:
        return [Path(p).resolve() for p in ini]
    root, settings = _settings(config)
    return [(root / p).resolve() for p in settings.paths or ("derivations",)]


def _settings(config: pytest.Config) -> tuple[Path, Any]:
    """The bpcheck project root and its settings, found from pytest's root as `bpcheck
    verify` finds them (the nearest bpcheck.toml or [tool.bpcheck], else pytest's root)."""
    from .catalog.config import ConfigError, find_project, read_config, resolve_options
    root, file = find_project(config.rootpath)
    if file is None:
        root = config.rootpath
    try:
        return root, resolve_options(None, read_config(file))
    except ConfigError as exc:
        raise pytest.UsageError(f"bpcheck: {exc}") from None


def _inside(path: Path, folder: Path) -> bool:
    folder = folder.resolve()
    return path == folder or folder in path.parents


def _catalog_files(config: pytest.Config) -> dict[Path, tuple[list, list]]:
    """All claims and load errors of the catalog, by file, loaded once per session."""
    state = config.stash[_CATALOG]
    if state["files"] is None:
        from .run.sources import load_sources
        catalog = load_sources([r for r in state["roots"] if r.exists()])
        files: dict[Path, tuple[list, list]] = {}
        for claim in catalog.claims:
            files.setdefault(Path(claim.file).resolve(), ([], []))[0].append(claim)
        for err in catalog.errors:
            files.setdefault(Path(err.file).resolve(), ([], []))[1].append(err)
        state["files"] = files
    return state["files"]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if not _enabled(config):
        return None
    path = file_path.resolve()
    if path in _catalog_files(config):
        return ClaimFile.from_parent(parent, path=file_path)
    if path.suffix == ".toml" and _named_on_command_line(config, path):
        return ClaimFile.from_parent(parent, path=file_path)
    return None


def _named_on_command_line(config: pytest.Config, path: Path) -> bool:
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return False
    base = config.invocation_params.dir
    return any((base / a.split("::")[0]).resolve() == path for a in config.args)


class ClaimFile(pytest.File):
    """A catalog file (or, through `load_sources`, an annotated note)."""

    def collect(self) -> Iterator[pytest.Item]:
        path = self.path.resolve()
        known = _catalog_files(self.config)
        if path not in known:
            from .run.sources import load_sources
            catalog = load_sources([path])
            known[path] = (list(catalog.claims), list(catalog.errors))
        claims, errors = known[path]
        ends = _claim_ends(path, claims)
        for claim in claims:
            item = ClaimItem.from_parent(self, name=claim.id, claim=claim, end=ends[claim.id])
            item.add_marker(pytest.mark.bpcheck)
            yield item
        for err in errors:
            yield LoadErrorItem.from_parent(self, name=f"line {err.line}", error=err)


_TABLE = re.compile(r"""^\s*\[\[?\s*\w[\w."' -]*\s*\]\]?\s*(#.*)?$""")


def _claim_ends(path: Path, claims: list) -> dict[str, int]:
    """Each claim's last source line: before the next claim or TOML table header."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    starts = sorted({c.line for c in claims})
    ends = {}
    for claim in claims:
        later = [s for s in starts if s > claim.line]
        end = min(later[0] - 1 if later else len(lines), claim.line + 40, len(lines))
        if path.suffix == ".toml":
            end = next((n - 1 for n in range(claim.line + 1, end + 1)
                        if _TABLE.match(lines[n - 1])), end)
        while end > claim.line and not lines[end - 1].strip():
            end -= 1
        ends[claim.id] = end
    return ends


class ClaimFailed(Exception):
    """A claim that does not meet its expectation (shown without a traceback)."""


class ClaimItem(pytest.Item):
    def __init__(self, *, claim: Any, end: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.claim = claim
        self.end = end
        self.verdict: Any = None

    def runtest(self) -> None:
        from .model import Expect, Kind
        verdict = self.verdict = _decide(self.config, self.claim)
        self.user_properties.append(("verdict", verdict.kind.value))
        if self.claim.expect is Expect.ERRATUM and verdict.kind is Kind.REFUTED:
            pytest.xfail(f"known erratum, refuted as expected: {verdict.reason}")
        if not verdict.ok:
            raise ClaimFailed(verdict)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if not isinstance(excinfo.value, ClaimFailed):
            return str(super().repr_failure(excinfo, style=style))
        return failure_text(self.claim, self.verdict, self.end, self.config.rootpath)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.claim.line - 1, f"bpcheck claim {self.claim.id}"


class LoadErrorItem(pytest.Item):
    """Input that cannot be processed: a failing item pointing at file:line."""

    def __init__(self, *, error: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        raise ClaimFailed(self.error)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        err = self.error
        return f"{_shown(err.file, self.config.rootpath)}:{err.line}: {err.message}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.error.line - 1, f"bpcheck input error at line {self.error.line}"


def _decide(config: pytest.Config, claim: Any) -> Any:
    if _CACHE not in config.stash:
        config.stash[_CACHE] = _make_cache(config)
    options, cache = config.stash[_CACHE]
    hit = cache.lookup(claim) if cache else None
    if hit is not None:
        return hit
    from .run.check import check_claim
    verdict = check_claim(claim, options)
    if cache:
        cache.store(claim, verdict)
    return verdict


def _make_cache(config: pytest.Config) -> tuple[Any, Any]:
    root, settings = _settings(config)
    if config.getoption("bpcheck_no_cache") or not settings.cache:
        return settings.options, None
    from .catalog.results_cache import ResultCache
    return settings.options, ResultCache(root / settings.cache_dir, settings.options)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Forged or foreign cache entries (ignored, their claims decided afresh): said once."""
    state = config.stash.get(_CACHE, None)
    cache = state[1] if state else None
    for line in cache.signer.warnings() if cache else ():
        terminalreporter.write_line(line, yellow=True)


def failure_text(claim: Any, verdict: Any, end: int, root: Path) -> str:
    """The claim as written, then why it fails and the counterexample."""
    from .model import Expect
    from .report.terminal import explain
    lines = _source_lines(Path(claim.file), claim.line, end)
    if claim.expect is Expect.ERRATUM:
        head = f"known erratum not refuted: {verdict.kind.value}: {verdict.reason}"
    else:
        head = f"{verdict.kind.value}, expected to hold: {verdict.reason}"
    where = f"{_shown(claim.file, root)}:{claim.line}: claim {claim.id} ({claim.source})"
    body = explain(claim, verdict)[1:]  # its first line repeats the header
    return "\n".join([head, where, *lines, *body])


def _source_lines(path: Path, start: int, end: int) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    width = len(str(end))
    return [f"  {n:>{width}} | {text[n - 1]}" for n in range(start, min(end, len(text)) + 1)]


def _shown(file: str, root: Path) -> str:
    try:
        return os.path.relpath(Path(file).resolve(), root)
    except ValueError:  # another drive on Windows
        return file
