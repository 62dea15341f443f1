"""gg.load of files written by torch.save: every dtype bit for bit, views and shared storages, 0-d and empty
tensors, Parameters, plain containers, both torch formats, paths, file objects and pipes."""

from __future__ import annotations

import collections
import io
import math
import zipfile

import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

FORMATS = ["zip", "legacy"]
DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16, torch.int8,
          torch.uint8, torch.bool]


def torch_save(obj, path, file_format="zip"):
    torch.save(obj, path, _use_new_zipfile_serialization=file_format == "zip")
    return path


def awkward_values(dtype) -> "torch.Tensor":
    """Extremes, signed zeros, infinities, a NaN and subnormals of one dtype (bools and ints: their range)."""
    if dtype == torch.bool:
        return torch.tensor([True, False, False, True])
    if not dtype.is_floating_point:
        info = torch.iinfo(dtype)
        return torch.tensor([info.min, info.max, 0, 1, 7], dtype=dtype)
    info = torch.finfo(dtype)
    values = [0.0, -0.0, math.inf, -math.inf, math.nan, info.max, info.tiny, info.smallest_normal / 4, 0.1]
    return torch.cat([torch.tensor(values, dtype=dtype), torch.randn(7, generator=torch.Generator().manual_seed(0))
                      .to(dtype)])


