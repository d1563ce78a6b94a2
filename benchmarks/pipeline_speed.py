"""One epoch of the Q3 network: the original pipeline vs this project's, and where the project's time goes.

Network dlkit.models.mlp() (784-128-64-10 ReLU), cross-entropy, Adam lr 1e-3, batch 64, the 60 000 MNIST
training images, CPU, torch's default thread count. All settings run in one process: one warm-up call
each (discarded), then N rounds in turn (seed, project, ..., matmuls, seed, project, ...). Every call
re-seeds and rebuilds the model, so every round does the same work. Each setting times:

  seed                  torchvision.datasets.MNIST + ToTensor + Normalize((0.5,), (0.5,)) + DataLoader(batch 64,
                        shuffle, no workers) and fused Adam: one PIL image and two transforms per sample. The
                        dataset object is built before the clock starts.
  project               dlkit.train.fit over the preloaded uint8 tensor with fused Adam, as in the Q3 notebook;
                        the clock includes normalising the whole set once and indexing every batch out of it.
  project_default_adam  the same with default (unfused, for-each) Adam.
  presliced             fit's inner loop (forward, loss, zero_grad, backward, fused Adam step, running loss and
                        accuracy sums) over a list of (x, y) batches sliced before the clock starts: no
                        indexing or normalising on the clock.
  fwd_bwd               forward, loss, zero_grad and backward over the same list: no optimiser, no running sums.
  matmuls               only the step's 8 matrix products, per batch of the same list: torch.addmm for each
                        layer's forward (x W1^T + b1, a1 W2^T + b2, a2 W3^T + b3), torch.mm for each layer's
                        weight gradient (g^T a) and for the input gradients of layers 3 and 2 (g W), with the
                        previous product as the next one's input. No ReLU, loss, autograd or optimiser.

Ratios divide medians of the same run. torchvision's dataset class wants uncompressed files, so they
are decompressed into a temporary folder (the data root is only read).

A full run writes results/benchmark_pipeline.json; --quick (20 batches, 3 rounds, for a correctness
check) writes results/smoke/benchmark_pipeline.json. Its keys: settings.<name> holds rounds_s (every
round, in order), median_s, min_s, max_s and spread ((max - min) / median); speedup = seed / project
and fused_adam_speedup = project_default_adam / project; fractions_of_project_epoch holds presliced,
fwd_bwd and matmuls over project, indexing_and_normalising = 1 - presliced and per_step_overhead =
presliced - matmuls; per_step_us = median / steps_per_epoch; environment has the CPU model, threads
and torch build; load_average the 1-, 5- and 15-minute load at the end.

    python benchmarks/pipeline_speed.py [--rounds 5] [--quick]
"""
import argparse
import gzip
import shutil
import tempfile
import time
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision import transforms

from dlkit import bench, data, models, train
from dlkit.results import cpu_model
from dlkit.train import smoke_mode

BATCH = 64
CPU = torch.device("cpu")


def decompressed_mnist(tmp: Path) -> Path:
    """Copy (and gunzip) the raw MNIST files to tmp/MNIST/raw for torchvision; return tmp."""
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    src = data.data_root() / "MNIST" / "raw"
    for stem in (*data.FILE_STEMS["train"], *data.FILE_STEMS["test"]):
        plain, packed = src / stem, src / (stem + ".gz")
        if plain.exists():
            shutil.copy(plain, raw / stem)
        else:
            with gzip.open(packed) as f_in, open(raw / stem, "wb") as f_out:
                shutil.copyfileobj(f_in, f_out)
    return tmp


def model_and_adam(fused: bool = True) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = models.mlp()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)


def seed_epoch(dataset) -> float:
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    model, opt = model_and_adam()
    start = time.perf_counter()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def project_epoch(images: torch.Tensor, labels: torch.Tensor, fused: bool = True) -> float:
    model, opt = model_and_adam(fused)
    gen = train.seed_everything(0)
    start = time.perf_counter()   # normalising the whole set counts towards the epoch
    x = data.to_float(images, 0.5, 0.5)
    train.fit(model, (x, labels), None, epochs=1, batch_size=BATCH, optimizer=opt, generator=gen,
              device=CPU, verbose=False)
    return time.perf_counter() - start


