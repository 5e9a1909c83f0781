"""LaTeX documents (.tex) read as notes: the same display-formula scanner as for Markdown.

A .tex file becomes one page whose lines are the file's own lines (so every formula and
every error keeps its exact line), with what the scanner must not see taken out of each line:
comments (`%`, unless escaped as `\\%`) and verbatim blocks.  bpcheck's annotations are
comments, so the LaTeX build is unchanged by them: `% bpcheck: id=... expect=erratum` on
its own line before a display formula, `% bpcheck-defaults: ...` and `% bpcheck-setting:
name=...` anywhere.  `\\section{...}` and its kin become headings.  `\\input` and
`\\include` are not followed.  Nothing here runs the document.
"""
from __future__ import annotations

import re

from ..catalog.files import LoadError

_ANNOTATION = re.compile(r"%\s*(bpcheck(?:-defaults|-setting)?\s*:.*?)\s*$")
_SECTION = re.compile(r"\s*\\(?:part|chapter|section|subsection|subsubsection|paragraph)\*?"
                      r"\s*(?:\[[^\]]*\])?\s*\{(.*)\}")
_VERBATIM = re.compile(r"\\(begin|end)\{(verbatim|lstlisting|minted|comment)\*?\}")


def tex_lines(name: str, text: str, errors: list[LoadError]) -> str:
    """The document as Markdown-shaped text for the scanner, line for line."""
    out: list[str] = []
    verbatim = False
    for number, line in enumerate(text.split("\n"), start=1):
        if verbatim:
            verbatim = not _ends_verbatim(line)
            out.append("```" if not verbatim else "")
            continue
        body, comment = _split_comment(line)
        begin = _VERBATIM.search(body)
        if begin and begin.group(1) == "begin":  # a fence for the scanner, until its \end
            verbatim = not _ends_verbatim(body[begin.end():])
            out.append("```" if verbatim else "")
            continue
        annotation = _ANNOTATION.match(comment)
        if annotation and not body.strip():
            out.append(f"<!-- {annotation.group(1)} -->")
            continue
        if annotation:
            errors.append(LoadError(name, number, "a bpcheck annotation must be a comment line "
                                    "of its own, before the display formula it describes"))
        heading = _SECTION.match(body)
        # backticks are quotes in LaTeX prose, not Markdown code spans
        out.append(f"# {heading.group(1)}" if heading else body.replace("`", "'"))
    return "\n".join(out)


def _ends_verbatim(line: str) -> bool:
    m = _VERBATIM.search(line)
    return bool(m and m.group(1) == "end")


def _split_comment(line: str) -> tuple[str, str]:
    """(the text before the first unescaped %, the comment from that % on)."""
    for m in re.finditer("%", line):
        backslashes = len(line[:m.start()]) - len(line[:m.start()].rstrip("\\"))
        if backslashes % 2 == 0:
            return line[:m.start()], line[m.start():]
    return line, ""
