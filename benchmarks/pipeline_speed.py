"""One epoch of the Q3 network: the original pipeline vs this project's. Ratios from one run.

Original ("seed") pipeline: torchvision.datasets.MNIST + ToTensor + Normalize((0.5,), (0.5,))
+ DataLoader(batch_size=64, shuffle=True), i.e. one PIL image and two transforms per sample.
Project pipeline: the uint8 IDX tensor normalised once, batches sliced with a seeded
permutation (dlkit.train.fit). Same model, optimiser (Adam, lr 1e-3, fused as in the Q3
notebook; a third row times the project pipeline with default Adam), batch size and data
(the 60 000 training images). torchvision's dataset class wants uncompressed files, so they are decompressed into a
temporary folder (the data root is only read). Results go to results/benchmark_pipeline.json.

    python benchmarks/pipeline_speed.py
"""
import gzip
import json
import shutil
import tempfile
import time
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision import transforms

from dlkit import data, train
from dlkit.results import RESULTS_DIR, environment


def q3_network() -> nn.Module:  # the assignment's 784-128-64-10 ReLU network (notebooks/q3_feedforward)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def seed_pipeline_epoch(root: Path, fused: bool = True) -> float:
    tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = torchvision.datasets.MNIST(root=str(root), train=True, download=False, transform=tfm)
    loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = q3_network()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
    start = time.perf_counter()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def project_pipeline_epoch(fused: bool = True) -> float:
    split = data.load("MNIST", "train")
    start = time.perf_counter()   # normalising the whole set counts towards the epoch
    x = data.to_float(split.images, 0.5, 0.5)
    gen = train.seed_everything(0)
    model = q3_network()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
    train.fit(model, (x, split.labels), None, epochs=1, batch_size=64, optimizer=opt, generator=gen,
              device=torch.device("cpu"), verbose=False)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "MNIST" / "raw"
        raw.mkdir(parents=True)
        src = data.data_root() / "MNIST" / "raw"
        for stem in (*data.FILE_STEMS["train"], *data.FILE_STEMS["test"]):
            plain, packed = src / stem, src / (stem + ".gz")
            if plain.exists():
                shutil.copy(plain, raw / stem)
            else:
                with gzip.open(packed) as f_in, open(raw / stem, "wb") as f_out:
                    shutil.copyfileobj(f_in, f_out)
        seed_s = seed_pipeline_epoch(Path(tmp))
    project_s = project_pipeline_epoch()
    default_adam_s = project_pipeline_epoch(fused=False)
    result = {"environment": environment("cpu"), "seed_pipeline_epoch_s": round(seed_s, 2),
              "project_pipeline_epoch_s": round(project_s, 2), "speedup": round(seed_s / project_s, 1),
              "project_default_adam_epoch_s": round(default_adam_s, 2),
              "fused_adam_speedup": round(default_adam_s / project_s, 2)}
    (RESULTS_DIR / "benchmark_pipeline.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"seed pipeline (PIL + ToTensor + Normalize + DataLoader): {seed_s:6.2f} s/epoch")
    print(f"project pipeline (preloaded uint8 tensor, sliced batches): {project_s:6.2f} s/epoch")
    print(f"project pipeline with default (unfused) Adam:             {default_adam_s:6.2f} s/epoch "
          f"(fused Adam is {default_adam_s / project_s:.2f}x faster)")
    print(f"speedup: {seed_s / project_s:.1f}x")


if __name__ == "__main__":
    main()
