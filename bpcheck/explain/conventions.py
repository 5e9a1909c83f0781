"""A refutation that only a convention causes: the claim holds in the setting the source
most likely meant.  Computed, never guessed: a hint is given only when the claim, decided
again with one key of its setting changed, comes out VERIFIED.  The keys tried: a one-hot
target (softmax with cross-entropy and a free target), the other orientation of W
(`out_in` / `in_out`) and the other layer numbering (`standard` / `ufldl`)."""
from __future__ import annotations

import re
from dataclasses import replace

from ..decide.claim import verify_claim
from ..decide.outcome import numeric_outcome
from ..model import Claim, Expect, Kind, Options, Setting

OTHER = {"orientation": {"out_in": "in_out", "in_out": "out_in"},
         "numbering": {"standard": "ufldl", "ufldl": "standard"}}
DEFAULT = {"orientation": "out_in", "numbering": "standard", "target": "free"}
MEANS = {("orientation", "in_out"): "W[l] is n(l-1)×n(l), z = transpose(W) a",
         ("orientation", "out_in"): "W[l] is n(l)×n(l-1), z = W a",
         ("numbering", "ufldl"): "the input is layer 1, z[l+1] = W[l] a[l] + b[l]",
         ("numbering", "standard"): "the input is layer 0, z[l] = W[l] a[l-1] + b[l]",
         ("target", "onehot"): "y a one-hot vector, as δ = a − y for softmax with "
                               "cross-entropy assumes"}
NOTE_SUFFIXES = (".md", ".ipynb", ".tex")
# formula text whose reading from a note depends on the key (re-reading is the notes
# stage's work, not this one's: such a claim gets no hint for that key)
READ_WITH = {"orientation": re.compile(r"\b(zeros|ones)\("),
             "numbering": re.compile(r"\b(zeros|ones|x)\b")}


def convention_hint(claim: Claim, options: Options,
                    found: tuple[str, str] | None = None) -> str:
    """A hint for a refuted claim ("" when none applies): the first changed key with which
    the claim is VERIFIED (`found`, when already known), said as the key to set."""
    found = found or convention_fix(claim, options)
    return _hint(claim, *found) if found else ""


def convention_fix(claim: Claim, options: Options) -> tuple[str, str] | None:
    """The first (key, value) of the claim's setting with which the claim is VERIFIED."""
    setting = claim.setting
    if setting.kind != "network":
        return None
    quick = replace(options, diagnose=False, shrink=False)
    for key, value in _candidates(claim):
        changed = replace(claim, setting=changed_setting(setting, key, value),
                          expect=Expect.HOLDS)
        if not all(numeric_outcome(changed, quick, link) == "equal" for link in changed.links):
            continue  # the numbers differ already (the cheap screen): no need to decide it
        if verify_claim(changed, quick).kind is Kind.VERIFIED:
            return key, value
    return None


def _candidates(claim: Claim) -> list[tuple[str, str]]:
    """The changed keys worth deciding again, cheapest test first: a one-hot target only
    for softmax with cross-entropy, the orientation only when W is in the claim."""
    setting, text = claim.setting, " ".join(claim.sides)
    out: list[tuple[str, str]] = []
    if setting.get("output") == "softmax" and setting.get("loss") == "cross_entropy" \
            and setting.get("target", "free") == "free":
        out.append(("target", "onehot"))
    if re.search(r"\bW\b", text):
        out.append(("orientation", OTHER["orientation"][setting.get("orientation", "out_in")]))
    if not setting.get("layers"):  # named layers: their numbers follow the numbering
        out.append(("numbering", OTHER["numbering"][setting.get("numbering", "standard")]))
    from_note = claim.file.endswith(NOTE_SUFFIXES)
    return [(k, v) for k, v in out
            if not (from_note and k in READ_WITH and READ_WITH[k].search(text))]


def _hint(claim: Claim, key: str, value: str) -> str:
    was = claim.setting.get(key, DEFAULT[key])
    if claim.file.endswith(NOTE_SUFFIXES):
        where = f"set {key}={value} on the note's bpcheck-defaults line"
    else:
        where = f'set {key} = "{value}" in setting "{claim.setting.name}"'
    return (f'holds with {key} = "{value}" ({MEANS[(key, value)]}), not with "{was}": '
            f"{where} if the source means it")


def changed_setting(setting: Setting, key: str, value: str) -> Setting:
    """`setting` with `key` set to `value`."""
    params = tuple((k, v) for k, v in setting.params if k != key) + ((key, value),)
    return replace(setting, params=params)