def presliced_epoch(batches) -> float:
    """fit's inner loop without x[idx], y[idx] (and without its no-op .to(cpu) / .contiguous())."""
    model, opt = model_and_adam()
    model.train()
    start = time.perf_counter()
    total_loss, correct = torch.zeros((), dtype=torch.float64), torch.zeros((), dtype=torch.long)
    for xb, yb in batches:
        logits = model(xb)
        loss = nn.functional.cross_entropy(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            total_loss += loss.detach().double() * len(yb)
            correct += (logits.argmax(1) == yb).sum()
    total_loss.item()
    return time.perf_counter() - start


def fwd_bwd_epoch(batches) -> float:
    model, _ = model_and_adam()
    model.train()
    start = time.perf_counter()
    for xb, yb in batches:
        loss = nn.functional.cross_entropy(model(xb), yb)
        model.zero_grad(set_to_none=True)
        loss.backward()
    return time.perf_counter() - start


def matmuls_epoch(batches) -> float:
    """The 8 matrix products of each step (3 forward, 3 weight-gradient, 2 input-gradient), nothing else."""
    torch.manual_seed(0)
    (w1, b1), (w2, b2), (w3, b3) = [(layer.weight.detach(), layer.bias.detach())
                                    for layer in models.mlp() if isinstance(layer, nn.Linear)]
    flat = [xb.view(len(xb), -1) for xb, _ in batches]   # views: no copy
    start = time.perf_counter()
    for x in flat:
        a1 = torch.addmm(b1, x, w1.t())      # forward (b, 784) @ (784, 128)
        a2 = torch.addmm(b2, a1, w2.t())     # (b, 128) @ (128, 64)
        g3 = torch.addmm(b3, a2, w3.t())     # (b, 64) @ (64, 10); stands in for dloss/dlogits
        g3.t().mm(a2)                        # dW3 (10, 64)
        g2 = g3.mm(w3)                       # da2 (b, 64)
        g2.t().mm(a1)                        # dW2 (64, 128)
        g1 = g2.mm(w2)                       # da1 (b, 128)
        g1.t().mm(x)                         # dW1 (128, 784); no gradient for the input images
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, help="timed rounds of every setting (default 5, quick 3)")
    parser.add_argument("--quick", action="store_true", help="20 batches, 3 rounds; writes results/smoke/")
    args = parser.parse_args()
    quick = args.quick or smoke_mode()
    rounds = args.rounds or (3 if quick else 5)
    started = time.perf_counter()
    bench.warn_if_busy()

    split = data.load("MNIST", "train")
    n = 20 * BATCH if quick else len(split)
    images, labels = split.images[:n], split.labels[:n]
    x = data.to_float(images, 0.5, 0.5)
    batches = [(x[idx], labels[idx]) for idx in train.batch_indices(n, BATCH, train.seed_everything(0))]
    with tempfile.TemporaryDirectory() as tmp:
        tfm = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        mnist = torchvision.datasets.MNIST(root=str(decompressed_mnist(Path(tmp))), train=True, download=False,
                                           transform=tfm)
        seed_set = torch.utils.data.Subset(mnist, range(n)) if quick else mnist
        settings = {"seed": lambda: seed_epoch(seed_set),
                    "project": lambda: project_epoch(images, labels),
                    "project_default_adam": lambda: project_epoch(images, labels, fused=False),
                    "presliced": lambda: presliced_epoch(batches),
                    "fwd_bwd": lambda: fwd_bwd_epoch(batches),
                    "matmuls": lambda: matmuls_epoch(batches)}
        print(f"{n} images, {len(batches)} steps of batch {BATCH}, {torch.get_num_threads()} threads, "
              f"{cpu_model()}; warm-up, then {rounds} rounds", flush=True)
        times = bench.interleaved(settings, rounds, log=lambda s: print(s, flush=True))

    stats = {name: bench.summary(t) for name, t in times.items()}
    project = stats["project"]
    speedup = bench.ratio(stats["seed"], project)
    fused_speedup = bench.ratio(stats["project_default_adam"], project)
    fractions = {name: round(bench.ratio(stats[name], project), 4) for name in ("presliced", "fwd_bwd", "matmuls")}
    fractions["indexing_and_normalising"] = round(1 - fractions["presliced"], 4)
    fractions["per_step_overhead"] = round(fractions["presliced"] - fractions["matmuls"], 4)
    per_step_us = {name: round(s["median_s"] / len(batches) * 1e6, 1) for name, s in stats.items()}
    path = bench.write_record("benchmark_pipeline", {
        "rounds": rounds, "warmup": 1, "order": list(settings), "images": n, "batch_size": BATCH,
        "steps_per_epoch": len(batches), "settings": stats, "speedup": round(speedup, 1),
        "fused_adam_speedup": round(fused_speedup, 2), "fractions_of_project_epoch": fractions,
        "per_step_us": per_step_us}, quick=quick, started=started)

    print(f"\nper setting: median s/epoch (min-max over {rounds} rounds), median us/step")
    for name, s in stats.items():
        print(f"  {name:21s} {s['median_s']:7.3f} s  ({s['min_s']:.3f}-{s['max_s']:.3f})  {per_step_us[name]:8.1f} us")
    print(f"share of the project epoch: matrix products {fractions['matmuls']:.0%}, rest of the step "
          f"{fractions['per_step_overhead']:.0%}, indexing + normalising {fractions['indexing_and_normalising']:.0%}")
    print(f"fused Adam: {fused_speedup:.2f}x faster than default Adam")
    print(f"wrote {path}")
    print(f"speedup: {speedup:.1f}x")


if __name__ == "__main__":
    main()
