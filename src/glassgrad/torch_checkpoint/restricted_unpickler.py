"""A pickle reader for `torch.save` files that builds only tensor records and plain containers, never runs code.

A pickle is a small program: its GLOBAL opcodes name a Python callable (`os.system`, `torch.nn.Linear`, ...)
and REDUCE calls it with arguments from the file. `pickle.Unpickler` resolves every such name through
`find_class`, so overriding it is the one gate: `RestrictedUnpickler.find_class` answers from the allow-list
`ALLOWED` below and refuses every other name. Each allowed torch name maps to a glassgrad stand-in, never to
torch's own function (torch need not even be installed): `_rebuild_tensor_v2(storage, offset, size, stride,
...)` becomes `_rebuild_tensor_v2` here, which checks its arguments and returns an inert `TensorRecord`.
`persistent_load` maps the `("storage", type, key, location, numel)` ids to `StorageRef`s; the bytes are read
later (rebuild.py), once every record has been checked.

The stand-ins are `Frozen`: their attributes cannot be set, so a BUILD opcode (which sets attributes on the
object below it on the stack) cannot alter a checked record or one of the allowed callables.
"""

from __future__ import annotations

import collections
import math
import pickle
from typing import IO, Any, Callable

import numpy as np

# torch dtype name -> how its elements are stored (bfloat16 as raw uint16, widened to float32 in rebuild.py).
ELEMENTS: dict[str, np.dtype] = {
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(np.uint16),
    "int64": np.dtype(np.int64),
    "int32": np.dtype(np.int32),
    "int16": np.dtype(np.int16),
    "int8": np.dtype(np.int8),
    "uint8": np.dtype(np.uint8),
    "bool": np.dtype(np.bool_),
}
# torch's other dtypes: named in files, so a tensor of one gets a clear "not supported", not a refused global.
UNSUPPORTED_DTYPES = (
    "complex32 complex64 complex128 uint16 uint32 uint64 float8_e4m3fn float8_e5m2 float8_e4m3fnuz "
    "float8_e5m2fnuz float8_e8m0fnu float4_e2m1fn_x2 qint8 quint8 qint32 quint4x2 quint2x4"
).split()
# The legacy typed-storage classes torch still names in its files (`torch.FloatStorage`, ...).
STORAGE_CLASSES: dict[str, str] = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8",
    "QUInt8Storage": "quint8",
    "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2",
    "QUInt2x4Storage": "quint2x4",
}
UNTYPED = "untyped"  # torch.UntypedStorage: bytes, typed by the tensor that uses them (_rebuild_tensor_v3)


class CheckpointProblem(ValueError):
    """A malformed or unsupported piece of a checkpoint; the message continues "gg.load: <file> ..."."""


class RefusedGlobalError(pickle.UnpicklingError, ValueError):
    """The checkpoint names a Python global outside the allow-list (caught as either base class)."""


class Frozen:
    """A stand-in whose attributes are set once, in `__init__`; a pickle BUILD on it is refused."""

    __slots__ = ()

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise CheckpointProblem(f"is corrupted: its pickle tries to set {name!r} on {self!r}")


class Marker(Frozen):
    """A torch name that only identifies something: `kind` "storage" (a storage class), "dtype" or "type"
    (torch.Tensor); `element` is the dtype name of a storage class or dtype."""

    __slots__ = ("qualname", "kind", "element")

    def __repr__(self) -> str:
        return self.qualname


class AllowedCallable(Frozen):
    """One allowed torch callable, standing for `qualname`, that runs glassgrad's `function` instead."""

    __slots__ = ("qualname", "function")

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)

    def __repr__(self) -> str:
        return self.qualname


class StorageRef(Frozen):
    """A storage named by a persistent id: `numel` elements of `element` (bytes when UNTYPED) under `key`."""

    __slots__ = ("key", "element", "numel", "location")

    def __repr__(self) -> str:
        return f"storage {self.key!r}"


