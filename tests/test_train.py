"""The training loop: determinism, learning, metrics."""
import torch
from torch import nn

from dlkit import flops, train


def toy_problem(n=512):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, 4, 4, generator=g)
    y = (x.flatten(1).sum(1) > 0).long()
    return x, y


def run_once(seed):
    gen = train.seed_everything(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = toy_problem()
    hist = train.fit(model, (x[:400], y[:400]), (x[400:], y[400:]), epochs=3, batch_size=32,
                     optimizer=opt, generator=gen, device=torch.device("cpu"), verbose=False)
    return hist, [p.detach().clone() for p in model.parameters()]


def test_same_seed_same_numbers():
    def strip(h):  # drop the wall-clock seconds
        return [{k: v for k, v in r.items() if k != "seconds"} for r in h]

    (h1, p1), (h2, p2) = run_once(7), run_once(7)
    assert strip(h1) == strip(h2)
    assert all(torch.equal(a, b) for a, b in zip(p1, p2))


def test_different_seed_different_numbers():
    assert run_once(7)[0][-1]["train_loss"] != run_once(8)[0][-1]["train_loss"]


def test_fit_learns():
    hist, _ = run_once(0)
    assert hist[-1]["val_acc"] > 0.9 and hist[-1]["train_loss"] < hist[0]["train_loss"]


def test_batches_cover_everything_once():
    idx = torch.cat(list(train.batch_indices(10, 3, torch.Generator().manual_seed(0))))
    assert sorted(idx.tolist()) == list(range(10)) and idx.tolist() != list(range(10))


def test_confusion_matrix():
    cm = train.confusion_matrix(torch.tensor([0, 1, 1, 2]), torch.tensor([0, 1, 2, 2]), 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]


def test_flops_of_a_linear_layer():
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    assert flops.count_params(model) == 7850
    assert flops.flops_per_image(model) == 2 * 784 * 10
