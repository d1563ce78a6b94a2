"""A small train / evaluate loop over tensors that already sit in memory.

Batches are slices of preloaded tensors (no DataLoader, no per-sample work), the
shuffling uses an explicit seeded generator, and every epoch is logged.
"""
from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm


def env_choice(name: str, accepted: tuple[str, ...], default: str = "") -> str:
    """$name if it is one of `accepted` (unset or empty: `default`); otherwise a ValueError that names
    the variable, the value and the accepted values, raised before any work starts."""
    value = os.environ.get(name, "")
    if value == "":
        return default
    if value not in accepted:
        raise ValueError(f"{name}={value!r} is not accepted; use one of: {', '.join(accepted)} (or leave it unset)")
    return value


def pick_device(prefer: str | None = None) -> torch.device:
    """$DEVICE (cpu, cuda, cuda:N or mps) if set, else cuda, then mps, then cpu.

    A device that is asked for but absent is refused here, before any training."""
    prefer = prefer or os.environ.get("DEVICE")
    if prefer:
        accepted = "cpu, cuda, cuda:N (N a GPU index) or mps"
        try:
            device = torch.device(prefer)
        except RuntimeError:
            device = None
        if device is None or device.type not in ("cpu", "cuda", "mps"):
            raise ValueError(f"DEVICE={prefer!r} is not accepted; use one of: {accepted} (or leave it unset)")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"DEVICE={prefer!r}, but this torch sees no CUDA GPU; use DEVICE=cpu or leave it unset")
        if device.type == "mps" and not _mps_available():
            raise ValueError(f"DEVICE={prefer!r}, but Apple's MPS is not available; use DEVICE=cpu or leave it unset")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def synchronize(device: torch.device | str) -> None:
    """Wait for the device's queued kernels, so a clock read afterwards times finished work."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a fresh generator for batch shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = False      # no effect on a CPU; fewer surprises on a GPU
    torch.backends.cudnn.deterministic = True
    return torch.Generator().manual_seed(seed)


def smoke_mode() -> bool:
    """SMOKE=1 (or true): tiny, fast runs that check the code, not the numbers. Unset, 0 or false: full runs."""
    return env_choice("SMOKE", ("0", "1", "false", "true")) in ("1", "true")


def progress_enabled() -> bool:
    """Progress bars are for people watching: off in CI, smoke mode and runs saved for committing."""
    return not (smoke_mode() or os.environ.get("CI") or os.environ.get("NO_PROGRESS"))


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None = None,
                  device: torch.device | None = None) -> Iterator[torch.Tensor]:
    """Index tensors covering range(n); shuffled when a generator is given.

    The permutation is drawn on the CPU (same order on every device) and moved to `device`
    in one copy, so data that already sit on a GPU are indexed there.
    """
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    yield from order.to(device or "cpu").split(batch_size)


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1024,
            device: torch.device | None = None, memory_format=torch.contiguous_format,
            to_cpu: bool = True) -> torch.Tensor:
    """Logits for every row of x, computed in eval mode on the model's device; returned on the CPU
    unless to_cpu=False (then they stay on the device, with no host copy per batch)."""
    device = device or next(model.parameters()).device
    model.eval()
    out = [model(x[i:i + batch_size].to(device).contiguous(memory_format=memory_format)).float()
           for i in range(0, len(x), batch_size)]
    logits = torch.cat(out)
    return logits.cpu() if to_cpu else logits


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
             loss_fn: Callable = nn.functional.cross_entropy, **kw) -> dict[str, float]:
    """Loss and accuracy over (x, y), computed on the model's device (y is moved there)."""
    logits = predict(model, x, to_cpu=False, **kw)
    y = y.to(logits.device)
    return {"loss": float(loss_fn(logits, y)), "acc": accuracy(logits, y)}


def images_per_second(model: nn.Module, x: torch.Tensor, passes: int = 3, batch_size: int = 1024,
                      memory_format=torch.contiguous_format) -> float:
    """Inference throughput: one warm-up batch, then `passes` passes over x, timed between device syncs."""
    device = next(model.parameters()).device
    predict(model, x[:batch_size], batch_size, memory_format=memory_format, to_cpu=False)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(passes):
        predict(model, x, batch_size, memory_format=memory_format, to_cpu=False)
    synchronize(device)
    return passes * len(x) / (time.perf_counter() - start)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return (logits.argmax(1) == y).float().mean().item()


