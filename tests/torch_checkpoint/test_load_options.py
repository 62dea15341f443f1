"""gg.load's torch.load arguments (map_location, pickle_module, weights_only, mmap, pickle_load_args) and
the error for a file that is neither a glassgrad/safetensors file nor a PyTorch checkpoint. The checkpoints are
hand-made (crafted.py), so only the torch.device cases need torch."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.backend import cuda_is_available

from .crafted import Storage, craft_zip, rebuild

no_gpu = pytest.mark.skipif(cuda_is_available(), reason="checks the error without a GPU")


@pytest.fixture
def checkpoint(tmp_path):
    storage = Storage("0", np.array([1.0, 2.0], dtype=np.float32))
    path = tmp_path / "checkpoint.pt"
    craft_zip(path, {"w": rebuild(storage, 0, (2,), (1,))}, storages=[storage])
    return path


@pytest.fixture
def saved_on_gpu(tmp_path):
    """A checkpoint whose storage was saved from "cuda:0" (crafted: this machine may have no GPU)."""
    storage = Storage("0", np.array([3.0, 4.0], dtype=np.float32), location="cuda:0")
    path = tmp_path / "gpu.pt"
    craft_zip(path, {"w": rebuild(storage, 0, (2,), (1,))}, storages=[storage])
    return path


@pytest.mark.parametrize(
    "map_location",
    [None, "cpu", gg.device("cpu"), {"cuda:0": "cpu"}, {}, lambda storage, location: storage,
     lambda storage, location: storage.cpu(), lambda storage, location: None, lambda storage, location: "cpu"],
    ids=["none", "str", "gg.device", "dict", "empty-dict", "identity", "cpu()", "returns-none", "returns-str"],
)
def test_every_torch_form_of_map_location_lands_on_the_cpu(saved_on_gpu, map_location):
    loaded = gg.load(saved_on_gpu, map_location=map_location)
    assert loaded["w"].device == gg.device("cpu") and loaded["w"].tolist() == [3.0, 4.0]


def test_torch_devices_are_accepted_as_map_location(saved_on_gpu):
    torch = pytest.importorskip("torch")
    assert gg.load(saved_on_gpu, map_location=torch.device("cpu"))["w"].tolist() == [3.0, 4.0]
    if not cuda_is_available():
        with pytest.raises(RuntimeError, match=r"map_location asks for 'cuda:0', but CUDA is not available"):
            gg.load(saved_on_gpu, map_location=torch.device("cuda", 0))


def test_a_callable_map_location_is_asked_with_the_saved_location(saved_on_gpu):
    asked = []
    gg.load(saved_on_gpu, map_location=lambda storage, location: asked.append(location) or storage)
    assert asked == ["cuda:0"]


@no_gpu
@pytest.mark.parametrize(
    "map_location",
    ["cuda", "cuda:0", {"cuda:0": "cuda:1"}, lambda storage, location: storage.cuda()],
    ids=["str", "indexed", "dict", "callable"],
)
def test_a_cuda_map_location_without_a_gpu_raises_like_torch(saved_on_gpu, map_location):
    with pytest.raises(RuntimeError, match=r"map_location asks for 'cuda(:\d)?', but CUDA is not available.*'cpu'"):
        gg.load(saved_on_gpu, map_location=map_location)


def test_map_location_applies_to_glassgrad_files_too(tmp_path):
    gg.save({"w": gg.tensor([1.0])}, tmp_path / "gg.safetensors")
    assert gg.load(tmp_path / "gg.safetensors", map_location="cpu")["w"].device == gg.device("cpu")
    if not cuda_is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            gg.load(tmp_path / "gg.safetensors", map_location="cuda")


def test_bad_map_locations_say_what_is_accepted(checkpoint):
    with pytest.raises(ValueError, match=r"map_location 'mps': unknown device 'mps'"):
        gg.load(checkpoint, map_location="mps")
    with pytest.raises(TypeError, match=r"map_location 3 is not a device; pass 'cpu', 'cuda'"):
        gg.load(checkpoint, map_location=3)
    with pytest.raises(TypeError, match=r"map_location \[\] is not a device"):
        gg.load(checkpoint, map_location=lambda storage, location: [])


@pytest.mark.parametrize("weights_only", [None, True, False])
def test_weights_only_values_all_read_the_same_way(checkpoint, weights_only):
    assert gg.load(checkpoint, weights_only=weights_only)["w"].tolist() == [1.0, 2.0]


def test_pickle_module_mmap_and_pickle_load_args(checkpoint):
    assert gg.load(checkpoint, None, pickle)["w"].tolist() == [1.0, 2.0]  # positional, as torch.load's
    with pytest.raises(ValueError, match="pickle_module=.* is not supported: glassgrad reads PyTorch checkpoints"):
        gg.load(checkpoint, pickle_module=io)
    assert gg.load(checkpoint, mmap=True)["w"].tolist() == [1.0, 2.0]
    with open(checkpoint, "rb") as file, pytest.raises(ValueError, match="mmap=True needs a file path"):
        gg.load(file, mmap=True)
    assert gg.load(checkpoint, encoding="latin1")["w"].tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['fix_imports'\]"):
        gg.load(checkpoint, fix_imports=False)


@pytest.mark.parametrize(
    "data, looks_like",
    [
        (b"hello, world: not a checkpoint\n", ", which looks like text"),
        (b"\x1f\x8b\x08\x00" + bytes(40), ", which looks like gzip-compressed data"),
        (b"\x93NUMPY\x01\x00" + bytes(40), ", which looks like a NumPy .npy file"),
        (bytes(range(200, 250)), ""),
    ],
)
def test_a_file_of_neither_format_says_what_it_starts_with(tmp_path, data, looks_like):
    path = tmp_path / "mystery.bin"
    path.write_bytes(data)
    message = "mystery.bin' is not a glassgrad/safetensors file nor a PyTorch checkpoint: it starts with "
    with pytest.raises(ValueError, match=message + r"b'.{1,40}'" + looks_like):
        gg.load(path)
