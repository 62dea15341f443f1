"""Turn an unpickled torch.save tree (records from restricted_unpickler.py) into glassgrad objects.

Tensors become gg.Tensor (gg.nn.Parameter where torch saved a Parameter, with its requires_grad), each with
its own C-contiguous array; dicts (OrderedDict included) become dicts; lists, tuples, sets, numbers, strings,
bytes and None stay as they are. One object reached twice (a tied weight) comes back as one object.
"""

from __future__ import annotations

import collections
import math
from typing import Any, Callable

import numpy as np

from .. import _safetensors_file as safetensors_file
from ..backend import device as Device
from ..backend import move
from ..backend.dtype import bfloat16, from_numpy_dtype
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .restricted_unpickler import (
    ELEMENTS,
    CheckpointProblem,
    DeviceRecord,
    Marker,
    StorageRef,
    TensorRecord,
)

_PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray)


class TreeBuilder:
    """Builds glassgrad objects from records, reading each storage's bytes through `read_storage` once.

    Args:
        read_storage: StorageRef -> its bytes as a fresh, writable uint8 array.
        byteorder: "little" or "big", the byte order of the storages.
        placement: a storage location ("cpu", "cuda:0") -> the gg.device its tensors land on (map_location).
        max_depth: containers inside containers allowed, as gg.load allows its own files.
    """

    def __init__(
        self, read_storage: Callable[[StorageRef], np.ndarray], byteorder: str,
        placement: Callable[[str], Device], max_depth: int,
    ) -> None:
        self.read_storage = read_storage
        self.byteorder = "<" if byteorder == "little" else ">"
        self.placement = placement
        self.max_depth = max_depth
        self.storage_bytes: dict[str, np.ndarray] = {}
        self.given_away: set[str] = set()  # storages whose buffer a tensor now owns (later users copy from it)
        # id(record or container) -> what it became; the ids stay unique since the caller holds the whole tree
        self.built: dict[int, Any] = {}

    def build(self, obj: Any, path: tuple = ()) -> Any:
        """The glassgrad object for `obj`; `path` (keys and indices from the top) names it in errors."""
        if type(obj) in _PLAIN:
            return obj
        if id(obj) in self.built:
            return self.built[id(obj)]
        if len(path) > self.max_depth:  # also what a container holding itself runs into
            raise CheckpointProblem(
                f"is nested more than {self.max_depth} containers deep (or holds itself) at {_describe(path[:4])}..."
            )
        result = self._build_new(obj, path)
        self.built[id(obj)] = result
        return result

    def _build_new(self, obj: Any, path: tuple) -> Any:
        if isinstance(obj, TensorRecord):
            return self.tensor(obj)
        if type(obj) in (dict, collections.OrderedDict):
            return {self.build(key, path): self.build(value, (*path, key)) for key, value in obj.items()}
        if type(obj) in (list, tuple, set, frozenset):
            return type(obj)(self.build(value, (*path, index)) for index, value in enumerate(obj))
        if isinstance(obj, DeviceRecord):
            try:
                return Device(obj.spec)
            except ValueError as error:  # a device glassgrad does not have, such as "mps"
                raise CheckpointProblem(f"holds {obj!r} at {_describe(path)}: {error}") from None
        if isinstance(obj, Marker) and obj.kind == "dtype" and obj.element in ELEMENTS:  # a dtype in a config
            return bfloat16 if obj.element == "bfloat16" else from_numpy_dtype(ELEMENTS[obj.element])
        raise CheckpointProblem(
            f"holds {obj!r} at {_describe(path)}, which glassgrad does not load (it loads tensors, dicts, lists, "
            "tuples, sets, numbers, strings, bytes, None, and the dtypes and devices it has)"
        )

    def tensor(self, record: TensorRecord) -> Tensor:
        """The record's elements in a C-contiguous array of their own, on the device map_location gives."""
        array = self._array(record)
        if record.element == "bfloat16":
            array = safetensors_file.widen_bfloat16(array)
        array = move(array, self.placement(record.storage.location))
        if record.parameter:
            return Parameter(Tensor(array), requires_grad=record.requires_grad)
        return Tensor(array, requires_grad=record.requires_grad)

    def _array(self, record: TensorRecord) -> np.ndarray:
        element = ELEMENTS[record.element]
        raw = self._storage(record.storage)
        whole_elements = raw.size // element.itemsize  # an untyped storage may end in a partial element
        typed = raw[: whole_elements * element.itemsize].view(element.newbyteorder(self.byteorder))  # (numel,)
        key = record.storage.key
        covers_all = record.offset == 0 and math.prod(record.size) == typed.size and _is_c_contiguous(record)
        if covers_all and key not in self.given_away and typed.dtype.isnative:
            self.given_away.add(key)  # the common case, a whole storage: its buffer becomes the tensor's
            return typed.reshape(record.size)
        # A view (a slice, a transpose, a shared storage): gather its elements into an array of its own.
        strides = tuple(step * element.itemsize for step in record.stride)
        view = np.lib.stride_tricks.as_strided(typed[record.offset :], record.size, strides, writeable=False)
        return np.array(view, dtype=element, order="C")  # a native-order copy (0-d stays 0-d)

    def _storage(self, ref: StorageRef) -> np.ndarray:
        raw = self.storage_bytes.get(ref.key)
        if raw is None:
            raw = self.storage_bytes[ref.key] = self.read_storage(ref)
        return raw


def storage_nbytes(ref: StorageRef) -> int:
    """The bytes a storage occupies in the file (an untyped storage's numel counts bytes)."""
    return ref.numel if ref.element not in ELEMENTS else ref.numel * ELEMENTS[ref.element].itemsize


def _is_c_contiguous(record: TensorRecord) -> bool:
    expected = 1
    for length, step in zip(reversed(record.size), reversed(record.stride)):
        if length != 1 and step != expected:
            return False
        expected *= length
    return True


def _describe(path: tuple) -> str:
    return "the top level" if not path else "obj" + "".join(f"[{part!r}]" for part in path)
