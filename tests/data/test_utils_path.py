"""Tests for glassgrad/utils/__init__.py: `glassgrad.utils.data` is PyTorch's import path to glassgrad.data,
the same module objects (not copies)."""

import subprocess
import sys

import glassgrad.utils.data
import glassgrad.utils.data.dataloader
import glassgrad.utils.data.dataset
import glassgrad.utils.data.sampler
from glassgrad.utils.data import DataLoader, RandomSampler, TensorDataset

import glassgrad as gg
import glassgrad.data
import glassgrad.data.dataset
import glassgrad.data.loader
import glassgrad.data.sampler


def test_utils_data_is_the_data_package_itself():
    assert glassgrad.utils.data is glassgrad.data is gg.utils.data
    assert sys.modules["glassgrad.utils.data"] is sys.modules["glassgrad.data"]
    assert DataLoader is gg.data.DataLoader is gg.utils.data.DataLoader
    assert TensorDataset is gg.data.TensorDataset and RandomSampler is gg.data.RandomSampler


def test_submodules_answer_to_pytorchs_names():
    assert glassgrad.utils.data.dataloader is glassgrad.data.loader is gg.utils.data.dataloader
    assert glassgrad.utils.data.dataset is glassgrad.data.dataset
    assert glassgrad.utils.data.sampler is glassgrad.data.sampler
    from glassgrad.utils.data.dataloader import DataLoader as from_dataloader
    from glassgrad.utils.data.dataset import Dataset
    from glassgrad.utils.data.sampler import BatchSampler

    assert from_dataloader is DataLoader and Dataset is gg.data.Dataset and BatchSampler is gg.data.BatchSampler


def test_one_class_means_isinstance_agrees_across_the_two_paths():
    loader = gg.utils.data.DataLoader(gg.data.TensorDataset(gg.zeros(4, 2)), batch_size=2)
    assert isinstance(loader, gg.data.DataLoader)
    assert isinstance(loader.sampler, glassgrad.utils.data.sampler.SequentialSampler)
    assert isinstance(loader.dataset, glassgrad.utils.data.Dataset)


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
