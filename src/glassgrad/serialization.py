"""gg.save / gg.load: nested dicts and lists of tensors and plain values in one safetensors file, no pickle;
gg.load also reads PyTorch's `torch.save` files, without running their pickle code.

File layout
-----------
A standard safetensors file (8-byte little-endian header length, a JSON header padded with spaces to a
multiple of 8 bytes, the raw tensor bytes), so any safetensors reader can open it. Its `__metadata__` holds
these strings:

- `"glassgrad.format"`: `"1"`, the version of the layout below;
- `"glassgrad.tree"`: the saved object as JSON, with every tensor replaced by a reference to its name;
- `"glassgrad.crc32"`: a JSON object, tensor name -> CRC32 of that tensor's bytes (`checksum=True`);
- `"glassgrad.header_crc32"`: the CRC32 of the header with this one entry left out, written as JSON with
  sorted keys and no spaces (`checksum=True`), so it covers every name, dtype, shape, offset and the tree.

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
None, nested at most `MAX_DEPTH` (100) containers deep. NumPy scalars are saved as the Python number of the
same value. Anything else raises TypeError.

`load` also reads a plain safetensors file (e.g. written by `safetensors.torch.save_file(model.state_dict())`)
as a flat dict of name -> Tensor; bfloat16 tensors, which NumPy cannot hold, load as float32 (exactly).

Writing and reading
-------------------
`save` writes atomically: to a temporary file in the same directory, flushed and fsynced, then renamed over
the target with `os.replace`, so a crash never leaves a half-written checkpoint under the real name. Both
directions stream each tensor's bytes straight between the file and the array's memory, so `load` holds one
copy of the data (peak memory about the file's size) and `save` none beyond the tensors themselves.

What `load` detects
-------------------
Every problem below raises ValueError naming the file (and the tensor, where there is one):

- a file that is empty, truncated anywhere (header or data), or has bytes after its last tensor;
- a header length larger than the file or than 100 MB, a header that is not UTF-8 JSON or not a JSON object,
  or is nested too deeply; a `__metadata__` that is not an object of strings;
- a tensor entry without a known dtype, a shape of non-negative ints or two ordered byte offsets; a shape ×
  dtype size different from its byte length; offsets that overlap, leave a hole, or run past the file's end;
- a glassgrad tree that is not valid JSON, uses an unknown tag, names a tensor the file lacks, or is nested
  deeper than `MAX_DEPTH`; an unknown glassgrad format version;
- in a file written with checksums (the default): any change to a tensor's bytes (CRC32 catches every burst
  of up to 32 changed bits, and misses any other change only with probability about 2**-32), and any change
  to the header that still parses (a value in the tree, a name, a dtype, a shape, an offset);
- a text-mode file object (`open(path)` instead of `open(path, "rb")`).

What it cannot detect:

- in a file without checksums (written by safetensors, PyTorch, `save(..., checksum=False)` or a glassgrad
  before checksums), damage that keeps the layout valid, such as changed tensor bytes or tree values;
- a file rewritten consistently with new checksums (CRC32 guards against accidents, not tampering);
- damage confined to the name of the `glassgrad.header_crc32` entry (a flipped bit that keeps it ASCII): the
  file then reads as one without a header checksum, and every other byte is still checked;
- bytes after the last tensor of a file object that cannot seek (a pipe), which are left unread.

PyTorch checkpoints
-------------------
`load` tells the format by the first bytes: a zip archive (`PK\x03\x04`, torch.save since 1.6) or a pickle
(`\x80`, the legacy torch.save stream) goes to `glassgrad.torch_checkpoint`, anything else to the safetensors
reader above, and a file that is neither (its first 8 bytes are not a plausible header length and no JSON
header follows) is reported as such, with what it starts with. The torch reader builds tensors and plain
containers only: every other Python global the pickle names is refused before anything is called (see that
package's docstring for what loads and what it checks). `map_location`, `weights_only`, `mmap` and
`pickle_module` are accepted as in torch.load; weights_only=False does not enable arbitrary unpickling.

Nothing in a file is ever executed.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import struct
from typing import IO, Any

import numpy as np

from . import _safetensors_file as safetensors_file
from . import torch_checkpoint
from ._map_location import Placement, placement_for
from .backend import CPU, move
from .tensor import Tensor

FORMAT_KEY = "glassgrad.format"
TREE_KEY = "glassgrad.tree"
FORMAT_VERSION = "1"
MAX_DEPTH = 100  # containers inside containers; keeps json and the tree walk far from Python's recursion limit


# ---- save ------------------------------------------------------------------------------------------------
def save(obj: Any, f: str | os.PathLike | IO[bytes], checksum: bool = True) -> None:
    """Save `obj` (a Tensor, or nested dicts/lists/tuples of Tensors and plain values) to a safetensors file.

    Args:
        obj: what to save, e.g. `{"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 100}`.
        f: a path (written atomically) or a binary file object.
        checksum: store a CRC32 of each tensor and of the header, which `load` verifies (about 2 GB/s).

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
    if hasattr(f, "write"):
        safetensors_file.require_binary(f, "gg.save", repr(getattr(f, "name", f)))
        safetensors_file.write(f, encoder.arrays, metadata, checksum)
    else:
        safetensors_file.write_atomically(
            os.fspath(f), lambda file: safetensors_file.write(file, encoder.arrays, metadata, checksum)
        )