class TensorRecord(Frozen):
    """A checked tensor: `size` elements with `stride` (in elements) from `offset` of `storage`, of `element`."""

    __slots__ = ("storage", "element", "offset", "size", "stride", "requires_grad", "parameter")

    def __repr__(self) -> str:
        return f"tensor of size {self.size}"


class DeviceRecord(Frozen):
    """A pickled torch.device (in a config, say)."""

    __slots__ = ("spec",)

    def __repr__(self) -> str:
        return f"device {self.spec!r}"


# ---- what the allowed callables build --------------------------------------------------------------------
def _rebuild_tensor_v2(
    storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False, hooks: Any = None,
    metadata: Any = None,
) -> TensorRecord:
    """torch._utils._rebuild_tensor_v2: a tensor over a typed storage (hooks and metadata are not kept)."""
    if not isinstance(storage, StorageRef) or storage.element == UNTYPED:
        raise CheckpointProblem(f"is corrupted: _rebuild_tensor_v2 got {storage!r}, not a typed storage")
    return _tensor_record(storage, storage.element, storage.numel, offset, size, stride, requires_grad)


def _rebuild_tensor_v3(
    storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, hooks: Any, dtype: Any,
    metadata: Any = None,
) -> TensorRecord:
    """torch._utils._rebuild_tensor_v3: a tensor of `dtype` over untyped storage bytes (newer dtypes use it)."""
    if not isinstance(storage, StorageRef) or storage.element != UNTYPED or not _is_marker(dtype, "dtype"):
        raise CheckpointProblem(f"is corrupted: _rebuild_tensor_v3 got {storage!r} and dtype {dtype!r}")
    _require_supported(dtype.element)
    numel = storage.numel // ELEMENTS[dtype.element].itemsize  # an untyped storage's numel counts bytes
    return _tensor_record(storage, dtype.element, numel, offset, size, stride, requires_grad)


def _tensor_record(
    storage: StorageRef, element: str, numel: int, offset: Any, size: Any, stride: Any, requires_grad: Any
) -> TensorRecord:
    """Check what a rebuild call says against its storage, so no later view can read past the storage."""
    _require_supported(element)
    size = tuple(size) if isinstance(size, (tuple, list)) else size
    stride = tuple(stride) if isinstance(stride, (tuple, list)) else stride
    if not (
        _is_index(offset)
        and isinstance(size, tuple)
        and isinstance(stride, tuple)
        and len(size) == len(stride)
        and all(map(_is_index, size + stride))
        and isinstance(requires_grad, bool)
    ):
        raise CheckpointProblem(
            f"is corrupted: a tensor has offset {offset!r:.40}, size {size!r:.80}, stride {stride!r:.80} and "
            f"requires_grad {requires_grad!r:.20} (expected non-negative ints, equally many sizes and strides, a bool)"
        )
    _check_requires_grad(element, requires_grad)
    if math.prod(size) > 0:
        last = offset + sum((length - 1) * step for length, step in zip(size, stride))
        if last >= numel:
            raise CheckpointProblem(
                f"is corrupted: a tensor of size {size} and stride {stride} from offset {offset} reaches "
                f"element {last} of {storage!r}, which holds {numel}"
            )
    elif offset > numel:
        raise CheckpointProblem(f"is corrupted: an empty tensor starts at {offset}, past the {numel} of {storage!r}")
    return TensorRecord(
        storage=storage, element=element, offset=offset, size=size, stride=stride,
        requires_grad=requires_grad, parameter=False,
    )


def _check_requires_grad(element: str, requires_grad: bool) -> None:
    if requires_grad and ELEMENTS[element].kind != "f" and element != "bfloat16":
        raise CheckpointProblem(f"is corrupted: a tensor of dtype {element} requires grad (only float ones can)")


def _is_marker(value: Any, kind: str) -> bool:
    return isinstance(value, Marker) and value.kind == kind


def _is_index(value: Any) -> bool:
    return type(value) is int and value >= 0


