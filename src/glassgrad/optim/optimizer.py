"""Optimizer: the base class every glassgrad optimizer shares, with PyTorch's semantics.

An optimizer holds

- `param_groups`: a list of dicts. Each has a `"params"` list of tensors plus every hyperparameter of the
  optimizer; a key a group does not give is filled from `defaults` (so one group may use another lr).
- `state`: a dict keyed by parameter tensor, holding that parameter's running buffers as Tensors
  (e.g. Adam's `{"step": tensor(3.), "exp_avg": ..., "exp_avg_sq": ...}`).

`state_dict()` writes both in PyTorch's format: parameters are replaced by integer ids (their position
across all groups, in order), and the state is keyed by those ids, so a glassgrad optimizer state and a
PyTorch one have the same layout.

Each subclass gives its rule for one parameter, as MLX's optimizers do, in two methods:

- `init_state(param, group)`: the state of one parameter before its first step (MLX's `init_single`);
- `update_param(param, state, group)`: one step of one parameter (MLX's `apply_single`). It reads the group's
  hyperparameters and calls the update rule, a module-level function on raw arrays whose docstring points to
  the math in the class docstring (`sgd_update`, `adam_update`, ...).

What they all share, making the state on a parameter's first step, checking that it still fits the parameter
and counting the steps, is done once, here (`_step_param`).
"""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..backend import device_of, move, namespace_of
from ..tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]

