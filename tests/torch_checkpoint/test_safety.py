"""What gg.load refuses in a PyTorch checkpoint: any Python global outside the allow-list (without running
it), records that would read outside their storage, tampering through BUILD, and truncated or corrupt files."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.torch_checkpoint import RefusedGlobalError

from .crafted import Call, Global, Storage, craft_zip, global_pickle, rebuild

torch = pytest.importorskip("torch")


class Exploit:
    """Unpickling this runs `touch <marker>` through os.system (what torch.load with weights_only=False does)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


REFUSAL = r"asks to call or build the Python global {}, which glassgrad refuses: it loads only tensors"


@pytest.mark.parametrize("weights_only", [None, True, False])
@pytest.mark.parametrize("file_format", ["zip", "legacy"])
def test_a_pickle_that_runs_os_system_is_refused_without_running(tmp_path, file_format, weights_only):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    checkpoint = {"model": {"w": torch.ones(2)}, "payload": Exploit(marker)}
    torch.save(checkpoint, path, _use_new_zipfile_serialization=file_format == "zip")
    with pytest.raises(RefusedGlobalError, match=REFUSAL.format(f"{os.system.__module__}.system")) as error:
        gg.load(path, weights_only=weights_only)
    assert "evil.pt" in str(error.value) and "never runs code" in str(error.value)
    assert isinstance(error.value, ValueError) and isinstance(error.value, pickle.UnpicklingError)
    assert not marker.exists()
    pickle.loads(pickle.dumps(Exploit(marker)))  # the control: unpickled by pickle itself, it does run
    assert marker.exists()


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


def test_a_whole_pickled_module_is_refused_with_the_state_dict_hint(tmp_path):
    torch.save(torch.nn.Linear(2, 2), tmp_path / "model.pt")
    with pytest.raises(RefusedGlobalError, match=r"torch\.nn\.modules\.linear\.Linear.*state_dict\(\)"):
        gg.load(tmp_path / "model.pt")


def test_numpy_arrays_in_a_checkpoint_are_refused_with_a_hint(tmp_path):
    torch.save({"array": np.arange(3)}, tmp_path / "numpy.pt")
    with pytest.raises(RefusedGlobalError, match="numpy.*NumPy arrays and scalars are not read"):
        gg.load(tmp_path / "numpy.pt")


def test_unsupported_dtypes_say_so(tmp_path):
    torch.save({"c": torch.ones(2, dtype=torch.complex64)}, tmp_path / "complex.pt")
    with pytest.raises(ValueError, match=r"complex.pt' holds a complex64 tensor, which glassgrad does not support"):
        gg.load(tmp_path / "complex.pt")
    torch.save({"u": torch.ones(2, dtype=torch.uint16)}, tmp_path / "uint16.pt")  # a _rebuild_tensor_v3 file
    with pytest.raises(ValueError, match=r"holds a uint16 tensor, which glassgrad does not support"):
        gg.load(tmp_path / "uint16.pt")


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


def test_shared_sub_lists_load_in_linear_time_and_self_reference_is_refused(tmp_path):
    shared = [1]
    for _ in range(200):  # 2**200 paths through the tree, 200 objects in the file
        shared = [shared, shared]
    torch.save({"deep": shared[0][0][0]}, tmp_path / "shared.pt")  # 197 levels: deeper than gg.load allows
    with pytest.raises(ValueError, match="nested more than 100 containers deep"):
        gg.load(tmp_path / "shared.pt")
    wide = [1]
    for _ in range(90):
        wide = [wide, wide]
    torch.save(wide, tmp_path / "wide.pt")
    loaded = gg.load(tmp_path / "wide.pt")
    assert loaded[0] is loaded[1]  # one object in the file, one object loaded
    cyclic = []
    cyclic.append(cyclic)
    torch.save(cyclic, tmp_path / "cyclic.pt")
    with pytest.raises(ValueError, match=r"\(or holds itself\)"):
        gg.load(tmp_path / "cyclic.pt")


# ---- corrupt files ------------------------------------------------------------------------------------------
@pytest.fixture
def good_checkpoint(tmp_path):
    path = tmp_path / "good.pt"
    torch.save({"w": torch.arange(1000, dtype=torch.float32), "step": 3}, path)
    return path


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_a_truncated_zip_checkpoint_raises_value_error(tmp_path, good_checkpoint, keep):
    data = good_checkpoint.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match=r"cut.pt' starts like a PyTorch zip checkpoint but is truncated"):
        gg.load(tmp_path / "cut.pt")


def test_flipped_bytes_in_a_storage_fail_its_crc(tmp_path, good_checkpoint):
    data = bytearray(good_checkpoint.read_bytes())
    start = data.index(np.arange(1000, dtype=np.float32).tobytes())
    data[start + 1234] ^= 0x10
    (tmp_path / "flipped.pt").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"flipped.pt' is truncated or corrupted: reading good/data/0 failed.*CRC"):
        gg.load(tmp_path / "flipped.pt")


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


def test_a_truncated_legacy_checkpoint_raises_value_error(tmp_path):
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(100.0)}, buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    cuts = [(len(data) - 4, "is truncated: storage '.*' needs 400 bytes"), (60, "is truncated or corrupted")]
    for cut, match in cuts:
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(ValueError, match=match):
            gg.load(tmp_path / "cut.pt")
    (tmp_path / "pickle.pkl").write_bytes(pickle.dumps({"a": 1}, protocol=2))
    with pytest.raises(ValueError, match="is a Python pickle but not a torch.save checkpoint"):
        gg.load(tmp_path / "pickle.pkl")
