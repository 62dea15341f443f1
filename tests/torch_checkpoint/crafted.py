"""Hand-made torch.save files: the zip layout torch writes, around any pickle, to test what torch never writes.

`craft_zip(path, obj)` pickles `obj` (protocol 2, as torch) where `Storage(...)` stands for a persistent storage
id and `rebuild(...)` for a `torch._utils._rebuild_tensor_v2` call, so a test can give any size, stride,
offset, location or persistent id; `raw_pickle` puts in any bytes as data.pkl.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile

import numpy as np


class Global:
    """Pickles as a bare GLOBAL of `module.name` (which need not be importable here)."""

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name


class Call:
    """Pickles as `module.name(*args)`: a GLOBAL then REDUCE."""

    def __init__(self, module: str, name: str, *args):
        self.function = Global(module, name)
        self.args = args


class Storage:
    """A persistent storage id ('storage', torch.<storage_class>, key, location, numel) with its bytes."""

    def __init__(self, key: str, data: np.ndarray, storage_class: str = "FloatStorage", location: str = "cpu",
                 numel: int | None = None, pid: tuple | None = None):
        self.key = key
        self.data = data
        self.pid = pid or ("storage", Global("torch", storage_class), key, location,
                           data.size if numel is None else numel)


def rebuild(storage: Storage, offset: int, size: tuple, stride: tuple, requires_grad: bool = False) -> Call:
    return Call("torch._utils", "_rebuild_tensor_v2", storage, offset, size, stride, requires_grad,
                collections.OrderedDict())


def craft_zip(path, obj=None, raw_pickle: bytes | None = None, storages=(), byteorder: bytes = b"little",
              name: str = "archive") -> None:
    """A zip as torch.save writes it: `name/data.pkl` (raw_pickle, or obj pickled), `name/data/<key>`."""
    data = raw_pickle if raw_pickle is not None else global_pickle(obj)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{name}/data.pkl", data)
        archive.writestr(f"{name}/byteorder", byteorder)
        for storage in storages:
            archive.writestr(f"{name}/data/{storage.key}", storage.data.tobytes())
        archive.writestr(f"{name}/version", b"3\n")


def global_pickle(obj) -> bytes:
    """Protocol-2 pickle of `obj` in which each Global is a GLOBAL opcode and each Call a GLOBAL + REDUCE."""
    buffer = io.BytesIO()
    _GlobalPickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


class _GlobalPickler(pickle._Pickler):
    """The pure-Python pickler, taught to write Global as `GLOBAL module name` without importing it."""

    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Storage) else None

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, Global):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            return
        if isinstance(obj, Call):
            self.save(obj.function)
            self.save(obj.args)
            self.write(pickle.REDUCE)
            return
        super().save(obj, save_persistent_id)


class Exploit:
    """Unpickling this runs `touch <marker>` through os.system (what torch.load with weights_only=False does)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


REFUSAL = r"asks to call or build the Python global {}, which glassgrad refuses: it loads only tensors"
