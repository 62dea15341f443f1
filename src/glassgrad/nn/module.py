"""Module: the base class of every layer and model, with PyTorch's semantics.

A Module keeps three ordered registries, filled by plain attribute assignment:

    self.weight = Parameter(...)     -> self._parameters["weight"]   (learnable; optimizers get them)
    self.fc = Linear(...)            -> self._modules["fc"]          (children; walked recursively)
    self.register_buffer("mean", t)  -> self._buffers["mean"]        (state that is saved but not learned)

All routing happens in `__setattr__`, `__getattr__` and `__delattr__` below, nowhere else. Names are joined
with dots when walking children ("0.weight", "encoder.layers.1.bias"): PyTorch's state_dict keys, so a PyTorch
checkpoint loads unchanged.

Hooks live on the module itself (no global registries): forward pre-hooks, forward hooks and full backward
hooks, each registration returning a `RemovableHandle`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from ..autograd.grad_mode import no_grad
from ..autograd.hooks import RemovableHandle
from ..backend import device as Device
from ..backend import float16, float32, float64, move, to_dtype
from ..tensor import Tensor, parse_to
from ._backward_hooks import BackwardHookState
from .parameter import Parameter


class _IncompatibleKeys(NamedTuple):
    """What `load_state_dict` returns: keys the module expected but did not get, and keys it did not know."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