def _require_supported(element: str) -> None:
    if element not in ELEMENTS:
        raise CheckpointProblem(
            f"holds a {element} tensor, which glassgrad does not support (it reads {', '.join(ELEMENTS)}; "
            "bfloat16 loads as float32); convert it in torch first, e.g. tensor.float()"
        )


def _rebuild_parameter(data: Any, requires_grad: Any, hooks: Any, state: Any = None) -> TensorRecord:
    """torch._utils._rebuild_parameter(_with_state): `data` as an nn.Parameter. A Parameter subclass's extra
    Python attributes (`state`) are not kept: glassgrad rebuilds a plain gg.nn.Parameter."""
    if not isinstance(data, TensorRecord) or not isinstance(requires_grad, bool):
        raise CheckpointProblem(
            f"is corrupted: _rebuild_parameter got {data!r:.80} and requires_grad {requires_grad!r:.20}"
        )
    _check_requires_grad(data.element, requires_grad)
    fields = {name: getattr(data, name) for name in TensorRecord.__slots__}
    return TensorRecord(**{**fields, "requires_grad": requires_grad, "parameter": True})


def _rebuild_from_type_v2(function: Any, new_type: Any, args: Any, state: Any) -> TensorRecord:
    """torch._tensor._rebuild_from_type_v2: a torch.Tensor that carried Python attributes (not kept)."""
    if function not in TENSOR_REBUILDERS or new_type is not TENSOR_TYPE or not isinstance(args, tuple):
        raise CheckpointProblem(
            f"holds a tensor of type {new_type!r} rebuilt by {function!r}; glassgrad reads plain torch.Tensor "
            "and nn.Parameter only"
        )
    return function(*args)


def _size(sizes: Any) -> tuple[int, ...]:
    """torch.Size(sizes): a tuple of ints."""
    if not isinstance(sizes, (tuple, list)) or not all(map(_is_index, sizes)):
        raise CheckpointProblem(f"is corrupted: torch.Size got {sizes!r}")
    return tuple(sizes)


