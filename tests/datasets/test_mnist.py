"""Tests for glassgrad/datasets/mnist.py: the IDX reader, MNIST/FashionMNIST and every corruption case."""

import gzip
import hashlib

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import DataLoader
from glassgrad.datasets import MNIST, FashionMNIST, read_idx

from .format_writers import idx_bytes, mnist_arrays, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, ">i2", ">i4", ">f4", ">f8"])
def test_read_idx_round_trips_every_element_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype) if np.dtype(dtype) != np.uint8 else \
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4)  # fmt: skip
    for name in ("a.idx", "a.idx.gz"):
        read = read_idx(write_idx(tmp_path / name, array), ndim=3)
        np.testing.assert_array_equal(read, array)
        assert read.dtype.isnative and read.flags.writeable


def test_mnist_loads_samples_and_arrays(mnist_root):
    train = MNIST(mnist_root, train=True)
    test = MNIST(str(mnist_root), train=False)
    images, labels = mnist_arrays(12, 0)
    assert (len(train), len(test)) == (12, 5)
    image, label = train[3]
    assert image.shape == (1, 28, 28) and image.dtype == gg.float32 and label == 3 and isinstance(label, int)
    np.testing.assert_allclose(image.numpy()[0], images[3] / 255.0, rtol=1e-6)
    assert train.data.shape == (12, 28, 28) and train.data.dtype == gg.uint8
    assert train.targets.dtype == gg.int64 and train.targets.tolist() == labels.tolist()
    assert train.class_to_idx["7 - seven"] == 7


def test_mnist_reads_uncompressed_files_too(mnist_root):
    raw = mnist_root / "MNIST" / "raw"
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / name).write_bytes(gzip.decompress((raw / f"{name}.gz").read_bytes()))
        (raw / f"{name}.gz").unlink()
    assert len(MNIST(mnist_root, train=False)) == 5


def test_mnist_batches_equal_samples_and_transforms_apply(mnist_root):
    train = MNIST(mnist_root, train=True)
    x, y = next(iter(DataLoader(train, batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and y.dtype == gg.int64
    np.testing.assert_array_equal(x.numpy()[2], train[2][0].numpy())
    flipped = MNIST(
        mnist_root, transform=lambda image: image * 0 + 1, target_transform=lambda label: label + 100
    )
    x, y = next(iter(DataLoader(flipped, batch_size=3)))
    assert x.numpy().min() == 1 and y.tolist() == [100, 101, 102]


def test_fashion_mnist_uses_its_own_folder_and_classes(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    images, labels = mnist_arrays(4)
    write_idx(raw / "t10k-images-idx3-ubyte.gz", images)
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", labels)
    ds = FashionMNIST(tmp_path, train=False)
    assert len(ds) == 4 and ds.classes[9] == "Ankle boot"


def test_missing_files_say_which_and_where(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        MNIST(tmp_path, train=True)
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "MNIST" / "raw") in message and "download=True" in message


def corrupt(path, data, compress=True):
    path.write_bytes(gzip.compress(data) if compress else data)


@pytest.mark.parametrize(
    "case, match",
    [
        ("bad_magic", "bad magic number 0x01000803"),
        ("wrong_ndim", "announces 2 dimensions, expected 3"),
        ("truncated_data", "holds 3000"),
        ("short_header", "too short for an IDX header"),
        ("cut_header", "header is cut short"),
        ("truncated_gzip", "not a complete gzip file"),
        ("not_gzip", "not a complete gzip file"),
        ("corrupted_gzip", "not a complete gzip file"),
        ("float_images", "expected uint8"),
    ],
)
def test_corrupted_image_file_names_the_file(mnist_root, case, match):
    path = mnist_root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    images, _ = mnist_arrays(12)
    good = idx_bytes(images)
    if case == "bad_magic":
        corrupt(path, b"\x01" + good[1:])
    elif case == "wrong_ndim":
        corrupt(path, idx_bytes(images.reshape(12, 784)))
    elif case == "truncated_data":
        corrupt(path, good[: 16 + 3000])
    elif case == "short_header":
        corrupt(path, good[:3])
    elif case == "cut_header":
        corrupt(path, good[:10])
    elif case == "truncated_gzip":
        path.write_bytes(path.read_bytes()[:-100])
    elif case == "not_gzip":
        path.write_bytes(good)
    elif case == "corrupted_gzip":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif case == "float_images":
        corrupt(path, idx_bytes(images.astype(">f4")))
    with pytest.raises(ValueError, match=match) as error:
        MNIST(mnist_root, train=True)
    assert "train-images-idx3-ubyte" in str(error.value)


def test_label_file_problems(mnist_root):
    raw = mnist_root / "MNIST" / "raw"
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.zeros(11, dtype=np.uint8))
    with pytest.raises(ValueError, match="12 images but .*11 labels"):
        MNIST(mnist_root)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.full(12, 10, dtype=np.uint8))
    with pytest.raises(ValueError, match="label 10 is outside 0..9"):
        MNIST(mnist_root)


def file_mirror(tmp_path, files):
    """A folder served through file:// URLs holding `files` (name -> bytes); returns (mirror, resources)."""
    served = tmp_path / "served"
    served.mkdir()
    resources = []
    for name, data in files.items():
        (served / name).write_bytes(data)
        resources.append((name, hashlib.md5(data).hexdigest()))
    return served.as_uri() + "/", resources


def mnist_files():
    files = {}
    for prefix, n in (("train", 6), ("t10k", 3)):
        images, labels = mnist_arrays(n)
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    return files


def test_download_from_a_file_url_mirror(tmp_path):
    mirror, resources = file_mirror(tmp_path, mnist_files())

    class LocalMNIST(MNIST):
        mirrors = ["file:///nonexistent/mirror/", mirror]  # the first mirror fails, the second works

    LocalMNIST.resources = resources
    ds = LocalMNIST(tmp_path / "root", train=True, download=True)
    assert len(ds) == 6
    raw = tmp_path / "root" / "LocalMNIST" / "raw"
    files_left = sorted(p.name for p in raw.iterdir())
    assert files_left == sorted(name for name, _ in resources)  # no temporary files
    assert len(LocalMNIST(tmp_path / "root", train=False, download=True)) == 3  # present: nothing fetched


def test_download_checksum_mismatch_saves_nothing(tmp_path):
    mirror, resources = file_mirror(tmp_path, mnist_files())

    class LocalMNIST(MNIST):
        mirrors = [mirror]

    LocalMNIST.resources = [(name, "0" * 32) for name, _ in resources]
    with pytest.raises(OSError, match="checksum mismatch for train-images-idx3-ubyte.gz"):
        LocalMNIST(tmp_path / "root", download=True)
    raw = tmp_path / "root" / "LocalMNIST" / "raw"
    assert list(raw.iterdir()) == []


def test_official_resources_are_torchvisions():
    names = [name for name, _ in MNIST.resources]
    assert names == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                     "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]  # fmt: skip
    assert dict(MNIST.resources)["t10k-images-idx3-ubyte.gz"] == "9fb629c4189551a2d022fa330f9573f3"
    assert dict(FashionMNIST.resources)["train-images-idx3-ubyte.gz"] == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
