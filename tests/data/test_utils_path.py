"""Tests for glassgrad/utils/__init__.py: `glassgrad.utils.data` is PyTorch's import path to glassgrad.data,
the same module objects (not copies)."""

import importlib
import subprocess
import sys

import pytest

import glassgrad as gg
import glassgrad.data.dataset
import glassgrad.data.loader
import glassgrad.data.sampler

# `import glassgrad.utils.data.dataloader` as a script writes it; ruff cannot see modules that exist only as
# sys.modules entries and would sort such statements among the third-party imports, so the test imports by name.
utils_data = importlib.import_module("glassgrad.utils.data")
utils_dataloader = importlib.import_module("glassgrad.utils.data.dataloader")
utils_dataset = importlib.import_module("glassgrad.utils.data.dataset")
utils_sampler = importlib.import_module("glassgrad.utils.data.sampler")
from glassgrad.utils.data import DataLoader, RandomSampler, TensorDataset  # noqa: E402


def test_utils_data_is_the_data_package_itself():
    assert utils_data is glassgrad.data is gg.utils.data
    assert sys.modules["glassgrad.utils.data"] is sys.modules["glassgrad.data"]
    assert DataLoader is gg.data.DataLoader is gg.utils.data.DataLoader
    assert TensorDataset is gg.data.TensorDataset and RandomSampler is gg.data.RandomSampler


def test_submodules_answer_to_pytorchs_names():
    assert utils_dataloader is glassgrad.data.loader is gg.utils.data.dataloader
    assert utils_dataset is glassgrad.data.dataset is gg.utils.data.dataset
    assert utils_sampler is glassgrad.data.sampler is gg.utils.data.sampler
    from glassgrad.utils.data.dataloader import DataLoader as from_dataloader
    from glassgrad.utils.data.dataset import Dataset
    from glassgrad.utils.data.sampler import BatchSampler

    assert from_dataloader is DataLoader and Dataset is gg.data.Dataset and BatchSampler is gg.data.BatchSampler


def test_one_class_means_isinstance_agrees_across_the_two_paths():
    loader = gg.utils.data.DataLoader(gg.data.TensorDataset(gg.zeros(4, 2)), batch_size=2)
    assert isinstance(loader, gg.data.DataLoader)
    assert isinstance(loader.sampler, utils_sampler.SequentialSampler)
    assert isinstance(loader.dataset, gg.utils.data.Dataset)


def test_the_torch_path_works_as_the_first_import_in_a_fresh_process():
    # A script's first line may be this import: glassgrad/__init__ must register the aliases on its own.
    code = (
        "from glassgrad.utils.data.sampler import WeightedRandomSampler\n"
        "import glassgrad.utils.data as tud, glassgrad as gg\n"
        "assert tud is gg.data and WeightedRandomSampler is gg.data.WeightedRandomSampler\n"
        "print(len(tud.DataLoader(list(range(7)), batch_size=3)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"


def test_a_torch_script_under_glassgrad_run_gets_these_modules(tmp_path):
    script = tmp_path / "loader_script.py"
    script.write_text(
        "import torch.utils.data\n"
        "from torch.utils.data.sampler import BatchSampler, SequentialSampler\n"
        "from torch.utils.data.dataloader import DataLoader\n"
        "import glassgrad\n"
        "assert torch.utils.data is glassgrad.data and DataLoader is glassgrad.data.DataLoader\n"
        "print(list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=True)))\n"
        "torch.utils.data.NoSuchSampler\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "glassgrad.run", str(script)], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "[[0, 1], [2, 3]]"
    assert "glassgrad does not implement torch.utils.data.NoSuchSampler" in result.stderr
    assert result.returncode != 0


def test_a_missing_name_says_which_torch_path_glassgrad_lacks():
    with pytest.raises(AttributeError, match="glassgrad does not implement torch.utils.data.NoSuchSampler"):
        getattr(gg.utils.data, "NoSuchSampler")  # noqa: B009 - the attribute access is what is tested
    assert getattr(gg.utils.data, "NoSuchSampler", None) is None  # hasattr-style probes still work