def _device(kind: Any, index: Any = None) -> DeviceRecord:
    """torch.device('cuda', 0) or torch.device('cpu')."""
    if not isinstance(kind, str) or not (index is None or _is_index(index)):
        raise CheckpointProblem(f"is corrupted: torch.device got {kind!r}, {index!r}")
    return DeviceRecord(spec=kind if index is None else f"{kind}:{index}")


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """_codecs.encode: how protocol-2 pickles spell bytes (`encode('ab', 'latin1')`)."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointProblem(f"is corrupted: _codecs.encode got {type(text).__name__} in {encoding!r}")
    return text.encode("latin1")


def _bytes_from(constructor: type) -> Callable[..., Any]:
    """bytes()/bytearray() from existing bytes only: an int argument would allocate that many zeros."""

    def build(*args: Any) -> Any:
        if len(args) > 1 or (args and not isinstance(args[0], (bytes, bytearray))):
            raise CheckpointProblem(f"is corrupted: {constructor.__name__} got {args!r:.80}")
        return constructor(*args)

    return build


def _callable(qualname: str, function: Callable[..., Any]) -> AllowedCallable:
    return AllowedCallable(qualname=qualname, function=function)


REBUILD_TENSOR_V2 = _callable("torch._utils._rebuild_tensor_v2", _rebuild_tensor_v2)
REBUILD_TENSOR_V3 = _callable("torch._utils._rebuild_tensor_v3", _rebuild_tensor_v3)
TENSOR_REBUILDERS = (REBUILD_TENSOR_V2, REBUILD_TENSOR_V3)
TENSOR_TYPE = Marker(qualname="torch.Tensor", kind="type", element=None)
_UNTYPED_STORAGE = Marker(qualname="torch.UntypedStorage", kind="storage", element=UNTYPED)
_BUILTINS = {
    "set": set,
    "frozenset": frozenset,
    "complex": complex,
    "bytes": _callable("builtins.bytes", _bytes_from(bytes)),
    "bytearray": _callable("builtins.bytearray", _bytes_from(bytearray)),
}

ALLOWED: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("_codecs", "encode"): _callable("_codecs.encode", _encode),
    ("torch._utils", "_rebuild_tensor_v2"): REBUILD_TENSOR_V2,
    ("torch._utils", "_rebuild_tensor_v3"): REBUILD_TENSOR_V3,
    ("torch._utils", "_rebuild_parameter"): _callable("torch._utils._rebuild_parameter", _rebuild_parameter),
    ("torch._utils", "_rebuild_parameter_with_state"): _callable(
        "torch._utils._rebuild_parameter_with_state", _rebuild_parameter
    ),
    ("torch._tensor", "_rebuild_from_type_v2"): _callable(
        "torch._tensor._rebuild_from_type_v2", _rebuild_from_type_v2
    ),
    ("torch", "Tensor"): TENSOR_TYPE,
    ("torch._tensor", "Tensor"): TENSOR_TYPE,
    ("torch", "Size"): _callable("torch.Size", _size),
    ("torch", "device"): _callable("torch.device", _device),
    ("torch", "UntypedStorage"): _UNTYPED_STORAGE,
    ("torch.storage", "UntypedStorage"): _UNTYPED_STORAGE,
    **{
        ("torch", name): Marker(qualname=f"torch.{name}", kind="storage", element=dtype)
        for name, dtype in STORAGE_CLASSES.items()
    },
    **{
        ("torch", name): Marker(qualname=f"torch.{name}", kind="dtype", element=name)
        for name in (*ELEMENTS, *UNSUPPORTED_DTYPES)
    },
    # Protocol 2 writes Python 2's module name for builtins; the default find_class maps it, ours sees it raw.
    **{(module, name): value for module in ("builtins", "__builtin__") for name, value in _BUILTINS.items()},
}


# ---- the unpickler ---------------------------------------------------------------------------------------
class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles one pickle of a torch.save file from `file`, resolving only the globals of `ALLOWED`.

    `storage_id_length` is 5 for the zip format's ids, 6 for the legacy format's (which add a view field that
    must be None). Every storage named is kept in `storages` (key -> StorageRef) for the reader.
    """

    def __init__(self, file: IO[bytes], source: str, storage_id_length: int = 5, **pickle_load_args: Any) -> None:
        super().__init__(file, **pickle_load_args)
        self.source = source
        self.storage_id_length = storage_id_length
        self.storages: dict[str, StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        allowed = ALLOWED.get((module, name))
        if allowed is None:
            raise RefusedGlobalError(
                f"gg.load: {self.source} asks to call or build the Python global {module}.{name}, which glassgrad "
                "refuses: it loads only tensors and plain containers (dicts, lists, tuples, numbers, strings) "
                f"from a PyTorch checkpoint and never runs code from one{_hint(module)}"
            )
        return allowed

    def persistent_load(self, pid: Any) -> StorageRef:
        if not (
            isinstance(pid, tuple)
            and len(pid) == self.storage_id_length
            and pid[0] == "storage"
            and _is_marker(pid[1], "storage")
            and isinstance(pid[2], str)
            and isinstance(pid[3], str)
            and _is_index(pid[4])
            and pid[5:] in ((), (None,))
        ):
            raise CheckpointProblem(f"is corrupted or unsupported: its pickle has the persistent id {pid!r:.200}")
        _, storage_class, key, location, numel = pid[:5]
        known = self.storages.get(key)
        if known is None:
            known = self.storages[key] = StorageRef(
                key=key, element=storage_class.element, numel=numel, location=location
            )
        elif (known.element, known.numel) != (storage_class.element, numel):
            raise CheckpointProblem(f"is corrupted: storage {key!r} is named with two different types or sizes")
        return known


def _hint(module: str) -> str:
    if module.startswith("torch.nn") or module.startswith("torch.optim"):
        return (
            "; this looks like a whole pickled module or optimizer (torch.save(model)): save its state_dict() "
            "in torch instead, and load that into the matching glassgrad model"
        )
    if module.startswith("numpy"):
        return "; NumPy arrays and scalars are not read: turn them into tensors or Python numbers before saving"
    return ""
