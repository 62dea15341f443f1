"""docs/_ext/gg_docstrings.py: a plain-text docstring becomes reStructuredText that shows what it says."""

from __future__ import annotations

import sys

import pytest

from .conftest import DOCS

sys.path.insert(0, str(DOCS / "_ext"))
gg_docstrings = pytest.importorskip("gg_docstrings", reason="Sphinx is not installed")


def test_markup_characters_in_text_are_escaped_but_not_in_code() -> None:
    assert gg_docstrings.escape_text("zeros(*size) on a|b, then zero_ `x*y_` and ``a|b``") == (
        r"zeros(\*size) on a\|b, then zero\_ `x*y_` and ``a|b``")
    assert gg_docstrings.escape_text("random `Subset`s") == r"random `Subset`\ s"


def test_examples_literal_blocks_and_math_keep_their_text() -> None:
    lines = ["Sum of *x*:", "    indented after text", "", ">>> 2 * 3", "6", "", "Example::", "", "    a_ * b_",
             "", ".. math::", "    h_t = x_t W_{ih}", "Inline :math:`y = xW^T`."]
    assert gg_docstrings.as_rst(lines) == [
        r"Sum of \*x\*:", "", "    indented after text", "", ">>> 2 * 3", "6", "", "Example::", "", "    a_ * b_",
        "", ".. code-block:: text", "", "    h_t = x_t W_{ih}", "", "Inline ``y = xW^T``."]
