"""Before the test suite runs: the data is there, or one message says where it must go and how to get it.

Without MNIST and Fashion-MNIST every test that trains would fail on its own with the same DataError (41
failures and 2 errors on a machine with no data and no network). Instead, a session that needs the data (the
whole suite, as `make test` runs it, a folder of tests, or a notebook) first looks for the eight raw files in
the data root (DATA_DIR, else data/). When some are missing and the root may be written, it tries
torchvision's download once, as the notebooks would; when that fails, or the root is read-only, pytest stops
before running anything, with one message. A single test file (`pytest tests/test_quotes.py`) is not stopped:
most of those need no data, and those that do still fail with dlkit.data's own message.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest


def needs_data(args: list[str], cwd: Path) -> bool:
    """True for the whole suite (no arguments: pyproject's testpaths), a folder, or a notebook."""
    if not args:
        return True
    for arg in args:
        path = Path(arg.split("::")[0])
        path = path if path.is_absolute() else cwd / path
        if path.suffix == ".ipynb" or path.is_dir():
            return True
    return False


def missing_files(root: Path) -> dict[str, list[str]]:
    """{dataset: [file names missing from root/dataset/raw/]} (a file counts as there, .gz or not)."""
    from dlkit import data
    stems = [s for split in data.FILE_STEMS.values() for s in split]
    missing = {name: [s for s in stems if data._find(root / name / "raw", s) is None] for name in data.DATASETS}
    return {name: files for name, files in missing.items() if files}


def sources() -> list[str]:
    """Where torchvision downloads each dataset from (its own mirror lists, not typed here)."""
    try:
        import torchvision.datasets as tv
    except ImportError:
        return []
    return [f"{name}: {', '.join(getattr(tv, name).mirrors)}" for name in ("MNIST", "FashionMNIST")]


def no_data_message(root: Path, missing: dict[str, list[str]], reason: str) -> str:
    from dlkit import data
    names = ", ".join(s for split in data.FILE_STEMS.values() for s in split)
    where = "DATA_DIR" if os.environ.get("DATA_DIR") else "data/ in this repository; DATA_DIR is unset"
    lines = [f"the MNIST and Fashion-MNIST files are missing, so no test was run ({reason}).",
             f"The data root is {root} ({where}).",
             "It must hold the four raw IDX files of each dataset (.gz or uncompressed):",
             f"  {root}/MNIST/raw/         {names}",
             f"  {root}/FashionMNIST/raw/  (the same four names)",
             "Missing now: " + "; ".join(f"{name}/raw/: {', '.join(files)}" for name, files in missing.items()),
             "Get them in one of three ways:",
             f"  * copy the files into {root}/MNIST/raw/ and {root}/FashionMNIST/raw/",
             "  * or point DATA_DIR at a folder that has them: make test DATA_DIR=/path/to/data",
             "  * or run `make test` once with internet access and a writable data root: torchvision downloads them"]
    lines += [f"      from {s}" for s in sources()]
    lines.append("See README.md, section Data.")
    return "\n".join(lines)


def check_data() -> str | None:
    """None when every file is there (after a download, if one was possible); else the one message."""
    from dlkit import data
    try:
        root = data.data_root()
    except data.DataError as e:           # DATA_DIR names no folder
        return f"{e}\nSee README.md, section Data."
    missing = missing_files(root)
    if not missing:
        return None
    if not data._writable(root / "MNIST" / "raw"):
        return no_data_message(root, missing, f"{root} is read-only, so nothing can be downloaded into it")
    try:
        for name in missing:
            for split in data.FILE_STEMS:
                data.load(name, split, root=root, download=True)
    except data.DataError as e:
        cause = e.__cause__
        detail = [line.strip() for line in str(cause or e).splitlines() if line.strip()]
        reason = f"the download failed: {detail[-1] if detail else type(cause).__name__}"
        return no_data_message(root, missing_files(root), reason[:300])
    return None


def pytest_sessionstart(session):
    if not needs_data(list(session.config.args), Path(session.config.invocation_params.dir)):
        return
    message = check_data()
    if message:
        # one message, printed once as "ERROR: ...", exit status 4 (pytest.exit would print it twice)
        raise pytest.UsageError(message)
