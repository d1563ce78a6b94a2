"""Device correctness on a fake GPU: dlkit's training code run on `cuda` tensors without a GPU (issue #12).

On a CUDA machine, code that pairs a CPU tensor with a GPU tensor fails with "Expected all tensors to be on
the same device". PyTorch's FakeTensorMode makes tensors on device `cuda` on a CPU-only machine: they carry
shape, dtype and device but no data, and every op checks its operands' devices exactly as a real GPU run does.
So the tests below run fit / evaluate / predict / augmentation on fake `cuda` data and raise wherever a real
GPU run would raise for a device mismatch (the first three tests show that they do).

`fake_cuda()` stands in, narrowly, for what needs a real GPU or real numbers:
  - reads of a value into Python (`.item()`, `float(t)`) return 1 (a fake tensor has no data);
  - `torch.bincount` (output size depends on the data) returns zeros of its `minlength`;
  - `loss.backward()` gives every leaf it reaches a zero gradient on that leaf's device (the autograd
    engine asks the CUDA driver about device 0 as soon as a graph holds a `cuda` tensor, fake or not);
  - `torch.cuda.synchronize` is recorded instead of run;
  - a CUDA `torch.Generator` needs a GPU, so `fake_cuda().generator(seed)` is a CPU generator that reports
    device `cuda`. FakeTensorMode does not compare a generator's device with the op's (a real GPU does),
    so `fake_cuda()` checks that itself: a random op's generator must live on the device it draws on.
Every tensor op still runs under fake `cuda`; only these answers are stubbed.
"""
from __future__ import annotations

import contextlib
import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from dlkit import augment, flops, models, train

CUDA = torch.device("cuda:0")   # fake tensors report an index; "cuda" and "cuda:0" are the same device here
MISMATCH = "same device|device type for generator"


class FakeCudaGenerator(torch.Generator):
    """A CPU generator that says it lives on `cuda` (a real CUDA generator cannot be made without a GPU)."""

    @property
    def device(self) -> torch.device:
        return CUDA


class GeneratorDeviceCheck(TorchFunctionMode):
    """A random op's generator must be on the device it draws on: real CUDA raises otherwise, fake tensors don't."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        gen = kwargs.get("generator") or next((a for a in args if isinstance(a, torch.Generator)), None)
        if gen is not None:
            target = kwargs.get("device") or next((a.device for a in args if isinstance(a, torch.Tensor)),
                                                  torch.get_default_device())
            if torch.device(target).type != gen.device.type:
                raise RuntimeError(f"{getattr(func, '__name__', func)}: expected a '{torch.device(target).type}' "
                                   f"device type for generator but found '{gen.device.type}'")
        return func(*args, **kwargs)


class HostReads(TorchDispatchMode):
    """Above FakeTensorMode: answers the two ops whose result depends on data a fake tensor does not have."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.ops.aten._local_scalar_dense.default:      # .item(), float(t), int(t), bool(t)
            return 1.0 if args[0].is_floating_point() else 1            # 1, not 0: Adam divides by 1 - beta1**step
        if func is torch.ops.aten.bincount.default:                  # confusion_matrix: no weights, a minlength
            a = {"weights": None, "minlength": 0, **dict(zip(("self", "weights", "minlength"), args)), **kwargs}
            if a["weights"] is None:                                 # on self's device; the real length is
                return a["self"].new_zeros(a["minlength"])           # max(minlength, self.max() + 1)
        return func(*args, **kwargs)


def zero_grad_backward(loss: torch.Tensor, *args, **kwargs) -> None:
    """What loss.backward() leaves for the optimizer: a gradient on every leaf the loss depends on, on the
    leaf's own device (zeros: the values are fake anyway)."""
    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        leaf = getattr(node, "variable", None)                    # an AccumulateGrad node
        if leaf is not None:
            grad = torch.zeros_like(leaf, memory_format=torch.preserve_format)
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        stack.extend(next_node for next_node, _ in node.next_functions)


@contextlib.contextmanager
def fake_cuda():
    """Tensors made or moved to `cuda` inside are fake. Build models before entering (on the CPU, as the
    notebooks do) and move them in with .to(CUDA): a module built under FakeTensorMode cannot be moved."""
    synced = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.cuda, "synchronize", lambda device=None: synced.append(torch.device(device)))
        patch.setattr(torch.Tensor, "backward", zero_grad_backward)
        with FakeTensorMode(allow_non_fake_inputs=True), HostReads(), GeneratorDeviceCheck():
            yield SimpleNamespace(synced=synced, generator=lambda seed: FakeCudaGenerator().manual_seed(seed))


def images(n, device=CUDA):
    return torch.randn(n, 1, 28, 28, device=device), torch.randint(0, 10, (n,), device=device)


def on_cuda(*tensors) -> bool:
    return all(t.device.type == "cuda" for t in tensors)


# --- the harness has teeth: each pairing below raises on a real GPU, and raises here ---

