"""The import hook of `glassgrad run`: inside the script, `import torch` is glassgrad, all the way down.

Python asks each finder on `sys.meta_path` in turn for a module. `TorchAliasFinder` goes first and answers for
`torch` and every `torch.*` name:

- a torch module glassgrad provides (MODULES, or a submodule of one such as `torch.nn.modules.linear`) is
  glassgrad's own module object under the torch name: `sys.modules["torch.nn"] is glassgrad.nn`, so
  `torch.nn.Linear is glassgrad.nn.Linear`, and `isinstance` checks work across both spellings;
- any other torch module raises ModuleNotFoundError "glassgrad does not implement torch.X (used at file:line)".

Answering for every torch name is the point: before, a ported script that kept one `import torch.utils.data`
got the real PyTorch for that line, and the mix failed far away, inside torch. With the hook, real PyTorch is
never loaded. Libraries built on torch (torchvision, ...) get the same error at their import.

`from torch import X` for an X glassgrad lacks would otherwise end in CPython's bare "cannot import name": the
hook also wraps `builtins.__import__` to check the names of a `from torch... import` first, with our message.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any, Sequence

from . import _missing

# torch's public submodules that glassgrad provides, and the glassgrad module behind each. A submodule of one
# of these (torch.nn.modules.linear, torch.optim.lr_scheduler) maps to the same path under glassgrad's module.
MODULES: dict[str, str] = {
    "torch": "glassgrad",
    "torch.nn": "glassgrad.nn",
    "torch.optim": "glassgrad.optim",
    "torch.autograd": "glassgrad.autograd",
    "torch.utils": "glassgrad.utils",
    "torch.cuda": "glassgrad.cuda",
    "torch.amp": "glassgrad.amp",
    "torch.backends": "glassgrad.backends",
    "torch.accelerator": "glassgrad.accelerator",
    "torch.distributions": "glassgrad.distributions",
    "torch.distributed": "glassgrad.distributed",
}
# Under these, only the listed submodules are torch's (glassgrad.utils may hold more of its own).
ONLY: dict[str, tuple[str, ...]] = {"torch.utils": ("torch.utils.data",)}


def glassgrad_name(torch_name: str) -> str | None:
    """The glassgrad module that stands for `torch_name`, or None when glassgrad provides none."""
    if torch_name == "torch":
        return "glassgrad"
    parts = torch_name.split(".")
    if len(parts) < 2:
        return None
    top = ".".join(parts[:2])
    if top not in MODULES:
        return None
    allowed = ONLY.get(top)
    if allowed is not None and len(parts) > 2 and not any(
            torch_name == name or torch_name.startswith(name + ".") for name in allowed):
        return None
    return MODULES[top] + torch_name[len(top):]


def _is_missing(error: ModuleNotFoundError, glassgrad_module: str) -> bool:
    """True when the ModuleNotFoundError is about `glassgrad_module` itself (or a parent), not a module it imports."""
    return error.name is not None and (glassgrad_module == error.name or glassgrad_module.startswith(error.name + "."))


def not_implemented(torch_name: str) -> ModuleNotFoundError:
    error = ModuleNotFoundError(_missing.message(torch_name), name=torch_name)
    return error


class _AliasLoader(importlib.abc.Loader):
    """Loads a torch name as an already-imported glassgrad module: nothing runs, the module object is shared."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.own_spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        # importlib has just set module.__spec__ to the torch-named spec; glassgrad's module keeps its own, so
        # its relative imports and `importlib.reload` still see glassgrad's name.
        module.__spec__ = self.own_spec


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "torch" and not fullname.startswith("torch.") and fullname.split(".")[0] not in LIBRARIES:
            return None
        target_name = glassgrad_name(fullname)
        if target_name is None:
            raise not_implemented(fullname)
        try:
            module = importlib.import_module(target_name)
        except ModuleNotFoundError as error:
            if _is_missing(error, target_name):
                raise not_implemented(fullname) from None
            raise
        is_package = hasattr(module, "__path__")
        spec = importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=is_package)
        if is_package:
            spec.submodule_search_locations = list(module.__path__)
        return spec


# Libraries built on PyTorch: inside `glassgrad run` they would load against glassgrad and fail obscurely.
LIBRARIES = frozenset({"torchvision", "torchaudio", "torchtext", "torchdata", "functorch"})


def _checked_import(original: Any) -> Any:
    """`builtins.__import__` that gives `from torch... import X` our message when glassgrad lacks X."""

    def __import__(name: str, globals: Any = None, locals: Any = None, fromlist: Sequence[str] = (),  # noqa: A001, A002
                   level: int = 0) -> ModuleType:
        module = original(name, globals, locals, fromlist, level)
        if fromlist and level == 0 and (name == "torch" or name.startswith("torch.")):
            for item in fromlist:
                if item != "*" and not hasattr(module, item):
                    raise ImportError(_missing.message(f"{name}.{item}"), name=name)
        return module

    __import__.original = original  # type: ignore[attr-defined]
    return __import__


def _torch_names() -> list[str]:
    return [name for name in sys.modules if name == "torch" or name.startswith("torch.")
            or name.split(".")[0] in LIBRARIES]


_set_aside: dict[str, ModuleType] = {}  # the real torch modules this process had loaded before `install`


def install() -> None:
    """Put the hook in place for this process (idempotent). Real torch modules already loaded are set aside."""
    if not any(isinstance(finder, TorchAliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, TorchAliasFinder())
        for name in _torch_names():
            _set_aside[name] = sys.modules.pop(name)
    if not hasattr(builtins.__import__, "original"):
        builtins.__import__ = _checked_import(builtins.__import__)


def uninstall() -> None:
    """Undo `install`: the finder, the import wrapper, the torch names it loaded; real torch comes back."""
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, TorchAliasFinder)]
    original = getattr(builtins.__import__, "original", None)
    if original is not None:
        builtins.__import__ = original
    for name in _torch_names():
        del sys.modules[name]
    sys.modules.update(_set_aside)
    _set_aside.clear()
