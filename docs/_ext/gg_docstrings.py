"""glassgrad's docstrings are plain text written to be read in the source (backquoted names, indented examples,
`*args`, in-place names such as `add_`); this extension hands them to reStructuredText so that they render as
written instead of as markup errors. It changes only how a docstring is parsed, never what it says:

- a line indented differently from the line before it starts a new block (a blank line is put between them), so an
  indented example or a continued list item is a quoted block, not an "unexpected indentation" error;
- outside backquotes, `>>>` examples and literal blocks (after `::`), `*`, `|` and a trailing `_` are escaped,
  so `*size`, `a|b` and `zero_` are text, not emphasis, substitutions or link targets; a letter right after a
  closing backquote (`Subset`s) is separated from it by an escaped space, which renders as nothing.

- `:math:` and `.. math::` are shown as their LaTeX source, in code: the site loads no math renderer (MathJax
  would be fetched from the network, and a local copy is not among this project's dependencies).

- the Google-style sections most docstrings use (`Args:`, `Returns:`, `Example:`) become field lists, by
  napoleon's GoogleDocstring, except in the docstrings of data and properties: there napoleon would read a
  first line such as "The parameters grouped per layer: ..." as a type and link to it.

`>>>` examples are left byte for byte as they are: doctest runs them (tests/docs/test_doctests.py).
"""

from __future__ import annotations

import re

from sphinx.ext.napoleon import Config
from sphinx.ext.napoleon.docstring import GoogleDocstring

SPAN = re.compile(r"(``.+?``|`[^`]+`)")  # inline literals and backquoted names: no escaping inside
INLINE_MATH = re.compile(r":math:`([^`]+)`")
MATH_BLOCK = re.compile(r"^(\s*)\.\. math::\s*(.*)$")
MARKUP = re.compile(r"(\*|\||(?<=\w)_(?=\W|$))")


def escape_text(line: str) -> str:
    parts = SPAN.split(line)
    text = []
    for index, part in enumerate(parts):
        if index % 2:
            text.append(part)
            continue
        part = MARKUP.sub(r"\\\1", part)
        if index and part[:1].isalnum():  # `Subset`s: a letter right after the closing quote ends no span
            part = "\\ " + part
        text.append(part)
    return "".join(text)


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def math_as_code(lines: list[str]) -> list[str]:
    result = []
    for line in lines:
        block = MATH_BLOCK.match(line)
        if block:
            indent, rest = block.groups()
            result += [f"{indent}.. code-block:: text", ""] + ([f"{indent}    {rest}"] if rest else [])
        else:
            result.append(INLINE_MATH.sub(r"``\1``", line))
    return result


def as_rst(lines: list[str]) -> list[str]:
    result: list[str] = []
    in_example = False
    literal_below: int | None = None  # the indent of the line that opened a literal block ("::"), while in one
    for line in math_as_code(lines):
        stripped = line.strip()
        if literal_below is not None and (not stripped or indent_of(line) > literal_below):
            result.append(line)  # a literal block's lines are shown as they are
            continue
        literal_below = None
        if not stripped:
            in_example = False
            result.append(line)
            continue
        if stripped.startswith(">>>"):
            if result and result[-1].strip() and not in_example:
                result.append("")  # a doctest block starts after a blank line
            in_example = True
        if in_example:
            result.append(line)
            continue
        if result and result[-1].strip() and indent_of(result[-1]) != indent_of(line):
            result.append("")
        result.append(escape_text(line))
        if stripped.endswith("::") or stripped.startswith(".. code-block::"):
            literal_below = indent_of(line)
    return result


# Returns: read as "name: description" like Args (many docstrings name what they return: "X: ..., y: ...");
# Attributes: without the class annotations, which name private types.
NAPOLEON = Config(napoleon_use_param=True, napoleon_custom_sections=[("Returns", "params_style")],
                  napoleon_attr_annotations=False)


def process(app, what, name, obj, options, lines: list[str]) -> None:
    lines[:] = as_rst(lines)
    if what not in ("attribute", "data", "property"):
        lines[:] = GoogleDocstring(lines, NAPOLEON, app, what, name, obj).lines()  # options: only no-index


def setup(app):
    app.connect("autodoc-process-docstring", process)
    return {"parallel_read_safe": True, "version": "1"}
