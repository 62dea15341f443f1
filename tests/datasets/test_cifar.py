"""Tests for glassgrad/datasets/cifar.py: the binary format, archive extraction, downloads and corruption."""

import hashlib
import io
import tarfile

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import DataLoader
from glassgrad.datasets import CIFAR10
from glassgrad.datasets import _download as download_module

from .format_writers import cifar_archive_bytes, cifar_records

RECORDS = 4  # per batch file; the real files hold 10,000


def tiny_cifar(archive_bytes=None):
    """A CIFAR10 subclass expecting RECORDS records per file and the md5 of `archive_bytes`."""

    class TinyCIFAR(CIFAR10):
        records_per_file = RECORDS
        tgz_md5 = hashlib.md5(archive_bytes or b"").hexdigest()

    return TinyCIFAR


@pytest.fixture
def archive_root(tmp_path):
    data = cifar_archive_bytes(RECORDS)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(data)
    return tmp_path, tiny_cifar(data)


def test_loads_from_the_archive_and_extracts_atomically(archive_root):
    root, cls = archive_root
    train = cls(root, train=True)
    test = cls(root, train=False)
    assert (len(train), len(test)) == (5 * RECORDS, RECORDS)
    _, images, labels = cifar_records(RECORDS, seed=0)  # data_batch_1.bin was written with seed 0
    image, label = train[1]
    assert image.shape == (3, 32, 32) and image.dtype == gg.float32 and label == int(labels[1])
    np.testing.assert_allclose(image.numpy(), images[1] / 255.0, rtol=1e-6)
    folder = root / "cifar-10-batches-bin"
    assert sorted(p.name for p in folder.iterdir()) == sorted(CIFAR10.train_list + CIFAR10.test_list)


def test_torchvision_style_attributes(archive_root):
    root, cls = archive_root
    ds = cls(root, train=False)
    _, images, labels = cifar_records(RECORDS, seed=5)  # test_batch.bin was the sixth member
    assert ds.data.shape == (RECORDS, 32, 32, 3) and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data, images.transpose(0, 2, 3, 1))
    assert ds.targets == labels.tolist()
    assert ds.classes[0] == "airplane" and ds.class_to_idx["truck"] == 9


def test_loads_from_the_extracted_folder_without_the_archive(archive_root):
    root, cls = archive_root
    cls(root)
    (root / "cifar-10-binary.tar.gz").unlink()
    assert len(cls(root, train=False)) == RECORDS


def test_batches_equal_samples(archive_root):
    root, cls = archive_root
    ds = cls(root)
    x, y = next(iter(DataLoader(ds, batch_size=6)))
    assert x.shape == (6, 3, 32, 32) and y.dtype == gg.int64
    np.testing.assert_array_equal(x.numpy()[5], ds[5][0].numpy())
    assert y.tolist() == [ds[i][1] for i in range(6)]


def test_missing_data_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        CIFAR10(tmp_path)
    message = str(error.value)
    assert "cifar-10-binary.tar.gz" in message and str(tmp_path) in message
    assert (
        "data_batch_1.bin" in message and "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message
    )


def test_archive_checksum_mismatch_extracts_nothing(archive_root):
    root, _ = archive_root
    with pytest.raises(ValueError, match="checksum mismatch for .*cifar-10-binary.tar.gz"):
        CIFAR10(root)  # the real md5, not the tiny archive's
    assert not (root / "cifar-10-batches-bin").exists() or not any((root / "cifar-10-batches-bin").iterdir())


def test_corrupted_archive_with_matching_checksum_is_reported(tmp_path):
    data = cifar_archive_bytes(RECORDS)[:-200]  # truncated gzip stream
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(data)
    with pytest.raises(ValueError, match="cifar-10-binary.tar.gz: cannot read the archive"):
        tiny_cifar(data)(tmp_path)


def test_archive_without_a_member(tmp_path):
    data = cifar_archive_bytes(RECORDS, names=["data_batch_1.bin"])
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(data)
    with pytest.raises(ValueError, match="no member cifar-10-batches-bin/data_batch_2.bin"):
        tiny_cifar(data)(tmp_path)


def test_archive_member_that_is_not_a_file(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in CIFAR10.train_list + CIFAR10.test_list:
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    data = buffer.getvalue()
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(data)
    with pytest.raises(ValueError, match="not a regular file"):
        tiny_cifar(data)(tmp_path)


def test_truncated_batch_file(archive_root):
    root, cls = archive_root
    cls(root)
    path = root / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"data_batch_3.bin: 12282 bytes, expected 12292"):
        cls(root, train=True)


def test_corrupted_label_byte(archive_root):
    root, cls = archive_root
    cls(root)
    path = root / "cifar-10-batches-bin" / "test_batch.bin"
    data = bytearray(path.read_bytes())
    data[2 * 3073] = 200  # the label byte of record 2
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="test_batch.bin: record 2 has label 200"):
        cls(root, train=False)


def test_download_from_a_file_url(tmp_path):
    data = cifar_archive_bytes(RECORDS)
    served = tmp_path / "served.tar.gz"
    served.write_bytes(data)
    cls = tiny_cifar(data)
    cls.url = served.as_uri()
    ds = cls(tmp_path / "root", train=False, download=True)
    assert len(ds) == RECORDS
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == [
        "cifar-10-batches-bin",
        "cifar-10-binary.tar.gz",
    ]


def test_download_with_a_patched_fetch_and_a_bad_checksum(tmp_path, monkeypatch):
    calls = []

    def fake_fetch(url, file):
        calls.append(url)
        file.write(b"not the archive")

    monkeypatch.setattr(download_module, "fetch", fake_fetch)
    with pytest.raises(ValueError, match="checksum mismatch for cifar-10-binary.tar.gz downloaded from"):
        CIFAR10(tmp_path, download=True)
    assert calls == [CIFAR10.url]
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone, nothing was saved


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    def failing_fetch(url, file):
        file.write(b"partial")
        raise ConnectionResetError("connection reset")

    monkeypatch.setattr(download_module, "fetch", failing_fetch)
    with pytest.raises(ConnectionResetError):
        CIFAR10(tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []
