"""gg.save / gg.load: bit-exact round trips, optimizer and scheduler state, torch files, corrupt files, atomic
writes."""

import io
import json
import math
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler
from glassgrad.serialization import load, save

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_]


def special_values(dtype):
    """An array of awkward values of one dtype: extremes, signed zeros, NaNs with payloads, subnormals."""
    rng = np.random.default_rng(0)
    if dtype == np.bool_:
        return rng.random((3, 4)) > 0.5
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.array([info.min, info.max, 0, -1 if info.min < 0 else 1, 7], dtype=dtype)
    info = np.finfo(dtype)
    values = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, info.max, info.tiny, info.smallest_subnormal, 0.1], dtype=dtype
    )
    bits = values.view(f"u{values.itemsize}")
    bits[4] |= 0x3  # a NaN with a payload: must come back with the same bits
    return np.concatenate([values, rng.standard_normal(7).astype(dtype)])


def path_in(tmp_path, name="checkpoint.safetensors"):
    return os.path.join(tmp_path, name)


def assert_bit_equal(a, b):
    assert isinstance(b, gg.Tensor)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.numpy().tobytes() == b.numpy().tobytes()


# ---- round trips -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype_round_trips_bit_exactly(tmp_path, dtype):
    tensors = {
        "values": gg.from_numpy(special_values(dtype)),
        "scalar": gg.from_numpy(np.array(special_values(dtype).reshape(-1)[1])),
        "empty": gg.from_numpy(np.zeros((0, 3), dtype=dtype)),
        "cube": gg.from_numpy(np.resize(special_values(dtype), (2, 3, 4))),
    }
    save({"nested": {"deeper": tensors}}, path_in(tmp_path))
    loaded = load(path_in(tmp_path))["nested"]["deeper"]
    assert list(loaded) == list(tensors)
    for name, tensor in tensors.items():
        assert_bit_equal(tensor, loaded[name])