def confusion_matrix(pred: torch.Tensor, y: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """Rows are true classes, columns predicted classes."""
    return torch.bincount(y * n_classes + pred, minlength=n_classes ** 2).reshape(n_classes, n_classes)


def fit(model: nn.Module, train: tuple[torch.Tensor, torch.Tensor],
        val: tuple[torch.Tensor, torch.Tensor] | None, *, epochs: int, batch_size: int,
        optimizer: torch.optim.Optimizer, loss_fn: Callable = nn.functional.cross_entropy,
        scheduler=None, generator: torch.Generator | None = None,
        device: torch.device | None = None, memory_format=torch.contiguous_format,
        eval_loss_fn: Callable | None = None, augment: Callable | None = None,
        score_train: bool = False, verbose: bool = True) -> list[dict]:
    """Train for `epochs`; return one dict per epoch (losses, accuracies, seconds).

    `loss_fn(logits, y)` drives training; `scheduler.step()` runs after every batch.
    `eval_loss_fn` (default: loss_fn) scores the validation set. `augment(x)` transforms each
    training batch on the device. Tensors already on the device are never copied per batch.
    `train_loss` is the running mean over the epoch's batches, while the weights change; with
    `score_train`, the whole training set is also scored after the epoch exactly as the validation
    set is (eval mode, final weights): `train_eval_loss` and `train_eval_acc`, outside the timed part.
    """
    device = device or next(model.parameters()).device
    x_train, y_train = train
    if x_train.device != y_train.device:
        raise ValueError(f"training images on {x_train.device} but labels on {y_train.device}: keep them together")
    eval_loss_fn = eval_loss_fn or loss_fn
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        synchronize(device)
        start = time.perf_counter()
        # running sums stay tensors: no Python round-trip per batch
        total_loss = torch.zeros((), device=device, dtype=torch.float64)
        correct, seen = torch.zeros((), device=device, dtype=torch.long), 0
        batches = list(batch_indices(len(x_train), batch_size, generator, x_train.device))
        bar = tqdm(batches, desc=f"epoch {epoch}", leave=False, disable=not (verbose and progress_enabled()))
        for step, idx in enumerate(bar, 1):
            xb = x_train[idx].to(device, non_blocking=True)
            yb = y_train[idx].to(device, non_blocking=True)
            if augment is not None:
                xb = augment(xb)
            logits = model(xb.contiguous(memory_format=memory_format))
            loss = loss_fn(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            with torch.no_grad():
                total_loss += loss.detach().double() * len(idx)
                correct += (logits.argmax(1) == yb).sum()
            seen += len(idx)
            if not bar.disable and step % 50 == 0:   # .item() waits for the device: only now and then
                bar.set_postfix(loss=f"{total_loss.item() / seen:.4f}")
        synchronize(device)   # the epoch's kernels have finished before the clock is read
        seconds = time.perf_counter() - start
        row = {"epoch": epoch, "train_loss": total_loss.item() / seen, "train_acc": correct.item() / seen,
               "seconds": seconds}
        if score_train:
            t = evaluate(model, x_train, y_train, loss_fn=eval_loss_fn, device=device, memory_format=memory_format)
            row.update(train_eval_loss=t["loss"], train_eval_acc=t["acc"])
        if val is not None:
            v = evaluate(model, *val, loss_fn=eval_loss_fn, device=device, memory_format=memory_format)
            row.update(val_loss=v["loss"], val_acc=v["acc"])
        history.append(row)
        if verbose:
            msg = (f"epoch {epoch:2d}  train loss {row['train_loss']:.4f} acc {row['train_acc']:.4f}")
            if val is not None:
                msg += f"  val loss {row['val_loss']:.4f} acc {row['val_acc']:.4f}"
            print(msg + f"  ({row['seconds']:.1f} s)")
    return history