_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets "
    "changes between runs; pass a list instead"
)


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, of `(name, Tensor)` pairs, or of dicts (parameter groups), each with a
            `"params"` entry and optional per-group hyperparameters. Use an ordered collection (a list, or
            `model.parameters()`), never a set: the order gives the ids in `state_dict()`.
        defaults: the hyperparameters a group gets when it does not set them itself.

    Example:
        >>> import glassgrad as gg
        >>> w = gg.tensor([1.0, 2.0], requires_grad=True)
        >>> b = gg.tensor([0.5], requires_grad=True)
        >>> opt = gg.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.5]
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or dicts, but got a single "
                "Tensor; pass a list ([t]) or model.parameters()"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(
                f"{type(self).__name__}: optimizer got an empty parameter list; "
                "did the model register its parameters (nn.Parameter / submodules)?"
            )
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own hyperparameters, if given), e.g. to unfreeze layers."""
        if not isinstance(param_group, dict):
            raise TypeError(
                f"add_param_group: param_group must be a dict, but got {type(param_group).__name__}"
            )
        param_group = dict(param_group)  # the caller's dict stays as it was
        if "params" not in param_group:
            raise ValueError("add_param_group: a parameter group needs a 'params' entry (a list of Tensors)")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        params = list(params)

        # Parameters may come as (name, tensor) pairs, as from named_parameters(): the names are kept
        # in the group's "param_names", as PyTorch does.
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError(
                "all optimizer params should be with/without names; some param names are missing"
            )
        if names:
            param_group["param_names"] = names
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}: "
                    f"{param!r:.80}"
                )
            if not param.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf Tensor (one computed from others); optimize the leaf it came "
                    "from, or pass t.detach().requires_grad_()"
                )
        param_group["params"] = params

        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        new_ids = {id(p) for p in params}
        for group in self.param_groups:
            if ("param_names" in group) != ("param_names" in param_group):
                raise ValueError(
                    "all optimizer param groups should be with/without names; cannot add a group "
                    + ("with names" if "param_names" in param_group else "without names")
                )
            if any(id(p) in new_ids for p in group["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set every `p.grad` to None (default), or fill it with zeros in place."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    if param.grad.grad_fn is not None:  # a grad built with create_graph: cut it loose first
                        param.grad = param.grad.detach()
                    param.grad.array.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; return `closure()`'s loss if one is given.

        The closure (which re-evaluates the model and returns the loss) runs with grad mode on.
        Parameters whose `.grad` is None are skipped, as in PyTorch.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._step_param(param, group)
                    # One in-place write per step, as PyTorch counts it: a graph built before the step that
                    # saved this parameter then refuses to backpropagate old activations with new weights.
                    param._version_counter[0] += 1
        return loss

    def _step_param(self, param: Tensor, group: dict[str, Any]) -> None:
        """One step of one parameter (which has a grad): the state set-up every optimizer shares, then its rule."""
        state = self.state.get(param)
        if not state:  # its first step (state made at construction, as Adagrad's, or loaded, is kept)
            state = self.init_state(param, group)
            if state:  # an optimizer with nothing to keep (plain SGD) stores nothing, as PyTorch's
                self.state[param] = state
        check_update_matches(type(self).__name__, param, state)
        if "step" in state:
            state["step"].array += 1  # counted before the update, as PyTorch does: the first step is t = 1
        self.update_param(param, state, group)

    def init_state(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The state of `param` before its first step (buffers as Tensors, `step` a 0-d float32 one): none here."""
        return {}

    def update_param(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        """One step of `param` in place, with its `state` and its group's hyperparameters. Each subclass defines it."""
        raise TypeError(
            f"{type(self).__name__} defines no update rule: a subclass of Optimizer overrides step() "
            "or update_param(param, state, group)"
        )

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's format.

        `{"state": {id: {name: Tensor, ...}}, "param_groups": [{hyperparameters..., "params": [ids]}]}`,
        where a parameter's id is its position in the concatenation of all groups' params. The state
        Tensors are the live buffers (not copies), as in PyTorch; `gg.save` writes them out.
        """
        param_ids: dict[int, int] = {}  # id(param) -> its integer id in the state dict
        for param in chain.from_iterable(group["params"] for group in self.param_groups):
            param_ids.setdefault(id(param), len(param_ids))
        param_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [param_ids[id(p)] for p in group["params"]]
            param_groups.append(packed)
        state = {
            (param_ids[id(key)] if isinstance(key, Tensor) else key): value
            for key, value in self.state.items()
        }
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state written by `state_dict()` (glassgrad's or PyTorch's, with its Tensors converted).

        Groups are matched in order, and parameters within them by position. Hyperparameters (lr, ...) come
        from the saved groups. State tensors are copied, cast to their parameter's dtype (except `step`) and
        moved to its device. Create any LR scheduler *before* loading, since creating one resets the lr.
        """
        saved_groups = state_dict["param_groups"]
        self._check_group_sizes(saved_groups)
        # Saved ids map to this optimizer's parameters by position, group by group, as in PyTorch.
        id_to_param = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        state = self._cast_saved_state(state_dict["state"], id_to_param)
        self.param_groups = [
            self._merge_group(group, saved) for group, saved in zip(self.param_groups, saved_groups)
        ]
        self.state = state

    def _check_group_sizes(self, saved_groups: list[dict[str, Any]]) -> None:
        name = f"{type(self).__name__}.load_state_dict"
        if len(self.param_groups) != len(saved_groups):
            raise ValueError(
                f"{name}: loaded state dict has {len(saved_groups)} parameter groups, but the optimizer has "
                f"{len(self.param_groups)}"
            )
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in saved_groups]
        if sizes != saved_sizes:
            raise ValueError(
                f"{name}: loaded state dict contains a parameter group that doesn't match the size of "
                f"optimizer's group: group sizes {saved_sizes} (saved) vs {sizes}"
            )

    def _cast_saved_state(self, saved_state: dict[Any, Any], id_to_param: dict[int, Tensor]) -> defaultdict:
        """The saved per-id state as per-parameter state, copied and cast; any shape mismatch is an error."""
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        mismatches = []
        for key, value in saved_state.items():
            param = id_to_param.get(key)
            if param is None:  # state that belongs to no parameter is kept as is, as PyTorch does
                state[key] = value
                continue
            state[param] = {name: _cast_state(param, name, v) for name, v in value.items()}
            mismatches += [
                f"param {key} state {name!r}: saved shape {v.shape}, parameter shape {param.shape}"
                for name, v in state[param].items()
                if isinstance(v, Tensor) and len(v.shape) > 0 and v.shape != param.shape
            ]
        if mismatches:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the saved state does not fit the parameters:\n  "
                + "\n  ".join(mismatches)
            )
        return state

    def _merge_group(self, group: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
        """The saved group's options with this group's parameters (and names, if the saved one has none)."""
        new_group = {key: value for key, value in saved.items() if key != "params"}
        new_group["params"] = group["params"]
        if "param_names" in group and "param_names" not in saved:
            new_group["param_names"] = group["param_names"]
        for name, default in self.defaults.items():  # a state saved by an older version may lack new keys
            new_group.setdefault(name, default)
        return new_group


def _cast_state(param: Tensor, name: str, value: Any) -> Any:
    """A copy of one saved state value, as a Tensor on the parameter's device (and dtype, if floating)."""
    if not isinstance(value, Tensor):
        return value
    array = move(value.array, device_of(param.array))
    # `step` keeps its own dtype (float32): PyTorch does the same (pytorch/pytorch#74424).
    if name not in SCALAR_STATE and param.dtype.is_floating_point:
        return Tensor(array.astype(param.dtype.np))  # astype copies, so the loaded dict is not aliased
    return Tensor(array.copy())


# State entries that are 0-d float32 counters rather than buffers shaped like the parameter (NAdam's Πₜ too).
SCALAR_STATE = frozenset({"step", "mu_product"})


def zeros_like_param(param: Tensor) -> Tensor:
    """A fresh state buffer of zeros with the parameter's shape, dtype and device."""
    return Tensor(namespace_of(param.array).zeros_like(param.array))


def check_update_matches(owner: str, param: Tensor, state: dict[str, Any]) -> None:
    """Raise unless `param.grad` and every state buffer have the parameter's shape, dtype and device.

    They stop fitting when the parameter is resized or cast after they were made (`p.data = ...` changes the
    array but not the gradient or the optimizer's buffers). The update would then broadcast them silently, or
    its fused kernel would read and write out of bounds; PyTorch raises a size mismatch in the update.
    """
    array = param.array
    grad = param.grad.array
    if grad.shape != array.shape or grad.dtype != array.dtype or device_of(grad) != device_of(array):
        raise RuntimeError(
            f"{owner}.step: a parameter of {_describe(array)} has a .grad of {_describe(grad)}: was the "
            "parameter changed (p.data = ...) after backward? Set p.grad = None (optimizer.zero_grad()) and "
            "run backward again."
        )
    for name, buffer in state.items():
        if name in SCALAR_STATE or not isinstance(buffer, Tensor):
            continue
        if buffer.array.shape != array.shape or buffer.array.dtype != array.dtype:
            raise RuntimeError(
                f"{owner}.step: the state {name!r} ({_describe(buffer.array)}) does not fit its parameter "
                f"({_describe(array)}): the parameter was changed (p.data = ...) after the optimizer made its "
                "state. Drop the old state (del optimizer.state[p]) or make a new optimizer."
            )


def _describe(array: Any) -> str:
    return f"shape {tuple(array.shape)}, {array.dtype}, {device_of(array)}"


def step_counter() -> Tensor:
    """The per-parameter step count: a 0-d float32 tensor on the cpu, as PyTorch keeps `state["step"]`."""
    return Tensor(np.zeros((), dtype=np.float32))


def check_hyperparameter(owner: str, label: str, value: Any, high: float | None = None) -> None:
    """Raise unless `value` is a real number in [0, high) (or [0, inf) without `high`), naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {label} must be a real number, but got {type(value).__name__}: {value!r}")
    if not (0.0 <= value and (high is None or value < high)):  # written so that NaN fails too
        bound = f"in [0, {high})" if high is not None else ">= 0"
        raise ValueError(f"{owner}: Invalid {label}: {value!r}; it must be {bound}")


def check_unsupported_flags(owner: str, **flags: bool) -> None:
    """PyTorch's `capturable` and `differentiable` switches are accepted (for ported code) only as False."""
    for name, value in flags.items():
        if value:
            raise ValueError(
                f"{owner}: {name}=True is not supported; glassgrad has one implementation of each update "
                f"(in place, no graph), so leave {name} at False"
            )