def assert_same_tensor(theirs, ours):
    """Same shape, dtype and bytes (bfloat16 compared after widening to float32 in torch)."""
    assert isinstance(ours, gg.Tensor)
    expected = theirs.detach()
    if expected.dtype == torch.bfloat16:
        expected = expected.float()
    expected = expected.contiguous().numpy()
    array = ours.detach().numpy()
    assert ours.shape == expected.shape and array.dtype == expected.dtype
    assert array.tobytes() == expected.tobytes()


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_every_dtype_loads_bit_for_bit(tmp_path, file_format, dtype):
    values = awkward_values(dtype)
    saved = {"values": values, "scalar": values[1].clone(), "empty": values[:0].reshape(0, 3),
             "cube": values.repeat(6)[:24].reshape(2, 3, 4)}
    loaded = gg.load(torch_save(saved, tmp_path / "values.pt", file_format))
    assert list(loaded) == list(saved)
    for name, tensor in saved.items():
        assert_same_tensor(tensor, loaded[name])
    assert loaded["scalar"].shape == () and loaded["empty"].shape == (0, 3)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_newer_pickle_protocols_load(tmp_path, protocol):
    saved = {"w": torch.randn(3, 4).t(), "step": 7, "names": ["a", "b"]}
    torch.save(saved, tmp_path / "protocol.pt", pickle_protocol=protocol)
    loaded = gg.load(tmp_path / "protocol.pt")
    assert_same_tensor(saved["w"], loaded["w"])
    assert loaded["step"] == 7 and loaded["names"] == ["a", "b"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_bfloat16_widens_to_float32_exactly(tmp_path, file_format):
    values = torch.tensor([1.5, -2.25, 3.0e38, -0.0, math.inf, 1e-39, 0.1], dtype=torch.bfloat16)
    loaded = gg.load(torch_save({"w": values, "t": values.reshape(7, 1).t()}, tmp_path / "bf16.pt", file_format))
    assert loaded["w"].dtype == gg.float32
    assert loaded["w"].numpy().tobytes() == values.float().numpy().tobytes()
    assert loaded["t"].shape == (1, 7) and loaded["t"].tolist() == values.float().reshape(1, 7).tolist()


@pytest.mark.parametrize("file_format", FORMATS)
def test_views_with_offsets_strides_and_shared_storage(tmp_path, file_format):
    base = torch.arange(60, dtype=torch.float64).reshape(3, 4, 5)
    views = {
        "base": base,
        "slice": base[1:, 2],  # an offset into the storage
        "stepped": base[:, ::2, 1::3],
        "transpose": base.transpose(0, 2),
        "expanded": torch.tensor([1.0, 2.0]).reshape(2, 1).expand(2, 3),  # stride 0
        "element": base[2, 3, 4],  # a 0-d view at the last element
        "empty_view": base[:, 4:, :],
    }
    loaded = gg.load(torch_save(views, tmp_path / "views.pt", file_format))
    for name, view in views.items():
        assert_same_tensor(view, loaded[name])
    # torch shares one storage among all but "expanded"; glassgrad gives each tensor its own memory
    loaded["base"].zero_()
    assert loaded["slice"].numpy()[0, 0] == base[1, 2, 0].item()
    assert all(t.numpy().flags.c_contiguous and t.numpy().flags.writeable for t in loaded.values())


def test_a_tensor_saved_twice_loads_as_one_object_and_distinct_ones_stay_distinct(tmp_path):
    tied = torch.randn(4, 3)
    twin = tied.view(4, 3)  # another tensor object over the same storage
    loaded = gg.load(torch_save({"wte": tied, "lm_head": tied, "twin": twin}, tmp_path / "tied.pt"))
    assert loaded["wte"] is loaded["lm_head"]
    assert loaded["twin"] is not loaded["wte"]
    np.testing.assert_array_equal(loaded["twin"].numpy(), tied.numpy())


@pytest.mark.parametrize("file_format", FORMATS)
def test_parameters_and_requires_grad_come_back_as_saved(tmp_path, file_format):
    saved = {
        "weight": torch.nn.Parameter(torch.randn(2, 3)),
        "frozen": torch.nn.Parameter(torch.randn(2), requires_grad=False),
        "leaf": torch.randn(3, requires_grad=True),
        "plain": torch.randn(3),
    }
    saved["weight"].extra_attribute = "dropped"  # pickled through _rebuild_parameter_with_state
    loaded = gg.load(torch_save(saved, tmp_path / "params.pt", file_format))
    assert type(loaded["weight"]) is gg.nn.Parameter and loaded["weight"].requires_grad
    assert type(loaded["frozen"]) is gg.nn.Parameter and not loaded["frozen"].requires_grad
    assert type(loaded["leaf"]) is gg.Tensor and loaded["leaf"].requires_grad and loaded["leaf"].is_leaf
    assert type(loaded["plain"]) is gg.Tensor and not loaded["plain"].requires_grad
    for name, tensor in saved.items():
        assert_same_tensor(tensor, loaded[name])


def test_a_tensor_with_python_attributes_loads_as_a_plain_tensor(tmp_path):
    tensor = torch.tensor([1.0, 2.0])
    tensor.note = "kept by torch, dropped by glassgrad"  # pickled through torch._tensor._rebuild_from_type_v2
    loaded = gg.load(torch_save({"t": tensor}, tmp_path / "attributes.pt"))
    assert_same_tensor(tensor, loaded["t"])


@pytest.mark.parametrize("file_format", FORMATS)
def test_plain_values_and_containers_load_as_python(tmp_path, file_format):
    saved = collections.OrderedDict(
        [
            ("z", 1), ("a", [1.5, -2, None, True, "text", b"\x00\xff", b"", (1, (2, 3))]),
            ("floats", [math.inf, -math.inf, 1e-308]), ("sets", ({1, 2}, frozenset({"x"}))),
            ("complex", 1 + 2j), ("size", torch.Size([2, 3])), ("dtypes", [torch.float32, torch.int64, torch.bfloat16]),
            ("devices", [torch.device("cpu"), torch.device("cuda", 1)]), ("int_keys", {0: "a", -5: "b"}),
            ("empty", {}), ("nested", {"deeper": [{"t": torch.ones(2)}]}),
        ]
    )
    loaded = gg.load(torch_save(saved, tmp_path / "plain.pt", file_format))
    assert type(loaded) is dict and list(loaded) == list(saved)  # an OrderedDict loads as a dict, in order
    assert loaded["a"] == saved["a"] and loaded["floats"] == saved["floats"]
    assert loaded["sets"] == saved["sets"] and type(loaded["sets"][1]) is frozenset
    assert loaded["complex"] == 1 + 2j and loaded["int_keys"] == {0: "a", -5: "b"} and loaded["empty"] == {}
    assert loaded["size"] == (2, 3) and type(loaded["size"]) is tuple
    assert loaded["dtypes"] == [gg.float32, gg.int64, gg.bfloat16]  # bfloat16: a dtype glassgrad names
    assert loaded["devices"] == [gg.device("cpu"), gg.device("cuda:1")]
    assert loaded["nested"]["deeper"][0]["t"].tolist() == [1.0, 1.0]


def test_a_device_glassgrad_lacks_is_named_in_the_error(tmp_path):
    torch.save({"config": {"device": torch.device("mps")}}, tmp_path / "mps.pt")
    with pytest.raises(ValueError, match=r"mps.pt' holds device 'mps' at obj\['config'\]\['device'\]: unknown"):
        gg.load(tmp_path / "mps.pt")


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_bare_tensor_and_file_objects_pipes_and_offsets(tmp_path, file_format):
    tensor = torch.randn(3, 2, dtype=torch.float64)
    buffer = io.BytesIO()
    torch.save(tensor, buffer, _use_new_zipfile_serialization=file_format == "zip")
    data = buffer.getvalue()
    assert_same_tensor(tensor, gg.load(io.BytesIO(data)))
    offset = io.BytesIO(b"junk" + data)
    offset.seek(4)
    assert_same_tensor(tensor, gg.load(offset))
    assert_same_tensor(tensor, gg.load(Pipe(data)))
    path = tmp_path / "bare.pt"
    path.write_bytes(data)
    assert_same_tensor(tensor, gg.load(path))
    assert_same_tensor(tensor, gg.load(str(path), mmap=True))


class Pipe(io.RawIOBase):
    """A stream that cannot seek and returns at most 5 bytes a read."""

    def __init__(self, data):
        self.source = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self.source.read(min(5, len(buffer)))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_glassgrad_files_still_load_from_paths_buffers_and_pipes(tmp_path):
    saved = {"w": gg.tensor([1.0, 2.0]), "step": 3}
    buffer = io.BytesIO()
    gg.save(saved, buffer)  # a file object, as torch scripts save to buffers
    gg.save(saved, tmp_path / "gg.safetensors")
    for source in (io.BytesIO(buffer.getvalue()), Pipe(buffer.getvalue()), tmp_path / "gg.safetensors"):
        loaded = gg.load(source)
        assert loaded["w"].tolist() == [1.0, 2.0] and loaded["step"] == 3


def test_a_checkpoint_rezipped_with_compression_loads_the_same(tmp_path):
    saved = {"w": torch.randn(50, 3), "ids": torch.arange(7)}
    torch.save(saved, tmp_path / "stored.pt")
    with zipfile.ZipFile(tmp_path / "stored.pt") as stored, \
            zipfile.ZipFile(tmp_path / "deflated.pt", "w", zipfile.ZIP_DEFLATED) as deflated:
        for name in stored.namelist():
            deflated.writestr(name, stored.read(name))
    loaded = gg.load(tmp_path / "deflated.pt")
    for name, tensor in saved.items():
        assert_same_tensor(tensor, loaded[name])
