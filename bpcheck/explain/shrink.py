"""The smallest network that still shows a refuted formula's error.

Like a property-based tester shrinking a failing example: the smallest network
(every width 1) is tried first, since most errors show there; otherwise each layer
width in turn is lowered to the smallest value at which the broken link is still
refuted (by numbers or by shapes; an index that no longer exists does not count).
"""
from __future__ import annotations

from dataclasses import replace

from ..decide.outcome import link_refuted
from ..model import Claim, Kind, Options, Setting, Verdict


def with_widths(setting: Setting, widths: list[int]) -> Setting:
    params = tuple((k, tuple(widths) if k == "widths" else v) for k, v in setting.params)
    return replace(setting, params=params)


def minimal_widths(claim: Claim, verdict: Verdict, options: Options) -> tuple[int, ...] | None:
    if claim.setting.kind != "network" or verdict.kind is not Kind.REFUTED \
            or verdict.first_broken is None:
        return None
    link = verdict.links[verdict.first_broken]
    quick = replace(options, points=8, reference=False, diagnose=False, shrink=False)
    widths = list(claim.setting.get("widths"))

    def refuted(trial_widths: list[int]) -> bool:
        trial = replace(claim, setting=with_widths(claim.setting, trial_widths))
        return link_refuted(trial, quick, (link.left, link.right))
    ones = [1] * len(widths)
    if ones != widths and refuted(ones):  # nothing smaller exists: one trial, not one per layer
        return tuple(ones)
    for i in range(len(widths)):
        for w in range(1, widths[i]):  # smallest first: the first that still fails wins
            trial_widths = widths[:i] + [w] + widths[i + 1:]
            if trial_widths != ones and refuted(trial_widths):
                widths = trial_widths
                break
    return tuple(widths)
