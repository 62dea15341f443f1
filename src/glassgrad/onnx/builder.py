"""The ONNX graph under construction: value names, nodes, initializers, and the shapes a dynamic batch needs.

The converters (ops_*.py) see one `GraphBuilder`. They ask it for the ONNX name of each input of a recorded node
(`name`), add ONNX nodes (`add`) and constants (`constant`), and hand back the names of the node's outputs. The
builder knows where every value comes from: a graph input, a parameter or buffer (an initializer named by its
state_dict name), the output of an earlier node, or a literal baked in as a constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import helper, numpy_helper

from glassgrad.autograd.tensor_factory import is_tensor

INT64_MAX = np.iinfo(np.int64).max  # "to the end" for an ONNX Slice


class GraphBuilder:
    """Collects the nodes and initializers of one exported graph.

    `inputs`: id(traced input tensor) -> ONNX input name. `state_names`: id(tensor or its array) -> state_dict
    name for the model's parameters and buffers. `batch`: (input name, axis, traced size) of the dynamic batch
    axis, or None when every shape is static. `export_params=False` makes parameters graph inputs instead.
    """

    def __init__(self, inputs: dict[int, str], state_names: dict[int, str], batch: tuple | None,
                 export_params: bool = True) -> None:
        self.inputs = inputs
        self.state_names = state_names
        self.batch = batch
        self.export_params = export_params
        self.nodes: list = []
        self.initializers: list = []
        self.parameter_inputs: list = []  # value infos of the parameters when export_params=False
        self.produced: dict[tuple[int, int], str] = {}  # (id(node), output index) -> ONNX name
        self._named_state: set[str] = set()
        self._counter = 0
        self.scope = "model"  # the module path of the node being converted: a prefix that Netron shows

    # ---- names of values ---------------------------------------------------------------------------------------

    def name(self, value: Any, dtype: Any = None) -> str:
        """The ONNX name of an input of a recorded node: a tensor, a raw array (a buffer), or a plain number
        (then a constant of `dtype`, the dtype of the tensor it meets)."""
        if is_tensor(value):
            if value.grad_fn is not None:
                key = (id(value.grad_fn), value.output_nr)
                assert key in self.produced, f"{value.grad_fn.name()} converted after its consumer"
                return self.produced[key]
            if id(value) in self.inputs:
                return self.inputs[id(value)]
            value = value.array
        state_name = self.state_names.get(id(value))
        if state_name is not None:
            return self._state(state_name, value)
        array = np.asarray(value) if dtype is None or isinstance(value, np.ndarray) else np.asarray(value, dtype)
        return self.constant(array)

    def _state(self, state_name: str, array: Any) -> str:
        if state_name not in self._named_state:
            self._named_state.add(state_name)
            array = np.asarray(array)
            if self.export_params:
                self.initializers.append(numpy_helper.from_array(array, state_name))
            else:
                info = helper.make_tensor_value_info(state_name, onnx_dtype(array.dtype), array.shape)
                self.parameter_inputs.append(info)
        return state_name

    def constant(self, array: Any, hint: str = "const") -> str:
        """A literal as an initializer (Netron shows it beside the node that reads it)."""
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def ints(self, values: Any, hint: str = "shape") -> str:
        """A 1-D int64 constant: the shapes, axes and sizes ONNX takes as inputs."""
        return self.constant(np.asarray(values, dtype=np.int64).reshape(-1), hint)

    def fresh(self, hint: str) -> str:
        self._counter += 1
        return f"/{self.scope}/{hint}_{self._counter}"

    # ---- nodes -------------------------------------------------------------------------------------------------

    def add(self, op_type: str, inputs: list[str], outputs: int = 1, **attributes: Any) -> list[str] | str:
        """Append one ONNX node; returns its output name (or names, when `outputs` > 1). An input of '' is an
        omitted optional input, as ONNX spells it."""
        names = [self.fresh(f"{op_type}_out") for _ in range(outputs)]
        node_name = self.fresh(op_type)
        self.nodes.append(helper.make_node(op_type, inputs, names, name=node_name, **attributes))
        return names if outputs > 1 else names[0]

    # ---- shapes with a dynamic batch ---------------------------------------------------------------------------

    def batch_size(self) -> str:
        """A 1-D int64 tensor [B] read at run time off the input that carries the dynamic batch axis."""
        input_name, axis, _ = self.batch
        shape = self.add("Shape", [input_name])
        return self.add("Gather", [shape, self.ints([axis])], axis=0)

    def reshape_target(self, in_shape: tuple, out_shape: tuple) -> list[int]:
        """The `shape` input of an ONNX Reshape from `in_shape` to `out_shape` (the traced shapes).

        With a static batch: the shape itself. With a dynamic one the leading dims that keep their size are
        copied at run time (ONNX's 0), and when the first dim changes (the batch merged into or split out of
        it: (B, T, V) -> (B·T, V)) it becomes -1, inferred from the element count; the rest stay as traced.
        """
        if self.batch is None:
            return list(out_shape)
        kept = 0
        while kept < min(len(in_shape), len(out_shape)) and in_shape[kept] == out_shape[kept]:
            kept += 1
        target = [0] * kept + list(out_shape[kept:])
        if kept == 0 and target:
            target[0] = -1
        return target

    def broadcast_target(self, in_shape: tuple, out_shape: tuple) -> str:
        """The `shape` input of an ONNX Expand from `in_shape` to `out_shape`: with a dynamic batch, a size-1
        dim stretched to the traced batch size stretches to the run-time batch size instead."""
        padded = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
        batch_dims = [
            k for k, (size_in, size_out) in enumerate(zip(padded, out_shape))
            if self.batch is not None and size_in == 1 and size_out == self.batch[2] and size_out != 1
        ]
        if not batch_dims:
            return self.ints(out_shape)
        pieces = [self.batch_size() if k in batch_dims else self.ints([size]) for k, size in enumerate(out_shape)]
        return self.add("Concat", pieces, axis=0)


def onnx_dtype(dtype: Any) -> int:
    """The TensorProto element type of a NumPy dtype (or a glassgrad dtype, through its NumPy twin)."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(getattr(dtype, "np", dtype)))


