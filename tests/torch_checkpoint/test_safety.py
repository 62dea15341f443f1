"""What gg.load refuses in files written by torch.save: a pickle that would run os.system (without running it),
whole pickled modules, NumPy arrays, unsupported dtypes, self-reference, and truncated or corrupt files."""

from __future__ import annotations

import io
import os
import pickle

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.torch_checkpoint import RefusedGlobalError

from .crafted import REFUSAL, Exploit

torch = pytest.importorskip("torch")


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
