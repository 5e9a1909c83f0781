"""Every sample output in the docs is the real output: each ``` block of docs/*.md that
starts with `$ bpcheck …` is run (from the repository root, without the cache) and the lines
it shows must appear in the output, in order (`...` stands for lines left out; timings such
as `0.06s` are compared as numbers of seconds, whatever their value).  The README's quick-start
samples are run in a fresh folder holding the note and catalog the README shows.  The usage
block of docs/commands.md names every flag of `bpcheck verify`, and links between the docs
point at files that exist."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
TIMING = re.compile(r"\b\d+(\.\d+)?s\b")


def _blocks(text: str, lang: str = "") -> list[str]:
    """The fenced blocks whose opening fence names `lang` ("" for a bare fence)."""
    blocks, current, opened = [], [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if opened is None:
                opened, current = line[3:].strip(), []
                continue
            if opened == lang:
                blocks.append("".join(current))
            opened = None
        elif opened is not None:
            current.append(line)
    return blocks


def samples() -> list[tuple[str, str, list[str]]]:
    """(doc name, command, lines shown) for every `$ bpcheck` sample of the docs."""
    found = []
    for doc in DOCS:
        for block in _blocks(doc.read_text(encoding="utf-8")):
            if not block.startswith("$ bpcheck"):
                continue
            for chunk in filter(None, re.split(r"^(?=\$ )", block, flags=re.M)):
                command, *shown = chunk.rstrip("\n").split("\n")
                found.append((doc.name, command[2:], [ln for ln in shown if ln.strip()]))
    return found


def _normal(line: str) -> str:
    return TIMING.sub("<N>s", line.rstrip())


def assert_shown_in(shown: list[str], output: str) -> None:
    """The lines shown appear in the output in order; a `...` line skips any number."""
    out = [_normal(ln) for ln in output.splitlines()]
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        want = _normal(line)
        assert want in out[at:], f"not in the real output (after line {at}):\n{line}\n\n{output}"
        at = out.index(want, at) + 1


def _run(command: str, cwd: Path) -> str:
    args = shlex.split(command)
    assert args[0] == "bpcheck"
    if args[1] == "verify":
        args.insert(2, "--no-cache")  # decided afresh; the repository's cache is not touched
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run([sys.executable, "-m", "bpcheck", *args[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


SAMPLES = samples()


def test_the_docs_samples_are_found():
    """The ones the docs must keep (a renamed command would otherwise drop out unseen)."""
    names = {(doc, cmd.split()[1]) for doc, cmd, _ in SAMPLES}
    assert {("how-it-works.md", "verify"), ("notes.md", "verify"),
            ("gradcheck.md", "gradcheck")} <= names
    assert sum(doc == "gradcheck.md" for doc, _, _ in SAMPLES) == 2
    assert all(shown for _, _, shown in SAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("doc,command,shown", SAMPLES,
                         ids=[f"{d}:{c}" for d, c, _ in SAMPLES])
def test_a_docs_sample_is_the_real_output(doc, command, shown):
    assert_shown_in(shown, _run(command, ROOT))


@pytest.mark.slow
def test_the_readme_samples_are_the_real_output(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    note, catalog = _blocks(readme, "markdown")[0], _blocks(readme, "toml")[0]
    (tmp_path / "notes.md").write_text(note, encoding="utf-8")
    (tmp_path / "derivations").mkdir()
    (tmp_path / "derivations" / "first.toml").write_text(catalog, encoding="utf-8")
    outputs = [b for b in _blocks(readme) if b.startswith("$ bpcheck")]
    assert len(outputs) == 2
    for block in outputs:
        command, *shown = block.rstrip("\n").split("\n")
        assert_shown_in(shown, _run(command[2:], tmp_path))


def test_the_matcher_sees_a_drifted_line():
    """The check itself can fail: a changed number, a missing line, lines out of order."""
    output = "a: 1 claims in 0.06s\n  diagnosis: x\n  corrected: y\n"
    assert_shown_in(["a: 1 claims in 1.5s", "...", "  corrected: y"], output)
    for shown in (["a: 2 claims in 0.06s"], ["  corrected: y", "  diagnosis: x"]):
        with pytest.raises(AssertionError):
            assert_shown_in(shown, output)


def test_the_usage_block_names_every_verify_flag():
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    usage = _blocks(text, "sh")[0]
    from bpcheck.cli import _parser
    verify = next(a for a in _parser()._subparsers._group_actions[0].choices.items()
                  if a[0] == "verify")[1]
    flags = {opt for action in verify._actions for opt in action.option_strings
             if opt not in ("-h", "--help", "--jobs", "--quiet", "--verbose")}
    assert {f for f in flags if f not in usage} == set()


def test_the_docs_link_to_files_that_exist():
    for page in [ROOT / "README.md", *DOCS, ROOT / "benchmarks" / "speed_log.md"]:
        text = re.sub(r"`[^`\n]*`", "", page.read_text("utf-8"))  # code is not a link
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name}: {target}"
