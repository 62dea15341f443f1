"""`glassgrad convert CHECKPOINT OUT`: a torch.save file rewritten as safetensors, readable by the safetensors
package and by gg.load; crafted zips (path traversal) refused and nothing written."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.cli import main

torch = pytest.importorskip("torch")


def test_a_nanogpt_checkpoint_converts_to_a_plain_safetensors_state_dict(tmp_path, capsys):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
    state = {f"_orig_mod.{key}": value for key, value in model.state_dict().items()}  # a compiled model's keys
    source, out = tmp_path / "ckpt.pt", tmp_path / "model.safetensors"
    torch.save({"model": state, "iter_num": 7, "model_args": {"n_layer": 2}}, source)
    assert main(["convert", str(source), str(out), "--key", "model", "--strip-prefix", "_orig_mod."]) == 0
    assert "4 tensors" in capsys.readouterr().out
    read = safetensors_numpy.load_file(str(out))
    assert sorted(read) == sorted(model.state_dict())
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(read[key], value.numpy())
    loaded = gg.load(out)
    np.testing.assert_array_equal(loaded["0.weight"].numpy(), model[0].weight.detach().numpy())


def test_the_whole_checkpoint_converts_when_it_holds_only_plain_values(tmp_path):
    source, out = tmp_path / "ckpt.pt", tmp_path / "all.safetensors"
    torch.save({"model": {"w": torch.arange(6.0).reshape(2, 3)}, "step": 3, "name": "run"}, source)
    assert main(["convert", str(source), str(out)]) == 0
    back = gg.load(out)
    assert back["step"] == 3 and back["name"] == "run"
    np.testing.assert_array_equal(back["model"]["w"].numpy(), np.arange(6.0).reshape(2, 3))


def test_a_missing_key_names_what_the_checkpoint_holds(tmp_path, capsys):
    source = tmp_path / "ckpt.pt"
    torch.save({"model": {"w": torch.ones(1)}}, source)
    assert main(["convert", str(source), str(tmp_path / "x.safetensors"), "--key", "weights"]) == 2
    assert "'model'" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()


def test_a_refused_pickle_is_a_one_line_error_and_writes_nothing(tmp_path, capsys):
    source, out = tmp_path / "evil.pt", tmp_path / "out.safetensors"
    torch.save({"layer": torch.nn.Linear(2, 2)}, source)  # a whole module: its class would have to be called
    assert main(["convert", str(source), str(out)]) == 2
    err = capsys.readouterr().err
    assert "torch.nn.modules.linear.Linear" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("bad_name", ["../../escaped/data.pkl", "/abs/data.pkl", "archive/../../data.pkl"])
def test_a_zip_whose_entries_climb_out_is_refused_and_nothing_is_written(tmp_path, bad_name):
    good = tmp_path / "good.pt"
    torch.save({"w": torch.ones(2)}, good)
    crafted = tmp_path / "crafted.pt"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(crafted, "w") as target:
        for info in source.infolist():
            name = bad_name if info.filename.endswith("data.pkl") else info.filename
            target.writestr(name, source.read(info))
    before = set(p for p in tmp_path.parent.rglob("*"))
    with pytest.raises(ValueError, match="climbs out of the archive"):
        gg.load(crafted)
    assert set(p for p in tmp_path.parent.rglob("*")) == before


def test_a_storage_shorter_than_its_tensor_is_refused(tmp_path):
    good = tmp_path / "good.pt"
    torch.save({"w": torch.arange(8.0)}, good)
    short = tmp_path / "short.pt"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(short, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, data[:12] if "/data/" in info.filename else data)
    with pytest.raises(ValueError, match="holds 12 bytes, its storage needs 32"):
        gg.load(short)


@pytest.mark.parametrize("header_length", [640, 0x0380, 0x0580])
def test_a_safetensors_file_whose_header_length_looks_like_a_pickle_still_loads(tmp_path, header_length):
    """A header of 640 bytes starts the file with 80 02, a pickle's opening: the format check must not fall for it."""
    path = tmp_path / "w.safetensors"
    for name_length in range(1, 1200):  # grow a key until gg.save's header has the wanted length
        gg.save({"k" * name_length: gg.ones(2)}, path, checksum=False)
        if int.from_bytes(path.read_bytes()[:8], "little") == header_length:
            break
    assert path.read_bytes()[:2] == header_length.to_bytes(2, "little")  # 80 02, 80 03, 80 05: pickle-like
    loaded = gg.load(path)
    assert list(loaded.values())[0].tolist() == [1.0, 1.0]
