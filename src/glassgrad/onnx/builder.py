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

from glassgrad import backend
from glassgrad.autograd.tensor_factory import is_tensor

from .errors import UnsupportedOperatorError

INT64_MAX = np.iinfo(np.int64).max  # "to the end" for an ONNX Slice


class GraphBuilder:
    """Collects the nodes and initializers of one exported graph.

    `inputs`: id(traced input tensor) -> ONNX input name. `state_names`: id(tensor or its array) -> state_dict
    name for the model's parameters and buffers. `batch`: (input name, axis, traced size) of the dynamic batch
    axis, or None when every shape is static. `twins`: id(node) -> the node in the twin trace, whose shape
    arguments tell which sizes follow the batch. `export_params=False` makes parameters graph inputs instead.
    """

    def __init__(self, inputs: dict[int, str], state_names: dict[int, str], batch: tuple | None, twins: dict,
                 opset: int, export_params: bool = True) -> None:
        self.inputs = inputs
        self.input_tensors: list = []  # (traced input tensor, name), set by the exporter
        self.opset = opset
        self.state_names = state_names
        self.batch = batch
        self.twins = twins  # id(node) -> the same node in the twin trace (trace.py)
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
            viewed = self.input_viewed_by(value)
            if viewed is not None:
                return self._reshaped_input(viewed, value)
            value = value.array
        state_name = self.state_names.get(id(value))
        if state_name is not None:
            return self._state(state_name, value)
        value = on_host(value)
        array = np.asarray(value) if dtype is None or isinstance(value, np.ndarray) else np.asarray(value, dtype)
        return self.constant(array)

    def input_viewed_by(self, value: Any) -> str | None:
        """The name of the graph input that `value` is a reshaped view of (targets.view(-1) of integer targets:
        an op glassgrad does not record, as nothing requires grad), or None."""
        array = value.array
        for tensor, name in self.input_tensors:
            source = tensor.array
            same_memory = (
                type(array) is np.ndarray and type(source) is np.ndarray  # host arrays (CuPy's are not looked at)
                and array.size == source.size and array.flags.c_contiguous and source.flags.c_contiguous
                and np.shares_memory(array, source)
            )
            if same_memory:
                return name
        return None

    def _reshaped_input(self, input_name: str, value: Any) -> str:
        shape = list(value.shape)
        if self.batch is not None and shape:
            shape[0] = -1  # the batch merged into the first axis, the rest as traced
        return self.add("Reshape", [input_name, self.ints(shape)])

    def _state(self, state_name: str, array: Any) -> str:
        if state_name not in self._named_state:
            self._named_state.add(state_name)
            array = np.asarray(on_host(array))
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

    def reshape_target(self, node: Any) -> list[int]:
        """The `shape` input of an ONNX Reshape for a recorded ReshapeOp (or ExpandOp) node.

        A size the twin trace (trace.py) agrees on is static. One that changed with the batch is copied from
        the input at run time (ONNX's 0) where it sits at the same place with the same size in both traces, else
        it is the one -1 that ONNX infers from the element count ((B, T, V) -> (B·T, V): [-1, V]).
        """
        in_shape, out_shape = tuple(node.inputs[0].shape), tuple(node.inputs[1])
        twin = self.twins[id(node)]
        in_twin, out_twin = tuple(twin.inputs[0].shape), tuple(twin.inputs[1])
        target = []
        for k, (size, size_twin) in enumerate(zip(out_shape, out_twin)):
            if size == size_twin:
                target.append(size)
            elif k < len(in_shape) and (in_shape[k], in_twin[k]) == (size, size_twin):
                target.append(0)
            else:
                target.append(-1)
        if target.count(-1) > 1:
            raise UnsupportedOperatorError(
                f"onnx.export: a reshape from {in_shape} to {out_shape} changes {target.count(-1)} sizes with the "
                "batch size in a way one ONNX Reshape cannot express; keep the batch axis first and whole"
            )
        return target

    def broadcast_target(self, node: Any) -> str:
        """The `shape` input of an ONNX Expand for a recorded ExpandOp node. ONNX's Expand broadcasts both ways,
        so a size the input already has is written 1; a size-1 dim stretched to the batch size stretches to the
        run-time batch size (read off the input with the dynamic axis)."""
        in_shape, out_shape = tuple(node.inputs[0].shape), tuple(node.inputs[1])
        out_twin = tuple(self.twins[id(node)].inputs[1])
        padded = (1,) * (len(out_shape) - len(in_shape)) + in_shape
        pieces = []
        for size_in, size, size_twin in zip(padded, out_shape, out_twin):
            if size == size_twin or size_in == size:
                pieces.append(1 if size_in == size else size)
            elif self.batch is not None and size == self.batch[2] and size_twin == self.batch[2] + 1:
                pieces.append(None)  # the batch size, at run time
            else:
                raise UnsupportedOperatorError(
                    f"onnx.export: expand from {in_shape} to {out_shape} stretches a dim to a size that changes "
                    "with the batch size but is not the batch size"
                )
        if None not in pieces:
            return self.ints(pieces)
        return self.add("Concat", [self.batch_size() if p is None else self.ints([p]) for p in pieces], axis=0)


def on_host(value: Any) -> Any:
    """A CuPy array (a model on the GPU) copied to host memory, where the ONNX file is written; others as given."""
    return backend.move(value, backend.CPU) if hasattr(value, "__cuda_array_interface__") else value


def onnx_dtype(dtype: Any) -> int:
    """The TensorProto element type of a NumPy dtype (or a glassgrad dtype, through its NumPy twin)."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(getattr(dtype, "np", dtype)))


