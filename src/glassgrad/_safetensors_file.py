"""The safetensors container under gg.save / gg.load: written without copying the data, read with every check.

A safetensors file is an 8-byte little-endian header length, a JSON header (tensor name -> dtype, shape and
byte offsets, plus `__metadata__`, an object of strings), padded with spaces to a multiple of 8 bytes, then the
tensors' bytes back to back. `write` streams each array's memory into the file and can add CRC32 checksums;
`read` streams each tensor into a new array, checks everything serialization.py's docstring lists, and raises
ValueError naming the file (and the tensor) otherwise.
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

CRC_KEY = "glassgrad.crc32"
HEADER_CRC_KEY = "glassgrad.header_crc32"
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit; a larger length is a corrupted first 8 bytes

# safetensors dtype names -> NumPy dtypes glassgrad holds (bfloat16 is widened to float32, see _read_tensor).
DTYPES = {
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
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}
_BF16_ITEMSIZE = 2
_READ_PIECE = 1 << 20  # bytes read (and checksummed) at a time


# ---- write ----------------------------------------------------------------------------------------------
def write(file: IO[bytes], arrays: dict[str, np.ndarray], metadata: dict[str, str], checksum: bool) -> None:
    """Write C-contiguous `arrays` (dtypes of DTYPE_NAMES) and `metadata` as one safetensors file."""
    # Widest items first (as safetensors orders them): with the header padded to 8 bytes, every tensor then
    # starts at a multiple of its item size, so readers that map the file get aligned arrays.
    ordered = sorted(arrays.items(), key=lambda item: -item[1].itemsize)
    file.write(_header_bytes(ordered, metadata, checksum))
    for _, array in ordered:
        file.write(array.data)  # straight from the array's memory: no bytes copy of the data


def _header_bytes(arrays: list[tuple[str, np.ndarray]], metadata: dict[str, str], checksum: bool) -> bytes:
    """The 8-byte length and the JSON header for `arrays` stored back to back in this order."""
    metadata = dict(metadata)  # the checksums are added to a copy
    header: dict[str, Any] = {}
    offset = 0
    for name, array in arrays:
        header[name] = {
            "dtype": DTYPE_NAMES[array.dtype],
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


def require_binary(f: Any, function: str, source: str) -> None:
    if isinstance(f, io.TextIOBase):
        raise text_mode_error(function, source)


def text_mode_error(function: str, source: str) -> ValueError:
    return ValueError(
        f"{function}: {source} is a text-mode file object; safetensors files are binary: open it with "
        "open(path, 'rb') (or 'wb' to save), or pass the path itself"
    )


def write_atomically(path: str, write: Callable[[IO[bytes]], None]) -> None:
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


# ---- read -----------------------------------------------------------------------------------------------
def read(file: IO[bytes], source: str, file_size: int | None) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """(metadata, name -> array) of the file, each tensor checked against its CRC32 when the file has them.

    1. the header  2. its checksum  3. the tensor entries  4. the tensors' bytes, with their checksums.
    `file_size` is the number of bytes from the file's position to its end, or None when unknown (a pipe).
    """
    header, header_end = _read_header(file, source, file_size)
    metadata = _metadata(header, source)
    if HEADER_CRC_KEY in metadata:
        _verify_header_crc(header, metadata[HEADER_CRC_KEY], source)
    data_size = None if file_size is None else file_size - header_end
    entries = _entries(header, source, data_size)
    crcs = parse_json(metadata[CRC_KEY], source, "checksum table") if CRC_KEY in metadata else None
    if crcs is not None and not isinstance(crcs, dict):
        raise ValueError(f"gg.load: {source} has a malformed {CRC_KEY} entry (not a JSON object)")
    return metadata, {entry.name: _read_tensor(file, entry, crcs, source) for entry in entries}


def remaining_bytes(f: IO[bytes]) -> int | None:
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
    dtype: str  # a safetensors dtype name: a key of DTYPES, or BF16
    shape: tuple[int, ...]
    begin: int  # byte offsets into the data that follows the header
    end: int


def _read_header(file: IO[bytes], source: str, file_size: int | None) -> tuple[dict[str, Any], int]:
    """The header as a dict, and the offset where the data starts."""
    prefix = read_bytes(file, 8)
    if len(prefix) < 8:
        raise ValueError(f"gg.load: {source} is not a safetensors file: {len(prefix)} bytes, shorter than its header")
    (header_size,) = struct.unpack("<Q", prefix)
    available = "an unknown number" if file_size is None else file_size - 8
    if header_size > MAX_HEADER_BYTES or (file_size is not None and header_size > file_size - 8):
        raise ValueError(
            f"gg.load: {source} is truncated or not a safetensors file: its header claims {header_size} "
            f"bytes, but only {available} follow (safetensors headers are at most {MAX_HEADER_BYTES})"
        )
    text = read_bytes(file, header_size)
    if len(text) < header_size:
        raise ValueError(
            f"gg.load: {source} is truncated: its header claims {header_size} bytes, but only {len(text)} follow"
        )
    header = parse_json(text, source, "header")
    if not isinstance(header, dict):
        raise ValueError(f"gg.load: {source} is not a safetensors file: its header is not a JSON object")
    return header, 8 + header_size


def read_bytes(file: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the file (a pipe may return less per read)."""
    pieces = []
    remaining = size
    while remaining:
        piece = file.read(remaining)
        if isinstance(piece, str):  # a text-mode file object that is not an io.TextIOBase
            raise text_mode_error("gg.load", repr(getattr(file, "name", file)))
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)


