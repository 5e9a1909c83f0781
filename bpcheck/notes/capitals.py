"""What a capital with a layer superscript may be, in a note with no batch.

`Z^{(l)}`, `A^{[l]}` are a batch's matrices (batch=N), but a note with no batch that writes
`\\Delta^\\ell` usually calls its error δ so (`\\Delta_j^\\ell := \\partial C/\\partial z_j^\\ell`):
the hint names both readings, and reads neither without the note's word.
"""
from __future__ import annotations


def unbatched_capital(name: str, sup: str) -> str:
    """The error for `name^{sup}` in a note with no batch=."""
    shown = "\\Delta" if name == "Delta" else name
    if name == "Delta":
        return (f"{shown}^{{{sup}}}: a capital with a layer superscript; if it is the note's "
                "error delta (dC/dz), say names=\\Delta:\\delta; if the batch's, give batch=N")
    return (f"{shown}^{{{sup}}}: a batch matrix with a layer superscript; give batch=N in "
            "the defaults (not a power)")
