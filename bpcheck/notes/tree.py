"""Nodes of the formula tree the LaTeX reader builds (Python `ast`, only ever unparsed)."""
from __future__ import annotations

import ast


def ident(n: str) -> ast.Name:
    return ast.Name(n, ast.Load())


def call(fn: str, *args: ast.expr) -> ast.Call:
    return ast.Call(ident(fn), list(args), [])


def binop(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.BinOp:
    return ast.BinOp(left, op, right)


def subscript(value: ast.expr, index: ast.expr) -> ast.Subscript:
    return ast.Subscript(value, index, ast.Load())


def number(text: str) -> ast.Constant:
    return ast.Constant(int(text) if text.isdigit() else float(text))