def test_strided_views_are_saved_by_value(tmp_path):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    save({"t": gg.from_numpy(base.T), "step": gg.from_numpy(base[:, ::2])}, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    np.testing.assert_array_equal(loaded["t"].numpy(), base.T)
    np.testing.assert_array_equal(loaded["step"].numpy(), base[:, ::2])


def test_plain_values_and_structure_round_trip_with_their_types(tmp_path):
    obj = {
        "ints": [0, -1, 2**62, -(2**63), 10**30],
        "floats": [0.1, -0.0, 1e-300, 5e-324, 1.7976931348623157e308, math.inf, -math.inf],
        "nan": math.nan,
        "strings": ["", "ünï\u00e7ødé ✓", 'quote " and \\ backslash', "a.b.c", '{"tensor": "x"}'],
        "flags": [True, False, None],
        "tuple": (1, (2.0, "three"), []),
        "empty": {"dict": {}, "list": [], "tuple": ()},
        0: "int key",
        "0": "str key",
        1.5: "float key",
        True: "bool key",
        None: "None key",
        "a.b": {"c.d": 1},
        "tensor": {"like_a_tag": {"tensor": "not a tag"}},
    }
    save(obj, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    assert set(loaded.keys()) == set(obj.keys())
    for key in obj:
        if key == "nan":
            assert math.isnan(loaded[key])
        else:
            assert loaded[key] == obj[key]
    assert [type(k) for k in loaded] == [type(k) for k in obj]  # int 0 and "0" stay apart, bools stay bools
    assert type(loaded["flags"][0]) is bool and type(loaded["ints"][0]) is int
    assert type(loaded["tuple"]) is tuple and type(loaded["tuple"][1]) is tuple and loaded["tuple"][2] == []
    assert math.copysign(1.0, loaded["floats"][1]) == -1.0


def test_tensor_names_that_would_collide_stay_distinct(tmp_path):
    first, second, third, fourth = (gg.tensor([float(i)]) for i in range(4))
    obj = {"a.b": first, "a": {"b": second}, 0: third, "0": fourth}
    save(obj, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    assert [loaded["a.b"].item(), loaded["a"]["b"].item(), loaded[0].item(), loaded["0"].item()] == [
        0,
        1,
        2,
        3,
    ]


def test_one_tensor_reached_twice_is_stored_once_and_stays_shared(tmp_path):
    shared = gg.tensor([1.0, 2.0])
    save({"encoder": {"embedding": shared}, "decoder": {"embedding": shared}}, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    assert loaded["encoder"]["embedding"] is loaded["decoder"]["embedding"]


def test_single_tensor_and_file_objects(tmp_path):
    buffer = io.BytesIO()
    tensor = gg.tensor([[1.5, -2.0]], dtype=gg.float16)
    save(tensor, buffer)
    buffer.seek(0)
    assert_bit_equal(tensor, load(buffer))


def test_numpy_scalars_are_saved_as_python_numbers(tmp_path):
    save({"loss": np.float32(0.5), "step": np.int64(7), "done": np.bool_(True)}, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    assert loaded == {"loss": 0.5, "step": 7, "done": True}
    assert type(loaded["step"]) is int and type(loaded["done"]) is bool


def test_loaded_tensors_are_writable_cpu_tensors_without_grad(tmp_path):
    save({"w": gg.tensor([1.0, 2.0], requires_grad=True)}, path_in(tmp_path))
    w = load(path_in(tmp_path))["w"]
    assert not w.requires_grad and w.device == gg.device("cpu")
    w.numpy()[0] = 5.0  # an optimizer updates loaded state in place
    assert w.tolist() == [5.0, 2.0]


@pytest.mark.parametrize(
    "obj, match",
    [
        ({"a": np.zeros(2)}, r"cannot save a ndarray at obj\['a'\]; .*wrap arrays with gg.from_numpy"),
        ({"a": [1, {2, 3}]}, r"cannot save a set at obj\['a'\]\[1\]"),
        ({"a": object()}, r"cannot save a object at obj\['a'\]"),
        ({(1, 2): 3}, r"cannot save the dict key \(1, 2\) \(tuple\) at the top level"),
        ({math.nan: 3}, r"cannot save the dict key nan"),
    ],
)
def test_unsupported_values_raise_type_error_naming_where(tmp_path, obj, match):
    with pytest.raises(TypeError, match=match):
        save(obj, path_in(tmp_path))
    assert os.listdir(tmp_path) == []


# ---- optimizer and scheduler state -------------------------------------------------------------------------
def training_setup():
    """Two param groups under AdamW, a warmup+cosine SequentialLR and a ReduceLROnPlateau, all stateful."""
    w = gg.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    b = gg.tensor([0.5, -0.5], requires_grad=True)
    opt = optim.AdamW([{"params": [w]}, {"params": [b], "lr": 0.02, "weight_decay": 0.0}], lr=0.01, amsgrad=True)
    warmup = lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=4)
    cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=16)
    scheduler = lr_scheduler.SequentialLR(opt, [warmup, cosine], milestones=[4])
    plateau = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    return [w, b], opt, scheduler, plateau


def train(params, opt, scheduler, plateau, steps, start):
    for step in range(start, start + steps):
        for p in params:
            p.grad = gg.from_numpy(np.cos(p.detach().numpy() * (step + 1)).astype(np.float32))
        opt.step()
        scheduler.step()
        plateau.step(3.0 if step % 3 else 2.0)  # a metric that plateaus, so plateau keeps state


def test_optimizer_and_scheduler_state_round_trip_through_a_file(tmp_path):
    straight = training_setup()
    train(*straight, steps=14, start=0)

    params, opt, scheduler, plateau = training_setup()
    train(params, opt, scheduler, plateau, steps=6, start=0)
    checkpoint = {
        "model": {"w": params[0], "b": params[1]},
        "optimizer": opt.state_dict(),
        "scheduler": scheduler.state_dict(),
        "plateau": plateau.state_dict(),
        "step": 6,
    }
    save(checkpoint, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    assert list(loaded["optimizer"]["state"]) == [0, 1]  # integer parameter ids survive JSON
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["plateau"]["mode_worse"] == math.inf

    resumed_params, resumed_opt, resumed_scheduler, resumed_plateau = training_setup()
    for p, saved in zip(resumed_params, (loaded["model"]["w"], loaded["model"]["b"])):
        p.array[...] = saved.array  # the model's own load_state_dict would do this
    resumed_opt.load_state_dict(loaded["optimizer"])
    resumed_scheduler.load_state_dict(loaded["scheduler"])
    resumed_plateau.load_state_dict(loaded["plateau"])
    train(resumed_params, resumed_opt, resumed_scheduler, resumed_plateau, steps=8, start=loaded["step"])

    for p, q in zip(straight[0], resumed_params):
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()
    assert resumed_scheduler.get_last_lr() == straight[2].get_last_lr()
    assert resumed_opt.param_groups[0]["lr"] == straight[1].param_groups[0]["lr"]


@pytest.mark.parametrize(
    "build",
    [
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 2, 5]),  # a Counter with int keys
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=20, three_phase=True),
        lambda o: lr_scheduler.LambdaLR(o, lambda epoch: 0.9**epoch),
    ],
)
def test_scheduler_state_dicts_round_trip(tmp_path, build):
    opt = optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = build(opt)
    for _ in range(4):
        scheduler.step()
    save({"scheduler": scheduler.state_dict(), "optimizer": opt.state_dict()}, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    restored_opt = optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    restored = build(restored_opt)
    restored_opt.load_state_dict(loaded["optimizer"])  # chainable schedules continue from the group's lr
    restored.load_state_dict(loaded["scheduler"])
    for _ in range(3):
        scheduler.step()
        restored.step()
        assert restored.get_last_lr() == scheduler.get_last_lr()


# ---- interoperability with torch ---------------------------------------------------------------------------
def test_reads_a_plain_safetensors_file_saved_from_torch(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    state = {k: v.contiguous() for k, v in module.state_dict().items()}
    state["half"] = torch.randn(2, 2).half()
    state["mask"] = torch.tensor([True, False])
    state["bf16"] = torch.tensor([1.5, -2.25, 3.0e38], dtype=torch.bfloat16)
    safetensors_torch.save_file(state, path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    assert set(loaded) == set(state)
    for name, value in state.items():
        if name == "bf16":
            assert loaded[name].dtype == gg.float32  # NumPy has no bfloat16: widened, exactly
            assert loaded[name].tolist() == value.float().tolist()
        else:
            assert loaded[name].numpy().tobytes() == value.numpy().tobytes()
            assert loaded[name].numpy().dtype == value.numpy().dtype


def test_a_saved_state_dict_reads_in_torch_under_the_same_keys(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    state = {"0.weight": gg.randn(4, 3), "0.bias": gg.zeros(4), "1.num_batches_tracked": gg.tensor(3)}
    save(state, path_in(tmp_path))
    theirs = safetensors_torch.load_file(path_in(tmp_path))
    assert set(theirs) == set(state)
    for name, value in state.items():
        np.testing.assert_array_equal(theirs[name].numpy(), value.numpy())
    assert theirs["1.num_batches_tracked"].dtype == torch.int64


# ---- corrupted files ---------------------------------------------------------------------------------------
@pytest.fixture
def good_file(tmp_path):
    path = path_in(tmp_path)
    save({"w": gg.randn(16, 16), "meta": {"step": 3}}, path)
    return path


@pytest.mark.parametrize("keep", [0, 3, 8, 20, 100, -1, -100])
def test_truncated_file_raises_value_error_naming_it(tmp_path, good_file, keep):
    data = open(good_file, "rb").read()
    cut = path_in(tmp_path, "cut.safetensors")
    with open(cut, "wb") as file:
        file.write(data[:keep] if keep >= 0 else data[:keep])
    with pytest.raises(ValueError, match="cut.safetensors"):
        load(cut)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage, not a safetensors file at all" * 10,
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}......",
        b"\x02\x00\x00\x00\x00\x00\x00\x00[]",
        b"\xff" * 64,
        (9).to_bytes(8, "little") + b'"a string"',
    ],
)
def test_garbage_raises_value_error(tmp_path, data):
    path = path_in(tmp_path, "garbage.bin")
    with open(path, "wb") as file:
        file.write(data)
    with pytest.raises(ValueError, match="garbage.bin"):
        load(path)


@pytest.mark.parametrize(
    "metadata, match",
    [
        ({"glassgrad.format": "1", "glassgrad.tree": "{broken"}, "corrupted: its glassgrad tree is not valid JSON"),
        ({"glassgrad.format": "1", "glassgrad.tree": '{"tensor": "missing"}'}, "does not hold"),
        ({"glassgrad.format": "1", "glassgrad.tree": '{"weird": 1}'}, "unknown tag"),
        ({"glassgrad.format": "1", "glassgrad.tree": '{"dict": [[[1], 2]]}'}, "corrupted glassgrad tree"),
        ({"glassgrad.format": "1"}, "corrupted glassgrad tree"),
        ({"glassgrad.format": "9", "glassgrad.tree": "1"}, "format '9'.*newer glassgrad"),
    ],
)
def test_corrupted_tree_raises_value_error(tmp_path, metadata, match):
    import safetensors.numpy

    path = path_in(tmp_path)
    with open(path, "wb") as file:
        file.write(safetensors.numpy.save({"x": np.zeros(2, np.float32)}, metadata=metadata))
    with pytest.raises(ValueError, match=match):
        load(path)


# ---- atomic writes -----------------------------------------------------------------------------------------
def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, good_file, monkeypatch):
    before = open(good_file, "rb").read()

    def failing_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        save({"w": gg.zeros(1000)}, good_file)
    assert os.listdir(tmp_path) == ["checkpoint.safetensors"]
    assert open(good_file, "rb").read() == before


def test_interrupted_rename_leaves_no_temporary(tmp_path, monkeypatch):
    def failing_replace(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(KeyboardInterrupt):
        save({"w": gg.zeros(3)}, path_in(tmp_path))
    assert os.listdir(tmp_path) == []


def test_save_overwrites_and_writes_in_the_target_directory(tmp_path, good_file, monkeypatch):
    seen = []
    real_replace = os.replace

    def spying_replace(source, target):
        seen.append((os.path.dirname(source), os.path.exists(source), open(source, "rb").read()[:8]))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spying_replace)
    save({"x": gg.ones(2)}, good_file)
    assert seen[0][0] == str(tmp_path) and seen[0][1]  # a complete temporary beside the target
    assert load(good_file)["x"].tolist() == [1.0, 1.0]
    assert os.listdir(tmp_path) == ["checkpoint.safetensors"]


def test_file_permissions_follow_the_umask(tmp_path):
    path = path_in(tmp_path)
    old = os.umask(0o022)
    try:
        save({"x": gg.ones(1)}, path)
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644


# ---- malformed files: each a ValueError naming the file ------------------------------------------------------
def raw_file(tmp_path, header, data=b"", name="raw.safetensors", length=None):
    """A file with this header (a dict, or JSON text) and data, laid out as safetensors does."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path = path_in(tmp_path, name)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text) if length is None else length) + text + data)
    return path


def f32(shape, begin, end=None):
    end = begin + 4 * math.prod(shape) if end is None else end
    return {"dtype": "F32", "shape": list(shape), "data_offsets": [begin, end]}


@pytest.mark.parametrize(
    "header, data, match",
    [
        ({"x": f32([2], 0)}, b"\0" * 4, r"truncated: its tensors span 8 data bytes, the file holds 4"),
        ({"x": f32([2], 0)}, b"\0" * 12, r"has bytes after its last tensor: .* span 8 data bytes, the file holds 12"),
        ({"x": f32([25], 0)}, b"\0" * 8, r"truncated: its tensors span 100 data bytes"),
        ({"a": f32([2], 0), "b": f32([2], 4)}, b"\0" * 12, r"tensor 'b' starts at data byte 4, which overlaps"),
        ({"a": f32([2], 0), "b": f32([2], 12)}, b"\0" * 20, r"tensor 'b' starts at data byte 12, which leaves a hole"),
        ({"x": f32([2], 8, 0)}, b"\0" * 8, r"tensor 'x' .* malformed data_offsets \[8, 0\]"),
        ({"x": f32([2], 0, 8) | {"data_offsets": [0]}}, b"\0" * 8, r"tensor 'x' .* malformed data_offsets \[0\]"),
        ({"x": f32([2], 0) | {"dtype": "F128"}}, b"\0" * 8, r"tensor 'x' .* has dtype F128, which glassgrad"),
        ({"x": f32([2], 0) | {"dtype": "C64"}}, b"\0" * 8, r"has dtype C64, .*it reads F64, F32"),
        ({"x": f32([2], 0) | {"dtype": 5}}, b"\0" * 8, r"has dtype 5"),
        ({"x": f32([3], 0, 8)}, b"\0" * 8, r"tensor 'x' .* shape \[3\] of F32 is 12 bytes, but its data_offsets"),
        ({"x": f32([2], 0) | {"shape": [-2]}}, b"\0" * 8, r"tensor 'x' .* malformed shape \[-2\]"),
        ({"x": f32([2], 0) | {"shape": [2.0]}}, b"\0" * 8, r"malformed shape \[2.0\]"),
        ({"x": f32([2], 0) | {"shape": [True, 2]}}, b"\0" * 8, r"malformed shape \[True, 2\]"),
        ({"x": [1, 2]}, b"", r"tensor 'x' .* malformed header entry"),
        ({"__metadata__": {"a": 1}}, b"", r"malformed __metadata__ entry \(not a JSON object of strings\)"),
        ({"__metadata__": ["a"]}, b"", r"malformed __metadata__"),
        ({"__metadata__": {"glassgrad.crc32": "[1, 2]"}}, b"", r"malformed glassgrad.crc32 entry"),
        ({"__metadata__": {"glassgrad.crc32": "{oops"}}, b"", r"its checksum table is not valid JSON"),
        ({"__metadata__": {"glassgrad.format": "1", "glassgrad.tree": '{"tuple": 5}'}}, b"", r"corrupted glassgrad"),
    ],
)
def test_malformed_headers_raise_value_error_naming_the_file(tmp_path, header, data, match):
    path = raw_file(tmp_path, header, data)
    with pytest.raises(ValueError, match=match) as error:
        load(path)
    assert "raw.safetensors" in str(error.value)


def test_a_header_length_beyond_the_file_or_the_limit_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"raw.safetensors' is truncated.*header claims 1099511627776 bytes"):
        load(raw_file(tmp_path, {"x": f32([1], 0)}, b"\0" * 4, length=2**40))
    header = json.dumps({"x": f32([1], 0)}).encode()
    stream = ShortReads(struct.pack("<Q", 100_000_001) + header + b"\0" * 4)  # a pipe: its size is unknown,
    with pytest.raises(ValueError, match="truncated.*header claims 100000001 bytes, but only an unknown number"):
        load(stream)  # so the limit is what stops a huge read


def test_file_objects_load_from_their_position_and_are_checked_against_their_size(tmp_path, good_file):
    data = open(good_file, "rb").read()
    buffer = NamedBytes(b"prefix" + data, "in memory")
    buffer.seek(6)
    assert load(buffer)["meta"] == {"step": 3}
    with pytest.raises(ValueError, match="'in memory' has bytes after its last tensor"):
        load(NamedBytes(data + b"\0", "in memory"))


@pytest.mark.parametrize("where", ["header", "glassgrad tree", "checksum table"])
def test_json_nested_100000_deep_raises_value_error_not_recursion_error(tmp_path, where):
    deep = "[" * 100_000 + "]" * 100_000
    if where == "header":
        header = ('{"x": {"dtype": "F32", "shape": [], "data_offsets": [0, 4], "extra": ' + deep + "}}").encode()
    else:
        key = "glassgrad.tree" if where == "glassgrad tree" else "glassgrad.crc32"
        header = {"__metadata__": {"glassgrad.format": "1", "glassgrad.tree": "1", key: deep}}
    path = raw_file(tmp_path, header, b"\0" * 4 if where == "header" else b"")
    with pytest.raises(ValueError, match=f"raw.safetensors' is corrupted: its {where} is nested too deeply"):
        load(path)


def test_a_tree_deeper_than_max_depth_is_refused_when_it_parses(tmp_path):
    from glassgrad.serialization import MAX_DEPTH

    tree = '{"list": [' * (MAX_DEPTH + 1) + "1" + "]}" * (MAX_DEPTH + 1)  # 202 JSON levels: json reads it
    path = raw_file(tmp_path, {"__metadata__": {"glassgrad.format": "1", "glassgrad.tree": tree}})
    with pytest.raises(ValueError, match=f"raw.safetensors' has a corrupted.*more than {MAX_DEPTH} containers"):
        load(path)


def test_save_allows_max_depth_and_refuses_deeper_or_cyclic_objects(tmp_path):
    from glassgrad.serialization import MAX_DEPTH

    def nested(depth):
        obj = [gg.tensor([1.0])]
        for _ in range(depth - 1):
            obj = [obj]
        return obj

    save(nested(MAX_DEPTH), path_in(tmp_path))
    loaded = load(path_in(tmp_path))
    for _ in range(MAX_DEPTH):
        loaded = loaded[0]
    assert loaded.tolist() == [1.0]
    with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} containers deep"):
        save(nested(MAX_DEPTH + 1), path_in(tmp_path, "deeper.safetensors"))
    cyclic = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(ValueError, match=r"\(or holds itself\) at obj\['a'\]\[0\]\['a'\]\[0\]"):
        save(cyclic, path_in(tmp_path, "cyclic.safetensors"))
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.safetensors"]


@pytest.mark.parametrize("mode", ["r", "stringio"])
def test_text_mode_file_objects_are_refused_with_the_fix(tmp_path, good_file, mode):
    file = open(good_file, encoding="latin-1") if mode == "r" else io.StringIO("text")
    with file, pytest.raises(ValueError, match=r"gg.load: .* is a text-mode file object; .*open\(path, 'rb'\)"):
        load(file)
    if mode == "r":
        with pytest.raises(ValueError, match=r"gg.load: '.*checkpoint.safetensors' is a text-mode"):
            load(open(good_file))
    with pytest.raises(ValueError, match=r"gg.save: .* is a text-mode file object"):
        save({"x": gg.ones(1)}, io.StringIO())


class ShortReads(io.RawIOBase):
    """A pipe-like binary stream: every read returns at most 7 bytes; optionally without readinto."""

    def __init__(self, data, with_readinto=True):
        self.source = io.BytesIO(data)
        self.with_readinto = with_readinto

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self.source.read(min(7, len(buffer)))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def __getattribute__(self, name):
        if name == "readinto" and not object.__getattribute__(self, "with_readinto"):
            raise AttributeError(name)
        return object.__getattribute__(self, name)

    def read(self, size=-1):
        return self.source.read(min(7, size) if size >= 0 else size)


@pytest.mark.parametrize("with_readinto", [True, False])
def test_streams_with_short_reads_load_and_truncation_is_caught(with_readinto):
    weights = gg.from_numpy(special_values(np.float64))
    buffer = io.BytesIO()
    save({"w": weights, "b": gg.tensor([1, 2], dtype=gg.int8)}, buffer)
    loaded = load(ShortReads(buffer.getvalue(), with_readinto))
    assert_bit_equal(weights, loaded["w"])
    assert loaded["b"].tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"is truncated: tensor 'b' needs 2 bytes, the file ends after 1"):
        load(ShortReads(buffer.getvalue()[:-1], with_readinto))


# ---- checksums --------------------------------------------------------------------------------------------
def header_of(path):
    data = open(path, "rb").read()
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + size]), 8 + size, data


def test_save_writes_a_crc32_of_each_tensor_and_of_the_header(tmp_path):
    import safetensors.numpy

    tensors = {"w": gg.randn(3, 5), "ids": gg.tensor([1, 2, 3]), "mask": gg.tensor([True, False])}
    save(tensors, path_in(tmp_path))
    header, _, _ = header_of(path_in(tmp_path))
    crcs = json.loads(header["__metadata__"]["glassgrad.crc32"])
    theirs = safetensors.numpy.load_file(path_in(tmp_path))  # an independent reader of the same bytes
    assert crcs == {name: zlib.crc32(theirs[name].tobytes()) for name in tensors}
    stored = int(header["__metadata__"].pop("glassgrad.header_crc32"))
    assert stored == zlib.crc32(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
    save(tensors, path_in(tmp_path, "plain.safetensors"), checksum=False)
    plain, _, _ = header_of(path_in(tmp_path, "plain.safetensors"))
    assert not {"glassgrad.crc32", "glassgrad.header_crc32"} & set(plain["__metadata__"])


@pytest.fixture
def checked_file(tmp_path):
    path = path_in(tmp_path, "checked.safetensors")
    save({"w": gg.randn(4, 4), "b": gg.arange(5), "flags": gg.tensor([True]), "meta": {"step": 3, "lr": 0.1}}, path)
    return path


def write_flipped(path, data, position, mask=0xFF):
    broken = bytearray(data)
    broken[position] ^= mask
    with open(path, "wb") as file:
        file.write(bytes(broken))


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_a_flipped_data_byte_names_the_file_and_the_tensor(tmp_path, checked_file, mask):
    header, data_start, data = header_of(checked_file)
    for name in ("w", "b", "flags"):
        begin, end = header[name]["data_offsets"]
        for position in sorted({begin, (begin + end) // 2, end - 1}):
            write_flipped(checked_file, data, data_start + position, mask)
            with pytest.raises(ValueError, match=rf"checked.safetensors' is corrupted: the bytes of tensor '{name}'"):
                load(checked_file)


class NamedBytes(io.BytesIO):
    def __init__(self, data, name):
        super().__init__(data)
        self.name = name


@pytest.mark.parametrize("mask", [0x01, 0xFF])
def test_every_flipped_header_byte_is_caught(tmp_path, checked_file, mask):
    """Every single-byte change of the length and header raises, except a change that keeps the header
    checksum's own name ASCII (the file then reads as one without a header checksum, and is intact)."""
    original = load(checked_file)
    _, data_start, data = header_of(checked_file)
    name_at = data.index(b'"glassgrad.header_crc32"')
    uncaught = []
    for position in range(data_start):
        broken = bytearray(data)
        broken[position] ^= mask
        try:
            loaded = load(NamedBytes(bytes(broken), checked_file))  # in memory: ~500 files, quickly
        except ValueError as error:
            assert "checked.safetensors" in str(error)
            continue
        uncaught.append(position)
        assert loaded["meta"] == original["meta"] and loaded["w"].tolist() == original["w"].tolist()
    name = list(range(name_at + 1, name_at + 1 + len("glassgrad.header_crc32")))
    assert uncaught == (name if mask == 0x01 else [])  # 0xFF makes any header byte invalid UTF-8


def test_files_without_checksums_still_load(tmp_path):
    import safetensors.numpy

    older = {"glassgrad.format": "1", "glassgrad.tree": '{"dict": [["w", {"tensor": "w"}], ["step", 4]]}'}
    with open(path_in(tmp_path, "older.safetensors"), "wb") as file:  # what a glassgrad before checksums wrote
        file.write(safetensors.numpy.save({"w": np.arange(3, dtype=np.float32)}, metadata=older))
    loaded = load(path_in(tmp_path, "older.safetensors"))
    assert loaded["w"].tolist() == [0.0, 1.0, 2.0] and loaded["step"] == 4
    # Without checksums a changed data byte cannot be noticed (documented): it loads, changed.
    save({"w": gg.zeros(2)}, path_in(tmp_path), checksum=False)
    _, data_start, data = header_of(path_in(tmp_path))
    write_flipped(path_in(tmp_path), data, data_start, 0x01)
    assert load(path_in(tmp_path))["w"].numpy().view(np.uint32).tolist() == [1, 0]


# ---- memory ---------------------------------------------------------------------------------------------------
PEAK_SCRIPT = """
import sys
def status(field):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(field))
import glassgrad as gg
try:  # reset the high-water mark to the current size, so that the import's own peak cannot hide the load's
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
baseline = status("VmHWM")
loaded = gg.load(sys.argv[1])
print(status("VmHWM") - baseline)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="VmHWM is Linux's")
def test_load_holds_one_copy_of_the_data(tmp_path):
    """Peak memory of a fresh process while loading, over an idle one with glassgrad imported: about the file
    size (the old loader, file bytes + safetensors' copies + arrays, peaked at 3.0x)."""
    rng = np.random.default_rng(0)
    save(
        {f"w{i}": gg.from_numpy(rng.standard_normal(2_500_000, dtype=np.float32)) for i in range(4)}, path_in(tmp_path)
    )
    size = os.path.getsize(path_in(tmp_path))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, path_in(tmp_path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert 0.9 * size < int(result.stdout) < 1.3 * size
