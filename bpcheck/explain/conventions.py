"""A refutation that only a convention causes: the claim holds in the setting the source
most likely meant.  Computed, never guessed: the hint is given only when the claim is
decided again in that setting and comes out VERIFIED."""
from __future__ import annotations

from dataclasses import replace

from ..decide.claim import verify_claim
from ..model import Claim, Expect, Kind, Options, Setting


def convention_hint(claim: Claim, options: Options) -> str:
    """A hint for a refuted claim ("" when none applies).  So far: a softmax output with
    cross-entropy and a free target (any y), where a course's δ = a − y assumes a one-hot y."""
    setting = claim.setting
    if not (setting.kind == "network" and setting.get("output") == "softmax"
            and setting.get("loss") == "cross_entropy"
            and setting.get("target", "free") == "free"):
        return ""
    onehot = _with(setting, "target", "onehot")
    quick = replace(options, diagnose=False, shrink=False)
    verdict = verify_claim(replace(claim, setting=onehot, expect=Expect.HOLDS), quick)
    if verdict.kind is not Kind.VERIFIED:
        return ""
    return (f'holds with target = "onehot" in setting {setting.name!r} (y a one-hot vector, '
            'as δ = a − y for softmax with cross-entropy assumes); with the default target = '
            '"free" (any y) it does not')


def _with(setting: Setting, key: str, value: str) -> Setting:
    params = tuple((k, v) for k, v in setting.params if k != key) + ((key, value),)
    return replace(setting, params=params)
