"""Containers: Sequential (a pipeline), ModuleList and ModuleDict (registered collections of modules),
ParameterList and ParameterDict (registered collections of parameters)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from itertools import islice
from typing import Any, Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module, _indent
from .parameter import Parameter


def _check_index(index: Any, length: int, container: str) -> int:
    """A non-negative index from a possibly negative one, with PyTorch's error when it is out of range."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a {container} of length {length}")
    return index % length


class Sequential(Module):
    """Modules applied one after another: `Sequential(a, b, c)(x) == c(b(a(x)))`.

    Children are named "0", "1", ... or by the keys of an `OrderedDict` passed as the only argument.

    Example:
        >>> import glassgrad.nn as nn
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> len(model), type(model[-1]).__name__
        (3, 'Linear')
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:  # noqa: A002 - PyTorch's name
        for module in self:
            input = module(input)
        return input

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        position = _check_index(index, len(self), type(self).__name__)
        return next(islice(self._modules.values(), position, None))

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_check_index(index, len(self), type(self).__name__)]
        setattr(self, key, module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        doomed = (
            keys[index] if isinstance(index, slice) else [keys[_check_index(index, len(self), "Sequential")]]
        )
        for key in doomed:
            delattr(self, key)
        items = list(self._modules.values())
        self._modules.clear()
        self._modules.update(
            {str(i): module for i, module in enumerate(items)}
        )  # renumber "0".."n-1", as PyTorch

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential.insert: module should be of type Module, got {type(module).__name__}"
            )
        items = list(self._modules.values())
        position = index if 0 <= index <= len(items) else _check_index(index, len(items), "Sequential")
        items.insert(position, module)
        self._modules.clear()
        for i, item in enumerate(items):
            self.add_module(str(i), item)
        return self

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide them).

    Example:
        >>> import glassgrad.nn as nn
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> len(list(layers.parameters()))
        6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(_check_index(index, len(self), type(self).__name__))]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, str(_check_index(index, len(self), type(self).__name__)), module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        doomed = (
            keys[index] if isinstance(index, slice) else [keys[_check_index(index, len(self), "ModuleList")]]
        )
        for key in doomed:
            delattr(self, key)
        items = list(self._modules.values())
        self._modules.clear()
        self._modules.update({str(i): module for i, module in enumerate(items)})  # keep names "0".."n-1"

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, (Module, str)) or not hasattr(modules, "__iter__"):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, but got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._modules.clear()
        for i, item in enumerate(items):
            self.add_module(str(i), item)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("ModuleList is a container, not a layer: iterate over it and call each module")

    def __repr__(self) -> str:
        # PyTorch 2.x compresses runs of identical children: "(0-2): 3 x Linear(...)".
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list] = []  # [start, end, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for start, end, text in runs:
            label = f"({start}): {text}" if start == end else f"({start}-{end}): {end - start + 1} x {text}"
            lines.append(_indent(label, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules, registered under their keys, in insertion order.

    Example:
        >>> import glassgrad.nn as nn
        >>> heads = nn.ModuleDict({"digit": nn.Linear(8, 10), "parity": nn.Linear(8, 2)})
        >>> list(heads.keys())
        ['digit', 'parity']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for index, pair in enumerate(pairs):
            if not isinstance(pair, Mapping) and len(pair) != 2:
                raise ValueError(
                    f"ModuleDict update sequence element #{index} has length {len(pair)}; 2 is required"
                )
            key, module = pair
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("ModuleDict is a container, not a layer: look up a module by key and call it")


def _as_parameter(value: Any) -> Any:
    """A plain Tensor is wrapped into a Parameter (sharing its memory), as PyTorch's containers do; a
    Parameter or any other object is kept as it is."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value: Any, kind: str) -> str:
    """One line of PyTorch's ParameterList/ParameterDict repr for `value`."""
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    size = "x".join(str(size) for size in value.shape)
    device = f" ({value.device})" if str(value.device) != "cpu" else ""
    label = "Parameter" if isinstance(value, Parameter) else "Tensor"
    return f"{label} containing: [{kind} of size {size}{device}]"


class ParameterList(Module):
    """A list of parameters, registered under the names "0", "1", ... (a plain list would hide them).

    Tensors are wrapped into Parameters; other objects are stored as plain attributes, as in PyTorch.

    Example:
        >>> import glassgrad as gg, glassgrad.nn as nn
        >>> weights = nn.ParameterList([nn.Parameter(gg.zeros(2)), gg.ones(3)])
        >>> list(weights.state_dict())
        ['0', '1']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)([self[i] for i in range(len(self))[index]])
        return getattr(self, str(_check_index(index, len(self), type(self).__name__)))

    def __setitem__(self, index: int, value: Any) -> None:
        setattr(self, str(_check_index(index, len(self), type(self).__name__)), _as_parameter(value))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def __dir__(self) -> list[str]:
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value: Any) -> ParameterList:
        """Add `value` at the end, as entry len(self)."""
        index = self._size
        self._size += 1
        self[index] = value
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, (Tensor, str)) or not hasattr(values, "__iter__"):
            raise TypeError(
                f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}"
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({index}): {_describe(value, str(getattr(value, 'dtype', '')))}"
                         for index, value in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """A dict of parameters, registered under their keys (strings), in insertion order.

    Tensors are wrapped into Parameters. As in PyTorch, a plain dict given to the constructor or `update` is
    added in sorted key order (an OrderedDict or ParameterDict keeps its own order).

    Example:
        >>> import glassgrad as gg, glassgrad.nn as nn
        >>> heads = nn.ParameterDict({"scale": gg.ones(3), "shift": gg.zeros(3)})
        >>> list(heads.keys())
        ['scale', 'shift']
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def _check_key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}'); use a str key, e.g. str({key!r})"
            )
        return key

    def __getitem__(self, key: str) -> Any:
        return getattr(self, self._check_key(key))

    def __setitem__(self, key: str, value: Any) -> None:
        self._keys[self._check_key(key)] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        return self._keys.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        return [(key, self[key]) for key in self._keys]

    def values(self) -> Iterable[Any]:
        return [self[key] for key in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        key = next(reversed(self))
        return key, self.pop(key)

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same parameters (not copies of them)."""
        return ParameterDict(OrderedDict(self.items()))

    def update(self, parameters: Any) -> None:
        if not hasattr(parameters, "__iter__"):
            raise TypeError(
                "ParameterDict.update should be called with an iterable of key/value pairs, but got "
                f"{type(parameters).__name__}"
            )
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs: Iterable[Any] = parameters.items()
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())  # PyTorch's order for a plain mapping
        else:
            pairs = parameters
        for index, pair in enumerate(pairs):
            if not hasattr(pair, "__iter__") or len(pair) != 2:
                raise ValueError(
                    f"ParameterDict update sequence element #{index} has length "
                    f"{len(pair) if hasattr(pair, '__len__') else 1}; 2 is required"
                )
            key, value = pair
            self[key] = value

    def extra_repr(self) -> str:
        # PyTorch prints a tensor's legacy type name here (`Tensor.type()`), its dtype in ParameterList.
        return "\n".join(f"  ({key}): {_describe(value, value.type() if isinstance(value, Tensor) else '')}"
                         for key, value in self.items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")
