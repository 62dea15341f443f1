"""`export(model, args, f, ...)`: the model's traced graph as an ONNX file, as torch.onnx.export writes one.

1. Trace the forward, and again on twin inputs (trace.py); pair the two traces' nodes, and refuse a value that
   the trace would bake in as a constant although it follows the inputs.
2. Convert each recorded node, producers first, with its converter from the op table (table.py); an Op without
   one is refused, naming it, the module that ran it and its input shapes.
3. Name the graph's inputs and outputs, mark the dynamic axes, build the model with onnx.helper and check it with
   onnx.checker (with shape inference), then save it.
"""

from __future__ import annotations

import inspect
from typing import Any

import onnx
from onnx import helper

from glassgrad.autograd.tensor_factory import is_tensor
from glassgrad.viz.graph_modules import tensors_in

from .builder import GraphBuilder, onnx_dtype
from .errors import UnsupportedOperatorError
from .table import CONVERTERS
from .trace import Trace, trace, twin_inputs
from .twins import check_fixed_arguments, pair_nodes

MIN_OPSET = 17  # LayerNormalization, which every transformer here needs, is in ONNX from opset 17


def export(
    model: Any,
    args: Any,
    f: Any,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    dynamic_axes: dict | None = None,
    opset_version: int = 17,
    do_constant_folding: bool = True,
    export_params: bool = True,
) -> None:
    """Write `model` traced on `args` (a tensor or a tuple of positional arguments) to `f` (a path or a binary
    file) as ONNX.

    input_names / output_names: names of the graph's inputs (default: the forward's argument names) and outputs
    (default output_0, output_1, ...; outputs are what forward returns, flattened, None left out).
    dynamic_axes: {name: [axis, ...] or {axis: "dim_name"}}; on inputs only the batch axis 0 may be dynamic
    (other sizes, such as a sequence length, are baked into positions and masks by the trace).
    export_params=False makes the parameters graph inputs instead of initializers. do_constant_folding is
    accepted for torch.onnx.export's signature; the graph has no foldable work beyond the gate reordering of
    recurrent weights, which ONNX Runtime folds when it loads the model.
    """
    if not MIN_OPSET <= opset_version <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"onnx.export: opset_version {opset_version} is not supported; use {MIN_OPSET} to "
            f"{onnx.defs.onnx_opset_version()} (LayerNormalization needs {MIN_OPSET})"
        )
    args = args if isinstance(args, tuple) else (args,)
    names_in = _input_names(model, args, input_names)
    traced = trace(model, args)
    names_out = list(output_names) if output_names else [f"output_{k}" for k in range(len(traced.outputs))]
    if len(names_out) != len(traced.outputs):
        raise ValueError(
            f"onnx.export: {len(names_out)} output_names given, but the model returns {len(traced.outputs)} tensors"
        )
    dims = _dynamic_dims(dynamic_axes or {}, names_in, names_out)
    grow = {k for k, name in enumerate(names_in) if 0 in dims.get(name, {})}
    twins = pair_nodes(traced, trace(model, twin_inputs(args, grow)))
    builder = GraphBuilder({id(t): name for t, name in zip(traced.inputs, names_in)}, traced.state_names,
                           _batch_axis(traced, names_in, dims), twins, opset_version, export_params)  # fmt: skip
    builder.input_tensors = list(zip(traced.inputs, names_in))
    _convert(builder, traced)
    proto = _model(type(model).__name__, builder, traced, names_in, names_out, dims, opset_version)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, f)


def _model(name: str, builder: GraphBuilder, traced: Trace, names_in: list[str], names_out: list[str], dims: dict,
           opset_version: int) -> Any:
    """The ModelProto: the converted nodes, an Identity per output (so outputs carry their names), the inputs
    and outputs with their symbolic dims, and the initializers."""
    for tensor, output_name in zip(traced.outputs, names_out):
        builder.nodes.append(helper.make_node("Identity", [builder.name(tensor)], [output_name],
                                              name=f"/output/{output_name}"))  # fmt: skip
    graph = helper.make_graph(
        builder.nodes,
        name,
        [_value_info(n, t, dims) for t, n in zip(traced.inputs, names_in)] + builder.parameter_inputs,
        [_value_info(n, t, dims) for t, n in zip(traced.outputs, names_out)],
        initializer=builder.initializers,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset_version)],
                              producer_name="glassgrad")  # fmt: skip
    proto.ir_version = helper.find_min_ir_version_for(proto.opset_import)  # readable by older runtimes too
    return proto


