"""Read MNIST / Fashion-MNIST straight from their raw IDX files into uint8 tensors.

Layout is torchvision's: ``<root>/MNIST/raw/train-images-idx3-ubyte[.gz]`` etc.
The root is ``$DATA_DIR`` if set, else the repository's ``data/`` folder.
Files are only ever read; torchvision's downloader is used (and writes) only when
the files are missing, and only into a root we can write to.
"""
from __future__ import annotations

import gzip
import hashlib
import math
import os
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = ("MNIST", "FashionMNIST")
FILE_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# Mean and std of the training pixels in [0, 1] (MNIST's are the usual 0.1307 / 0.3081).
PIXEL_STATS = {"MNIST": (0.1307, 0.3081), "FashionMNIST": (0.2860, 0.3530)}


class DataError(RuntimeError):
    """A data file is missing or malformed; the message names the file and the problem."""


@dataclass
class Split:
    """Images as uint8 [N, 28, 28], labels as int64 [N], and the md5 of every file read."""
    images: torch.Tensor
    labels: torch.Tensor
    md5: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)


def data_root() -> Path:
    """$DATA_DIR if set (it must be an existing folder: a typo is refused, not downloaded into), else data/."""
    value = os.environ.get("DATA_DIR", "")
    if value and not Path(value).is_dir():
        raise DataError(f"DATA_DIR={value!r} is not accepted: no such folder. Use an existing folder that holds "
                        f"MNIST/raw/ and FashionMNIST/raw/ (see the README's Data section), or leave it unset "
                        f"for {REPO_ROOT / 'data'}")
    return Path(value) if value else REPO_ROOT / "data"


def md5sum(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_idx(path: str | Path) -> torch.Tensor:
    """Parse one IDX file (gzip-compressed if its name ends in .gz) into a uint8 tensor."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise DataError(f"{path}: not a valid gzip file or truncated ({e})") from e
    if len(raw) < 4:
        raise DataError(f"{path}: only {len(raw)} bytes, too short for an IDX header")
    zero, dtype, ndim = int.from_bytes(raw[0:2], "big"), raw[2], raw[3]
    if zero != 0 or dtype != 0x08 or ndim not in (1, 3):
        hint = " - it looks gzip-compressed: name it *.gz" if raw[:2] == b"\x1f\x8b" else ""
        raise DataError(f"{path}: bad magic number 0x{raw[:4].hex()} "
                        f"(expected 0x00000801 for labels or 0x00000803 for images){hint}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated header ({len(raw)} bytes)")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + math.prod(dims)
    if len(raw) != expected:
        raise DataError(f"{path}: header says shape {tuple(dims)} = {expected} bytes, "
                        f"file has {len(raw)} ({'truncated' if len(raw) < expected else 'trailing bytes'})")
    array = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
    return torch.from_numpy(array.copy())


def _find(raw_dir: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (raw_dir / name).is_file():
            return raw_dir / name
    return None


def _writable(path: Path) -> bool:
    """True if the nearest existing folder of `path` may be written. Honours missing write
    bits even for root, so a folder marked read-only (like CI's shared data) stays untouched."""
    while not path.exists():
        path = path.parent
    return bool(path.stat().st_mode & 0o222) and os.access(path, os.W_OK)


def _download(name: str, root: Path) -> None:
    """torchvision's downloader: only reached when the files are missing."""
    import torchvision
    cls = getattr(torchvision.datasets, name)
    for train in (True, False):
        cls(root=str(root), train=train, download=True)


def missing_files_message(name: str, split: str, root: Path, reason: str) -> str:
    raw_dir = root / name / "raw"
    stems = ", ".join(s + "[.gz]" for s in FILE_STEMS[split])
    return (f"{name} {split} data not found in {raw_dir} (looked for {stems}), and {reason}.\n"
            f"Fix one of:\n"
            f"  * copy the raw IDX files (.gz or uncompressed) into {raw_dir}/\n"
            f"  * set DATA_DIR to a folder that has {name}/raw/ with them "
            f"(e.g. DATA_DIR=../shared/data)\n"
            f"  * run once with internet access so torchvision can download them into {root}")


@lru_cache(maxsize=8)
def _load_cached(name: str, split: str, root: Path, download: bool) -> Split:
    raw_dir = root / name / "raw"
    paths = [_find(raw_dir, stem) for stem in FILE_STEMS[split]]
    if None in paths:
        if not download:
            raise DataError(missing_files_message(name, split, root, "download=False"))
        if not _writable(raw_dir):
            raise DataError(missing_files_message(name, split, root, f"{raw_dir} is in a read-only folder"))
        try:
            _download(name, root)
        except Exception as e:  # network errors come in many types
            raise DataError(missing_files_message(
                name, split, root, f"the download failed ({type(e).__name__}: {e})")) from e
        paths = [_find(raw_dir, stem) for stem in FILE_STEMS[split]]
        if None in paths:
            raise DataError(missing_files_message(name, split, root, "the download left no files"))
    images, labels = (read_idx(p) for p in paths)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{paths[0]}: expected images of shape (N, 28, 28), got {tuple(images.shape)}")
    if labels.ndim != 1:
        raise DataError(f"{paths[1]}: expected a 1-D label file, got shape {tuple(labels.shape)}")
    if len(images) != len(labels):
        raise DataError(f"{paths[0]} has {len(images)} images but {paths[1]} has {len(labels)} labels")
    if len(labels) == 0:
        raise DataError(f"{paths[1]}: the file holds no labels")
    if labels.max() > 9:
        raise DataError(f"{paths[1]}: label {int(labels.max())} outside 0..9")
    md5 = {f"{name}/raw/{p.name}": md5sum(p) for p in paths}
    return Split(images, labels.long(), md5)


def load(name: str = "MNIST", split: str = "train", root: str | Path | None = None,
         download: bool = True) -> Split:
    """Load one split of MNIST or FashionMNIST as uint8 images and int64 labels."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {DATASETS}")
    if split not in FILE_STEMS:
        raise ValueError(f"unknown split {split!r}; choose 'train' or 'test'")
    return _load_cached(name, split, Path(root) if root else data_root(), download)


def to_float(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 [N, 28, 28] -> normalised float32 [N, 1, 28, 28], done once for the whole set."""
    return ((images.float() / 255.0 - mean) / std).unsqueeze(1)


def train_val_split(n: int, n_val: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random, seeded split of range(n) into train and validation indices."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_val:], perm[:n_val]
