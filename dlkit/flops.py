"""Parameter and FLOP counts."""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def flops_per_image(model: nn.Module, input_shape=(1, 28, 28)) -> int:
    """Forward FLOPs for one image (a multiply-add counts as 2), as PyTorch's counter sees them."""
    was_training = model.training
    model.eval()
    x = torch.zeros(1, *input_shape, device=next(model.parameters()).device)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    model.train(was_training)
    return int(counter.get_total_flops())
