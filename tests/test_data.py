"""IDX reading and dataset loading, including every kind of bad input."""
import gzip
import os
import stat
import struct

import numpy as np
import pytest
import torch

from dlkit import data
from dlkit.data import DataError


def write_idx(path, array, gz=True, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) if magic is None else magic
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    payload = header + array.tobytes()
    # Closed before anyone reads it: since Python 3.12 GzipFile buffers writes, and an unclosed one
    # leaves a truncated file until the garbage collector gets to it.
    with (gzip.open if gz else open)(path, "wb") as f:
        f.write(payload)
    return path


def make_dataset(root, name="MNIST", n_train=12, n_test=5, gz=True):
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        img_stem, lbl_stem = data.FILE_STEMS[split]
        suffix = ".gz" if gz else ""
        write_idx(raw / (img_stem + suffix), rng.integers(0, 256, (n, 28, 28)), gz)
        write_idx(raw / (lbl_stem + suffix), rng.integers(0, 10, n), gz)
    return raw


@pytest.fixture(autouse=True)
def no_cache():
    data._load_cached.cache_clear()
    yield
    data._load_cached.cache_clear()


@pytest.mark.parametrize("gz", [True, False])
def test_reads_gz_and_plain_files(tmp_path, gz):
    make_dataset(tmp_path, gz=gz)
    split = data.load("MNIST", "train", root=tmp_path, download=False)
    assert split.images.dtype == torch.uint8 and split.images.shape == (12, 28, 28)
    assert split.labels.dtype == torch.int64 and split.labels.shape == (12,)
    assert len(split.md5) == 2 and all(len(v) == 32 for v in split.md5.values())


def test_round_trip_values(tmp_path):
    arr = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    path = write_idx(tmp_path / "x.gz", arr)
    assert torch.equal(data.read_idx(path), torch.from_numpy(arr.astype(np.uint8)))


def test_missing_file_names_folder_and_fix(tmp_path):
    with pytest.raises(DataError) as e:
        data.load("MNIST", "test", root=tmp_path, download=False)
    msg = str(e.value)
    assert str(tmp_path / "MNIST" / "raw") in msg and "t10k-images-idx3-ubyte" in msg
    assert "DATA_DIR" in msg


def test_not_gzip(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte\.gz: not a valid gzip file"):
        data.read_idx(path)


def test_truncated_gzip(tmp_path):
    path = write_idx(tmp_path / "imgs.gz", np.zeros((3, 28, 28)))
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"imgs\.gz: not a valid gzip file or truncated"):
        data.read_idx(path)


def test_truncated_payload(tmp_path):
    path = tmp_path / "imgs"
    write_idx(path, np.zeros((3, 28, 28)), gz=False)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match=r"imgs: header says shape \(3, 28, 28\).*truncated"):
        data.read_idx(path)


def test_bad_magic(tmp_path):
    path = write_idx(tmp_path / "bad.gz", np.zeros(4), magic=b"\x12\x34\x08\x01")
    with pytest.raises(DataError, match=r"bad\.gz: bad magic number 0x12340801"):
        data.read_idx(path)


def test_wrong_dimensions(tmp_path):
    raw = make_dataset(tmp_path)
    write_idx(raw / "t10k-images-idx3-ubyte.gz", np.zeros((5, 32, 32)))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: expected images of shape \(N, 28, 28\)"):
        data.load("MNIST", "test", root=tmp_path, download=False)


def test_count_mismatch(tmp_path):
    raw = make_dataset(tmp_path)
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.zeros(4))
    with pytest.raises(DataError, match=r"has 5 images but .*t10k-labels-idx1-ubyte\.gz has 4 labels"):
        data.load("MNIST", "test", root=tmp_path, download=False)


def test_download_failure_gives_one_clear_error(tmp_path, monkeypatch):
    def offline(name, root):
        raise ConnectionError("no route to host")
    monkeypatch.setattr(data, "_download", offline)
    with pytest.raises(DataError) as e:
        data.load("FashionMNIST", "train", root=tmp_path)
    msg = str(e.value)
    assert "the download failed (ConnectionError: no route to host)" in msg
    assert str(tmp_path / "FashionMNIST" / "raw") in msg


def test_read_only_root_is_never_written(tmp_path, monkeypatch):
    make_dataset(tmp_path, name="MNIST")
    called = []
    monkeypatch.setattr(data, "_download", lambda *a: called.append(a))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    os.chmod(tmp_path, stat.S_IRUSR | stat.S_IXUSR)
    try:
        data.load("MNIST", "train", root=tmp_path)           # present: read only
        with pytest.raises(DataError, match="read-only"):      # absent: refuse, do not download
            data.load("FashionMNIST", "train", root=tmp_path)
    finally:
        os.chmod(tmp_path, stat.S_IRWXU)
    assert called == [] and sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_data_dir_env(tmp_path, monkeypatch):
    make_dataset(tmp_path, n_test=7)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert len(data.load("MNIST", "test", download=False)) == 7


def test_split_and_normalise():
    train_idx, val_idx = data.train_val_split(100, 20, seed=3)
    assert len(train_idx) == 80 and len(val_idx) == 20
    assert sorted(torch.cat([train_idx, val_idx]).tolist()) == list(range(100))
    assert torch.equal(data.train_val_split(100, 20, seed=3)[1], val_idx)
    x = data.to_float(torch.tensor([[[0, 255]]], dtype=torch.uint8), 0.5, 0.5)
    assert x.shape == (1, 1, 1, 2) and x.flatten().tolist() == [-1.0, 1.0]


def test_corrupt_deflate_stream(tmp_path):
    path = write_idx(tmp_path / "imgs.gz", np.arange(3 * 28 * 28).reshape(3, 28, 28) % 7)
    blob = bytearray(path.read_bytes())
    blob[12:40] = b"\xff" * 28          # keep the gzip header, break the compressed data
    path.write_bytes(bytes(blob))
    with pytest.raises(DataError, match=r"imgs\.gz: not a valid gzip file or truncated"):
        data.read_idx(path)


def test_gzip_data_under_a_plain_name(tmp_path):
    path = write_idx(tmp_path / "labels.gz", np.zeros(4))
    plain = path.rename(tmp_path / "labels")
    with pytest.raises(DataError, match=r"labels: bad magic number 0x1f8b.*name it \*\.gz"):
        data.read_idx(plain)


def test_empty_label_file(tmp_path):
    raw = make_dataset(tmp_path)
    write_idx(raw / "t10k-images-idx3-ubyte.gz", np.zeros((0, 28, 28)))
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.zeros(0))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz: the file holds no labels"):
        data.load("MNIST", "test", root=tmp_path, download=False)
