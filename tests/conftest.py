"""Shared helpers: small catalogs written into tmp folders."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

NET = """
[setting.net]
kind = "network"
widths = [4, 3, 2]
activation = "sigmoid"
loss = "mse_half"

[setting.square]
kind = "network"
widths = [3, 3, 3]
activation = "tanh"
loss = "mse_half"

[setting.scalar]
kind = "scalar"
symbols = ["x"]

[setting.softmax]
kind = "scalar"
vectors = { z = 3 }
"""


def claim_toml(cid: str, setting: str, quantity: str, formula: str, **extra: str) -> str:
    lines = ["[[claim]]", f'id = "{cid}"', 'source = "test"', f'setting = "{setting}"',
             f'quantity = "{quantity}"', f'formula = "{formula}"']
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def write_catalog(tmp_path: Path):
    def write(body: str, name: str = "cat.toml", header: str = NET) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(header) + "\n" + textwrap.dedent(body), encoding="utf-8")
        return path
    return write
