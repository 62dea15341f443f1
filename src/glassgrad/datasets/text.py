"""Character-level language-modelling data: `CharDataset` over any text, and the bundled `TinyShakespeare`.

Following nanoGPT's `data/shakespeare_char/prepare.py`: the vocabulary is the sorted set of characters in
the text (`chars = sorted(set(text))`, id = position in it), the train split is the first 90% of the
characters and the validation split the last 10%. A sample is a window of `block_size` ids `x` and the same
window shifted by one, `y`: the model reads `x[:t+1]` and predicts `y[t]`.

    T = block_size
    x = ids[i : i + T]          y = ids[i + 1 : i + T + 1]          0 <= i < len(ids) - T

`get_batch` draws B random windows with one vectorised gather, as nanoGPT's `get_batch`: the index matrix
`starts[:, None] + arange(T + 1)` has shape (B, T + 1), one fancy index reads all of them, and x, y are its
two overlapping slices.
"""

from __future__ import annotations

import functools
import hashlib
import lzma
import operator
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import glassgrad
from glassgrad.data._rng import numpy_generator
from glassgrad.data.dataset import Dataset
from glassgrad.tensor import Tensor

SHAKESPEARE_FILE = Path(__file__).parent / "_data" / "tinyshakespeare.txt.xz"
# MD5 of the decompressed text: Karpathy's char-rnn tinyshakespeare/input.txt (1,115,394 characters).
SHAKESPEARE_MD5 = "6fb458f1232090904fb40fe944165e91"
SPLITS = (None, "train", "val")


def _codepoints(text: str) -> np.ndarray:
    """The text's Unicode code points as a uint32 array, without a Python loop over characters."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def read_text(path: str | os.PathLike) -> str:
    """A UTF-8 text file's contents; ValueError naming the file when it is empty or not UTF-8."""
    data = Path(path).read_bytes()
    if not data:
        raise ValueError(f"{path}: the file is empty; a character dataset needs some text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "convert it first, e.g. `iconv -f LATIN1 -t UTF-8`"
        ) from None


def _looks_like_path(text: str) -> bool:
    """A single line naming a .txt file, or with a path separator, and no spaces: surely a mistyped path."""
    return "\n" not in text and " " not in text and (text.endswith(".txt") or os.sep in text)


def get_batch(
    ids: np.ndarray | Tensor, block_size: int, batch_size: int, generator: object | None = None
) -> tuple[Tensor, Tensor]:
    """`batch_size` random windows of `ids`: inputs x and next-character targets y, each int64 `(B, T)`.

    The starts are uniform over `0 .. len(ids) - T - 1` (as nanoGPT's
    `torch.randint(len(data) - block_size, ...)`), drawn from `generator` (default: the global generator that
    `gg.manual_seed` seeds).
    """
    ids = ids.numpy() if isinstance(ids, Tensor) else np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"get_batch: ids must be 1-d, got shape {ids.shape}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"get_batch: batch_size should be a positive integer, got {batch_size!r}")
    if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 1:
        raise ValueError(f"get_batch: block_size should be a positive integer, got {block_size!r}")
    if ids.shape[0] <= block_size:
        raise ValueError(
            f"get_batch: {ids.shape[0]} ids hold no window of block_size={block_size} plus its target; "
            "use a smaller block_size or more text"
        )
    starts = numpy_generator(generator, "get_batch").integers(0, ids.shape[0] - block_size, size=batch_size)
    windows = ids[starts[:, None] + np.arange(block_size + 1)].astype(np.int64)  # (B, 1) + (T+1,) -> (B, T+1)
    x = np.ascontiguousarray(windows[:, :-1])  # (B, T)
    y = np.ascontiguousarray(windows[:, 1:])  # (B, T)
    return glassgrad.from_numpy(x), glassgrad.from_numpy(y)


