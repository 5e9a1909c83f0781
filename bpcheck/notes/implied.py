"""Set-up values a note's defaults line implies without writing them.

Many notes call the loss L (`loss_symbol=L`), which is also the default name of the depth.
The two cannot be the same letter, and a note that calls its loss L does not call its last
layer L too, so the depth then takes the name D unless the line names it (`depth_symbol=`).
"""
from __future__ import annotations

from typing import Any

from ..model import loss_identifier

DEFAULT_DEPTH = "L"
DEPTH_BESIDE_LOSS_L = "D"


def with_implied_keys(body: dict[str, Any]) -> dict[str, Any]:
    """The setting's body with the depth renamed D when the loss is L and no depth is named."""
    if body.get("kind") != "network" or "depth_symbol" in body:
        return body
    if loss_identifier(str(body.get("loss_symbol", "J"))) != DEFAULT_DEPTH:
        return body
    return {**body, "depth_symbol": DEPTH_BESIDE_LOSS_L}
