"""MNIST and Fashion-MNIST, read from their IDX files (torchvision's names, folders and checksums).

IDX format (http://yann.lecun.com/exdb/mnist/), all integers big-endian:

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    then        d uint32 sizes, then the elements in C order

MNIST images are `0x00000803` (uint8, 3-d: N x 28 x 28) and labels `0x00000801` (uint8, 1-d: N). `read_idx`
checks the magic number, the dimensions and that the file holds exactly the bytes its header announces, so a
truncated or corrupted file raises a ValueError naming it instead of loading half a dataset.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from glassgrad.datasets._download import download_from_mirrors
from glassgrad.datasets._image import ImageFilesDataset

_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when its name ends in `.gz` (gzip's CRC catches corrupted data)."""
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as file:
            return file.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(
            f"{path}: not a complete gzip file ({error}); it is truncated or corrupted: "
            "delete it and download it again"
        ) from error


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a native-endian NumPy array.

    Args:
        path: the file; a name ending in `.gz` is decompressed.
        ndim: the number of dimensions the caller expects, checked against the header.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"{path}: only {len(data)} bytes, too short for an IDX header; the file is truncated"
        )
    magic = int.from_bytes(data[:4], "big")
    type_code, file_ndim = data[2], data[3]
    if data[0] != 0 or data[1] != 0 or type_code not in _IDX_DTYPES:
        raise ValueError(
            f"{path}: bad magic number 0x{magic:08x}; this is not an IDX file (expected 0x000008..)"
        )
    if ndim is not None and file_ndim != ndim:
        raise ValueError(
            f"{path}: magic number 0x{magic:08x} announces {file_ndim} dimensions, expected {ndim}"
        )
    header_size = 4 + 4 * file_ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path}: the IDX header is cut short ({len(data)} of {header_size} bytes); truncated file"
        )
    shape = struct.unpack(f">{file_ndim}I", data[4:header_size])
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = math.prod(shape) * dtype.itemsize
    found = len(data) - header_size
    if found != expected:
        raise ValueError(
            f"{path}: the header announces shape {shape} ({expected} bytes of data) "
            f"but the file holds {found}; "
            "it is truncated or corrupted: delete it and download it again"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable, native-endian copy


def read_image_label_pair(
    images_path: str | os.PathLike, labels_path: str | os.PathLike, num_classes: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Images `(N, 1, H, W)` uint8 and labels `(N,)` int64 from two IDX files, checked against each other."""
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if images.dtype != np.uint8 or labels.dtype != np.uint8:
        raise ValueError(
            f"{images_path}, {labels_path}: expected uint8 images and labels "
            "(magic 0x00000803 and 0x00000801), "
            f"found {images.dtype} and {labels.dtype}"
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds {labels.shape[0]} labels; "
            "one of the two files is from another dataset or split"
        )
    if labels.size and int(labels.max()) >= num_classes:
        raise ValueError(
            f"{labels_path}: label {int(labels.max())} is outside 0..{num_classes - 1}; corrupted file"
        )
    return images[:, None], labels.astype(np.int64)  # (N, H, W) -> (N, 1, H, W)


class MNIST(ImageFilesDataset):
    """The MNIST handwritten digits (60,000 train and 10,000 test images, 28x28 grey), as torchvision's.

    Files are looked for in `root/MNIST/raw/` under their official names, gzipped
    (`train-images-idx3-ubyte.gz`) or not (`train-images-idx3-ubyte`). `download=True` fetches the missing
    ones from the mirrors, checking each file's MD5 before it is saved.

    A sample is `(image, label)`: a float32 Tensor `(1, 28, 28)` in [0, 1] and an int (torchvision gives a
    PIL image; glassgrad gives what `ToTensor()` would make of it). `transform` / `target_transform` are
    applied to them. `data` is the uint8 Tensor `(N, 28, 28)` and `targets` the int64 Tensor `(N,)`.

    Args:
        root: the folder holding `MNIST/raw/`.
        train: the 60,000 training images, else the 10,000 test images.
        transform: called on each image Tensor.
        target_transform: called on each label.
        download: fetch missing files (into `root/MNIST/raw/`).
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_files = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    test_files = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]  # fmt: skip

    def _read_split(self) -> tuple[np.ndarray, np.ndarray]:
        images_path, labels_path = self._split_paths()
        return read_image_label_pair(images_path, labels_path, num_classes=len(self.classes))

    @property
    def raw_folder(self) -> Path:
        return self.root / type(self).__name__ / "raw"

    def _existing(self, name: str) -> Path | None:
        """The file `name` in the raw folder, uncompressed or gzipped, if either is there."""
        for candidate in (self.raw_folder / name, self.raw_folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
        return None

    def _split_paths(self) -> tuple[Path, Path]:
        names = self.training_files if self.train else self.test_files
        found = [self._existing(name) for name in names]
        missing = [f"{name}.gz" for name, path in zip(names, found) if path is None]
        if missing:
            raise FileNotFoundError(
                f"{type(self).__name__}: {', '.join(missing)} not found in {self.raw_folder}. "
                f"Put the files there (from {self.mirrors[0]}, gzipped or not), or pass download=True"
            )
        return found[0], found[1]

    def download(self) -> None:
        """Fetch every file of `resources` that is missing, trying each mirror; existing files are kept."""
        for filename, md5 in self.resources:
            if self._existing(filename.removesuffix(".gz")) is None:
                download_from_mirrors(self.mirrors, filename, self.raw_folder, md5)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, in MNIST's format and sizes.

    Same arguments and samples as `MNIST`; files live in `root/FashionMNIST/raw/`.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]  # fmt: skip
