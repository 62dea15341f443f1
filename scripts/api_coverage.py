"""How much of PyTorch's commonly used API glassgrad covers, measured.

    python scripts/api_coverage.py            # the table and every missing name
    python scripts/api_coverage.py --summary  # one line, as the README quotes it

"Commonly used" is made concrete as two lists of names, both checked against real PyTorch when it is installed
(a name PyTorch lacks is a mistake in the list, and is reported):

1. ISSUE_18: the APIs that ten real PyTorch programs were found to need (issue 18), with the keyword
   arguments they pass (`torch.load(map_location, weights_only)` counts only if glassgrad's `load` takes both);
2. the names the port suite (tests/port/programs/*.py, programs written in real PyTorch idioms) uses, read
   from their source: every `torch.X.Y` path through the script's own import aliases (`import torch.nn as nn`,
   `from torch.utils.data import DataLoader`, ...), and every method called on a value that is a method of
   torch.Tensor and not of nn.Module, optimizers or Python's own containers (a static reading: a method of the
   same name on another object is counted as a Tensor method).

A name is covered when the same path resolves in glassgrad: `torch.nn.modules.linear.Linear` through the
module map of `glassgrad run` (glassgrad/torch_alias.py), then attribute by attribute.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from glassgrad import _missing, torch_alias  # noqa: E402

PORT_PROGRAMS = ROOT / "tests" / "port" / "programs"

ISSUE_18 = [
    "torch.topk", "torch.Tensor.topk", "torch.sort", "torch.Tensor.sort", "torch.argsort", "torch.Tensor.argsort",
    "torch.utils.data", "torch.utils.data.RandomSampler", "torch.utils.data.SequentialSampler",
    "torch.utils.data.BatchSampler",
    "torch.utils.data.DataLoader(sampler, batch_sampler, persistent_workers, pin_memory)",
    "torch.cuda.manual_seed", "torch.cuda.manual_seed_all", "torch.cuda.synchronize",
    "torch.cuda.is_bf16_supported", "torch.cuda.device_count", "torch.cuda.amp.GradScaler", "torch.amp.autocast",
    "torch.accelerator.is_available", "torch.backends.cuda.matmul.allow_tf32", "torch.backends.cudnn.allow_tf32",
    "torch.backends.cudnn.benchmark", "torch.set_float32_matmul_precision", "torch.compile",
    "torch.load(map_location, weights_only)", "torch.bfloat16",
    "torch.nn.Transformer", "torch.nn.TransformerDecoderLayer", "torch.nn.TransformerDecoder",
    "torch.nn.ConvTranspose1d", "torch.nn.ConvTranspose2d", "torch.nn.Dropout1d", "torch.nn.Dropout2d",
    "torch.nn.modules.linear.Linear", "torch.nn.modules.conv.Conv2d", "torch.nn.modules.module.Module",
    "torch.optim.Adadelta", "torch.optim.LBFGS", "torch.optim.LBFGS.step(closure)", "torch.optim.NAdam",
    "torch.optim.RAdam", "torch.optim.Adamax", "torch.inference_mode",
    "torch.Tensor.new_zeros", "torch.Tensor.new_ones", "torch.Tensor.new_full", "torch.Tensor.new_tensor",
    "torch.Tensor.narrow", "torch.Tensor.is_xpu", "torch.Tensor.is_cpu", "torch.Tensor.is_mps", "torch.roll",
    "torch.meshgrid", "torch.LongTensor", "torch.FloatTensor",
    "torch.distributions.Categorical", "torch.distributions.Normal", "torch.distributions.Bernoulli",
    "torch.distributions.Categorical.sample", "torch.distributions.Categorical.log_prob",
    "torch.distributions.Categorical.entropy", "torch.distributions.Normal.rsample",
    "torch.distributions.Normal.log_prob", "torch.distributions.Normal.entropy",
    "torch.distributions.Bernoulli.sample", "torch.distributions.Bernoulli.log_prob",
    "torch.distributions.Bernoulli.entropy",
]


@dataclass
class Name:
    path: str                                   # torch.load
    keywords: tuple[str, ...] = ()              # (map_location, weights_only): arguments that must be accepted
    sources: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, spec: str, source: str) -> Name:
        path, _, rest = spec.partition("(")
        keywords = tuple(word.strip() for word in rest.rstrip(")").split(",") if word.strip())
        return cls(path, keywords, {source})

    def shown(self) -> str:
        return f"{self.path}({', '.join(self.keywords)})" if self.keywords else self.path


def resolve(path: str, module_name_of: Any) -> Any:
    """The object at a dotted torch path, importing the longest module prefix; raises LookupError if absent."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = module_name_of(".".join(parts[:cut]))
        if module_name is None:
            continue
        try:
            value: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        for attribute in parts[cut:]:
            try:
                value = getattr(value, attribute)
            except AttributeError:
                raise LookupError(path) from None
        return value
    raise LookupError(path)


def accepts(value: Any, keywords: tuple[str, ...]) -> bool:
    try:
        parameters = inspect.signature(value).parameters
    except (TypeError, ValueError):
        return True  # a builtin without a signature: nothing to check
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters.values()):
        return True
    return all(keyword in parameters for keyword in keywords)


def in_glassgrad(name: Name) -> bool:
    try:
        value = resolve(name.path, torch_alias.glassgrad_name)
    except LookupError:
        return False
    parts = name.path.split(".")
    if len(parts) > 1 and parts[1] in _missing.INTERNAL_MODULES:  # glassgrad's own internal modules stand
        inner = getattr(sys.modules.get("glassgrad"), parts[1], None)  # for nothing (torch.tensor is a function)
        if isinstance(inner, types.ModuleType):
            return False
    return accepts(value, name.keywords)


