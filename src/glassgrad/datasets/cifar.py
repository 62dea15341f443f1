"""CIFAR-10 from the binary distribution `cifar-10-binary.tar.gz` (the "version suitable for C programs").

Never the "python version": that one is pickled, and unpickling a downloaded file can run arbitrary code.

Binary format (https://www.cs.toronto.edu/~kriz/cifar.html): each of `data_batch_1.bin` .. `data_batch_5.bin`
(train) and `test_batch.bin` (test) holds 10,000 records of 3,073 bytes,

    byte 0          the label, 0..9
    bytes 1..3072   the image: 1024 red, then 1024 green, then 1024 blue values, each a 32x32 row-major plane

so a file is 30,730,000 bytes and reshapes directly to (N, 3, 32, 32) without any transpose.

Where the files are looked for, in order:
1. `root/cifar-10-batches-bin/*.bin` (the extracted archive);
2. `root/cifar-10-binary.tar.gz`: its MD5 is checked, the needed members are extracted into step 1's folder
   (each through a temporary file and a rename, reading only the expected names, so no path in the archive can
   write elsewhere);
3. with `download=True`, the archive is first fetched from the official URL, MD5-checked, then step 2.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from glassgrad.datasets._download import check_md5, download_url
from glassgrad.datasets._image import ImageFilesDataset

RECORD_BYTES = 1 + 3 * 32 * 32  # label byte + 3 colour planes of 32x32


class CIFAR10(ImageFilesDataset):
    """CIFAR-10: 60,000 colour images 32x32 in 10 classes (50,000 train, 10,000 test), as torchvision's.

    A sample is `(image, label)`: a float32 Tensor `(3, 32, 32)` in [0, 1] and an int (torchvision gives a PIL
    image; glassgrad gives what `ToTensor()` would make of it). As torchvision, `data` is the uint8 array
    `(N, 32, 32, 3)` (channels last) and `targets` a list of ints.

    Args:
        root: the folder holding `cifar-10-batches-bin/` or `cifar-10-binary.tar.gz`.
        train: the 50,000 training images (5 batch files), else the 10,000 test images.
        transform: called on each image Tensor.
        target_transform: called on each label.
        download: fetch the archive (170 MB) into `root` when no data is found there.
    """

    base_folder = "cifar-10-batches-bin"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    filename = "cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    train_list = [f"data_batch_{number}.bin" for number in range(1, 6)]
    test_list = ["test_batch.bin"]
    records_per_file = 10000
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def _read_split(self) -> tuple[np.ndarray, np.ndarray]:
        self._ensure_extracted()
        names = self.train_list if self.train else self.test_list
        batches = [self._read_batch(self.folder / name) for name in names]
        return np.concatenate([images for images, _ in batches]), np.concatenate([labels for _, labels in batches])

    @property
    def folder(self) -> Path:
        return self.root / self.base_folder

    @property
    def data(self) -> np.ndarray:
        """The images as uint8 `(N, 32, 32, 3)`, torchvision's layout (a view, no copy)."""
        return self._images.transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)

    @property
    def targets(self) -> list[int]:
        return self._labels.tolist()

    def _missing_files(self) -> list[str]:
        return [name for name in self.train_list + self.test_list if not (self.folder / name).is_file()]

    def _ensure_extracted(self) -> None:
        """Steps 1 and 2 of the module docstring: every .bin file in `folder`, or say which are missing."""
        missing = self._missing_files()
        if not missing:
            return
        archive = self.root / self.filename
        if not archive.is_file():
            raise FileNotFoundError(
                f"{type(self).__name__}: {', '.join(missing)} not found in {self.folder}. "
                f"Put {self.filename} "
                f"(from {self.url}) in {self.root}, or its extracted {self.base_folder}/ folder, "
                "or pass download=True"
            )
        check_md5(archive, self.tgz_md5)
        self._extract(archive, missing)

    def _extract(self, archive: Path, names: list[str]) -> None:
        """Copy the members `base_folder/<name>` of the archive into `folder`, each atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for name in names:
                    try:
                        member = tar.getmember(f"{self.base_folder}/{name}")
                    except KeyError:
                        raise ValueError(
                            f"{archive}: the archive has no member {self.base_folder}/{name}"
                        ) from None
                    if not member.isfile():  # links could point anywhere; the real archive has plain files
                        raise ValueError(f"{archive}: member {self.base_folder}/{name} is not a regular file")
                    source = tar.extractfile(member)
                    self._write_atomically(self.folder / name, source)
        except (tarfile.TarError, EOFError, zlib.error) as error:
            raise ValueError(
                f"{archive}: cannot read the archive ({error}); it is corrupted: delete it"
            ) from error

    @staticmethod
    def _write_atomically(path: Path, source: Any) -> None:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                while chunk := source.read(1 << 20):
                    file.write(chunk)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise

    def _read_batch(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        """One .bin file -> images `(n, 3, 32, 32)` uint8 and labels `(n,)`, with size and labels checked."""
        expected = self.records_per_file * RECORD_BYTES
        size = path.stat().st_size
        if size != expected:
            raise ValueError(
                f"{path}: {size} bytes, expected {expected} "
                f"({self.records_per_file} records of {RECORD_BYTES}); the file is truncated or corrupted: "
                f"delete {self.base_folder}/ and extract {self.filename} again"
            )
        records = np.fromfile(path, dtype=np.uint8).reshape(self.records_per_file, RECORD_BYTES)
        labels = records[:, 0].astype(np.int64)
        if labels.max() >= len(self.classes):
            bad = int(np.argmax(labels >= len(self.classes)))
            raise ValueError(
                f"{path}: record {bad} has label {labels[bad]}, outside 0..{len(self.classes) - 1}; "
                "the file is corrupted (or not a CIFAR-10 binary batch)"
            )
        images = np.ascontiguousarray(records[:, 1:]).reshape(-1, 3, 32, 32)  # (n, 3072) -> (n, C, H, W)
        return images, labels

    def download(self) -> None:
        """Fetch the archive unless the data (extracted or archived) is already in `root`."""
        if not self._missing_files() or (self.root / self.filename).is_file():
            return
        download_url(self.url, self.root / self.filename, self.tgz_md5)
