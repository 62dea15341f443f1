"""gg.save / gg.load: nested dicts and lists of tensors and plain values in one safetensors file, no pickle.

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
- in a file written with checksums (the default): any change to a tensor's bytes (CRC32 catches every
  error of up to 32 consecutive bits, and any other change with probability 1 - 2**-32), and any change to
  the header that still parses (a value in the tree, a name, a dtype, a shape, an offset);
- a text-mode file object (`open(path)` instead of `open(path, "rb")`).

What it cannot detect: a corrupted file without checksums (one from safetensors, PyTorch, `save(...,
checksum=False)` or a glassgrad before checksums) whose damage keeps the layout valid, such as changed
tensor bytes; a file rewritten consistently with new checksums (CRC32 guards against accidents, not
tampering); and damage confined to the name of the `glassgrad.header_crc32` entry itself, which makes the
file read as one written without a header checksum (every other byte is then still checked). Nothing in a
file is ever executed (no pickle).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import secrets
import struct
import zlib
from typing import IO, Any, Callable, NamedTuple

import numpy as np

from .backend import CPU, move
from .tensor import Tensor

FORMAT_KEY = "glassgrad.format"
TREE_KEY = "glassgrad.tree"
CRC_KEY = "glassgrad.crc32"
HEADER_CRC_KEY = "glassgrad.header_crc32"
FORMAT_VERSION = "1"
MAX_DEPTH = 100  # containers inside containers; keeps json and the tree walk far from Python's recursion limit
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit; a larger length is a corrupted first 8 bytes

# safetensors dtype names -> NumPy dtypes glassgrad holds (bfloat16 is widened to float32, see _read_tensor).
_DTYPES = {
    "F64": np.dtype(np.float64),
    "F32": np.dtype(np.float32),
    "F16": np.dtype(np.float16),
    "I64": np.dtype(np.int64),
    "I32": np.dtype(np.int32),
    "I16": np.dtype(np.int16),
    "I8": np.dtype(np.int8),
    "U8": np.dtype(np.uint8),
    "BOOL": np.dtype(np.bool_),
}
_DTYPE_NAMES = {dtype: name for name, dtype in _DTYPES.items()}
_BF16_ITEMSIZE = 2
_READ_PIECE = 1 << 20  # bytes read (and checksummed) at a time


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
    # Widest items first (as safetensors orders them): with the header padded to 8 bytes, every tensor then
    # starts at a multiple of its item size, so readers that map the file get aligned arrays.
    arrays = sorted(encoder.arrays.items(), key=lambda item: -item[1].itemsize)
    header = _header_bytes(arrays, metadata, checksum)

    def write(file: IO[bytes]) -> None:
        file.write(header)
        for _, array in arrays:
            file.write(array.data)  # straight from the array's memory: no bytes copy of the data

    if hasattr(f, "write"):
        _require_binary(f, "gg.save", repr(getattr(f, "name", f)))
        write(f)
    else:
        _write_atomically(os.fspath(f), write)


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
        if array.dtype not in _DTYPE_NAMES:
            raise TypeError(
                f"gg.save: cannot save the {array.dtype} tensor at {_describe(path)}; safetensors holds "
                f"little-endian {', '.join(str(dtype) for dtype in _DTYPE_NAMES)}"
            )
        # The file holds raw memory, so a strided view (e.g. a transpose) must be made contiguous first
        # (with copy, not np.ascontiguousarray, which turns a 0-d array into a 1-d one).
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        self.names_by_id[id(tensor)] = name
        return name


def _describe(path: tuple) -> str:
    return "the top level" if not path else "obj" + "".join(f"[{part!r}]" for part in path)


def _header_bytes(arrays: list[tuple[str, np.ndarray]], metadata: dict[str, str], checksum: bool) -> bytes:
    """The 8-byte length and the JSON header for `arrays` stored back to back in this order."""
    header: dict[str, Any] = {}
    offset = 0
    for name, array in arrays:
        header[name] = {
            "dtype": _DTYPE_NAMES[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    if checksum:
        metadata[CRC_KEY] = json.dumps({name: zlib.crc32(array.data) for name, array in arrays})
    header["__metadata__"] = metadata
    if checksum:
        metadata[HEADER_CRC_KEY] = str(_header_crc(header))
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # pad with spaces (valid JSON whitespace) to keep the data 8-aligned
    return struct.pack("<Q", len(text)) + text


def _header_crc(header: dict[str, Any]) -> int:
    """CRC32 of the header without its own checksum entry, as JSON with sorted keys: the same bytes whatever
    order or spacing the file used, so only a change of content changes it."""
    metadata = {k: v for k, v in header["__metadata__"].items() if k != HEADER_CRC_KEY}
    canonical = {**header, "__metadata__": metadata}
    return zlib.crc32(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode())


def _require_binary(f: Any, function: str, source: str) -> None:
    if isinstance(f, io.TextIOBase):
        raise _text_mode_error(function, source)


def _text_mode_error(function: str, source: str) -> ValueError:
    return ValueError(
        f"{function}: {source} is a text-mode file object; safetensors files are binary: open it with "
        "open(path, 'rb') (or 'wb' to save), or pass the path itself"
    )


def _write_atomically(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Call `write` on a temporary file next to `path`, fsync it, then rename it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    # os.open with mode 0o666 lets the umask decide the permissions, as a plain open() would.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
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

    Tensors come back on the cpu, with the saved dtype, each read straight into its own array (one copy of
    the data in memory). Any malformed or corrupted file that the module docstring lists (truncated, bad
    header, bad offsets, unknown dtype, a checksum that does not match, ...) raises ValueError naming the
    file; nothing in it is ever executed (no pickle).

    Args:
        f: a path or a binary file object (read from its current position).
    """
    if hasattr(f, "read"):
        source = repr(getattr(f, "name", f))
        _require_binary(f, "gg.load", source)
        return _load_from(f, source, file_size=_remaining_bytes(f))
    source = repr(os.fspath(f))
    with open(f, "rb") as file:
        return _load_from(file, source, file_size=os.fstat(file.fileno()).st_size)


