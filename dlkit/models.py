"""The networks the notebooks train and the benchmarks time, defined once.

The notebooks print these definitions with `inspect.getsource`, so a reader sees each
question's model where it is used.
"""
from __future__ import annotations

import torchvision
from torch import nn


def mlp(hidden=(128, 64), dropout: float = 0.0, n_in: int = 28 * 28, n_out: int = 10) -> nn.Sequential:
    """Fully connected ReLU network; the assignment's 784-128-64-10 by default. Outputs logits."""
    layers, width = [nn.Flatten()], n_in
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, n_out))   # logits; the loss applies log-softmax
    return nn.Sequential(*layers)


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) for 1x28x28 inputs, with ReLU and max-pooling."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # C1, S2: 6@14x14
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),             # C3, S4: 16@5x5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),                                   # C5
            nn.Linear(120, 84), nn.ReLU(),                                           # F6
            nn.Linear(84, num_classes),                                              # output (logits)
        )

    def forward(self, x):
        return self.classifier(self.features(x))


RESNET_STEMS = ("imagenet", "cifar")


def resnet18(stem: str = "imagenet", num_classes: int = 10) -> nn.Module:
    """torchvision's ResNet-18, untrained, with a 1-channel stem for 28x28 images.

    "imagenet": the 7x7 stride-2 conv and 3x3 stride-2 max-pool (28x28 -> 7x7 before stage 1).
    "cifar":    a 3x3 stride-1 conv and no max-pool (stages at 28, 14, 7, 4 pixels; ~14x the FLOPs).
    """
    model = torchvision.models.resnet18(weights=None, num_classes=num_classes)
    if stem == "imagenet":
        model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    elif stem == "cifar":
        model.conv1 = nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
        model.maxpool = nn.Identity()
    else:
        raise ValueError(f"unknown stem {stem!r}; choose one of {RESNET_STEMS}")
    return model
