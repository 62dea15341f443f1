"""gg.save / gg.load: nested dicts and lists of tensors and plain values in one safetensors file, no pickle.

File layout
-----------
A standard safetensors file (8-byte little-endian header length, a JSON header, the raw tensor bytes), so
any safetensors reader can open it. Its `__metadata__` holds two strings:

- `"glassgrad.format"`: `"1"`, the version of the layout below;
- `"glassgrad.tree"`: the saved object as JSON, with every tensor replaced by a reference to its name.

The tree is JSON in which plain values stand for themselves and every JSON object is one of these tags,
so no user value can be mistaken for a tag:

    null, true, false, "text", 3, 0.5      None, bools, strings, ints, finite floats
    {"float": "nan" | "inf" | "-inf"}      the non-finite floats (strict JSON has no literal for them)
    {"tensor": "state.0.exp_avg"}          a tensor, stored in the file under that name
    {"list": [...]}, {"tuple": [...]}      sequences (tuples stay tuples)
    {"dict": [[key, value], ...]}          a dict in order; each key is a JSON string, number, bool or null,
                                           so its type survives: an optimizer's int parameter ids stay ints

Tensor names are the dotted paths of keys and list indices (`model.layer.weight`, `state.0.exp_avg`), so the
file reads well in other tools; a dict of str -> tensor at the top level (a model's state_dict) is stored
under its keys unchanged. Two paths can give one name (a key that contains a dot, or int 0 beside "0"):
the later one gets `~1` (then `~2`, ...) appended. Names are never parsed back, since the tree records each
tensor's exact name, so they only need to be unique. One tensor object reached twice is stored once and
comes back as one object.

Values: Tensors (saved as their data: dtype and bytes exactly, on the cpu, without requires_grad), dicts
(and dict subclasses such as Counter/OrderedDict, which load as dict), lists, tuples, str, int, float, bool,
None. NumPy scalars are saved as the Python number of the same value. Anything else raises TypeError.

`load` also reads a plain safetensors file (e.g. written by `safetensors.torch.save_file(model.state_dict())`)
as a flat dict of name -> Tensor; bfloat16 tensors, which NumPy cannot hold, load as float32 (exactly).

`save` writes atomically: to a temporary file in the same directory, flushed and fsynced, then renamed over
the target with `os.replace`, so a crash never leaves a half-written checkpoint under the real name.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import struct
from typing import IO, Any

import numpy as np
import safetensors
import safetensors.numpy

from .backend import CPU, move
from .tensor import Tensor

FORMAT_KEY = "glassgrad.format"
TREE_KEY = "glassgrad.tree"
FORMAT_VERSION = "1"

# safetensors dtype names -> NumPy dtypes glassgrad holds (bfloat16 is widened to float32, see _to_array).
_DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}


# ---- save ------------------------------------------------------------------------------------------------
def save(obj: Any, f: str | os.PathLike | IO[bytes]) -> None:
    """Save `obj` (a Tensor, or nested dicts/lists/tuples of Tensors and plain values) to a safetensors file.

    Args:
        obj: what to save, e.g. `{"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 100}`.
        f: a path (written atomically) or a binary file object.

    Example:
        >>> import glassgrad as gg, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "checkpoint.safetensors")
        >>> gg.save({"w": gg.tensor([1.0, 2.0]), "step": 3, "betas": (0.9, 0.999)}, path)
        >>> loaded = gg.load(path)
        >>> loaded["w"].tolist(), loaded["step"], loaded["betas"]
        ([1.0, 2.0], 3, (0.9, 0.999))
    """
    encoder = _Encoder()
    tree = encoder.encode(obj, ())
    metadata = {
        FORMAT_KEY: FORMAT_VERSION,
        TREE_KEY: json.dumps(tree, allow_nan=False, separators=(",", ":")),
    }
    data = safetensors.numpy.save(encoder.arrays, metadata=metadata)
    if hasattr(f, "write"):
        f.write(data)
    else:
        _write_atomically(os.fspath(f), data)


class _Encoder:
    """Turns an object into the JSON tree, collecting its tensors' arrays under unique names."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.names_by_id: dict[int, str] = {}

    def encode(self, obj: Any, path: tuple) -> Any:
        if isinstance(obj, Tensor):
            return {"tensor": self.add_tensor(obj, path)}
        if obj is None or isinstance(obj, (bool, str, int)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}  # 'nan', 'inf', '-inf'
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item(), path)
        if isinstance(obj, dict):
            return {
                "dict": [
                    [self.encode_key(key, path), self.encode(value, (*path, key))]
                    for key, value in obj.items()
                ]
            }
        if isinstance(obj, (list, tuple)):
            tag = "tuple" if isinstance(obj, tuple) else "list"
            return {tag: [self.encode(value, (*path, index)) for index, value in enumerate(obj)]}
        hint = "; wrap arrays with gg.from_numpy" if isinstance(obj, np.ndarray) else ""
        raise TypeError(
            f"gg.save: cannot save a {type(obj).__name__} at {_describe(path)}; it saves Tensors, dicts, "
            f"lists, tuples, str, int, float, bool and None{hint}"
        )

    def encode_key(self, key: Any, path: tuple) -> Any:
        if (
            key is None
            or isinstance(key, (bool, str, int))
            or (isinstance(key, float) and math.isfinite(key))
        ):
            return key
        raise TypeError(
            f"gg.save: cannot save the dict key {key!r} ({type(key).__name__}) at {_describe(path)}; "
            "keys must be str, int, finite float, bool or None"
        )

    def add_tensor(self, tensor: Tensor, path: tuple) -> str:
        name = self.names_by_id.get(id(tensor))
        if name is not None:  # the same tensor object again: store it once
            return name
        base = ".".join(str(part) for part in path) or "tensor"
        name = base
        suffix = 0
        while name in self.arrays or name == "__metadata__":  # __metadata__ is reserved by safetensors
            suffix += 1
            name = f"{base}~{suffix}"
        array = move(tensor.array, CPU)
        # safetensors copies raw memory, so a strided view (e.g. a transpose) must be made contiguous first
        # (with copy, not np.ascontiguousarray, which turns a 0-d array into a 1-d one).
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        self.names_by_id[id(tensor)] = name
        return name


