"""Light augmentation done on whole batches as tensor ops, on the batch's device.

No per-image PIL work: a batch of N images gets N random shifts in one indexing op.
Pass a `torch.Generator` that lives on the batch's device so runs are reproducible.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def random_shift(x: torch.Tensor, max_shift: int, fill: float, generator: torch.Generator) -> torch.Tensor:
    """Translate each image of x [N, C, H, W] by its own random (dy, dx) in [-max_shift, max_shift].

    Pixels shifted in from outside are `fill` (the normalised value of a black pixel).
    """
    n, c, h, w = x.shape
    p = max_shift
    padded = F.pad(x, (p, p, p, p), value=fill)
    dy, dx = torch.randint(0, 2 * p + 1, (2, n, 1), generator=generator, device=x.device)
    rows = dy + torch.arange(h, device=x.device)                   # [N, H]: which padded rows to read
    cols = dx + torch.arange(w, device=x.device)                   # [N, W]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    channel = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]


def random_hflip(x: torch.Tensor, generator: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Mirror each image left-right with probability p."""
    flip = torch.rand(x.shape[0], generator=generator, device=x.device) < p
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def make_augment(max_shift: int, hflip: bool, fill: float, generator: torch.Generator):
    """The batch transform `dlkit.train.fit(augment=...)` applies to each training batch."""
    def augment(x: torch.Tensor) -> torch.Tensor:
        if max_shift:
            x = random_shift(x, max_shift, fill, generator)
        if hflip:
            x = random_hflip(x, generator)
        return x
    return augment
