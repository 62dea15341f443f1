"""Tensor: an n-dimensional array that remembers how it was computed, so gradients can flow back through it.

A Tensor holds a raw array (`.array`: NumPy on "cpu", CuPy on "cuda") and, when it was computed from tensors
that require grad, the graph node that made it (`.grad_fn`, whose `.inputs` are the tensors it came from).
Methods are one to three lines that hand the work to `ops/`.
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Iterator

import numpy as np

from . import backend, dlpack
from . import tensor_writes as writes
from .autograd import _initial_grad, engine, grad_checks, grad_mode, tensor_factory, views
from .autograd import node as node_module
from .autograd.hooks import RemovableHandle
from .backend import DType, device_of, from_numpy_dtype, namespace_of, to_dtype
from .ops import (
    arithmetic,
    cumulative,
    elementwise,
    linalg_products,
    logical,
    matmul,
    order_stats,
    rearrange,
    reduce,
    reorder,
    rounding,
    select,
    unary,
)
from .ops import index as index_ops  # `index` is also an argument name (gather)
from .ops import scatter as scatter_ops
from .ops import shape as shape_ops
from .ops import softmax as softmax_ops
from .ops import sort as sort_ops  # `sort` is also a method name
from .ops.dims import normalize_dim
from .tensor_format import format_tensor


def _address(array: Any) -> int:
    """The address of an array's first element, NumPy's or CuPy's."""
    interface = getattr(array, "__array_interface__", None)
    return int(interface["data"][0]) if interface is not None else int(array.data.ptr)


def _in_place(name: str, op: Callable[[Any], Any]) -> Callable[[Tensor], Tensor]:
    """The in-place twin of a one-argument op (`exp_` of `exp`): the op recorded, then written back."""

    def method(self: Tensor) -> Tensor:
        return self._write_in_place(name, op)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: self ← {name[:-1]}(self)."
    return method


