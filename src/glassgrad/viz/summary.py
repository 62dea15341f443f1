"""A model summary like torchinfo's: the module tree with output shapes, parameter counts and mult-adds.

One forward pass runs in eval mode under no_grad with a forward hook on every module; the hooks are removed and
each module's train/eval mode restored afterwards, so the model is left as it was (batch norm's running
statistics included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import glassgrad as gg
from glassgrad import nn

_MB = 1e6  # torchinfo reports megabytes as 1e6 bytes


@dataclass
class SummaryRow:
    """One module's line: its path, class, depth in the tree, output shape and counts."""

    name: str  # the path in the model, "" for the model itself
    class_name: str
    depth: int
    index: str  # torchinfo's "1-1": depth, then the position among its siblings
    output_shape: list[int] | None = None
    num_params: int = 0  # own parameters only, not those of children; a shared one counts at its first owner
    trainable: bool = True
    mult_adds: int = 0
    output_bytes: int = 0


@dataclass
class ModelSummary:
    """What `summary` returns; `str()` is the table, the fields hold the numbers."""

    rows: list[SummaryRow]
    total_params: int
    trainable_params: int
    total_mult_adds: int
    input_bytes: int
    forward_bytes: int  # the sum of every module's output size
    params_bytes: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        head = f"{'Layer (type:depth-idx)':<40} {'Output Shape':<24} {'Param #':>12} {'Mult-Adds':>14} Trainable"
        rule = "=" * len(head)
        lines = [rule, head, rule]
        for row in self.rows:
            label = "  " * row.depth + (f"{row.class_name}: {row.index}" if row.depth else row.class_name)
            shape = "--" if row.output_shape is None else str(row.output_shape)
            params = f"{row.num_params:,}" if row.num_params else "--"
            mult_adds = f"{row.mult_adds:,}" if row.mult_adds else "--"
            trainable = "--" if not row.num_params else str(row.trainable)
            lines.append(f"{label:<40} {shape:<24} {params:>12} {mult_adds:>14} {trainable}")
        lines += [
            rule,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            f"Total mult-adds: {self.total_mult_adds:,}",
            rule,
            f"Input size (MB): {self.input_bytes / _MB:.2f}",
            f"Forward pass size (MB): {self.forward_bytes / _MB:.2f}",
            f"Params size (MB): {self.params_bytes / _MB:.2f}",
            f"Estimated Total Size (MB): {(self.input_bytes + self.forward_bytes + self.params_bytes) / _MB:.2f}",
            rule,
        ]
        return "\n".join(lines)


def summary(
    model: nn.Module,
    input_size: tuple[int, ...] | list[tuple[int, ...]] | None = None,
    input: Any = None,
    dtype: Any = None,
) -> ModelSummary:
    """Run one forward pass of `model` and tabulate every module.

    `input_size` is a shape (or a list of shapes): random float32 inputs are made, or int64 zeros when the
    model's first layer is an Embedding; `dtype` overrides that choice. `input` is a tensor or tuple of them.
    An input that does not fit raises ValueError naming the module where the shapes stopped fitting.
    """
    inputs = _make_inputs(model, input_size, input, dtype)
    rows, by_module = _tree_rows(model)
    running: list[tuple[str, str]] = []  # (path, input shapes) of the modules entered and not yet returned
    handles = []

    def pre_hook(module: nn.Module, args: tuple) -> None:
        running.append((by_module[id(module)].name, _shapes(args)))

    def hook(module: nn.Module, args: tuple, output: Any) -> None:
        running.pop()  # forward hooks do not run when forward raises: the failing module stays on top
        _fill_row(by_module[id(module)], module, args, output)

    for module in model.modules():
        handles.append(module.register_forward_pre_hook(pre_hook))
        handles.append(module.register_forward_hook(hook))
    modes = [(module, module.training) for module in model.modules()]
    model.eval()  # in training mode batch norm would update its running statistics and dropout draw random numbers
    try:
        with gg.no_grad():
            model(*inputs)
    except Exception as error:
        where, got = running[-1] if running else ("", _shapes(inputs))
        module = dict(model.named_modules())[where]
        label = f"{where or 'the model'} ({type(module).__name__})"
        raise ValueError(
            f"summary: the input does not fit the model at {label}, which got input of shape {got}: {error}"
        ) from error
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return _totals(model, rows, inputs)


