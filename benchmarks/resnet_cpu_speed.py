"""How fast can ResNet-18 train on 28x28 images here? Ratios from one run, same data.

Times a few training steps of ResNet-18 (ImageNet stem, 1-channel conv1) under each
setting the Q4 notebook could use, then the CIFAR stem, and prints images/s and the
speed-up over the plain batch-64 baseline. Results go to results/benchmark_resnet_cpu.json.

    python benchmarks/resnet_cpu_speed.py [--steps 6]
"""
import argparse
import json
import time

import torch
import torchvision
from torch import nn

from dlkit.flops import flops_per_image
from dlkit.results import RESULTS_DIR, environment


def resnet18(stem: str) -> nn.Module:
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    if stem == "imagenet":
        model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    else:  # cifar
        model.conv1 = nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
    return model


def images_per_second(stem, batch, channels_last, steps, inference=False, threads=None, compile=False):
    torch.manual_seed(0)
    default_threads = torch.get_num_threads()
    torch.set_num_threads(threads or default_threads)
    model = resnet18(stem)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    forward = torch.compile(model) if compile else model
    x = torch.randn(batch, 1, 28, 28).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (batch,))

    def step():
        if inference:
            model.eval()
            with torch.inference_mode():
                forward(x)
            return
        loss = nn.functional.cross_entropy(forward(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step(); step()  # warm-up (and compilation)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    ips = steps * batch / (time.perf_counter() - start)
    torch.set_num_threads(default_threads)
    return ips


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile row (slow to compile)")
    args = parser.parse_args()
    # (stem, batch, channels_last, inference, threads, compile); None threads = torch's default
    settings = [("imagenet", 64, False, False, None, False), ("imagenet", 256, False, False, None, False),
                ("imagenet", 256, True, False, None, False), ("imagenet", 512, True, False, None, False),
                ("imagenet", 1024, True, True, None, False), ("cifar", 256, True, False, None, False),
                ("imagenet", 256, True, False, 1, False)]
    if not args.no_compile:
        settings.append(("imagenet", 256, True, False, None, True))
    rows = []
    for stem, batch, cl, inference, threads, compile in settings:
        try:
            ips = images_per_second(stem, batch, cl, args.steps, inference, threads, compile)
        except Exception as e:  # e.g. torch.compile without a working C++ toolchain
            print(f"{stem} batch {batch} threads={threads} compile={compile} failed: {type(e).__name__}: {e}")
            continue
        rows.append({"stem": stem, "batch": batch, "channels_last": cl,
                     "mode": "inference" if inference else "train", "threads": threads or torch.get_num_threads(),
                     "compile": compile, "images_per_s": round(ips, 1)})
        print(f"{stem:8s} batch {batch:4d} channels_last={cl!s:5s} threads={rows[-1]['threads']} "
              f"compile={compile!s:5s} {rows[-1]['mode']:9s} {ips:8.1f} images/s", flush=True)
    base = rows[0]["images_per_s"]
    for r in rows:
        r["ratio_vs_batch64"] = round(r["images_per_s"] / base, 2)
    flops = {stem: flops_per_image(resnet18(stem)) for stem in ("imagenet", "cifar")}
    print(f"forward FLOPs/image: imagenet stem {flops['imagenet'] / 1e6:.1f} M, "
          f"cifar stem {flops['cifar'] / 1e6:.1f} M")
    out = {"environment": environment("cpu"), "steps": args.steps, "rows": rows, "flops_per_image": flops}
    (RESULTS_DIR / "benchmark_resnet_cpu.json").write_text(json.dumps(out, indent=2) + "\n")
    best = max((r for r in rows if r["mode"] == "train"), key=lambda r: r["images_per_s"])
    print(f"speedup: {best['images_per_s'] / base:.2f}x (train, {best['stem']} stem, batch {best['batch']}, "
          f"channels_last={best['channels_last']}, compile={best['compile']})")


if __name__ == "__main__":
    main()