def _remaining_bytes(f: IO[bytes]) -> int | None:
    """Bytes from the current position to the end of a seekable file object (None for a pipe or socket), so
    that a file object is checked against its size as a path is."""
    try:
        if not f.seekable():
            return None
        position = f.tell()
        end = f.seek(0, os.SEEK_END)
        f.seek(position)
    except (AttributeError, OSError):
        return None
    return end - position


class _Entry(NamedTuple):
    """One tensor's line of the header, checked."""

    name: str
    dtype: str  # a safetensors dtype name: a key of _DTYPES, or BF16
    shape: tuple[int, ...]
    begin: int  # byte offsets into the data that follows the header
    end: int


def _load_from(file: IO[bytes], source: str, file_size: int | None) -> Any:
    """1. header  2. its checksum  3. tensor entries  4. tensor data (with checksums)  5. the tree."""
    header, header_end = _read_header(file, source, file_size)
    metadata = _metadata(header, source)
    if HEADER_CRC_KEY in metadata:
        _verify_header_crc(header, metadata[HEADER_CRC_KEY], source)
    data_size = None if file_size is None else file_size - header_end
    entries = _entries(header, source, data_size)
    crcs = _parse_json(metadata[CRC_KEY], source, "checksum table") if CRC_KEY in metadata else None
    if crcs is not None and not isinstance(crcs, dict):
        raise ValueError(f"gg.load: {source} has a malformed {CRC_KEY} entry (not a JSON object)")
    tensors = {entry.name: Tensor(_read_tensor(file, entry, crcs, source)) for entry in entries}
    if FORMAT_KEY not in metadata:
        return tensors  # a plain safetensors file
    if metadata[FORMAT_KEY] != FORMAT_VERSION:
        raise ValueError(
            f"gg.load: {source} has glassgrad format {metadata[FORMAT_KEY]!r}, this glassgrad reads "
            f"{FORMAT_VERSION!r}; load it with a newer glassgrad"
        )
    if TREE_KEY not in metadata:
        raise ValueError(f"gg.load: {source} has a corrupted glassgrad tree in its metadata (it is missing)")
    tree = _parse_json(metadata[TREE_KEY], source, "glassgrad tree")
    try:
        return _decode(tree, tensors, depth=0)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"gg.load: {source} has a corrupted glassgrad tree in its metadata ({error})") from error


def _read_header(file: IO[bytes], source: str, file_size: int | None) -> tuple[dict[str, Any], int]:
    """The header as a dict, and the offset where the data starts."""
    prefix = _read_bytes(file, 8)
    if len(prefix) < 8:
        raise ValueError(f"gg.load: {source} is not a safetensors file: {len(prefix)} bytes, shorter than its header")
    (header_size,) = struct.unpack("<Q", prefix)
    available = "an unknown number" if file_size is None else file_size - 8
    if header_size > MAX_HEADER_BYTES or (file_size is not None and header_size > file_size - 8):
        raise ValueError(
            f"gg.load: {source} is truncated or not a safetensors file: its header claims {header_size} "
            f"bytes, but only {available} follow (safetensors headers are at most {MAX_HEADER_BYTES})"
        )
    text = _read_bytes(file, header_size)
    if len(text) < header_size:
        raise ValueError(
            f"gg.load: {source} is truncated: its header claims {header_size} bytes, but only {len(text)} follow"
        )
    header = _parse_json(text, source, "header")
    if not isinstance(header, dict):
        raise ValueError(f"gg.load: {source} is not a safetensors file: its header is not a JSON object")
    return header, 8 + header_size