class _Encoder:
    """Turns an object into the JSON tree, collecting its tensors' arrays under unique names."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.names_by_id: dict[int, str] = {}

    def encode(self, obj: Any, path: tuple) -> Any:
        if len(path) > MAX_DEPTH:  # also what a container that holds itself runs into
            raise ValueError(
                f"gg.save: the object is nested more than {MAX_DEPTH} containers deep (or holds itself) at "
                f"{_describe(path[:4])}...; save a flatter structure"
            )
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
                "dict": [[self.encode_key(key, path), self.encode(value, (*path, key))] for key, value in obj.items()]
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
        if key is None or isinstance(key, (bool, str, int)) or (isinstance(key, float) and math.isfinite(key)):
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
        if array.dtype not in safetensors_file.DTYPE_NAMES:
            raise TypeError(
                f"gg.save: cannot save the {array.dtype} tensor at {_describe(path)}; safetensors holds "
                f"little-endian {', '.join(str(dtype) for dtype in safetensors_file.DTYPE_NAMES)}"
            )
        # The file holds raw memory, so a strided view (e.g. a transpose) must be made contiguous first
        # (with copy, not np.ascontiguousarray, which turns a 0-d array into a 1-d one).
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        self.names_by_id[id(tensor)] = name
        return name


def _describe(path: tuple) -> str:
    return "the top level" if not path else "obj" + "".join(f"[{part!r}]" for part in path)


# ---- load ------------------------------------------------------------------------------------------------
def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load what `save` wrote, any safetensors file (as a flat dict of name -> Tensor), or a `torch.save` file.

    The format is read from the file's first bytes: a zip archive or a pickle is a PyTorch checkpoint, read
    by glassgrad.torch_checkpoint without running any pickle code (only tensors and plain containers are
    built; any other Python object the file names is refused); anything else is read as safetensors. Tensors
    come back with the saved dtype (bfloat16 as float32), on the cpu unless `map_location` says otherwise.
    Any malformed or corrupted file (truncated, bad header or offsets, unknown dtype, a checksum that does
    not match, a refused pickle global, ...) raises ValueError naming the file.

    Args:
        f: a path or a binary file object (read from its current position).
        map_location: where tensors land, as in torch.load: None (the cpu), a device ("cpu", "cuda", a
            gg.device or torch.device), a dict {saved location: device} or a callable(storage, location);
            see glassgrad._map_location. "cuda" without a GPU raises RuntimeError, as torch does.
        pickle_module: None (or the pickle module itself): glassgrad always uses its restricted unpickler.
        weights_only: accepted for torch.load's signature; True, None and False all read with the restricted
            unpickler. False does not turn on arbitrary unpickling: that would run code named by the file,
            and the objects it rebuilds (torch modules, NumPy arrays) are not glassgrad's anyway.
        mmap: accepted for torch.load's signature (with a path only, as torch): the data is read into memory
            either way.
        **pickle_load_args: `encoding` and `errors` for the unpickler (for Python 2 era checkpoints).

    Example:
        >>> import glassgrad as gg, io
        >>> buffer = io.BytesIO()
        >>> gg.save({"w": gg.tensor([1.0, 2.0])}, buffer)
        >>> _ = buffer.seek(0)
        >>> gg.load(buffer, map_location="cpu", weights_only=True)["w"].tolist()
        [1.0, 2.0]
    """
    _check_load_options(f, pickle_module, mmap, pickle_load_args)
    placement = placement_for(map_location)
    if hasattr(f, "read"):
        source = repr(getattr(f, "name", f))
        safetensors_file.require_binary(f, "gg.load", source)
        return _load_file(f, source, safetensors_file.remaining_bytes(f), placement, pickle_load_args)
    source = repr(os.fspath(f))
    with open(f, "rb") as file:
        return _load_file(file, source, os.fstat(file.fileno()).st_size, placement, pickle_load_args)


_PICKLE_LOAD_ARGS = ("encoding", "errors")


