"""Tests for glassgrad/datasets/text.py: CharDataset, get_batch and the bundled TinyShakespeare."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import DataLoader
from glassgrad.datasets import CharDataset, TinyShakespeare, get_batch, tiny_shakespeare_text

SHAKESPEARE_VOCAB = "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def test_vocabulary_and_windows():
    ds = CharDataset("hello world", block_size=4)
    assert ds.chars == sorted(set("hello world")) and ds.vocab_size == 8
    assert len(ds) == 11 - 4
    x, y = ds[0]
    assert x.dtype == gg.int64 and x.shape == (4,)
    assert (ds.decode(x), ds.decode(y)) == ("hell", "ello")
    assert ds.decode(ds[-1][1]) == "orld"
    assert ds.stoi["h"] == ds.chars.index("h") and ds.itos[0] == " "


def test_encode_decode_round_trip_including_non_ascii():
    text = "naïve café — 漢字\n"
    ds = CharDataset(text, block_size=2)
    assert ds.decode(ds.encode(text)) == text
    assert ds.encode("é") == [ds.stoi["é"]]
    assert ds.decode(np.array([[0, 1]])) == ds.chars[0] + ds.chars[1]


def test_reads_files_given_as_str_or_path(tmp_path):
    path = tmp_path / "input.txt"
    path.write_text("abcabcabc\n", encoding="utf-8")
    assert CharDataset(path, 3).vocab_size == 4
    assert CharDataset(str(path), 3).vocab_size == 4


def test_splits_follow_nanogpt():
    text = "".join(chr(ord("a") + i % 26) for i in range(1000))
    whole = CharDataset(text, 8)
    train = CharDataset(text, 8, split="train")
    val = CharDataset(text, 8, split="val")
    assert len(train.data) == 900 and len(val.data) == 100 and len(whole.data) == 1000
    np.testing.assert_array_equal(np.concatenate([train.data, val.data]), whole.data)
    assert train.chars == val.chars


def test_given_vocabulary_keeps_its_order():
    ds = CharDataset("abcab", 2, vocab="cba")
    assert ds.encode("abc") == [2, 1, 0]
    assert ds.data.tolist() == [2, 1, 0, 2, 1]


def test_fetch_batch_equals_samples_and_loader_uses_it():
    ds = CharDataset("the quick brown fox jumps over the lazy dog", block_size=5)
    x, y = ds.fetch_batch(np.array([0, 7, 3]))
    assert x.shape == (3, 5)
    for row, index in enumerate([0, 7, 3]):
        np.testing.assert_array_equal(x.numpy()[row], ds[index][0].numpy())
        np.testing.assert_array_equal(y.numpy()[row], ds[index][1].numpy())
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 5) and ds.decode(xb[1]) == "he qu"


def test_get_batch_is_a_shifted_gather_and_reproducible():
    ds = CharDataset("0123456789" * 3, block_size=4)
    x, y = ds.get_batch(16, generator=gg.Generator().manual_seed(0))
    assert x.shape == (16, 4) and y.dtype == gg.int64
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])
    starts = np.random.default_rng(0).integers(0, len(ds.data) - 4, size=16)  # what nanoGPT's randint draws
    np.testing.assert_array_equal(x.numpy()[:, 0], ds.data[starts])
    x2, _ = ds.get_batch(16, generator=gg.Generator().manual_seed(0))
    np.testing.assert_array_equal(x.numpy(), x2.numpy())
    gg.manual_seed(3)
    a = get_batch(ds.data, 4, 8)[0].numpy()
    gg.manual_seed(3)
    np.testing.assert_array_equal(a, get_batch(gg.from_numpy(ds.data.astype(np.int64)), 4, 8)[0].numpy())


def test_get_batch_reaches_the_last_character():
    ds = CharDataset("abcde", block_size=4)  # exactly one window: x = abcd, y = bcde
    x, y = ds.get_batch(3)
    assert [ds.decode(row) for row in y] == ["bcde"] * 3


def test_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.txt: the file is empty"):
        CharDataset(empty, 4)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café au lait".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt: not UTF-8 text \(byte 0xe9 at offset 3\)"):
        CharDataset(latin, 4)
    with pytest.raises(FileNotFoundError, match="no such file 'data/missing.txt'"):
        CharDataset("data/missing.txt", 4)
    with pytest.raises(ValueError, match="the text is empty"):
        CharDataset("", 4)
    with pytest.raises(ValueError, match="too few for one window"):
        CharDataset("abc", 3)
    with pytest.raises(ValueError, match="block_size should be a positive integer, got 0"):
        CharDataset("abcdef", 0)
    with pytest.raises(ValueError, match="split should be"):
        CharDataset("abcdef", 2, split="test")
    with pytest.raises(TypeError, match="path or a str"):
        CharDataset(b"bytes", 2)
    ds = CharDataset("abcabc", 2)
    with pytest.raises(ValueError, match=r"2 character\(s\) not in the vocabulary of 3: 'x''z'"):
        ds.encode("axbz")
    with pytest.raises(ValueError, match="id 3 is outside the vocabulary 0..2"):
        ds.decode([0, 3])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        CharDataset("abcd", 2, vocab="abc")
    with pytest.raises(ValueError, match="twice"):
        CharDataset("abcd", 2, vocab="abca")
    with pytest.raises(IndexError):
        ds[4]
    with pytest.raises(ValueError, match="batch_size should be a positive integer, got 0"):
        ds.get_batch(0)


def test_tiny_shakespeare_matches_nanogpt():
    text = tiny_shakespeare_text()
    assert len(text) == 1115394 and text.startswith("First Citizen:")
    train = TinyShakespeare(block_size=256)
    val = TinyShakespeare(block_size=256, split="val")
    assert "".join(train.chars) == SHAKESPEARE_VOCAB and train.vocab_size == 65
    assert (len(train.data), len(val.data)) == (1003854, 111540)
    assert train.decode(train.data[:14]) == "First Citizen:"
    x, y = train.get_batch(4, generator=gg.Generator().manual_seed(0))
    assert x.shape == (4, 256) and int(x.numpy().max()) < 65