def parse_json(text: bytes | str, source: str, what: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:  # json nests by recursion: a deep enough file would otherwise escape as this
        raise ValueError(f"gg.load: {source} is corrupted: its {what} is nested too deeply to read") from None
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
    if dtype != "BF16" and dtype not in DTYPES:
        raise ValueError(
            f"{where} has dtype {dtype}, which glassgrad does not support (it reads {', '.join(DTYPES)} and BF16)"
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
    itemsize = _BF16_ITEMSIZE if dtype == "BF16" else DTYPES[dtype].itemsize
    nbytes = math.prod(shape) * itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise ValueError(
            f"{where} is corrupted: shape {shape} of {dtype} is {nbytes} bytes, but its data_offsets "
            f"{offsets} span {offsets[1] - offsets[0]}"
        )
    return _Entry(name, dtype, tuple(shape), offsets[0], offsets[1])


def _read_tensor(file: IO[bytes], entry: _Entry, crcs: dict | None, source: str) -> np.ndarray:
    """Read one tensor straight into a new array (the entries come in file order: no seeks), check its CRC."""
    raw_dtype = np.uint16 if entry.dtype == "BF16" else DTYPES[entry.dtype]
    array = np.empty(entry.shape, dtype=raw_dtype)
    crc = read_exactly(file, array, f"tensor {entry.name!r}", source, checksum=crcs is not None)
    if crcs is not None and crcs.get(entry.name) != crc:  # None: no checksums (safetensors, PyTorch, ...)
        raise ValueError(
            f"gg.load: {source} is corrupted: the bytes of tensor {entry.name!r} do not match the checksum "
            f"they were saved with"
        )
    return widen_bfloat16(array) if entry.dtype == "BF16" else array


def widen_bfloat16(bits: np.ndarray) -> np.ndarray:
    """float32 values of bfloat16 `bits` (a uint16 array): bfloat16 is the top half of a float32, so shifting
    its bits up widens it exactly."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def read_exactly(file: IO[bytes], array: np.ndarray, what: str, source: str, checksum: bool = False) -> int | None:
    """Fill `array`'s memory from the file and return the CRC32 of its bytes (None without `checksum`).

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
                f"gg.load: {source} is truncated: {what} needs {len(buffer)} bytes, "
                f"the file ends after {filled}"
            )
        if checksum:
            crc = zlib.crc32(piece[:count], crc)
        filled += count
    return crc if checksum else None
