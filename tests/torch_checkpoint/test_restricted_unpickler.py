"""The restricted unpickler on hand-made checkpoints (no torch needed): globals outside the allow-list refused
by name without running, records that would read outside their storage, malformed persistent ids, tampering
through BUILD, objects that are not values, and zips that are not checkpoints."""

from __future__ import annotations

import os
import pickle
import zipfile

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.torch_checkpoint import RefusedGlobalError

from .crafted import REFUSAL, Call, Exploit, Global, Storage, craft_zip, global_pickle, rebuild


def test_a_plain_pickle_in_a_zip_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    craft_zip(tmp_path / "evil.pt", raw_pickle=pickle.dumps([Exploit(marker)], protocol=4))
    with pytest.raises(ValueError, match=REFUSAL.format(f"{os.system.__module__}.system")):
        gg.load(tmp_path / "evil.pt")
    assert not marker.exists()

@pytest.mark.parametrize(
    "module, name, hint",
    [
        ("builtins", "eval", ""),
        ("builtins", "getattr", ""),
        ("torch", "load", ""),
        ("torch._utils", "_rebuild_qtensor", ""),
        ("numpy.core.multiarray", "_reconstruct", "NumPy arrays and scalars are not read"),
        ("torch.nn.modules.linear", "Linear", r"save its state_dict\(\) in torch instead"),
    ],
)
def test_globals_outside_the_allow_list_are_refused_by_name(tmp_path, module, name, hint):
    craft_zip(tmp_path / "refused.pt", {"x": Call(module, name, "1")})
    with pytest.raises(RefusedGlobalError, match=REFUSAL.format(f"{module}.{name}") + ".*" + hint):
        gg.load(tmp_path / "refused.pt")

# ---- crafted records ----------------------------------------------------------------------------------------
def six_floats():
    return Storage("0", np.arange(6, dtype=np.float32))


def test_the_crafting_helper_writes_what_gg_load_reads(tmp_path):
    storage = six_floats()
    craft_zip(tmp_path / "ok.pt", {"t": rebuild(storage, 1, (2, 2), (3, 1))}, storages=[storage])
    assert gg.load(tmp_path / "ok.pt")["t"].tolist() == [[1.0, 2.0], [4.0, 5.0]]
    big = Storage("0", np.arange(6, dtype=">f4"))  # a big-endian file's bytes
    craft_zip(tmp_path / "big.pt", {"t": rebuild(big, 0, (6,), (1,))}, storages=[big], byteorder=b"big")
    assert gg.load(tmp_path / "big.pt")["t"].tolist() == list(range(6))


@pytest.mark.parametrize(
    "offset, size, stride, match",
    [
        (0, (7,), (1,), r"size \(7,\) and stride \(1,\) from offset 0 reaches element 6 of storage '0', which holds 6"),
        (5, (2,), (1,), "reaches element 6"),
        (0, (2, 3), (3, 2), "reaches element 7"),
        (7, (0,), (1,), "an empty tensor starts at 7, past the 6"),
        (-1, (2,), (1,), "expected non-negative ints"),
        (0, (2,), (-1,), "expected non-negative ints"),
        (0, (2, 2), (1,), "equally many sizes and strides"),
        (0, (True,), (1,), "expected non-negative ints"),
    ],
)
def test_records_that_would_read_outside_their_storage_are_refused(tmp_path, offset, size, stride, match):
    storage = six_floats()
    craft_zip(tmp_path / "bad.pt", {"t": rebuild(storage, offset, size, stride)}, storages=[storage])
    with pytest.raises(ValueError, match=match):
        gg.load(tmp_path / "bad.pt")


def test_an_integer_tensor_that_requires_grad_is_refused(tmp_path):
    storage = Storage("0", np.arange(3, dtype=np.int64), storage_class="LongStorage")
    craft_zip(tmp_path / "grad.pt", {"t": rebuild(storage, 0, (3,), (1,), requires_grad=True)}, storages=[storage])
    with pytest.raises(ValueError, match="grad.pt' is corrupted: a tensor of dtype int64 requires grad"):
        gg.load(tmp_path / "grad.pt")


@pytest.mark.parametrize(
    "pid, match",
    [
        (("storage", Global("torch", "float32"), "0", "cpu", 6), "persistent id"),  # a dtype, not a storage
        (("storage", Global("torch", "FloatStorage"), 0, "cpu", 6), "persistent id"),
        (("module", Global("torch", "FloatStorage"), "0", "cpu", 6), "persistent id"),
        (("storage", Global("torch", "FloatStorage"), "0", "cpu", 6, None), "persistent id"),
        (("storage", Global("torch", "FloatStorage"), "0", "cpu", 8), r"holds 24 bytes, its storage needs 32"),
        (("storage", Global("torch", "FloatStorage"), "9", "cpu", 6), r"lacks archive/data/9"),
    ],
)
def test_malformed_persistent_ids_and_missing_storage_bytes(tmp_path, pid, match):
    storage = Storage("0", np.arange(6, dtype=np.float32), pid=pid)
    craft_zip(tmp_path / "bad.pt", {"t": rebuild(storage, 0, (2,), (1,))}, storages=[storage])
    with pytest.raises(ValueError, match=match):
        gg.load(tmp_path / "bad.pt")


def test_build_cannot_alter_a_checked_record_or_an_allowed_callable(tmp_path):
    storage = six_floats()
    tensor = rebuild(storage, 0, (2,), (1,))
    for target in (tensor, Global("torch._utils", "_rebuild_tensor_v2")):
        # BUILD with (None, slot state): what would set attributes after the checks ran
        data = global_pickle({"t": target})  # ... <target> SETITEM STOP
        state = pickle.NONE + global_pickle({"size": (100,)})[2:-1] + pickle.TUPLE2  # (None, {"size": (100,)})
        data = data[:-2] + state + pickle.BUILD + data[-2:]
        craft_zip(tmp_path / "build.pt", raw_pickle=data, storages=[storage])
        with pytest.raises(ValueError, match="its pickle tries to set 'size'"):
            gg.load(tmp_path / "build.pt")


def test_a_bare_storage_or_an_allowed_callable_in_the_tree_is_refused(tmp_path):
    storage = six_floats()
    craft_zip(tmp_path / "storage.pt", {"s": storage}, storages=[storage])
    with pytest.raises(ValueError, match=r"holds storage '0' at obj\['s'\], which glassgrad does not load"):
        gg.load(tmp_path / "storage.pt")
    craft_zip(tmp_path / "function.pt", {"f": [Global("torch._utils", "_rebuild_tensor_v2")]})
    with pytest.raises(ValueError, match=r"holds torch._utils._rebuild_tensor_v2 at obj\['f'\]\[0\]"):
        gg.load(tmp_path / "function.pt")

# ---- zips that are not checkpoints ----------------------------------------------------------------------------
def test_zips_that_are_not_checkpoints_and_broken_pickles(tmp_path):
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="is a zip file but not a PyTorch checkpoint: it holds 0 data.pkl"):
        gg.load(tmp_path / "other.zip")
    craft_zip(tmp_path / "broken.pt", raw_pickle=global_pickle({"a": 1})[:-3])
    with pytest.raises(ValueError, match="broken.pt' is truncated or corrupted: its pickled data.pkl does not read"):
        gg.load(tmp_path / "broken.pt")
    craft_zip(tmp_path / "order.pt", {"a": 1}, byteorder=b"middle")
    with pytest.raises(ValueError, match="its byteorder entry says 'middle'"):
        gg.load(tmp_path / "order.pt")
