"""Read `torch.save` checkpoints without running pickle code (gg.load calls this for them).

A torch.save file is a pickle, and unpickling runs whatever callables the file names, so `torch.load` of an
untrusted file can run any code. glassgrad reads the pickle with `RestrictedUnpickler`, which resolves only an
allow-list of names (torch's tensor and Parameter rebuild functions, its storage classes and dtypes,
torch.Size, torch.device, OrderedDict, set, frozenset, complex, bytes) to glassgrad stand-ins that build
inert records; every other name (`os.system`, `torch.nn.Linear`, a NumPy array, ...) is refused with a
`RefusedGlobalError` before anything is called. The records are checked (dtypes, sizes and strides within
their storages), then turned into glassgrad objects, each storage's bytes read once.

What loads: tensors of float32/64/16, bfloat16 (widened to float32 exactly), int8/16/32/64, uint8 and bool,
with any storage offset and stride (views come back as C-contiguous copies), as gg.Tensor, or
gg.nn.Parameter where torch saved one (with its requires_grad); dicts and OrderedDicts (as dicts), lists,
tuples, sets, numbers, strings, bytes, None, torch dtypes glassgrad has and devices. So model and
optimizer state_dicts and nanoGPT-style `{"model": ..., "optimizer": ..., "iter_num": ..., "config": {...}}`
dicts load. Not kept: the Python attributes of tensor subclasses and backward hooks.

Files: the zip format (torch >= 1.6) and the legacy stream (`_use_new_zipfile_serialization=False`); see
formats.py. Not read: the tar format of torch < 0.4, complex, quantized and float8 tensors, sparse tensors.
"""

from __future__ import annotations

from typing import IO, Any, Callable

from ..backend import device as Device
from .formats import LEGACY_MAGIC_NUMBER, ZIP_MAGIC, read_legacy, read_zip
from .rebuild import TreeBuilder
from .restricted_unpickler import CheckpointProblem, RefusedGlobalError, RestrictedUnpickler

__all__ = [
    "LEGACY_MAGIC_NUMBER",
    "RefusedGlobalError",
    "RestrictedUnpickler",
    "is_legacy_checkpoint",
    "is_zip_checkpoint",
    "load",
]

_EMPTY_ZIP = b"PK\x05\x06"  # an archive with no entries starts with its end record


def is_zip_checkpoint(prefix: bytes) -> bool:
    """Whether a file's first bytes are a zip archive's (what torch.save writes since 1.6)."""
    return prefix.startswith(ZIP_MAGIC) or prefix.startswith(_EMPTY_ZIP)


def is_legacy_checkpoint(prefix: bytes) -> bool:
    """Whether a file's first 9 bytes open a pickle of protocol 2 to 5 (the legacy torch.save stream).

    A safetensors file can begin with the same two bytes (the low bytes of its header's length: 640 is
    80 02), but its JSON header opens with "{" at byte 8, where a legacy checkpoint has its magic number."""
    return len(prefix) >= 9 and prefix[0] == 0x80 and 2 <= prefix[1] <= 5 and prefix[8:9] != b"{"


def load(
    file: IO[bytes], source: str, placement: Callable[[str], Device], max_depth: int,
    pickle_load_args: dict[str, Any],
) -> Any:
    """The object a torch.save file holds, read from `file`'s position, as glassgrad objects.

    Args:
        file: a binary file object at the start of the checkpoint; seekable for the zip format.
        source: how errors name the file.
        placement: a saved storage location ("cpu", "cuda:0") -> the gg.device its tensors land on.
        max_depth: how many containers deep the object may nest.
        pickle_load_args: `encoding` / `errors` for the unpickler (torch.load's, for Python 2 files).
    """
    position = file.tell()
    prefix = file.read(4)
    file.seek(position)
    reader = read_zip if is_zip_checkpoint(prefix) else read_legacy
    tree, read_storage, byteorder = reader(file, source, pickle_load_args)
    try:
        return TreeBuilder(read_storage, byteorder, placement, max_depth).build(tree)
    except CheckpointProblem as problem:
        raise ValueError(f"gg.load: {source} {problem}") from None