class CharDataset(Dataset):
    """Character-level windows over one text (see the module docstring).

    Args:
        path_or_text: a path (`str` naming an existing file, or any `os.PathLike`) to a UTF-8 text file, or
            the text itself as a `str`. A one-line string that names no file but looks like a path (ends in
            `.txt` or holds a path separator, no spaces) raises FileNotFoundError rather than becoming the
            text.
        block_size: T, the length of each window.
        split: None for the whole text, "train" for its first `train_fraction` of characters, "val" for the
            rest.
        vocab: the characters to use as vocabulary, in id order (e.g. another dataset's `chars`); default the
            sorted set of the whole text's characters (the same for every split).
        train_fraction: where "train" ends, 0.9 as nanoGPT.

    Attributes:
        chars: the vocabulary, a list of single characters; `vocab_size = len(chars)`.
        stoi, itos: character -> id and id -> character, as nanoGPT's meta.pkl.
        data: the split's ids, a 1-d NumPy array (uint16 when the vocabulary fits, else int32).

    A sample `ds[i]` is `(x, y)`, two int64 Tensors `(T,)`; `len(ds) = len(data) - T`.

    Example:
        >>> ds = CharDataset("hello world", block_size=4)
        >>> x, y = ds[0]
        >>> ds.decode(x), ds.decode(y), ds.vocab_size
        ('hell', 'ello', 8)
    """

    def __init__(
        self,
        path_or_text: str | os.PathLike,
        block_size: int,
        split: str | None = None,
        vocab: str | Sequence[str] | None = None,
        train_fraction: float = 0.9,
    ) -> None:
        if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)) or block_size < 1:
            raise ValueError(f"CharDataset: block_size should be a positive integer, got {block_size!r}")
        if split not in SPLITS:
            raise ValueError(f"CharDataset: split should be None, 'train' or 'val', got {split!r}")
        if not 0 < train_fraction < 1:
            raise ValueError(f"CharDataset: train_fraction should be in (0, 1), got {train_fraction!r}")
        text = self._load(path_or_text)
        self.block_size = int(block_size)
        self.split = split
        self._set_vocab(_codepoints(text) if vocab is None else vocab)
        ids = self._encode_array(text)
        cut = int(len(ids) * train_fraction)  # nanoGPT: data[:int(n*0.9)], data[int(n*0.9):]
        self.data = {None: ids, "train": ids[:cut], "val": ids[cut:]}[split]
        if len(self.data) <= self.block_size:
            raise ValueError(
                f"CharDataset: the {split or 'whole'} text has {len(self.data)} characters, too few for one "
                f"window of block_size={block_size} plus its target; use a smaller block_size or more text"
            )

    @staticmethod
    def _load(path_or_text: str | os.PathLike) -> str:
        if isinstance(path_or_text, os.PathLike):
            return read_text(path_or_text)
        if not isinstance(path_or_text, str):
            raise TypeError(
                f"CharDataset: expected a path or a str of text, got {type(path_or_text).__name__}"
            )
        if "\n" not in path_or_text and len(path_or_text) < 4096 and os.path.isfile(path_or_text):
            return read_text(path_or_text)
        if _looks_like_path(path_or_text):
            raise FileNotFoundError(
                f"CharDataset: no such file {path_or_text!r} (pass the text itself if it is text)"
            )
        if not path_or_text:
            raise ValueError("CharDataset: the text is empty")
        return path_or_text

    def _set_vocab(self, vocab: np.ndarray | str | Sequence[str]) -> None:
        """The vocabulary: the text's code points (sorted, unique), or the given characters (in order)."""
        if isinstance(vocab, np.ndarray):
            codes = np.flatnonzero(np.bincount(vocab))  # the code points present, sorted: sorted(set(text))
        else:
            chars = list(vocab)
            if not chars or any(not isinstance(char, str) or len(char) != 1 for char in chars):
                raise ValueError(
                    "CharDataset: vocab must be a non-empty string or a sequence of single characters"
                )
            if len(set(chars)) != len(chars):
                raise ValueError("CharDataset: vocab lists a character twice")
            codes = _codepoints("".join(chars))
        self._codes = codes.astype(np.uint32)
        # Encoding is one gather through a table indexed by code point: id, or -1 outside the vocabulary.
        self._id_of_code = np.full(int(self._codes.max()) + 1, -1, dtype=np.int32)
        self._id_of_code[self._codes] = np.arange(len(self._codes), dtype=np.int32)
        self.chars = [chr(code) for code in self._codes]
        self.stoi = {char: index for index, char in enumerate(self.chars)}
        self.itos = dict(enumerate(self.chars))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def _encode_array(self, text: str) -> np.ndarray:
        codes = _codepoints(text)
        table = self._id_of_code
        ids = table[np.minimum(codes, len(table) - 1)]
        unknown = (ids < 0) | (codes >= len(table))
        if unknown.any():
            outside = sorted({chr(code) for code in codes[unknown]})
            shown = "".join(repr(char) for char in outside[:20]) + (" ..." if len(outside) > 20 else "")
            raise ValueError(
                f"CharDataset: {len(outside)} character(s) not in the vocabulary of {self.vocab_size}: "
                f"{shown}; remove them from the text or build the vocabulary from a text that has them"
            )
        return ids.astype(np.uint16 if self.vocab_size <= 1 << 16 else np.int32)

    def encode(self, text: str) -> list[int]:
        """Characters -> ids (ValueError naming any character outside the vocabulary)."""
        return self._encode_array(text).tolist()

    def decode(self, ids: Sequence[int] | np.ndarray | Tensor) -> str:
        """Ids -> characters (ValueError for an id outside 0 .. vocab_size - 1)."""
        ids = ids.numpy() if isinstance(ids, Tensor) else np.asarray(ids)
        ids = ids.reshape(-1).astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            bad = ids[(ids < 0) | (ids >= self.vocab_size)][0]
            raise ValueError(
                f"CharDataset.decode: id {bad} is outside the vocabulary 0..{self.vocab_size - 1}"
            )
        return self._codes[ids].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")

    def __len__(self) -> int:
        return len(self.data) - self.block_size

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        index = operator.index(index)
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"CharDataset index {index} is out of range for {n} windows")
        start = index % n
        window = self.data[start : start + self.block_size + 1].astype(np.int64)
        return glassgrad.from_numpy(window[:-1].copy()), glassgrad.from_numpy(window[1:].copy())

    def fetch_batch(self, indices: np.ndarray) -> list[Tensor]:
        """The windows starting at `indices` as `[x (B, T), y (B, T)]`, by one gather."""
        windows = self.data[indices[:, None] + np.arange(self.block_size + 1)].astype(np.int64)  # (B, T+1)
        return [glassgrad.from_numpy(np.ascontiguousarray(windows[:, :-1])),
                glassgrad.from_numpy(np.ascontiguousarray(windows[:, 1:]))]  # fmt: skip

    def get_batch(self, batch_size: int, generator: object | None = None) -> tuple[Tensor, Tensor]:
        """`batch_size` random windows of this split, `(x, y)` int64 `(B, T)` (nanoGPT's get_batch)."""
        return get_batch(self.data, self.block_size, batch_size, generator)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(split={self.split}, characters={len(self.data)}, "
            f"vocab_size={self.vocab_size}, block_size={self.block_size})"
        )


@functools.lru_cache(maxsize=1)
def tiny_shakespeare_text() -> str:
    """The bundled Tiny Shakespeare text (40,000 lines of plays; 1,115,394 characters), checked by MD5."""
    raw = lzma.decompress(SHAKESPEARE_FILE.read_bytes())
    found = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    if found != SHAKESPEARE_MD5:
        raise ValueError(
            f"{SHAKESPEARE_FILE}: decompressed text has md5 {found}, expected {SHAKESPEARE_MD5}; "
            "reinstall glassgrad"
        )
    return raw.decode("utf-8")


class TinyShakespeare(CharDataset):
    """Karpathy's Tiny Shakespeare, bundled: nanoGPT's `shakespeare_char` data, no download.

    65-character vocabulary; "train" is the first 1,003,854 characters, "val" the last 111,540.

    Example:
        >>> ds = TinyShakespeare(block_size=8, split="train")
        >>> ds.vocab_size, len(ds.data)
        (65, 1003854)
    """

    def __init__(self, block_size: int = 256, split: str | None = "train") -> None:
        super().__init__(tiny_shakespeare_text(), block_size, split=split)
