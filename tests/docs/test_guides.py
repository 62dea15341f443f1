"""Every Python code block of the Markdown guides (docs/**/*.md) runs, each in a fresh namespace, or is marked as
not runnable with its reason by a comment on the line before it: `<!-- not run: REASON -->`. A block that needs an
optional package says so the same way, `<!-- needs: onnx -->`, and is skipped where it is missing."""

from __future__ import annotations

import re

import pytest

from .conftest import DOCS

BLOCK = re.compile(r"(?:<!--\s*(not run|needs):\s*(.*?)\s*-->\s*\n)?```python\n(.*?)```", re.S)


def blocks() -> list[tuple[str, int, str, str, str]]:
    """(file, line, marker, its value, code) of every ```python block of the guides."""
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        if "_build" in path.parts:
            continue
        text = path.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start(3))
            found.append((str(path.relative_to(DOCS)), line, match.group(1) or "", match.group(2) or "",
                          match.group(3)))
    return found


BLOCKS = blocks()


def test_the_guides_have_code_that_runs() -> None:
    runnable = [b for b in BLOCKS if b[2] != "not run"]
    print(f"guide code blocks: {len(BLOCKS)}, run: {len(runnable)}, marked not runnable: {len(BLOCKS) - len(runnable)}")
    assert len(runnable) >= 3
    for file, line, marker, reason, _ in BLOCKS:
        assert marker != "not run" or len(reason) > 10, f"{file}:{line}: say why the block does not run"


@pytest.mark.parametrize(("file", "line", "marker", "value", "code"), BLOCKS, ids=[f"{b[0]}:{b[1]}" for b in BLOCKS])
def test_guide_code_block_runs(file: str, line: int, marker: str, value: str, code: str) -> None:
    if marker == "not run":
        pytest.skip(f"marked not runnable: {value}")
    for package in value.split(",") if marker == "needs" else []:
        pytest.importorskip(package.strip())
    exec(compile(code, f"docs/{file}:{line}", "exec"), {"__name__": "__guide__"})