def in_torch(name: Name) -> bool | None:
    try:
        import torch  # noqa: F401
    except ImportError:
        return None
    try:
        resolve(name.path, lambda module: module)
    except LookupError:
        return False
    return True


class _Uses(ast.NodeVisitor):
    """The torch paths a program names through its import aliases, and the method names it calls."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.paths: set[str] = set()
        self.methods: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "torch":
                self.paths.add(alias.name)
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    self.aliases["torch"] = "torch"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0 and node.module.split(".")[0] == "torch":
            for alias in node.names:
                path = f"{node.module}.{alias.name}"
                self.paths.add(path)
                self.aliases[alias.asname or alias.name] = path

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            chain.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in self.aliases:
            self.paths.add(".".join([self.aliases[value.id], *reversed(chain)]))
            return  # the inner attributes are prefixes of this path
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute):
            self.methods.add(node.func.attr)
        self.generic_visit(node)


def port_suite_names() -> list[Name]:
    names: dict[str, Name] = {}
    tensor_methods = _tensor_method_names()
    for program in sorted(PORT_PROGRAMS.glob("*.py")):
        uses = _Uses()
        uses.visit(ast.parse(program.read_text(), str(program)))
        found = set(uses.paths)
        found |= {f"torch.Tensor.{method}" for method in uses.methods if method in tensor_methods}
        for path in found:
            names.setdefault(path, Name(path)).sources.add(program.name)
    # A path that is only a prefix of another used path (torch.nn of torch.nn.Linear) adds nothing.
    return [name for path, name in sorted(names.items())
            if not any(other.startswith(path + ".") for other in names) or path.count(".") >= 2]


def _tensor_method_names() -> set[str]:
    try:
        import torch
    except ImportError:
        import glassgrad

        tensor, others = glassgrad.Tensor, [glassgrad.nn.Module, glassgrad.optim.Optimizer]
    else:
        tensor, others = torch.Tensor, [torch.nn.Module, torch.optim.Optimizer, torch.utils.data.DataLoader]
    excluded = set().union(*(dir(kind) for kind in [*others, list, dict, str, set, tuple, int, float]))
    return {name for name in dir(tensor) if not name.startswith("_") and name not in excluded}


def measure() -> tuple[list[tuple[Name, bool, bool | None]], list[tuple[Name, bool, bool | None]]]:
    issue = [Name.parse(spec, "issue 18") for spec in ISSUE_18]
    port = port_suite_names()
    return ([(name, in_glassgrad(name), in_torch(name)) for name in issue],
            [(name, in_glassgrad(name), in_torch(name)) for name in port])


def whole_namespaces() -> dict[str, tuple[int, int, list[str]]]:
    """Beyond the names real scripts use: each of PyTorch's main namespaces whole, as PyTorch lists it (public
    names; for torch.nn the Module classes, for torch.optim the Optimizer classes). Needs torch installed."""
    import torch

    def public(namespace: Any, keep: Any) -> list[str]:
        names = getattr(namespace, "__all__", None) or dir(namespace)
        return sorted(name for name in names if not name.startswith("_") and keep(getattr(namespace, name, None)))

    def is_class_of(base: type) -> Any:
        return lambda value: isinstance(value, type) and issubclass(value, base)

    spaces = {
        "torch.nn": (torch.nn, is_class_of(torch.nn.Module)),
        "torch.nn.functional": (torch.nn.functional, inspect.isfunction),
        "torch.optim": (torch.optim, is_class_of(torch.optim.Optimizer)),
        "torch.optim.lr_scheduler": (torch.optim.lr_scheduler, is_class_of(torch.optim.lr_scheduler.LRScheduler)),
        "torch.Tensor": (torch.Tensor, callable),
        "torch": (torch, lambda value: callable(value) and not isinstance(value, type)),
    }
    result = {}
    for label, (namespace, keep) in spaces.items():
        names = public(namespace, keep)
        missing = [name for name in names if not in_glassgrad(Name(f"{label}.{name}"))]
        result[label] = (len(names) - len(missing), len(names), missing)
    return result


def summary(rows: list[tuple[Name, bool, bool | None]]) -> tuple[int, int]:
    counted = [row for row in rows if row[2] is not False]  # names PyTorch itself lacks are not counted
    return sum(covered for _, covered, _ in counted), len(counted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--summary", action="store_true", help="one line: the shares covered")
    parser.add_argument("--whole", action="store_true", help="also each of PyTorch's namespaces whole")
    args = parser.parse_args(argv)
    issue, port = measure()
    union = {row[0].shown(): row for row in issue + port}
    lines = []
    for title, rows in (("issue 18's list", issue), ("the port suite's names", port), ("both", list(union.values()))):
        covered, total = summary(rows)
        share = 100.0 * covered / total if total else 100.0
        lines.append(f"{title}: {covered} of {total} ({share:.1f}%)")
    if args.summary:
        print("glassgrad covers " + "; ".join(lines))
        return 0
    print("\n".join(lines))
    if args.whole:
        print("\neach namespace whole (every public name PyTorch has there):")
        for label, (covered, total, _) in whole_namespaces().items():
            print(f"  {label:26s} {covered:4d} of {total:4d} ({100.0 * covered / total:.1f}%)")
    not_in_torch = [row[0].shown() for row in union.values() if row[2] is False]
    missing = [row[0] for row in union.values() if not row[1] and row[2] is not False]
    if missing:
        print("\nmissing in glassgrad:")
        for name in sorted(missing, key=lambda name: name.path):
            print(f"  {name.shown():60s} used by {', '.join(sorted(name.sources))}")
    if not_in_torch:
        print("\nnot in PyTorch either (a mistake in the list, or a local name):", ", ".join(sorted(not_in_torch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