def _read_bytes(file: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the file (a pipe may return less per read)."""
    pieces = []
    remaining = size
    while remaining:
        piece = file.read(remaining)
        if isinstance(piece, str):  # a text-mode file object that is not an io.TextIOBase
            raise _text_mode_error("gg.load", repr(getattr(file, "name", file)))
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)


def _parse_json(text: bytes | str, source: str, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:  # json nests by recursion: a deep enough file would otherwise escape as this
        raise ValueError(
            f"gg.load: {source} is corrupted: its {what} is nested too deeply (glassgrad writes at most "
            f"{MAX_DEPTH} levels)"
        ) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"gg.load: {source} is corrupted: its {what} is not valid JSON ({error})") from error


def _metadata(header: dict[str, Any], source: str) -> dict[str, str]:
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or not all(isinstance(value, str) for value in metadata.values()):
        raise ValueError(f"gg.load: {source} has a malformed __metadata__ entry (not a JSON object of strings)")
    return metadata


def _verify_header_crc(header: dict[str, Any], stored: str, source: str) -> None:
    if not stored.isdigit() or int(stored) != _header_crc(header):
        raise ValueError(
            f"gg.load: {source} is corrupted: its header does not match the checksum it was saved with "
            f"(a changed name, dtype, shape, offset or value in the saved tree)"
        )


def _entries(header: dict[str, Any], source: str, data_size: int | None) -> list[_Entry]:
    """Every tensor entry, checked and sorted by offset; together they must tile the data exactly."""
    entries = sorted(
        (_entry(name, info, source) for name, info in header.items() if name != "__metadata__"),
        key=lambda entry: (entry.begin, entry.end),
    )
    position = 0
    for entry in entries:
        if entry.begin != position:
            problem = "overlaps the tensor before it" if entry.begin < position else "leaves a hole before it"
            raise ValueError(
                f"gg.load: {source} is corrupted: tensor {entry.name!r} starts at data byte {entry.begin}, "
                f"which {problem} (that one ends at {position})"
            )
        position = entry.end
    if data_size is not None and position != data_size:
        problem = "is truncated" if position > data_size else "has bytes after its last tensor"
        raise ValueError(
            f"gg.load: {source} {problem}: its tensors span {position} data bytes, the file holds {data_size}"
        )
    return entries


def _entry(name: str, info: Any, source: str) -> _Entry:
    where = f"gg.load: tensor {name!r} in {source}"
    if not isinstance(info, dict):
        raise ValueError(f"{where} has a malformed header entry (not a JSON object)")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype != "BF16" and dtype not in _DTYPES:
        raise ValueError(
            f"{where} has dtype {dtype}, which glassgrad does not support (it reads {', '.join(_DTYPES)} and BF16)"
        )
    if not isinstance(shape, list) or not all(type(size) is int and size >= 0 for size in shape):
        raise ValueError(f"{where} has a malformed shape {shape!r} (expected a list of non-negative ints)")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(type(offset) is int for offset in offsets)
        or not 0 <= offsets[0] <= offsets[1]
    ):
        raise ValueError(f"{where} has malformed data_offsets {offsets!r} (expected [begin, end], begin <= end)")
    itemsize = _BF16_ITEMSIZE if dtype == "BF16" else _DTYPES[dtype].itemsize
    nbytes = math.prod(shape) * itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise ValueError(
            f"{where} is corrupted: shape {shape} of {dtype} is {nbytes} bytes, but its data_offsets "
            f"{offsets} span {offsets[1] - offsets[0]}"
        )
    return _Entry(name, dtype, tuple(shape), offsets[0], offsets[1])


def _read_tensor(file: IO[bytes], entry: _Entry, crcs: dict | None, source: str) -> np.ndarray:
    """Read one tensor straight into a new array (the entries come in file order: no seeks), check its CRC."""
    raw_dtype = np.uint16 if entry.dtype == "BF16" else _DTYPES[entry.dtype]
    array = np.empty(entry.shape, dtype=raw_dtype)
    crc = _read_exactly(file, array, entry, source)
    if crcs is not None and crcs.get(entry.name) != crc:  # None: no checksums (safetensors, PyTorch, ...)
        raise ValueError(
            f"gg.load: {source} is corrupted: the bytes of tensor {entry.name!r} do not match the checksum "
            f"they were saved with"
        )
    if entry.dtype == "BF16":
        # bfloat16 is the top half of a float32: widen exactly by shifting its bits up.
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array


def _read_exactly(file: IO[bytes], array: np.ndarray, entry: _Entry, source: str) -> int:
    """Fill `array`'s memory from the file and return the CRC32 of its bytes.

    In 1 MiB pieces, each checksummed while it is still in the cache (twice as fast as one pass for the read
    and one for the CRC); a short read (a pipe, a raw file) is continued.
    """
    buffer = memoryview(array.reshape(-1).view(np.uint8))  # (nbytes,) bytes of a fresh C-ordered array
    readinto = getattr(file, "readinto", None)
    crc = 0
    filled = 0
    while filled < len(buffer):
        piece = buffer[filled : filled + _READ_PIECE]
        if readinto is not None:
            count = readinto(piece) or 0
        else:  # a file-like object with only read(): a transient copy of one piece
            chunk = file.read(len(piece))
            count = len(chunk)
            piece[:count] = chunk
        if count == 0:
            raise ValueError(
                f"gg.load: {source} is truncated: tensor {entry.name!r} needs {len(buffer)} bytes, "
                f"the file ends after {filled}"
            )
        crc = zlib.crc32(piece[:count], crc)
        filled += count
    return crc


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
