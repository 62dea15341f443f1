"""Every `>>>` example in a public docstring runs, by doctest: the docstrings of every public module of glassgrad
(no underscore in its dotted name) and of the functions and classes defined in it, with the imports API.md
writes (`gg`, `nn`, `F`, and `np`) in scope, as a reader of the docs has them. Modules that need an optional
package this machine lacks (CuPy, onnx, the playground's web stack) are skipped with the reason."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import glassgrad


def public_modules() -> list[str]:
    names = ["glassgrad"]
    for info in pkgutil.walk_packages(glassgrad.__path__, "glassgrad."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def examples() -> list[tuple[str, str]]:
    """(module, doctest name) of every docstring with at least one example."""
    found = []
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in public_modules():
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue  # reported by test_every_public_module_imports_or_lacks_an_optional_package
        for test in finder.find(module, name):
            if test.examples:
                found.append((name, test.name))
    return sorted(set(found))


EXAMPLES = examples()


def test_there_are_examples_to_run() -> None:
    count = sum(len(test.examples) for name in {m for m, _ in EXAMPLES}
                for test in doctest.DocTestFinder().find(importlib.import_module(name), name))
    print(f"doctest: {len(EXAMPLES)} docstrings with {count} `>>>` examples")
    assert len(EXAMPLES) >= 10


def test_every_public_module_imports_or_lacks_an_optional_package() -> None:
    for name in public_modules():
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            assert not (error.name or "").startswith("glassgrad"), (name, error)


@pytest.mark.parametrize(("module_name", "test_name"), EXAMPLES)
def test_docstring_examples_run(module_name: str, test_name: str) -> None:
    import numpy as np

    import glassgrad.nn as nn
    import glassgrad.nn.functional as F

    module = importlib.import_module(module_name)
    imports = {"gg": glassgrad, "nn": nn, "F": F, "np": np}
    (test,) = [t for t in doctest.DocTestFinder().find(module, module_name, extraglobs=imports) if t.name == test_name]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    glassgrad.manual_seed(0)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