class Tensor:
    """An array with autograd. Make one with `gg.tensor(data)` or a factory (`gg.zeros`, `gg.randn`, ...)."""

    __slots__ = ("array", "_requires_grad", "_grad", "_grad_fn", "output_nr", "_version_counter", "_hooks",
                 "_retains_grad", "_post_accumulate_hooks", "__weakref__",
                 "_view")
    namespace_of = staticmethod(namespace_of)
    # NumPy defers to the tensor in `np.float64(2.0) * x` (else it would return a float64 ndarray), as in torch.
    __array_priority__ = 1000

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails: a PyTorch method glassgrad lacks gets "glassgrad does not
        # implement torch.Tensor.X (used at file:line)". Private names (an unset slot) fail fast and plain.
        if name.startswith("_"):
            raise AttributeError(f"'Tensor' object has no attribute {name!r}", name=name, obj=self)
        from ._missing import NotImplementedInGlassgrad

        raise NotImplementedInGlassgrad(f"torch.Tensor.{name}", lambda: [n for n in dir(Tensor) if n[0] != "_"])

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        # Wraps a raw array without copying (how ops make their results). Other data is converted as
        # torch.Tensor(data) does: to float32.
        if not isinstance(data, np.ndarray) and backend.device_of(data) == backend.CPU:
            data = np.asarray(data, dtype=np.float32)
        self.array = data
        self._requires_grad = False
        self._grad: Tensor | None = None
        self._grad_fn: node_module.Node | None = None
        self.output_nr = 0
        self._version_counter = [0]  # shared with views, so an in-place write through any of them is seen
        self._view: views.ViewInfo | None = None  # set on results of view ops: their base and how to rebuild them
        self._hooks: list | None = None
        self._post_accumulate_hooks: list | None = None
        self._retains_grad = False
        if requires_grad:
            self.requires_grad = True

    # ---- attributes ------------------------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        view = self._view
        if view is not None and view.creation == views.DEFAULT:  # the others refuse to rebuild, but can answer
            self._refresh_if_stale()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use .detach() to get a tensor "
                "outside the graph"
            )
        if value and self.array.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}; convert with "
                ".float() first"
            )
        self._requires_grad = bool(value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (None until one arrives)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # Checked here, once, because a gradient of another shape would be broadcast into the next accumulation
        # or read out of bounds by an optimizer's kernel. The engine writes `_grad` itself: what it computed fits.
        grad_checks.check_assigned_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def grad_fn(self) -> node_module.Node | None:
        """The graph node that made this tensor (None for a leaf)."""
        view = self._view  # inlined _refresh_if_stale: graph walks read grad_fn often
        if view is not None and view.version != self._version_counter[0]:
            views.refresh(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node: node_module.Node | None) -> None:
        self._grad_fn = node

    def _refresh_if_stale(self) -> None:
        # A view whose base was written since its graph was built reads the base's new graph (autograd/views.py).
        view = self._view
        if view is not None and view.version != self._version_counter[0]:
            views.refresh(self)

    @property
    def shape(self) -> tuple:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> DType:
        return from_numpy_dtype(self.array.dtype)

    @property
    def device(self) -> backend.device:
        return device_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    # PyTorch's flags for devices and layouts glassgrad has none of: every tensor is a dense, unquantized array
    # on "cpu" or "cuda".
    _never = property(lambda self: False)
    is_xpu = _never
    is_mps = _never
    is_meta = _never
    is_quantized = _never
    is_sparse = _never
    is_mkldnn = _never
    is_nested = _never

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, outside the graph (PyTorch's `.data`)."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        self.array = value.array
        self._view = None  # the memory is value's now, no longer the old base's
        # Counted as an in-place write (PyTorch does not count it), so a graph that saved the old values refuses
        # to mix them with the new ones.
        self._version_counter[0] += 1

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        return shape_ops.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - PyTorch's name
        return shape_ops.transpose(self, -2, -1)

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[normalize_dim("size", dim, self.ndim)]

    def numel(self) -> int:
        return int(self.array.size)

    nelement = numel

    def dim(self) -> int:
        return self.array.ndim

    def element_size(self) -> int:
        return self.array.dtype.itemsize

    def is_floating_point(self) -> bool:
        """True for float16, float32 and float64 tensors."""
        return self.array.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self.array.flags.c_contiguous)

    # ---- conversion ------------------------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The NumPy array behind a cpu tensor (shared memory)."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self.device.type != "cpu":
            raise TypeError(
                f"can't convert {self.device} tensor to numpy; use Tensor.cpu() to copy it to the host first"
            )
        return self.array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = backend.move(self.array, backend.CPU)
        return array if dtype is None else array.astype(dtype)

    def __dlpack__(self, stream: Any = None, *, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        """The DLPack capsule of this tensor's memory (torch.from_dlpack(t), np.from_dlpack(t)); see dlpack.py."""
        return dlpack.to_dlpack(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple:
        return dlpack.device_of(self)

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.array.size} elements cannot be converted to a Python number; "
                "reduce it first (e.g. .sum() or .mean()) or use .tolist()"
            )
        return self.array.reshape(()).item()

    def tolist(self) -> Any:
        return backend.move(self.array, backend.CPU).tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph: no gradient flows back through the result."""
        result = Tensor(self.array)
        result._version_counter = self._version_counter
        return result

    def detach_(self) -> Tensor:
        if self._view is not None:
            raise RuntimeError(
                f"detach_: can't detach a view (shape {tuple(self.shape)}) in place: it would take its graph "
                "back from its base at the next in-place write. Use v = v.detach() instead"
            )
        self._grad_fn = None
        self._requires_grad = False
        return self

    def clone(self) -> Tensor:
        """A copy with its own memory. d(clone)/dx = 1: the gradient passes through unchanged."""
        return shape_ops.CloneOp.apply(self)

    def contiguous(self) -> Tensor:
        return self if self.array.flags.c_contiguous else shape_ops.CloneOp.apply(self)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert dtype and/or device: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other_tensor)`."""
        device, dtype, copy = parse_to("to", args, kwargs)
        result = self
        if device is not None and backend.device(device) != self.device:
            backend.namespace(backend.device(device))  # a clear error when cuda is not available
            result = shape_ops.ToDeviceOp.apply(result, backend.device(device))
        if dtype is not None:
            result = arithmetic.cast(result, to_dtype(dtype).np)
        if copy and result is self:
            result = self.clone()
        return result

    def type(self, dtype: Any = None) -> Any:
        if isinstance(getattr(dtype, "dtype", None), DType) and isinstance(dtype, type):
            dtype = dtype.dtype  # a typed constructor, as in x.type(gg.LongTensor) (tensor_types.py)
        return str(self.dtype) if dtype is None else self.to(dtype)

    def float(self) -> Tensor:
        return arithmetic.cast(self, np.dtype(np.float32))

    def double(self) -> Tensor:
        return arithmetic.cast(self, np.dtype(np.float64))

    def half(self) -> Tensor:
        return arithmetic.cast(self, np.dtype(np.float16))

    def bfloat16(self) -> Tensor:
        return self.to(backend.bfloat16)  # raises: glassgrad holds no bfloat16 arrays (backend/dtype.py)

    def long(self) -> Tensor:
        return arithmetic.cast(self, np.dtype(np.int64))

    def int(self) -> Tensor:
        return arithmetic.cast(self, np.dtype(np.int32))

    def bool(self) -> Tensor:
        return arithmetic.cast(self, np.dtype(np.bool_))

    def type_as(self, other: Tensor) -> Tensor:
        return arithmetic.cast(self, other.array.dtype)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")

    # ---- new tensors with this one's dtype and device (unless given) ------------------------------------------
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
                  ) -> Tensor:
        return self._new_full("new_zeros", _sizes(size), 0, dtype, device, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
                 ) -> Tensor:
        return self._new_full("new_ones", _sizes(size), 1, dtype, device, requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
                  ) -> Tensor:
        # "uninitialised" in PyTorch; zeros here, so nothing ever reads leftover memory
        return self._new_full("new_empty", _sizes(size), 0, dtype, device, requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: builtins.bool = False) -> Tensor:
        return self._new_full("new_full", _sizes((size,)), fill_value, dtype, device, requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None, requires_grad: builtins.bool = False
                   ) -> Tensor:
        """A copy of `data` with this tensor's dtype and device (not the dtype the data would infer), as PyTorch."""
        array = np.array(data, dtype=self.array.dtype if dtype is None else to_dtype(dtype).np)
        return self._new_result(array, device, requires_grad)

    def _new_full(self, name: str, size: tuple, fill_value: Any, dtype: Any, device: Any,
                  requires_grad: builtins.bool) -> Tensor:
        if not builtins.all(isinstance(s, (builtins.int, np.integer)) and s >= 0 for s in size):
            raise ValueError(f"{name}: sizes must be non-negative integers, got {size}")
        array = np.full(size, fill_value, dtype=self.array.dtype if dtype is None else to_dtype(dtype).np)
        return self._new_result(array, device, requires_grad)

    def _new_result(self, array: np.ndarray, device: Any, requires_grad: builtins.bool) -> Tensor:
        result = Tensor(backend.move(array, self.device if device is None else backend.device(device)))
        if requires_grad:
            result.requires_grad = True
        return result

    # ---- operators -------------------------------------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return arithmetic.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return arithmetic.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return arithmetic.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return arithmetic.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return arithmetic.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return arithmetic.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return arithmetic.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return arithmetic.rdiv(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        """⌊a / b⌋ elementwise (rounding toward −∞, as torch). Piecewise constant: no gradient."""
        return arithmetic.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return arithmetic.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        """a − b·⌊a / b⌋ elementwise: the remainder with the sign of the divisor (Python's %).

        d/da = 1, d/db = −⌊a / b⌋."""
        return arithmetic.remainder(self, other)

    def __pow__(self, other: Any) -> Tensor:
        return arithmetic.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return arithmetic.pow(other, self)

    def __matmul__(self, other: Tensor) -> Tensor:
        return matmul.matmul(self, other)

    def __rmatmul__(self, other: Tensor) -> Tensor:
        return matmul.matmul(other, self)

    def __neg__(self) -> Tensor:
        return arithmetic.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return unary.abs(self)

    def __invert__(self) -> Tensor:
        if self.array.dtype.kind not in "biu":
            raise TypeError(f"~ (bitwise not) is only defined for bool and integer tensors, got {self.dtype}")
        return Tensor(~self.array)

    def __and__(self, other: Any) -> Tensor:
        return arithmetic.comparison("bitwise_and", self, other)

    def __or__(self, other: Any) -> Tensor:
        return arithmetic.comparison("bitwise_or", self, other)

    def __xor__(self, other: Any) -> Tensor:
        return arithmetic.comparison("bitwise_xor", self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return arithmetic.comparison("equal", self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return arithmetic.comparison("not_equal", self, other)

    def __lt__(self, other: Any) -> Tensor:
        return arithmetic.comparison("less", self, other)

    def __le__(self, other: Any) -> Tensor:
        return arithmetic.comparison("less_equal", self, other)

    def __gt__(self, other: Any) -> Tensor:
        return arithmetic.comparison("greater", self, other)

    def __ge__(self, other: Any) -> Tensor:
        return arithmetic.comparison("greater_equal", self, other)

    __hash__ = object.__hash__  # tensors are hashed by identity (defining __eq__ would otherwise remove it)

    def add(self, other: Any, alpha: builtins.float = 1) -> Tensor:
        return arithmetic.add(self, other, alpha=alpha)

    def sub(self, other: Any, alpha: builtins.float = 1) -> Tensor:
        return arithmetic.sub(self, other, alpha=alpha)

    mul = __mul__
    div = arithmetic.div
    true_divide = __truediv__
    floor_divide = __floordiv__
    remainder = __mod__
    matmul = __matmul__
    neg = __neg__
    eq = __eq__
    ne = __ne__
    lt = __lt__
    le = __le__
    gt = __gt__
    ge = __ge__

    # ---- math ------------------------------------------------------------------------------------------------
    exp = unary.exp
    log = unary.log
    log1p = unary.log1p
    sqrt = unary.sqrt
    rsqrt = unary.rsqrt
    sin = unary.sin
    cos = unary.cos
    tanh = unary.tanh
    sigmoid = unary.sigmoid
    relu = unary.relu
    abs = unary.abs
    clamp = unary.clamp
    clip = unary.clamp
    maximum = select.maximum
    minimum = select.minimum
    masked_fill = select.masked_fill
    softmax = softmax_ops.softmax
    log_softmax = softmax_ops.log_softmax
    logsumexp = softmax_ops.logsumexp

    def pow(self, exponent: Any) -> Tensor:
        return arithmetic.pow(self, exponent)

    def square(self) -> Tensor:
        return arithmetic.mul(self, self)

    def tril(self, diagonal: int = 0) -> Tensor:
        return select.triangle(self, False, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return select.triangle(self, True, diagonal)

    # ---- reductions ------------------------------------------------------------------------------------------
    sum = reduce.reduce_sum
    mean = reduce.mean
    var = reduce.var
    prod = reduce.prod

    std = reduce.std

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return reduce.amax_amin("amax", self, dim, keepdim, largest=True)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        return reduce.amax_amin("amin", self, dim, keepdim, largest=False)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        return reduce.max_min("max", self, dim, keepdim, largest=True)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        return reduce.max_min("min", self, dim, keepdim, largest=False)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the largest element (of the flattened tensor, or along `dim`); int64, not differentiable."""
        return reduce.arg_max_min("argmax", self, dim, keepdim, largest=True)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the smallest element (of the flattened tensor, or along `dim`); int64, not differentiable."""
        return reduce.arg_max_min("argmin", self, dim, keepdim, largest=False)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        """(values, indices) sorted along `dim` (stable); values are gathered, so their gradient goes back to where
        each came from."""
        return sort_ops.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """The indices that sort the tensor along `dim` (stable: ties keep their order); int64."""
        return sort_ops.argsort(self, dim, descending, stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """(values, indices) of the k largest (or smallest) elements along `dim`; values gathered, so their gradient
        goes back to the chosen places."""
        return sort_ops.topk(self, k, dim, largest, sorted)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True if every element is nonzero (along `dim` with one given); a bool tensor, not differentiable."""
        return reduce.all_any("all", self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True if some element is nonzero (along `dim` with one given); a bool tensor, not differentiable."""
        return reduce.all_any("any", self, dim, keepdim)

    # ---- shape -----------------------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        return shape_ops.reshape(self, _sizes(shape))

    def view(self, *shape: Any) -> Tensor:
        """This tensor's memory seen with another shape; an error where that needs a copy (use reshape)."""
        if len(shape) == 1 and not isinstance(shape[0], (builtins.int, tuple, list)):
            return self._view_as_dtype(to_dtype(shape[0]))
        return shape_ops.view(self, _sizes(shape))

    def _view_as_dtype(self, dtype: DType) -> Tensor:
        """view(dtype): the same bytes read as another dtype (no conversion; the last dimension scales by the
        ratio of element sizes), outside the graph, as in PyTorch."""
        array = self.array
        if dtype.np.itemsize != array.itemsize and (array.ndim == 0 or array.strides[-1] != array.itemsize):
            raise RuntimeError(
                f"view: viewing {self.dtype} as {dtype} (different element sizes) needs a last dimension with "
                f"stride 1, but the tensor has shape {tuple(array.shape)} and strides {array.strides} (bytes); "
                "call .contiguous() first"
            )
        try:
            result = Tensor(array.view(dtype.np))
        except ValueError as error:
            raise RuntimeError(f"view: can't view {self.dtype} {tuple(array.shape)} as {dtype}: {error}") from None
        result._version_counter = self._version_counter  # the same memory: writes through either are counted
        return result

    def view_as(self, other: Tensor) -> Tensor:
        return shape_ops.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return shape_ops.reshape(self, other.shape)

    def permute(self, *dims: Any) -> Tensor:
        return shape_ops.permute(self, _sizes(dims))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return shape_ops.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}; use transpose()")
        return shape_ops.transpose(self, 0, -1)  # a new view also for 0-d and 1-d tensors, as in PyTorch

    def unsqueeze(self, dim: int) -> Tensor:
        """A dim of size 1 inserted at `dim`; a view. The gradient is reshaped back."""
        return shape_ops.unsqueeze(self, dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        """The dims of size 1 removed (or only `dim`); a view. The gradient is reshaped back."""
        return shape_ops.squeeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """The dims start_dim..end_dim merged into one (a view where the memory allows). The gradient is reshaped
        back."""
        return shape_ops.flatten(self, start_dim, end_dim)

    def expand(self, *sizes: Any) -> Tensor:
        return shape_ops.expand(self, _sizes(sizes))

    def expand_as(self, other: Tensor) -> Tensor:
        return shape_ops.expand(self, other.shape)

    def repeat(self, *repeats: Any) -> Tensor:
        return shape_ops.repeat(self, _sizes(repeats))

    def split(self, split_size: Any, dim: int = 0) -> tuple:
        return shape_ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        return shape_ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple:
        return tuple(shape_ops.squeeze(part, dim) for part in shape_ops.split(self, 1, dim))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """The elements shifted by `shifts` along `dims`, wrapping around (no dims: over the flattened tensor). The
        gradient rolls back."""
        return rearrange.roll(self, shifts, dims)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        """The view of `length` elements from `start` along `dim` (as x[..., start:start+length]); gradient scattered
        back."""
        return rearrange.narrow(self, dim, start, length)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return index_ops.gather(self, dim, index)

    def __getitem__(self, key: Any) -> Tensor:
        return index_ops.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        if writes.check_setitem(self, key, value) and writes.writes_into_shared_memory(self.array):
            self._write_nothing(lambda current: index_ops.setitem_result(current, key, value))
            return
        self._write_in_place("index assignment", lambda current: index_ops.setitem_result(current, key, value))

    def _write_nothing(self, compute: Callable[[Tensor], Tensor]) -> None:
        """x[key] = v where x's elements share memory (after expand) and the basic key selects none of them:
        PyTorch writes into an empty view, which changes no value and no gradient, but counts as a write."""
        if grad_mode._GradMode.enabled:
            self._check_in_place_allowed("index assignment")
            view = self._view
            if view is not None and (self._requires_grad or view.base._requires_grad):
                views.check_tracked_write(self, "index assignment")  # e.g. an output of split, as PyTorch
        with grad_mode.no_grad():
            writes.check_in_place_result(self, "index assignment", compute(self))  # v must still fit the (empty) region
        self._version_counter[0] += 1

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.array.size} elements is ambiguous; use .any() or .all()"
            )
        return builtins.bool(self.array.reshape(()).item())

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError(
                f"only integer tensors of a single element can be converted to an index, got {self.dtype} {self.shape}"
            )
        return builtins.int(self.item())

    def __repr__(self) -> str:
        return format_tensor(self)

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    # ---- more torch functions as methods (ops/elementwise, rounding, logical, cumulative, reorder,
    # linalg_products, scatter, order_stats) --------------------------------------------------------------------
    erf = elementwise.erf
    erfc = elementwise.erfc
    expm1 = elementwise.expm1
    exp2 = elementwise.exp2
    log2 = elementwise.log2
    log10 = elementwise.log10
    sinh = elementwise.sinh
    cosh = elementwise.cosh
    tan = elementwise.tan
    asin = arcsin = elementwise.asin
    acos = arccos = elementwise.acos
    atan = arctan = elementwise.atan
    atan2 = arctan2 = elementwise.atan2
    hypot = elementwise.hypot
    reciprocal = elementwise.reciprocal
    clamp_min = elementwise.clamp_min
    clamp_max = elementwise.clamp_max
    lerp = elementwise.lerp
    nan_to_num = elementwise.nan_to_num
    round = rounding.round
    floor = rounding.floor
    ceil = rounding.ceil
    trunc = fix = rounding.trunc
    frac = rounding.frac
    sign = rounding.sign
    sgn = rounding.sgn
    fmod = rounding.fmod
    isnan = logical.isnan
    isinf = logical.isinf
    isfinite = logical.isfinite
    isclose = logical.isclose
    logical_and = logical.logical_and
    logical_or = logical.logical_or
    logical_xor = logical.logical_xor
    logical_not = logical.logical_not
    bitwise_and = logical.bitwise_and
    bitwise_or = logical.bitwise_or
    bitwise_xor = logical.bitwise_xor
    bitwise_not = logical.bitwise_not
    cumsum = cumulative.cumsum
    cumprod = cumulative.cumprod
    cummax = cumulative.cummax
    cummin = cumulative.cummin
    diff = cumulative.diff
    fliplr = reorder.fliplr
    flipud = reorder.flipud
    diagonal = reorder.diagonal
    diag = reorder.diag
    broadcast_to = reorder.broadcast_to
    movedim = moveaxis = reorder.movedim
    swapaxes = reorder.swapaxes
    swapdims = reorder.swapdims
    unflatten = reorder.unflatten
    index_select = reorder.index_select
    repeat_interleave = reorder.repeat_interleave
    take_along_dim = reorder.take_along_dim
    mm = linalg_products.mm
    bmm = linalg_products.bmm
    mv = linalg_products.mv
    dot = linalg_products.dot
    outer = ger = linalg_products.outer
    addmm = linalg_products.addmm
    scatter = scatter_ops.scatter
    scatter_add = scatter_ops.scatter_add
    index_add = scatter_ops.index_add
    masked_select = scatter_ops.masked_select
    median = order_stats.median
    kthvalue = order_stats.kthvalue
    mode = order_stats.mode
    nansum = order_stats.nansum
    nanmean = order_stats.nanmean
    count_nonzero = order_stats.count_nonzero
    nonzero = order_stats.nonzero
    argwhere = order_stats.argwhere
    bincount = order_stats.bincount
    unique = order_stats.unique

    def flip(self, *dims: Any) -> Tensor:
        return reorder.flip(self, _sizes(dims))

    def tile(self, *dims: Any) -> Tensor:
        return reorder.tile(self, _sizes(dims))

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: builtins.bool = False, dtype: Any = None) -> Tensor:
        return linalg_products.norm(self, p, dim, keepdim, dtype=dtype)

    def scatter_(self, dim: builtins.int, index: Tensor, src: Any = None, value: Any = None, *,
                 reduce: Any = None) -> Tensor:
        return self._write_in_place(
            "scatter_", lambda t: scatter_ops.scatter(t, dim, index, src, value, reduce=reduce), src
        )

    def scatter_add_(self, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
        return self._write_in_place("scatter_add_", lambda t: scatter_ops.scatter_add(t, dim, index, src), src)

    def index_add_(self, dim: builtins.int, index: Tensor, source: Tensor, *, alpha: builtins.float = 1) -> Tensor:
        return self._write_in_place(
            "index_add_", lambda t: scatter_ops.index_add(t, dim, index, source, alpha=alpha), source
        )

    def is_complex(self) -> builtins.bool:
        """False: glassgrad has no complex dtypes."""
        return False  # glassgrad has no complex dtypes

    def is_nonzero(self) -> builtins.bool:
        """The truth of a one-element tensor; more elements are an error, as in torch."""
        if self.array.size != 1:
            raise RuntimeError(
                f"is_nonzero: Boolean value of Tensor with {self.array.size} elements is ambiguous; it needs one"
            )
        return builtins.bool(self.array.reshape(()).item())

    # ---- in place --------------------------------------------------------------------------------------------
    def _write_in_place(self, name: str, compute: Callable[[Tensor], Tensor], source: Any = None) -> Tensor:
        """Run an out-of-place op, write its result into this tensor's memory, and bump the version.

        When the result is part of the graph, this tensor takes over the result's graph node (PyTorch's
        rebase), so gradients flow through the in-place op. A write through a view rebases the view's base
        instead (a CopySlices node, autograd/views.py); the view then reads its graph from the base.
        `source` is the other tensor the op reads (add_'s other, copy_'s source), checked for overlap.
        """
        writes.check_writable(self, name)
        if isinstance(source, Tensor):
            writes.check_no_partial_overlap(self, source, name)
        view = self._view
        recording = grad_mode._GradMode.enabled
        if recording:
            self._check_in_place_allowed(name)
            result = self._compute_on_graph_alias(compute)
        else:
            result = compute(self)
        writes.check_in_place_result(self, name, result)
        if view is not None and recording and (result._grad_fn is not None or view.base._requires_grad):
            views.check_tracked_write(self, name)
            base = view.base
            rebased = shape_ops.CopySlicesOp.apply(base._graph_alias(), result, view.steps)  # writes the memory
            self._version_counter[0] += 1
            base._take_graph_of(rebased)
            views.refresh(self)  # the view's graph is now a view of the rebased base
            return self
        self.array[...] = result.array
        self._version_counter[0] += 1
        if result._grad_fn is not None:
            self._take_graph_of(result)
        return self

    def _check_in_place_allowed(self, name: str) -> None:
        """PyTorch's refusals of recorded in-place writes on leaves that require grad and their views."""
        view = self._view
        if view is not None:
            self._refresh_if_stale()
            if view.base._requires_grad and view.base._grad_fn is None:
                raise RuntimeError(views.leaf_view_message(self, name))
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError(
                f"{name}: a leaf Variable that requires grad is being used in an in-place operation; wrap the "
                "update in `with gg.no_grad():` or use an out-of-place op"
            )

    def _compute_on_graph_alias(self, compute: Callable[[Tensor], Tensor]) -> Tensor:
        alias = self._graph_alias()
        node_module.InPlaceWrite.target = self.array  # ops that save it for backward save a copy instead
        node_module.InPlaceWrite.alias = alias
        try:
            return compute(alias)
        finally:
            node_module.InPlaceWrite.target = None
            node_module.InPlaceWrite.copy = None
            node_module.InPlaceWrite.alias = None

    def _graph_alias(self) -> Tensor:
        """A twin of this tensor (same memory, version counter and graph) to record ops on: the node an
        in-place op records must not hold this tensor, which is about to take that node (a reference cycle)."""
        alias = Tensor(self.array)
        alias._version_counter = self._version_counter
        alias._requires_grad = self._requires_grad
        alias._grad_fn = self._grad_fn
        alias.output_nr = self.output_nr
        return alias

    def _take_graph_of(self, result: Tensor) -> None:
        self._grad_fn = result._grad_fn
        self.output_nr = result.output_nr
        self._requires_grad = True

    def add_(self, other: Any, alpha: builtins.float = 1) -> Tensor:
        return self._write_in_place("add_", lambda t: arithmetic.add(t, other, alpha=alpha), other)

    def sub_(self, other: Any, alpha: builtins.float = 1) -> Tensor:
        return self._write_in_place("sub_", lambda t: arithmetic.sub(t, other, alpha=alpha), other)

    def mul_(self, other: Any) -> Tensor:
        return self._write_in_place("mul_", lambda t: arithmetic.mul(t, other), other)

    def div_(self, other: Any) -> Tensor:
        return self._write_in_place("div_", lambda t: arithmetic.div(t, other), other)

    # `x += y` writes into x, as in PyTorch (a manual update `p -= lr * p.grad` must change the parameter).
    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._write_in_place("clamp_", lambda t: unary.clamp(t, min, max))

    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        return self._write_in_place("masked_fill_", lambda t: select.masked_fill(t, mask, value))

    def zero_(self) -> Tensor:
        return self._write_in_place("zero_", lambda t: shape_ops.CopyOp.apply(t, 0))

    def fill_(self, value: Any) -> Tensor:
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"fill_: the value must be a number or a 0-dimensional tensor, got a tensor of shape "
                f"{tuple(value.shape)}; use copy_ to write a tensor that broadcasts"
            )
        if isinstance(value, Tensor):
            value = value.to(device=self.device)
        return self._write_in_place("fill_", lambda t: shape_ops.CopyOp.apply(t, value))

    def copy_(self, source: Tensor) -> Tensor:
        if not isinstance(source, Tensor):
            raise TypeError(f"copy_: source must be a Tensor, got {type(source).__name__}; use fill_ for a number")
        if not writes.broadcasts_to(source.shape, self.shape):
            raise ValueError(
                f"copy_: the source of shape {tuple(source.shape)} does not broadcast to the destination's shape "
                f"{tuple(self.shape)}"
            )
        moved = source.to(device=self.device)  # the gradient goes back to source's device and dtype
        return self._write_in_place("copy_", lambda t: shape_ops.CopyOp.apply(t, moved), source)

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, generator: Any = None) -> Tensor:
        draw = backend.random.generator_for(generator).uniform(a, b, self.shape)
        return self._fill_from_numpy("uniform_", draw)

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, generator: Any = None) -> Tensor:
        draw = backend.random.generator_for(generator).normal(mean, std, self.shape)
        return self._fill_from_numpy("normal_", draw)

    def _fill_from_numpy(self, name: str, values: np.ndarray) -> Tensor:
        values = backend.move(values.astype(self.array.dtype, copy=False), self.device)
        return self._write_in_place(name, lambda t: shape_ops.CopyOp.apply(t, values))

    # In-place math, PyTorch's `x.exp_()` family: the out-of-place op recorded and written back through
    # `_write_in_place`, so autograd, version counters and the write checks are those of add_ and mul_.
    exp_ = _in_place("exp_", unary.exp)
    log_ = _in_place("log_", unary.log)
    log1p_ = _in_place("log1p_", unary.log1p)
    sqrt_ = _in_place("sqrt_", unary.sqrt)
    rsqrt_ = _in_place("rsqrt_", unary.rsqrt)
    sin_ = _in_place("sin_", unary.sin)
    cos_ = _in_place("cos_", unary.cos)
    tanh_ = _in_place("tanh_", unary.tanh)
    sigmoid_ = _in_place("sigmoid_", unary.sigmoid)
    relu_ = _in_place("relu_", unary.relu)
    abs_ = _in_place("abs_", unary.abs)
    neg_ = _in_place("neg_", arithmetic.neg)
    square_ = _in_place("square_", lambda t: arithmetic.mul(t, t))

    def pow_(self, exponent: Any) -> Tensor:
        return self._write_in_place("pow_", lambda t: arithmetic.pow(t, exponent), exponent)

    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, value: builtins.float = 1) -> Tensor:
        """self += value · tensor1 · tensor2 (Adam's second moment in hand-written optimizers)."""
        return self._write_in_place(
            "addcmul_", lambda t: arithmetic.add(t, arithmetic.mul(tensor1, tensor2), alpha=value), tensor1)

    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, value: builtins.float = 1) -> Tensor:
        """self += value · tensor1 / tensor2."""
        return self._write_in_place(
            "addcdiv_", lambda t: arithmetic.add(t, arithmetic.div(tensor1, tensor2), alpha=value), tensor1)

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        """self += weight · (end − self): the exponential moving average of an EMA model's weights."""
        return self._write_in_place(
            "lerp_", lambda t: arithmetic.add(t, arithmetic.mul(arithmetic.sub(end, t), weight)), end)

    def multinomial(self, num_samples: int, replacement: builtins.bool = False, *, generator: Any = None) -> Tensor:
        """`probs.multinomial(n)` is `gg.multinomial(probs, n)`."""
        from .torch_functions import multinomial  # torch_functions is built on this module

        return multinomial(self, num_samples, replacement, generator)

    def where(self, condition: Tensor, other: Any) -> Tensor:
        """`x.where(c, y)` is `gg.where(c, x, y)`."""
        return select.where(condition, self, other)

    # In-place random fills (under the one seedable generator, as uniform_ and normal_).
    def bernoulli_(self, p: Any = 0.5, generator: Any = None) -> Tensor:
        probability = p.detach().cpu().numpy() if isinstance(p, Tensor) else p
        draw = backend.random.generator_for(generator).random(self.shape) < probability
        return self._fill_from_numpy("bernoulli_", draw)

    def exponential_(self, lambd: builtins.float = 1.0, generator: Any = None) -> Tensor:
        draw = backend.random.generator_for(generator).exponential(1.0 / lambd, self.shape)
        return self._fill_from_numpy("exponential_", draw)

    def random_(self, from_: builtins.int = 0, to: builtins.int | None = None, generator: Any = None) -> Tensor:
        """Integers uniform on [from_, to), or [0, to) with one argument; to=None: [0, 2**mantissa] for floats."""
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            kind = self.array.dtype
            to = 2 ** (np.finfo(kind).nmant + 1) + 1 if kind.kind == "f" else int(np.iinfo(kind).max) + 1
        draw = backend.random.generator_for(generator).integers(from_, to, self.shape)
        return self._fill_from_numpy("random_", draw)

    # ---- memory facts: strides, offsets, pinning ---------------------------------------------------------------
    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dim (NumPy counts bytes; PyTorch elements)."""
        steps = tuple(step // self.array.itemsize for step in self.array.strides)
        return steps if dim is None else steps[normalize_dim("stride", dim, self.ndim)]

    def data_ptr(self) -> int:
        """The address of the first element."""
        return _address(self.array)

    def storage_offset(self) -> int:
        """How many elements into its base memory this tensor starts (0 for a tensor that owns its memory)."""
        base = self.array
        while hasattr(getattr(base, "base", None), "shape"):  # up the chain of views to the array owning memory
            base = base.base
        return (_address(self.array) - _address(base)) // self.array.itemsize

    def ndimension(self) -> int:
        return self.array.ndim

    def is_pinned(self, device: Any = None) -> builtins.bool:
        return False

    def pin_memory(self, device: Any = None) -> Tensor:
        """Page-locked host memory speeds copies to a GPU; there is none to lock for without one (as PyTorch:
        it refuses on a machine without an accelerator)."""
        if not backend.cuda_is_available():
            raise RuntimeError("pin_memory: no GPU is available, so there is no page-locked memory to copy "
                               "into (PyTorch refuses too); pin memory only when the device is cuda")
        return self.clone()

    def share_memory_(self) -> Tensor:
        """A no-op: glassgrad's DataLoader workers do not share tensors across processes."""
        return self

    def is_shared(self) -> builtins.bool:
        return False

    # ---- autograd --------------------------------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: builtins.bool | None = None,
                 create_graph: builtins.bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (times `gradient` for a non-scalar self).

        With `create_graph=True` the gradients stored are tensors with a graph, so they can be differentiated
        again (higher-order gradients); `retain_graph` then defaults to True, as in PyTorch.
        """
        retain_graph = create_graph if retain_graph is None else retain_graph
        root = _initial_grad(self, gradient, "backward", create_graph)
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = engine.run_backward([(self, root)], builtins.bool(retain_graph), capture=inputs,
                                        create_graph=create_graph)
            for t, g in zip(inputs, grads):
                if g is not None and create_graph:
                    t.grad = g.clone() if t.grad is None else t.grad + g  # out of place: the graph is kept
                elif g is not None:
                    t.grad = Tensor(g.copy()) if t.grad is None else Tensor(t.grad.array + g)
            return
        engine.run_backward([(self, root)], builtins.bool(retain_graph), create_graph=create_graph)

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return  # a leaf keeps its .grad anyway
        self._retains_grad = True
        self.grad_fn.register_hook(self.output_nr, engine.make_retain_hook(self))

    @property
    def retains_grad(self) -> builtins.bool:
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces the gradient."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return RemovableHandle(self._hooks, hook)
        self.grad_fn.register_hook(self.output_nr, hook)
        return RemovableHandle(self.grad_fn.hooks[self.output_nr], hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call `hook(self)` after backward has added this leaf's gradient into its `.grad` (as PyTorch 2.1+)."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return RemovableHandle(self._post_accumulate_hooks, hook)



def parse_to(caller: str, args: tuple, kwargs: dict, copy_allowed: bool = True) -> tuple[Any, Any, bool]:
    """What `.to(...)` asks for, as (device, dtype, copy), None (False) where not given: Tensor.to and Module.to.

    Positional: a dtype, a device (or its name), both, or a tensor (its dtype and device). Keywords: dtype=,
    device=, copy= (where `copy_allowed`), non_blocking= (accepted and ignored: every copy is synchronous).
    """
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False) if copy_allowed else False
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"{caller}() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif isinstance(arg, (str, backend.device)):
            device = arg
        else:
            dtype = arg
    return device, dtype, copy


def _sizes(args: tuple) -> tuple:
    """Accept sizes as separate ints or as one tuple/list, as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


# The layers below (autograd/, ops/) make tensors and recognise them through autograd/tensor_factory.py.
tensor_factory.register_tensor_class(Tensor)