def _describe(path: tuple) -> str:
    return "the top level" if not path else "obj" + "".join(f"[{part!r}]" for part in path)


def _write_atomically(path: str, data: bytes) -> None:
    """Write `data` to a temporary file next to `path`, fsync it, then rename it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as a plain open() would.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- load ------------------------------------------------------------------------------------------------
def load(f: str | os.PathLike | IO[bytes]) -> Any:
    """Load what `save` wrote, or any safetensors file (as a flat dict of name -> Tensor).

    Tensors come back on the cpu, with the saved dtype. A truncated or corrupted file raises ValueError
    naming the file; nothing in it is ever executed (no pickle).

    Args:
        f: a path or a binary file object.
    """
    if hasattr(f, "read"):
        source = repr(getattr(f, "name", f))
        data = f.read()
    else:
        source = repr(os.fspath(f))
        with open(f, "rb") as file:
            data = file.read()
    metadata = _read_metadata(data, source)
    try:
        views = safetensors.deserialize(data)
    except Exception as error:  # SafetensorError and friends: bad offsets, truncated data, ...
        raise ValueError(f"gg.load: {source} is not a valid safetensors file ({error})") from error
    tensors = {name: Tensor(_to_array(view, name, source)) for name, view in views}
    if FORMAT_KEY not in metadata:
        return tensors  # a plain safetensors file
    if metadata[FORMAT_KEY] != FORMAT_VERSION:
        raise ValueError(
            f"gg.load: {source} has glassgrad format {metadata[FORMAT_KEY]!r}, this glassgrad reads "
            f"{FORMAT_VERSION!r}; load it with a newer glassgrad"
        )
    try:
        tree = json.loads(metadata[TREE_KEY])
        return _decode(tree, tensors)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"gg.load: {source} has a corrupted glassgrad tree in its metadata ({error})"
        ) from error


def _read_metadata(data: bytes, source: str) -> dict[str, str]:
    """The header's `__metadata__`, after checking that the header is complete, well-formed JSON."""
    if len(data) < 8:
        raise ValueError(
            f"gg.load: {source} is not a safetensors file: {len(data)} bytes, shorter than its header"
        )
    (header_size,) = struct.unpack("<Q", data[:8])
    if header_size > len(data) - 8:
        raise ValueError(
            f"gg.load: {source} is truncated or not a safetensors file: its header claims {header_size} "
            f"bytes, but only {len(data) - 8} follow"
        )
    try:
        header = json.loads(data[8 : 8 + header_size])
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(
            f"gg.load: {source} is not a safetensors file: its header is not JSON ({error})"
        ) from error
    if not isinstance(header, dict):
        raise ValueError(f"gg.load: {source} is not a safetensors file: its header is not a JSON object")
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise ValueError(f"gg.load: {source} has a malformed __metadata__ entry (not a JSON object)")
    return metadata


def _to_array(view: dict[str, Any], name: str, source: str) -> np.ndarray:
    """A writable NumPy array of one deserialized tensor (copied out of the file's bytes)."""
    dtype = view["dtype"]
    if dtype == "BF16":
        # bfloat16 is the top half of a float32: widen exactly by shifting its bits up.
        bits = np.frombuffer(view["data"], dtype=np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(view["shape"])
    if dtype not in _DTYPES:
        raise ValueError(
            f"gg.load: tensor {name!r} in {source} has dtype {dtype}, which glassgrad does not support "
            f"(it reads {', '.join(_DTYPES)} and BF16)"
        )
    return np.frombuffer(view["data"], dtype=_DTYPES[dtype]).reshape(view["shape"]).copy()


def _decode(node: Any, tensors: dict[str, Tensor]) -> Any:
    if not isinstance(node, dict):
        if isinstance(node, list):
            raise ValueError("a bare JSON list is not a valid node")
        return node
    if len(node) != 1:
        raise ValueError(f"a tag must have exactly one key, got {sorted(node)}")
    ((tag, value),) = node.items()
    if tag == "tensor":
        if value not in tensors:
            raise ValueError(f"the tree refers to tensor {value!r}, which the file does not hold")
        return tensors[value]
    if tag == "float":
        if value not in ("nan", "inf", "-inf"):
            raise ValueError(f"unknown float {value!r}")
        return float(value)
    if tag == "list":
        return [_decode(item, tensors) for item in value]
    if tag == "tuple":
        return tuple(_decode(item, tensors) for item in value)
    if tag == "dict":
        return {key: _decode(item, tensors) for key, item in value}
    raise ValueError(f"unknown tag {tag!r}")