def test_cpu_logits_against_cuda_labels_raise():
    model = models.LeNet5()
    with fake_cuda():
        model = model.to(CUDA)
        x, y = images(8)
        logits = train.predict(model, x)                          # to_cpu=True: the logits come back on the CPU
        assert logits.device.type == "cpu"
        with pytest.raises(RuntimeError, match=MISMATCH):         # the old evaluate: CPU logits, labels on the GPU
            nn.functional.cross_entropy(logits, y)
        with pytest.raises(RuntimeError, match=MISMATCH):
            train.accuracy(logits, y)
        with pytest.raises(RuntimeError, match=MISMATCH):
            train.confusion_matrix(logits.argmax(1), y)


def test_a_model_left_on_the_cpu_raises():
    model = models.LeNet5()
    optimizer = torch.optim.AdamW(model.parameters())
    with fake_cuda():
        with pytest.raises(RuntimeError, match=MISMATCH):
            train.fit(model, images(8), None, epochs=1, batch_size=4, optimizer=optimizer, device=CUDA, verbose=False)


def test_a_generator_on_the_wrong_device_raises():
    with fake_cuda() as gpu:
        x, _ = images(8)
        with pytest.raises(RuntimeError, match=MISMATCH):
            augment.random_shift(x, 2, 0.0, torch.Generator().manual_seed(0))
        with pytest.raises(RuntimeError, match=MISMATCH):
            augment.random_hflip(x, torch.Generator().manual_seed(0))
        with pytest.raises(RuntimeError, match=MISMATCH):        # and the other way round
            augment.random_hflip(x.cpu(), gpu.generator(0))


# --- dlkit on fake cuda, paired as the Q4 notebook's train_and_test pairs them ---

@pytest.mark.parametrize("name, fused", [("LeNet-5", False), ("ResNet-18", True)])
def test_fit_on_cuda(name, fused):
    generator = train.seed_everything(0)                          # a CPU generator: batch order is device-free
    memory_format = torch.channels_last if name == "ResNet-18" else torch.contiguous_format
    model = models.resnet18("cifar") if name == "ResNet-18" else models.LeNet5()
    epochs, batch_size, n = 2, 8, 16
    with fake_cuda() as gpu:
        model = model.to(CUDA, memory_format=memory_format)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05, fused=fused)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, epochs=epochs,
                                                        steps_per_epoch=math.ceil(n / batch_size))
        shift_and_flip = augment.make_augment(2, True, fill=-0.42, generator=gpu.generator(0))
        history = train.fit(model, images(n), images(8), epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                            scheduler=scheduler, generator=generator, device=CUDA, memory_format=memory_format,
                            augment=shift_and_flip, verbose=False)
        assert [h["epoch"] for h in history] == [1, 2] and {"val_loss", "val_acc"} <= history[-1].keys()
        assert on_cuda(*model.parameters(), *model.buffers())
        assert all(p.grad is not None and p.grad.device == p.device for p in model.parameters())
        moments = [s[k] for s in optimizer.state.values() for k in ("exp_avg", "exp_avg_sq")]
        assert len(moments) == 2 * len(list(model.parameters())) and on_cuda(*moments)
        assert [d.type for d in gpu.synced] == ["cuda"] * 2 * epochs   # each epoch clock waits for the GPU


def test_predict_evaluate_and_speed_on_cuda():
    model = models.resnet18("cifar")
    with fake_cuda() as gpu:
        model = model.to(CUDA, memory_format=torch.channels_last)
        x, y = images(16)
        assert train.predict(model, x, batch_size=8).device.type == "cpu"
        assert train.predict(model, x, batch_size=8, to_cpu=False).device.type == "cuda"
        assert train.predict(model, x.cpu(), batch_size=8, to_cpu=False).device.type == "cuda"   # moved per batch
        assert set(train.evaluate(model, x, y, batch_size=8)) == {"loss", "acc"}
        assert set(train.evaluate(model, x, y.cpu(), batch_size=8)) == {"loss", "acc"}            # y is moved too
        assert train.images_per_second(model, x, passes=2, batch_size=8, memory_format=torch.channels_last) > 0
        assert [d.type for d in gpu.synced] == ["cuda", "cuda"]


def test_the_notebooks_test_scoring_on_cuda():
    # train_and_test: test images and labels sit on the GPU; the logits come back on the CPU, the labels follow
    model = models.LeNet5()
    with fake_cuda():
        model = model.to(CUDA)
        x, y = images(16)
        logits = train.predict(model, x, device=CUDA)
        preds, labels = logits.argmax(1), y.cpu()
        assert isinstance(train.accuracy(logits, labels), float)
        assert train.confusion_matrix(preds, labels).shape == (10, 10)
        assert train.confusion_matrix(preds.to(CUDA), y).device.type == "cuda"
        assert flops.flops_per_image(model) > 0                   # its probe image goes to the model's device


def test_augment_on_cuda():
    with fake_cuda() as gpu:
        x, _ = images(8)
        g = gpu.generator(0)
        for out in (augment.random_shift(x, 2, -0.42, g), augment.random_hflip(x, g),
                    augment.make_augment(2, True, -0.42, g)(x)):
            assert out.shape == x.shape and out.device.type == "cuda"
