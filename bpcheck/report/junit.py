"""JUnit XML for CI dashboards: one testcase per claim, one error case per bad input.

A known erratum that is refuted meets its expectation, so it passes (with a
property and system-out saying so); a verdict of ERROR is a JUnit <error>,
any other unmet expectation a <failure> carrying the explanation and the
counterexample.
"""
from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Sequence

from ..catalog.files import LoadError
from ..model import Claim, Expect, Kind, Verdict
from .terminal import explain


def write_junit(path: str | Path, pairs: list[tuple[Claim, Verdict]],
                errors: Sequence[LoadError]) -> None:
    tree = ET.ElementTree(junit_tree(pairs, errors))
    ET.indent(tree)
    out = Path(path)
    if out.parent != Path("."):
        out.parent.mkdir(parents=True, exist_ok=True)
    tree.write(out, encoding="utf-8", xml_declaration=True)


def junit_tree(pairs: list[tuple[Claim, Verdict]], errors: Sequence[LoadError]) -> ET.Element:
    suite = ET.Element("testsuite", name="bpcheck", hostname=socket.gethostname(),
                       timestamp=time.strftime("%Y-%m-%dT%H:%M:%S"))
    outcomes: Counter[str] = Counter()
    for claim, verdict in pairs:
        case = _claim_case(claim, verdict)
        outcomes[_outcome(case)] += 1
        suite.append(case)
    for err in errors:
        suite.append(_error_case(err))
        outcomes["error"] += 1
    seconds = sum(v.seconds for _, v in pairs)
    suite.attrib.update(tests=str(len(pairs) + len(errors)), failures=str(outcomes["failure"]),
                        errors=str(outcomes["error"]), skipped="0", time=f"{seconds:.3f}")
    root = ET.Element("testsuites", name="bpcheck", tests=suite.get("tests", "0"),
                      failures=suite.get("failures", "0"), errors=suite.get("errors", "0"),
                      time=suite.get("time", "0"))
    root.append(suite)
    return root


def _outcome(case: ET.Element) -> str:
    for tag in ("failure", "error"):
        if case.find(tag) is not None:
            return tag
    return "passed"


def _claim_case(claim: Claim, v: Verdict) -> ET.Element:
    case = ET.Element("testcase", classname=Path(claim.file).stem, name=claim.id,
                      file=claim.file, line=str(claim.line), time=f"{v.seconds:.3f}")
    props = ET.SubElement(case, "properties")
    for name, value in (("verdict", v.kind.value), ("expected", claim.expect.value),
                        ("source", claim.source)):
        ET.SubElement(props, "property", name=name, value=value)
    if v.ok:
        if claim.expect is Expect.ERRATUM:
            ET.SubElement(props, "property", name="expected_erratum", value="true")
            ET.SubElement(case, "system-out").text = (
                f"expected erratum: refuted as expected: {v.reason}")
        return case
    tag = "error" if v.kind is Kind.ERROR else "failure"
    message = f"{v.kind.value}, expected {claim.expect.value}: {v.reason}"
    element = ET.SubElement(case, tag, message=message, type=v.kind.value)
    element.text = "\n".join(explain(claim, v))
    return case


def _error_case(err: LoadError) -> ET.Element:
    case = ET.Element("testcase", classname=Path(err.file).stem, name=f"{err.file}:{err.line}",
                      file=err.file, line=str(err.line), time="0.000")
    element = ET.SubElement(case, "error", message=err.message, type="LoadError")
    element.text = str(err)
    return case
