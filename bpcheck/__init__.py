"""bpcheck: prove or refute the backpropagation formulas that course material teaches.

The public API, for scripts and course test suites (each name is imported on first use,
so `import bpcheck` stays cheap and imports no SymPy):

    from bpcheck import load_sources, check_claim
    catalog = load_sources(["derivations"])
    for claim in catalog.claims:
        verdict = check_claim(claim)          # decided, and explained when refuted
        print(claim.id, verdict.kind.value, verdict.reason)

Course code is checked with `from bpcheck.gradcheck import gradcheck`.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .version import __version__

# public name -> the module that owns it
_API = {
    "Claim": "model", "Verdict": "model", "Kind": "model", "Expect": "model",
    "Options": "model", "Setting": "model", "LinkResult": "model",
    "load_sources": "run.sources", "load_catalog": "catalog.files",
    "check_claim": "run.check", "verify_claim": "decide.claim", "run_claims": "run.runner",
    "explain_refutation": "explain.refutation", "write_reports": "report.write",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'bpcheck' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_API[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