class Module:
    """Base class for layers and models: subclass it, assign parameters and submodules in `__init__`, and
    write `forward`. Call the module (`model(x)`), not `forward`, so hooks run.

    Example:
        >>> import glassgrad.nn as nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = nn.Linear(2, 3)
        ...     def forward(self, x):
        ...         return self.fc(x).relu()
        >>> [name for name, _ in Net().named_parameters()]
        ['fc.weight', 'fc.bias']
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: the registries must exist before our __setattr__ can route into them.
        set_plain = super().__setattr__
        set_plain("training", True)
        set_plain("_parameters", {})
        set_plain("_buffers", {})
        set_plain("_non_persistent_buffers_set", set())
        set_plain("_modules", {})
        set_plain("_forward_pre_hooks", [])  # entries (hook, with_kwargs)
        set_plain("_forward_hooks", [])  # entries (hook, with_kwargs, always_call)
        set_plain("_backward_hooks", [])  # entries (hook,)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---- attribute routing -------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' (nn.Parameter or None "
                    "expected); wrap it: nn.Parameter(tensor)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or None "
                    "expected)"
                )
            self._modules[name] = value
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for registered parameters, buffers and modules.
        registries = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = registries.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            super().__delattr__(name)

    def _forget(self, name: str, keep: dict) -> None:
        """Drop `name` from the instance dict and every registry but `keep`, before it is registered anew in
        `keep`: a replaced parameter or child keeps its place in the order (`parameters()`, `state_dict`,
        a Sequential's pipeline), as in PyTorch."""
        for registry in (self.__dict__, self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __dir__(self) -> list[str]:
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        )

    # ---- registration ------------------------------------------------------------------------------
    def _check_new_name(self, kind: str, name: Any, allowed: dict) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f'{kind} name can\'t contain "." or be empty, got {name!r}')
        if hasattr(self, name) and name not in allowed:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a `None` placeholder, e.g. for `bias=False`) under `name`."""
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' (nn.Parameter or None "
                "required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                "explicitly: "
                "use nn.Parameter(tensor.detach())"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not learned (running statistics, masks). Non-persistent buffers stay out of
        `state_dict`."""
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under `name` (as `self.name = module`; also for non-identifier names)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path such as "encoder.layers.0" ("" is the module itself)."""
        module = self
        for item in target.split(".") if target else ():
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    # ---- iteration ---------------------------------------------------------------------------------
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant, each module once by default."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(
                    memo, prefix + ("." if prefix else "") + name, remove_duplicate
                )

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        """(dotted name, tensor) from one registry of this module (and its descendants when `recurse`)."""
        seen: set[int] = set()
        owners = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for owner_prefix, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))  # shared (tied) weights are listed once, under their first name
                yield owner_prefix + ("." if owner_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- calling and hooks -------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks):
            return self.forward(*args, **kwargs)  # the common case: no hooks, no overhead
        # 1. forward pre-hooks may replace the arguments
        for hook, with_kwargs in tuple(self._forward_pre_hooks):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        # 2. full backward hooks: route input gradients through an identity op that calls them
        state = BackwardHookState(self, len(args)) if self._backward_hooks else None
        if state is not None:
            args = state.wrap_inputs(args)
        # 3. forward, then forward hooks, which may replace the output
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            for hook, with_kwargs, always_call in tuple(self._forward_hooks):
                if always_call:
                    hook(self, args, kwargs, None) if with_kwargs else hook(self, args, None)
            raise
        for hook, with_kwargs, _ in tuple(self._forward_hooks):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        # 4. the output side of the backward hooks: capture grad_output
        if state is not None:
            output = state.wrap_outputs(output)
        return output

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """`hook(module, args)` (or `hook(module, args, kwargs)` with `with_kwargs`) runs before `forward`; a
        non-None result replaces args (or `(args, kwargs)`)."""
        return _add_hook(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False, always_call: bool = False
    ) -> RemovableHandle:
        """`hook(module, args, output)` (or `hook(module, args, kwargs, output)`) runs after `forward`; a
        non-None result replaces the output. `always_call`: also run (output None) when forward raises."""
        return _add_hook(self._forward_hooks, (hook, with_kwargs, always_call), prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """`hook(module, grad_input, grad_output)` runs once the gradients of the module's inputs are known.

        `grad_output` has one entry per tensor output and `grad_input` one per positional argument (None for
        non-tensors and tensors that do not require grad); a non-None result replaces `grad_input`. Limits
        (as PyTorch, except the last two): keyword arguments get no gradients; the output must be a Tensor or
        a tuple/list of Tensors; outputs that receive no gradient appear as zeros, not None; and when no input
        requires grad the hook runs with all-None `grad_input` as soon as `grad_output` is known.
        """
        return _add_hook(self._backward_hooks, (hook,), prepend)

    # ---- modes -------------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout on, batch norm on batch statistics) for this module and its descendants."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: drop it (the default) or fill it with zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.grad_fn = None
                param.grad.array[...] = 0

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every descendant, then on this module (e.g. a custom weight init); returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- dtype and device --------------------------------------------------------------------------
    def _apply(self, convert: Callable[[Tensor], Tensor]) -> Module:
        """Convert every parameter, gradient and buffer. Parameters keep their identity (optimizers hold
        them): only the array inside changes, as PyTorch's `param.data = fn(param)`."""
        with no_grad():
            for module in self.modules():
                for param in module._parameters.values():
                    if param is None:
                        continue
                    param.array = convert(param).array
                    if param.grad is not None:
                        param.grad.array = convert(param.grad).array
                for name, buffer in module._buffers.items():
                    if buffer is not None:
                        module._buffers[name] = convert(buffer)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """`to(device)`, `to(dtype)`, `to(device, dtype)`, `to(tensor)`; dtype converts float tensors only."""
        device, dtype, _ = parse_to("Module.to", args, kwargs, copy_allowed=False)
        if dtype is not None and not to_dtype(dtype).is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
        target_dtype = None if dtype is None else to_dtype(dtype).np
        target_device = None if device is None else Device(device)

        def convert(t: Tensor) -> Tensor:
            array = t.array
            if target_device is not None:
                array = move(array, target_device)
            if target_dtype is not None and array.dtype.kind == "f" and array.dtype != target_dtype:
                array = array.astype(target_dtype)
            return t if array is t.array else Tensor(array)

        return self._apply(convert)

    def float(self) -> Module:
        return self.to(float32)

    def double(self) -> Module:
        return self.to(float64)

    def half(self) -> Module:
        return self.to(float16)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        return self.to(
            "cuda" if device is None else Device("cuda", device if isinstance(device, int) else None)
        )

    # ---- state_dict --------------------------------------------------------------------------------
    def state_dict(
        self, *, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, detached (they share memory with the module)."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def load_state_dict(
        self, state_dict: dict[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy values into this module's parameters and buffers in place (so optimizers keep working).

        Values may be glassgrad Tensors or anything NumPy can read (NumPy arrays, detached torch tensors).
        A shape mismatch is always an error; missing and unexpected keys are errors when `strict` (the
        default), otherwise they are returned as `(missing_keys, unexpected_keys)`. `assign=True` is not
        supported: values are always copied.
        """
        if assign:
            raise ValueError(
                "load_state_dict: assign=True is not supported; values are always copied in place"
            )
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        mismatches = []
        arrays = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            array = _as_array(state_dict[key])
            if tuple(array.shape) != tuple(target.shape):
                mismatches.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} from "
                    "checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
            arrays[key] = array
        errors = []
        if strict and missing:  # PyTorch's order: missing, unexpected, then size mismatches
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if strict and unexpected:
            errors.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". "
            )
        errors.extend(mismatches)
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors)
            )
        for key, array in arrays.items():  # copy only once everything is known to fit: no half-loaded model
            target = own[key]
            target.array[...] = move(array, target.device).astype(target.array.dtype, copy=False)
            target._version_counter[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing ----------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr (e.g. 'in_features=2, out_features=3')."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        # PyTorch's layout: a one-line extra_repr inline; else each extra line and "(name): child" indented.
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [f"({name}): " + _indent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def _indent(text: str, spaces: int) -> str:
    """Indent every line of `text` but the first (PyTorch's _addindent)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def _add_hook(registry: list, entry: tuple, prepend: bool) -> RemovableHandle:
    # Each registration stores a fresh tuple, so the handle removes exactly this one even if the same function
    # is registered twice.
    if prepend:
        registry.insert(0, entry)
    else:
        registry.append(entry)
    return RemovableHandle(registry, entry)


def _as_array(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.array
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor: read it without its graph
        value = value.detach().cpu()
    return np.asarray(value)
