"""The reference pages, generated at build time from the package itself, and the check that they are complete.

For each documented module (MODULES) one page lists every public name, the module's `__all__` or, where it has
none, every name it binds that does not start with an underscore (submodules excepted: they have pages of their
own or are internals). Each name gets autodoc's entry: its signature and docstring. So a name added to a module is
documented without editing the docs, and after the build `check_coverage` compares the names that exist against
the entries the Python domain holds: a name without an entry is a warning, which `-W` makes a failed build. It
writes the counts (names, entries, entries with a docstring of their own) to coverage.json in the built site; a
name without a docstring shows its signature and says so on its entry, with the docstring of the autograd op it
computes with where there is one (the op's states the derivative). The commands page is the CLI's own
argparse help, one section per subcommand.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

MODULES = [
    ("glassgrad", "Tensors, factories, dtypes and the torch-namespace functions"),
    ("glassgrad.nn", "Modules, layers, activations, losses"),
    ("glassgrad.nn.functional", "The functional forms (F.*)"),
    ("glassgrad.optim", "Optimizers"),
    ("glassgrad.data", "Datasets, samplers, DataLoader"),
    ("glassgrad.datasets", "Bundled and downloadable datasets"),
    ("glassgrad.models", "Reference architectures"),
    ("glassgrad.train", "The training loop, recipes and run directories"),
    ("glassgrad.diagnostics", "Training diagnostics and the learning-rate finder"),
    ("glassgrad.viz", "Model summaries, graphs and the explain page"),
    ("glassgrad.lab", "The lab's experiments, run from Python"),
    ("glassgrad.distributions", "Probability distributions (torch.distributions)"),
    ("glassgrad.distributed", "Data-parallel training on MPI (torch.distributed)"),
    ("glassgrad.onnx", "ONNX export"),
]
GENERATED = "reference"  # a folder of docs/, rebuilt on every build and ignored by git


def public_names(module_name: str) -> list[str]:
    """The module's public names: `__all__`, else the names it binds without a leading underscore, less modules
    and `from __future__` features."""
    module = importlib.import_module(module_name)
    declared = getattr(module, "__all__", None)
    if declared is not None:
        candidates = list(declared)
    else:
        candidates = [name for name in vars(module) if not name.startswith("_")]
    return [
        name for name in candidates
        if not inspect.ismodule(getattr(module, name)) and type(getattr(module, name)).__name__ != "_Feature"
    ]  # fmt: skip


def directive_for(value: object) -> str:
    if inspect.isclass(value):
        return "autoclass"
    if inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.ismethoddescriptor(value):
        return "autofunction"
    return "autodata"


def has_docstring(value: object) -> bool:
    """A docstring of its own: an instance that only carries its class's docstring (a dtype) counts if the class's
    is written; a function or class needs its own."""
    doc = inspect.getdoc(value)
    return bool(doc and doc.strip())


def ops_behind(function: object, depth: int = 2) -> list[type]:
    """The autograd ops (classes with `.apply` and a docstring, which states the derivative) that a function calls,
    directly or through one glassgrad function it calls (`Tensor.add` -> `arithmetic.add` -> `AddOp`)."""
    try:
        source = inspect.getsource(function)
    except (TypeError, OSError):
        return []
    namespace = getattr(function, "__globals__", {})
    found = [namespace.get(name) for name in re.findall(r"\b(\w+)\.apply\(", source)]
    found = [op for op in found if inspect.isclass(op) and has_docstring(op)]
    if not found and depth > 1:
        for module_name, attribute in re.findall(r"\b(\w+)\.(\w+)\(", source):
            module = namespace.get(module_name)
            if inspect.ismodule(module) and module.__name__.startswith("glassgrad"):
                called = getattr(module, attribute, None)
                if inspect.isfunction(called):
                    found += ops_behind(called, depth - 1)
    return list(dict.fromkeys(found))


def missing_docstring_note(value: object) -> list[str]:
    """For an entry without a docstring: the docstrings of the ops it computes with (their forward and
    derivative), shown as written; or a plain note that it has none yet."""
    ops = ops_behind(value) if callable(value) else []
    if not ops:
        return ["", "   (No docstring yet.)"]
    lines = ["", "   No docstring of its own yet; it computes with "
             + ", ".join(f"``{op.__module__}.{op.__qualname__}``" for op in ops) + ":", ""]
    for op in ops:
        lines += ["   .. code-block:: text", "", *("      " + line for line in inspect.getdoc(op).splitlines()), ""]
    return lines


def module_page(module_name: str, summary: str) -> str:
    module = importlib.import_module(module_name)
    title = f"``{module_name}``"
    lines = [title, "=" * len(title), "", f".. py:module:: {module_name}", "", summary + ".", ""]
    doc = inspect.getdoc(module)
    if doc:
        lines += ["::", "", *("    " + line for line in doc.splitlines()), ""]
    names = public_names(module_name)
    lines += [f"{len(names)} public names.", ""]
    for name in names:
        value = getattr(module, name)
        directive = directive_for(value)
        lines.append(f".. {directive}:: {module_name}.{name}")
        if directive == "autoclass":
            lines.append("   :members:")
        if directive == "autodata":
            lines.append("   :annotation:")
        if not has_docstring(value):
            lines += missing_docstring_note(value)
        lines.append("")
    return "\n".join(lines)


def commands_page() -> str:
    """`glassgrad --help` and each subcommand's --help, as argparse prints them."""
    import argparse

    from glassgrad.cli import build_parser

    parser = build_parser()
    lines = ["Commands", "========", "", "The ``glassgrad`` command (``python -m glassgrad.cli``): each section is the",
             "command's own ``--help``, generated from its argument parser.", "", ".. code-block:: text", ""]
    width = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal's width; the page is the same on every machine
    try:
        lines += ["    " + line for line in parser.format_help().splitlines()]
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, sub in subparsers.choices.items():
            heading = f"``glassgrad {name}``"
            lines += ["", heading, "-" * len(heading), "", ".. code-block:: text", ""]
            lines += ["    " + line for line in sub.format_help().splitlines()]
    finally:
        if width is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = width
    return "\n".join(lines) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    """Unchanged pages keep their timestamps, so an incremental build rereads only what changed."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(app) -> None:
    folder = Path(app.srcdir) / GENERATED
    folder.mkdir(exist_ok=True)
    pages = []
    for module_name, summary in MODULES:
        write_if_changed(folder / f"{module_name}.rst", module_page(module_name, summary))
        pages.append(module_name)
    write_if_changed(folder / "commands.rst", commands_page())
    index = ["API reference", "=============", "", "Every public name of each module, from its docstring.", "",
             ".. toctree::", "   :maxdepth: 1", "", *(f"   {page}" for page in pages), "   commands", ""]
    write_if_changed(folder / "index.rst", "\n".join(index))


def check_coverage(app, env) -> None:
    """Every public name that exists has an entry in the reference and a docstring; else a warning per name."""
    objects = env.get_domain("py").objects
    total = documented = described = 0
    for module_name, _ in MODULES:
        module = importlib.import_module(module_name)
        for name in public_names(module_name):
            total += 1
            qualified = f"{module_name}.{name}"
            if qualified not in objects:
                LOGGER.warning(f"public name {qualified} has no entry in the reference", type="glassgrad")
                continue
            documented += 1
            value = getattr(module, name)
            described += has_docstring(value)
            if not has_docstring(value) and not (callable(value) and ops_behind(value)):
                LOGGER.warning(f"public name {qualified} has no docstring, and no op whose docstring could stand in",
                               type="glassgrad")
    LOGGER.info(f"glassgrad reference: {documented} of {total} public names documented, {described} with a docstring")
    coverage = {"public_names": total, "documented": documented, "with_docstring": described}
    out = Path(app.outdir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "coverage.json").write_text(json.dumps(coverage, indent=2) + "\n")


def setup(app):
    app.connect("builder-inited", generate)
    app.connect("env-check-consistency", check_coverage)
    return {"parallel_read_safe": True, "version": "1"}