def _make_inputs(model: nn.Module, input_size: Any, input: Any, dtype: Any) -> tuple:
    if input is not None:
        return tuple(input) if isinstance(input, (tuple, list)) else (input,)
    if input_size is None:
        raise ValueError("summary: give input_size (a shape, or a list of shapes) or input (a tensor or tuple)")
    shapes = input_size if isinstance(input_size, list) else [input_size]
    first = next((m for m in model.modules() if not list(m.children())), None)
    if dtype is None and isinstance(first, nn.Embedding):
        return tuple(gg.zeros(*shape, dtype=gg.int64) for shape in shapes)
    return tuple(gg.randn(*shape, dtype=dtype or gg.float32) for shape in shapes)


def _tree_rows(model: nn.Module) -> tuple[list[SummaryRow], dict[int, SummaryRow]]:
    """One row per module in depth-first order, numbered as torchinfo numbers them."""
    rows: list[SummaryRow] = []
    by_module: dict[int, SummaryRow] = {}
    seen_params: set[int] = set()  # a tied weight (GPT's wte and lm_head) is counted once, at its first module
    stack = [("", model, 0, "")]
    while stack:
        name, module, depth, index = stack.pop()
        if id(module) in by_module:  # a module shared at two paths is counted once, at its first
            continue
        row = SummaryRow(name, type(module).__name__, depth, index)
        own = [p for p in module.parameters(recurse=False) if id(p) not in seen_params]
        seen_params.update(id(p) for p in own)
        row.num_params = sum(p.numel() for p in own)
        row.trainable = all(p.requires_grad for p in own) if own else True
        rows.append(row)
        by_module[id(module)] = row
        children = list(module.named_children())
        for position, (child_name, child) in reversed(list(enumerate(children, start=1))):
            path = f"{name}.{child_name}" if name else child_name
            stack.append((path, child, depth + 1, f"{depth + 1}-{position}"))
    return rows, by_module


def _fill_row(row: SummaryRow, module: nn.Module, args: tuple, output: Any) -> None:
    first = output[0] if isinstance(output, (tuple, list)) and output else output
    if isinstance(first, gg.Tensor):
        row.output_shape = list(first.shape)
    row.output_bytes = sum(t.numel() * t.element_size() for t in _tensors(output))
    row.mult_adds = _mult_adds(module, args, first)


def _mult_adds(module: nn.Module, args: tuple, output: Any) -> int:
    """Multiply-adds of one forward: a weight entry is used once per output position it feeds."""
    if not isinstance(output, gg.Tensor):
        return 0
    if isinstance(module, nn.Linear):
        return module.weight.numel() * (output.numel() // module.out_features)
    if isinstance(module, (nn.Conv1d, nn.Conv2d)):
        return module.weight.numel() * (output.numel() // module.out_channels)
    if isinstance(module, nn.RNNBase) and args and isinstance(args[0], gg.Tensor):
        steps = args[0].numel() // module.input_size  # batch × time
        weights = sum(p.numel() for name, p in module.named_parameters() if name.startswith("weight"))
        return weights * steps
    if isinstance(module, nn.MultiheadAttention) and len(args) >= 2:
        return _attention_mult_adds(module, args[0], args[1])
    return 0


def _attention_mult_adds(module: nn.MultiheadAttention, query: Any, key: Any) -> int:
    """The Q, K and V projections, plus Q Kᵀ and the weights times V: 2·B·Tq·Tk·E (out_proj is its own row)."""
    E = module.embed_dim
    batch = 1 if query.ndim == 2 else query.shape[0 if module.batch_first else 1]
    query_tokens = query.numel() // E  # B·Tq
    key_tokens = key.numel() // key.shape[-1]  # B·Tk
    projections = E * E * query_tokens + (E * module.kdim + E * module.vdim) * key_tokens  # Q; K and V
    return projections + 2 * query_tokens * (key_tokens // batch) * E


def _tensors(value: Any) -> list:
    if isinstance(value, gg.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    return []


def _shapes(args: Any) -> str:
    shapes = [tuple(t.shape) for t in _tensors(args)]
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _totals(model: nn.Module, rows: list[SummaryRow], inputs: tuple) -> ModelSummary:
    params = list(model.parameters())
    return ModelSummary(
        rows=rows,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        total_mult_adds=sum(row.mult_adds for row in rows),
        input_bytes=sum(t.numel() * t.element_size() for t in _tensors(inputs)),
        forward_bytes=sum(row.output_bytes for row in rows[1:]),
        params_bytes=sum(p.numel() * p.element_size() for p in params),
    )