def _check_load_options(f: Any, pickle_module: Any, mmap: bool | None, pickle_load_args: dict[str, Any]) -> None:
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError(
            f"gg.load: pickle_module={pickle_module!r} is not supported: glassgrad reads PyTorch checkpoints "
            "with its own restricted unpickler, which never runs code from the file; leave it out"
        )
    if mmap and hasattr(f, "read"):
        raise ValueError("gg.load: mmap=True needs a file path, not a file object (as in torch.load)")
    unknown = sorted(set(pickle_load_args) - set(_PICKLE_LOAD_ARGS))
    if unknown:
        raise TypeError(f"gg.load() got unexpected keyword arguments {unknown}; it takes {list(_PICKLE_LOAD_ARGS)}")


def _load_file(
    file: IO[bytes], source: str, size: int | None, placement: Placement, pickle_load_args: dict[str, Any]
) -> Any:
    """Read the file's first bytes to tell its format (`size`: bytes left, None for a pipe), then load it."""
    prefix = safetensors_file.read_bytes(file, 9)
    is_torch = torch_checkpoint.is_zip_checkpoint(prefix) or torch_checkpoint.is_legacy_checkpoint(prefix)
    if not is_torch and _is_neither_format(prefix, size):
        raise ValueError(
            f"gg.load: {source} is not a glassgrad/safetensors file nor a PyTorch checkpoint: it starts with "
            f"{prefix[:8]!r}{_what_it_looks_like(prefix)}"
        )
    if size is not None:
        file.seek(-len(prefix), os.SEEK_CUR)
    elif is_torch:  # a pipe: zip needs to seek, and the legacy stream is rare, so read it all first
        file = io.BytesIO(prefix + file.read())
    else:
        file = _Prefixed(prefix, file)
    if is_torch:
        return torch_checkpoint.load(file, source, placement, MAX_DEPTH, pickle_load_args)
    return _load_safetensors(file, source, size, placement)


def _is_neither_format(prefix: bytes, size: int | None) -> bool:
    """A header length beyond the file (or safetensors' limit) not followed by the "{" of its JSON header."""
    if len(prefix) < 9:
        return False  # the safetensors reader says how short the file is
    (header_size,) = struct.unpack("<Q", prefix[:8])
    beyond = header_size > safetensors_file.MAX_HEADER_BYTES or (size is not None and header_size > size - 8)
    return beyond and prefix[8:9] != b"{"


_SIGNATURES = {
    b"\x1f\x8b": "gzip-compressed data",
    b"\x93NUMPY": "a NumPy .npy file (load it with numpy.load)",
    b"\x89HDF": "an HDF5 file (Keras .h5)",
    b"\x80": "a pickle that is not a torch.save file",
}


def _what_it_looks_like(prefix: bytes) -> str:
    for signature, description in _SIGNATURES.items():
        if prefix.startswith(signature):
            return f", which looks like {description}"
    if all(32 <= byte < 127 or byte in b"\t\r\n" for byte in prefix):
        return ", which looks like text"
    return ""


class _Prefixed(io.RawIOBase):
    """A stream that cannot seek, with the bytes already read from it put back in front."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self.prefix = prefix
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.prefix:
            count = min(len(buffer), len(self.prefix))
            buffer[:count] = self.prefix[:count]
            self.prefix = self.prefix[count:]
            return count
        chunk = self.rest.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _load_safetensors(file: IO[bytes], source: str, size: int | None, placement: Placement) -> Any:
    metadata, arrays = safetensors_file.read(file, source, size)
    target = placement("cpu")  # a safetensors file records no location: map_location's answer for "cpu"
    tensors = {name: Tensor(move(array, target)) for name, array in arrays.items()}
    if FORMAT_KEY not in metadata:
        return tensors  # a plain safetensors file
    if metadata[FORMAT_KEY] != FORMAT_VERSION:
        raise ValueError(
            f"gg.load: {source} has glassgrad format {metadata[FORMAT_KEY]!r}, this glassgrad reads "
            f"{FORMAT_VERSION!r}; load it with a newer glassgrad"
        )
    if TREE_KEY not in metadata:
        raise ValueError(f"gg.load: {source} has a corrupted glassgrad tree in its metadata (it is missing)")
    tree = safetensors_file.parse_json(metadata[TREE_KEY], source, "glassgrad tree")
    try:
        return _decode(tree, tensors, depth=0)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"gg.load: {source} has a corrupted glassgrad tree in its metadata ({error})") from error


def _decode(node: Any, tensors: dict[str, Tensor], depth: int) -> Any:
    """The object a tree node stands for; `depth` counts the containers around it, as save does."""
    if depth > MAX_DEPTH:  # what save refuses to write; bounds the recursion below
        raise ValueError(f"it is nested more than {MAX_DEPTH} containers deep")
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
        return [_decode(item, tensors, depth + 1) for item in value]
    if tag == "tuple":
        return tuple(_decode(item, tensors, depth + 1) for item in value)
    if tag == "dict":
        return {key: _decode(item, tensors, depth + 1) for key, item in value}
    raise ValueError(f"unknown tag {tag!r}")
