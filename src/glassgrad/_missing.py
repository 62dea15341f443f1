"""What a PyTorch script hears when it reaches for something glassgrad lacks: "glassgrad does not implement torch.X".

Python's default for a missing attribute is "module 'glassgrad' has no attribute 'X'", and its traceback adds
a "Did you mean" drawn from every name in the module, internal ones included (`torch.backends` used to get
"Did you mean: 'backend'?", a glassgrad internal with nothing to do with it). Here instead:

- the message names the PyTorch path the script used (`torch.nn.functional.grid_sample`), and the place in the
  script that used it (file:line, the first frame outside glassgrad and importlib);
- the suggestion is a known equivalent where there is one (HINTS), else the closest *public* name of the same
  glassgrad namespace (difflib), else nothing;
- Python's own suggestion is switched off (`obj` is an object with no names), so it never points inside.

`install(globals(), "torch.nn")` gives a module this behaviour through a module-level `__getattr__` (Python calls
it only after normal lookup fails, so it costs nothing on the names that exist).
"""

from __future__ import annotations

import difflib
import os
import sys
import types
from typing import Any, Callable, Iterable

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# Known PyTorch names whose glassgrad equivalent is not the closest spelling.
HINTS: dict[str, str] = {
    "torchvision": "glassgrad.datasets has MNIST and CIFAR10, glassgrad.data.transforms the common transforms",
    "torch.utils.tensorboard": "glassgrad.diagnostics.Monitor writes health.jsonl, and `glassgrad train` a report",
    "torch.jit": "torch.compile is accepted (it returns the model); glassgrad runs eagerly",
    "torch.jit.script": "torch.compile is accepted (it returns the model); glassgrad runs eagerly",
    "torch.nn.utils.rnn": "pad the sequences to one length yourself; nn.LSTM/GRU take (T, B, C) or batch_first",
    "torch.nn.DataParallel": "glassgrad runs on one device per process",
    "torch.testing": "gg.allclose, or numpy.testing.assert_allclose on t.numpy()",
    "torch.hub": "glassgrad has no model hub: build the model and gg.load its state_dict",
    "torch.fx": "glassgrad.viz.draw_graph draws the recorded graph of a forward pass",
    "torch.profiler": "benchmarks/ and `glassgrad bench` time glassgrad against PyTorch",
}


class _NoNames:
    """The `obj` of our AttributeErrors: Python builds its "Did you mean" from dir(obj), here empty."""

    def __dir__(self) -> list[str]:
        return []


_NO_NAMES = _NoNames()


def caller_location() -> str:
    """`file:line` of the innermost frame outside glassgrad and importlib: where the script asked."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = filename.startswith(_PACKAGE_DIR) or filename.startswith("<frozen")
        if not inside:
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def suggestion(torch_path: str, candidates: Iterable[str] | Callable[[], Iterable[str]] = ()) -> str:
    """The nearest glassgrad equivalent of `torch_path`, as a phrase, or "" when there is none worth saying."""
    if torch_path in HINTS:
        return HINTS[torch_path]
    for prefix, hint in HINTS.items():
        if torch_path.startswith(prefix + "."):
            return hint
    name = torch_path.rsplit(".", 1)[-1]
    if callable(candidates):  # computed only now that the message is shown
        candidates = candidates()
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    if close:
        return f"the closest glassgrad name is {torch_path.rsplit('.', 1)[0]}.{close[0]}"
    return ""


def message(torch_path: str, candidates: Iterable[str] = (), location: str | None = None) -> str:
    hint = suggestion(torch_path, candidates)
    text = f"glassgrad does not implement {torch_path} (used at {location or caller_location()})"
    return f"{text}; {hint}" if hint else text


class NotImplementedInGlassgrad(AttributeError):
    """A missing torch attribute. Subclasses AttributeError so `hasattr` and `getattr(x, name, default)` work.

    The text is built when shown, not when raised: `hasattr` probes raise and discard many of these, and
    the suggestion's fuzzy match is the costly part."""

    def __init__(self, torch_path: str, candidates: Iterable[str] = ()) -> None:
        super().__init__(torch_path, name=torch_path.rsplit(".", 1)[-1], obj=_NO_NAMES)
        self.torch_path = torch_path
        self.candidates = candidates
        self.location = caller_location()

    def __str__(self) -> str:
        return message(self.torch_path, self.candidates, self.location)


def public_names(namespace: dict[str, Any]) -> list[str]:
    """The names of a module a user may be pointed to: no underscores, no glassgrad-internal submodules."""
    listed = namespace.get("__all__")
    names = list(listed) if listed is not None else list(namespace)
    return [name for name in names if not name.startswith("_")
            and not (isinstance(namespace.get(name), types.ModuleType) and name in INTERNAL_MODULES)]


# glassgrad's own submodules that are no part of torch's namespace: never suggested.
INTERNAL_MODULES = frozenset({
    "backend", "kernels", "ops", "bench", "lab", "viz", "train", "playground", "creation", "tensor",
    "torch_functions", "doctor_report", "tensor_format", "tensor_writes", "cli", "serialization", "datasets",
    "diagnostics", "models", "functional", "data", "run", "torch_alias", "torch_settings",
})


def install(namespace: dict[str, Any], torch_path: str) -> Callable[[str], Any]:
    """Give the module whose globals are `namespace` a `__getattr__` raising "does not implement torch_path.X"."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):  # protocol probes (__path__, __wrapped__, ...)
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}", name=name,
                                 obj=_NO_NAMES)
        raise NotImplementedInGlassgrad(f"{torch_path}.{name}", lambda: public_names(namespace))

    namespace["__getattr__"] = __getattr__
    return __getattr__
