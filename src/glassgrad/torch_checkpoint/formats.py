"""The two containers `torch.save` writes: the zip archive (torch >= 1.6) and the legacy pickle stream.

Zip: one top folder `<name>/` holding `data.pkl` (the pickled object, whose tensors name their storages by
key), `data/<key>` (each storage's raw bytes, stored uncompressed), `byteorder` ("little" or "big"; absent in
files from before torch 1.10, which were little-endian in practice), `version` and a few others.

Legacy (`_use_new_zipfile_serialization=False`): five pickles back to back, then the storages: the magic
number 0x1950a86a20f9469cfc6c, the protocol version 1001, a dict of system info (`little_endian`), the object,
the sorted list of storage keys; then, for each key in that order, its element count as an 8-byte integer
and its bytes.

Each reader returns the unpickled tree (records, see restricted_unpickler.py), a function that reads a
storage's bytes, and the byte order; everything it finds wrong raises ValueError naming the file.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import struct
import zipfile
import zlib
from typing import IO, Any, Callable, Iterator

import numpy as np

from .. import _safetensors_file as safetensors_file
from .rebuild import storage_nbytes
from .restricted_unpickler import CheckpointProblem, RefusedGlobalError, RestrictedUnpickler, StorageRef

ZIP_MAGIC = b"PK\x03\x04"
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001

Contents = tuple[Any, Callable[[StorageRef], np.ndarray], str]  # (tree, read_storage, byteorder)


# ---- zip -------------------------------------------------------------------------------------------------
def read_zip(file: IO[bytes], source: str, pickle_load_args: dict[str, Any]) -> Contents:
    """The contents of a zip checkpoint; `file` must be seekable (zip's directory sits at its end)."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise ValueError(
            f"gg.load: {source} starts like a PyTorch zip checkpoint but is truncated or corrupted ({error})"
        ) from error
    unsafe = [name for name in archive.namelist()
              if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/")]
    if unsafe:  # nothing is ever extracted to disk, but torch.save never writes such a name: the file is crafted
        raise ValueError(
            f"gg.load: {source} is not a checkpoint torch.save wrote: entry {unsafe[0]!r} climbs out of the "
            "archive (an absolute path or '..'); refusing it"
        )
    pickles = [name for name in archive.namelist() if name == "data.pkl" or name.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise ValueError(
            f"gg.load: {source} is a zip file but not a PyTorch checkpoint: it holds {len(pickles)} data.pkl "
            "entries, torch.save writes exactly one"
        )
    prefix = pickles[0][: -len("data.pkl")]
    byteorder = _zip_text(archive, prefix + "byteorder", source) or "little"
    if byteorder not in ("little", "big"):
        raise ValueError(f"gg.load: {source} is corrupted: its byteorder entry says {byteorder!r}")
    unpickler = RestrictedUnpickler(
        io.BytesIO(_zip_bytes(archive, pickles[0], source)), source, **pickle_load_args
    )
    tree = unpickle(unpickler, source, "data.pkl")

    def read_storage(ref: StorageRef) -> np.ndarray:
        name = f"{prefix}data/{ref.key}"
        nbytes = storage_nbytes(ref)
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise ValueError(f"gg.load: {source} is corrupted: it lacks {name}, the bytes of {ref!r}") from None
        if info.file_size != nbytes:
            raise ValueError(
                f"gg.load: {source} is corrupted: {name} holds {info.file_size} bytes, its storage needs {nbytes}"
            )
        array = np.empty(nbytes, dtype=np.uint8)
        with _zip_errors(source, name), archive.open(info) as entry:  # zipfile checks the entry's CRC-32 at its end
            safetensors_file.read_exactly(entry, array, name, source)
        return array

    return tree, read_storage, byteorder


def _zip_text(archive: zipfile.ZipFile, name: str, source: str) -> str | None:
    if name not in archive.namelist():
        return None
    return _zip_bytes(archive, name, source).decode("ascii", errors="replace").strip()


def _zip_bytes(archive: zipfile.ZipFile, name: str, source: str) -> bytes:
    with _zip_errors(source, name):
        return archive.read(name)


@contextlib.contextmanager
def _zip_errors(source: str, name: str) -> Iterator[None]:
    """Turn zipfile's errors while reading entry `name` (a bad CRC, truncated data) into a ValueError."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise ValueError(f"gg.load: {source} is truncated or corrupted: reading {name} failed ({error})") from error


# ---- legacy ----------------------------------------------------------------------------------------------
def read_legacy(file: IO[bytes], source: str, pickle_load_args: dict[str, Any]) -> Contents:
    """The contents of a legacy (non-zip) torch.save stream, read in order (a pipe is fine)."""
    if unpickle(RestrictedUnpickler(file, source, **pickle_load_args), source, "magic number") != LEGACY_MAGIC_NUMBER:
        raise ValueError(
            f"gg.load: {source} is a Python pickle but not a torch.save checkpoint (no torch magic number); "
            "glassgrad does not unpickle arbitrary files"
        )
    version = unpickle(RestrictedUnpickler(file, source, **pickle_load_args), source, "protocol version")
    if version != LEGACY_PROTOCOL_VERSION:
        raise ValueError(
            f"gg.load: {source} is a legacy torch.save file of protocol version {version!r}; glassgrad reads "
            f"{LEGACY_PROTOCOL_VERSION}"
        )
    system = unpickle(RestrictedUnpickler(file, source, **pickle_load_args), source, "system info")
    little_endian = system.get("little_endian", True) if isinstance(system, dict) else True
    unpickler = RestrictedUnpickler(file, source, storage_id_length=6, **pickle_load_args)
    tree = unpickle(unpickler, source, "object")
    keys = unpickle(RestrictedUnpickler(file, source, **pickle_load_args), source, "storage keys")
    if not (
        isinstance(keys, list)
        and all(isinstance(key, str) for key in keys)
        and sorted(keys) == sorted(unpickler.storages)  # each named storage once, none missing
    ):
        raise ValueError(
            f"gg.load: {source} is corrupted: its storage list does not match the storages its object names"
        )
    arrays = {key: _legacy_storage(file, unpickler.storages[key], little_endian, source) for key in keys}
    return tree, lambda ref: arrays[ref.key], "little" if little_endian else "big"


def _legacy_storage(file: IO[bytes], ref: StorageRef, little_endian: bool, source: str) -> np.ndarray:
    """One storage of the legacy stream: its element count, checked against the pickle's, then its bytes."""
    count = safetensors_file.read_bytes(file, 8)
    if len(count) < 8:
        raise ValueError(f"gg.load: {source} is truncated: it ends before the bytes of {ref!r}")
    (numel,) = struct.unpack("<q" if little_endian else ">q", count)
    if numel != ref.numel:
        raise ValueError(f"gg.load: {source} is corrupted: {ref!r} holds {numel} elements, its tensors say {ref.numel}")
    nbytes = storage_nbytes(ref)
    remaining = safetensors_file.remaining_bytes(file)
    if remaining is not None and nbytes > remaining:  # checked before allocating what a corrupt count claims
        raise ValueError(f"gg.load: {source} is truncated: {ref!r} needs {nbytes} bytes, the file has {remaining}")
    array = np.empty(nbytes, dtype=np.uint8)
    safetensors_file.read_exactly(file, array, repr(ref), source)
    return array


# ---- both ------------------------------------------------------------------------------------------------
def unpickle(unpickler: RestrictedUnpickler, source: str, what: str) -> Any:
    """Run the restricted unpickler; any failure becomes a ValueError naming the file."""
    try:
        return unpickler.load()
    except RefusedGlobalError:
        raise  # its message already names the file and the global
    except CheckpointProblem as problem:
        raise ValueError(f"gg.load: {source} {problem}") from None
    except (pickle.UnpicklingError, EOFError, TypeError, AttributeError, IndexError, KeyError, ValueError,
            struct.error, UnicodeDecodeError, OverflowError) as error:
        raise ValueError(
            f"gg.load: {source} is truncated or corrupted: its pickled {what} does not read "
            f"({type(error).__name__}: {error})"
        ) from error
    except RecursionError:
        raise ValueError(f"gg.load: {source} is corrupted: its pickled {what} is nested too deeply") from None