def _convert(builder: GraphBuilder, traced: Trace) -> None:
    for node in traced.nodes:
        converter = CONVERTERS.get(node.op)
        owner = traced.owners.get(id(node), "")
        if converter is None:
            raise UnsupportedOperatorError(_unsupported(node, owner, traced))
        builder.scope = owner or "model"
        check_fixed_arguments(node, builder, traced)
        outputs = converter(builder, node)
        for index, name in enumerate(outputs if isinstance(outputs, list) else [outputs]):
            builder.produced[(id(node), index)] = name


def _unsupported(node: Any, owner: str, traced: Trace) -> str:
    module = traced.modules.get(owner)
    where = f"module '{owner}' ({type(module).__name__})" if owner else f"the model ({type(module).__name__})"
    shapes = ", ".join(f"{tuple(v.shape)} {v.dtype}".replace("glassgrad.", "") for v in node.inputs if is_tensor(v))
    return (
        f"onnx.export: {node.op.__name__} ({node.name()}) has no ONNX mapping; it was run by {where} on inputs "
        f"{shapes}. Write that step with ops that export (glassgrad.onnx.table lists them), or add a converter "
        "to glassgrad/onnx/table.py"
    )


def _input_names(model: Any, args: tuple, given: list[str] | None) -> list[str]:
    """The given names, else the forward's parameter names of the tensor arguments (idx, x, images); the tensors
    of a tuple argument (CharRNN's state) are `state.0`, `state.1`, ... as torch.onnx flattens them."""
    count = len(tensors_in(args))
    if given:
        if len(given) != count:
            raise ValueError(f"onnx.export: {len(given)} input_names given for {count} input tensors")
        return list(given)
    parameters = list(inspect.signature(model.forward).parameters)
    names = []
    for position, value in enumerate(args):
        base = parameters[position] if position < len(parameters) else f"input_{position}"
        inside = tensors_in(value)
        names += [base] if is_tensor(value) else [f"{base}.{k}" for k in range(len(inside))]
    return names


def _dynamic_dims(dynamic_axes: dict, names_in: list[str], names_out: list[str]) -> dict[str, dict[int, str]]:
    """{value name: {axis: symbolic dim name}} from torch's two spellings (a list of axes or a dict)."""
    dims = {}
    for name, axes in dynamic_axes.items():
        if name not in names_in and name not in names_out:
            raise ValueError(
                f"onnx.export: dynamic_axes names {name!r}, which is neither an input ({names_in}) nor an output "
                f"({names_out})"
            )
        dims[name] = dict(axes) if isinstance(axes, dict) else {int(a): f"{name}_dim{a}" for a in axes}
        if name in names_in and set(dims[name]) - {0}:
            raise ValueError(
                f"onnx.export: dynamic_axes for input {name!r} ask for axes {sorted(dims[name])}; only the batch "
                "axis 0 can be dynamic (the trace bakes other sizes, such as the sequence length, into positions "
                "and masks). Export with the largest size you need, or one model per size"
            )
    return dims


def _batch_axis(traced: Trace, names_in: list[str], dims: dict) -> tuple | None:
    """(input name, 0, traced batch size) of the first input whose axis 0 is dynamic, or None."""
    for tensor, name in zip(traced.inputs, names_in):
        if 0 in dims.get(name, {}):
            return (name, 0, tensor.shape[0])
    return None


def _value_info(name: str, tensor: Any, dims: dict) -> Any:
    symbolic = dims.get(name, {})
    shape = [symbolic.get(axis, size) for axis, size in enumerate(tensor.shape)]
    return helper.make_tensor_value_info(name, onnx_dtype(tensor.array.dtype), shape)
