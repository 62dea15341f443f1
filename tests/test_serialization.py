"""gg.save / gg.load: bit-exact round trips, optimizer and scheduler state, torch files, corrupt files, atomic
writes."""

import io
import math
import os

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
    opt = optim.AdamW(
        [{"params": [w]}, {"params": [b], "lr": 0.02, "weight_decay": 0.0}], lr=0.01, amsgrad=True
    )
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


def test_flipped_bytes_in_the_header_raise_value_error(tmp_path, good_file):
    data = bytearray(open(good_file, "rb").read())
    header_size = int.from_bytes(data[:8], "little")
    for position in range(8, 8 + header_size, 7):
        broken = data.copy()
        broken[position] ^= 0xFF
        path = path_in(tmp_path, "flipped.safetensors")
        with open(path, "wb") as file:
            file.write(bytes(broken))
        try:
            load(path)  # some flips (inside a name, a digit of the tree) still make a valid file
        except ValueError as error:
            assert "flipped.safetensors" in str(error)


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
