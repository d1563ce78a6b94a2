"""How fast can ResNet-18 train on 28x28 images on this CPU? Medians of interleaved rounds, one process.

dlkit.models.resnet18 (1-channel stem) on random 1x28x28 inputs and labels, SGD (lr 0.01, momentum 0.9).
Every setting below is built first, then each runs once as a warm-up (discarded; this is where
torch.compile compiles), then all run in turn for N rounds. A round of a setting is `steps` training
steps (forward, loss, zero_grad, backward, SGD step; with bf16, forward and loss run under CPU autocast)
on one fixed batch, or forward passes under torch.inference_mode for the inference setting;
images/s = images per round / seconds. Ratios divide median images/s of the same run by that of
imagenet_b64 (the plain batch-64 baseline). The default 5 rounds take about 3-4 minutes on a 2-core
machine, a minute of it compiling (less when inductor's on-disk cache already holds the graphs).

A full run writes results/benchmark_resnet_cpu.json; --quick (batches / 16, 1 step, 3 rounds, no
torch.compile unless --compile, for a correctness check) writes results/smoke/benchmark_resnet_cpu.json.
Its keys: settings.<name> holds the setting (stem, batch, channels_last, mode, threads, compile, bf16, steps,
images_per_round), warmup_s, rounds_s (every round, in order), median_s, min_s, max_s, spread,
images_per_s {median, min, max} and ratio_vs_batch64; failed lists settings left out and why;
environment has the CPU model, threads, torch build and the CPU's SIMD flags (AVX2, AVX-512, AMX);
load_average the 1-, 5- and 15-minute load at the end.

    python benchmarks/resnet_cpu_speed.py [--rounds 5] [--no-compile] [--quick [--compile]]
"""
import argparse
import time

import torch
from torch import nn

from dlkit import bench, models
from dlkit.flops import flops_per_image
from dlkit.results import cpu_model
from dlkit.train import smoke_mode

# name: (stem, batch, channels_last, mode, threads (None: torch's default), torch.compile, bf16 autocast,
#        steps per round)
SETTINGS = {
    "imagenet_b64": ("imagenet", 64, False, "train", None, False, False, 4),
    "imagenet_b256": ("imagenet", 256, False, "train", None, False, False, 2),
    "imagenet_b256_cl": ("imagenet", 256, True, "train", None, False, False, 2),
    "imagenet_b512_cl": ("imagenet", 512, True, "train", None, False, False, 1),
    "inference_b1024_cl": ("imagenet", 1024, True, "inference", None, False, False, 2),
    "cifar_b256_cl": ("cifar", 256, True, "train", None, False, False, 1),
    "one_thread_b256_cl": ("imagenet", 256, True, "train", 1, False, False, 2),
    "compile_b256_cl": ("imagenet", 256, True, "train", None, True, False, 2),
    "bf16_b256_cl": ("imagenet", 256, True, "train", None, False, True, 2),
}
BASELINE = "imagenet_b64"


def make_setting(stem, batch, channels_last, mode, threads, compile, bf16, steps):
    """Build model, optimiser and batch now; return a function that times one round."""
    torch.manual_seed(0)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = models.resnet18(stem).to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    forward = torch.compile(model) if compile else model
    x = torch.randn(batch, 1, 28, 28).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (batch,))
    if mode == "inference":
        model.eval()

    def step():
        if mode == "inference":
            with torch.inference_mode():
                forward(x)
            return
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.cross_entropy(forward(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    def timed_round() -> float:
        default = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            start = time.perf_counter()
            for _ in range(steps):
                step()
            return time.perf_counter() - start
        finally:
            torch.set_num_threads(default)

    return timed_round


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, help="timed rounds of every setting (default 5, quick 3)")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction,
                        help="include the torch.compile setting (default: yes, but not with --quick)")
    parser.add_argument("--quick", action="store_true", help="batches / 16, 1 step, 3 rounds; writes results/smoke/")
    args = parser.parse_args()
    quick = args.quick or smoke_mode()
    with_compile = not quick if args.compile is None else args.compile
    rounds = args.rounds or (3 if quick else 5)
    started = time.perf_counter()
    bench.warn_if_busy()

    configs = {}
    for name, (stem, batch, cl, mode, threads, compile, bf16, steps) in SETTINGS.items():
        if compile and not with_compile:
            continue
        if quick:
            batch, steps = max(batch // 16, 4), 1
        configs[name] = {"stem": stem, "batch": batch, "channels_last": cl, "mode": mode,
                         "threads": threads or torch.get_num_threads(), "compile": compile, "bf16": bf16,
                         "steps": steps}
    settings = {name: make_setting(**c) for name, c in configs.items()}
    print(f"{len(settings)} settings, {torch.get_num_threads()} threads, {cpu_model()}; "
          f"warm-up, then {rounds} rounds", flush=True)
    errors, warmups = {}, {}
    times = bench.interleaved(settings, rounds, log=lambda s: print(s, flush=True), errors=errors,
                              warmup_times=warmups)

    rows = {}
    for name, t in times.items():
        images = configs[name]["batch"] * configs[name]["steps"]
        rows[name] = {**configs[name], "images_per_round": images, "warmup_s": round(warmups[name][0], 2),
                      **bench.summary(t, work=images)}
    base = rows[BASELINE]["images_per_s"]["median"]
    for r in rows.values():
        r["ratio_vs_batch64"] = round(r["images_per_s"]["median"] / base, 2)
    flops = {stem: flops_per_image(models.resnet18(stem)) for stem in models.RESNET_STEMS}
    path = bench.write_record("benchmark_resnet_cpu", {
        "rounds": rounds, "warmup": 1, "order": list(settings), "baseline": BASELINE, "settings": rows,
        "failed": errors, "flops_per_image": flops}, quick=quick, started=started)

    print(f"\nimages/s: median (min-max over {rounds} rounds), ratio of medians to {BASELINE}")
    for name, r in rows.items():
        ips = r["images_per_s"]
        print(f"  {name:20s} {ips['median']:8.1f}  ({ips['min']:.1f}-{ips['max']:.1f})  {r['ratio_vs_batch64']:5.2f}x")
    print(f"forward FLOPs/image: imagenet stem {flops['imagenet'] / 1e6:.1f} M, "
          f"cifar stem {flops['cifar'] / 1e6:.1f} M")
    print(f"wrote {path}")
    best = max((n for n in rows if rows[n]["mode"] == "train"), key=lambda n: rows[n]["images_per_s"]["median"])
    print(f"speedup: {rows[best]['ratio_vs_batch64']:.2f}x (best training setting: {best})")


if __name__ == "__main__":
    main()
