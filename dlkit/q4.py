"""Q4's data preparation and one training run, shared by the notebook and `python -m dlkit.recheck`.

    data = prepare("MNIST", config, device, root)              # tensors on the device, md5s of the files read
    spec = run_spec("LeNet-5", "MNIST", 0, 5, config, device, data)   # everything that decides the result
    result = train_and_test(spec, data, device)               # accuracies, history, per-image predictions

`train_and_test` reads the run's settings from its spec only (model, stem, seed, epochs, augmentation,
batch size, learning rate, weight decay), so a committed run record can be retrained exactly as it was.
The order of the random draws is the notebook's: seed everything, build the model, then the optimiser and
the schedule, then the augmentation's own generator; batches are shuffled by the seeded generator.
"""
from __future__ import annotations

import math
import statistics

import torch

from . import augment, data, models, records, train
from .results import environment

MODEL_NAMES = ("LeNet-5", "ResNet-18")
# The settings every run of a profile shares; a run's spec copies them from the profile's CONFIG.
RECIPE = ("batch_size", "optimizer", "max_lr", "weight_decay", "schedule", "normalise", "n_val", "split_seed",
          "subset")
# The one optimiser, schedule and normalisation train_and_test implements; a spec naming others is refused.
OPTIMIZER = "AdamW (fused)"
SCHEDULE = "OneCycleLR (cosine, 25% warm-up), stepped per batch"
NORMALISE = "per-dataset training mean/std"


def build_model(model_name: str, stem: str | None = None) -> torch.nn.Module:
    """A fresh LeNet-5, or a ResNet-18 with the given stem ("imagenet" or "cifar"); draws its initial
    weights from torch's global generator."""
    if model_name == "LeNet-5":
        return models.LeNet5()
    if model_name == "ResNet-18":
        return models.resnet18(stem)
    raise ValueError(f"unknown model {model_name!r}; Q4 trains {', '.join(MODEL_NAMES)}")


def memory_format_for(model_name: str, device: torch.device) -> torch.memory_format:
    # channels_last: faster convolutions on a GPU; on the CPU the benchmark found no gain for ResNet-18
    return torch.channels_last if model_name == "ResNet-18" and device.type == "cuda" else torch.contiguous_format


def prepare(name: str, config: dict, device: torch.device, root=None) -> dict:
    """One dataset, normalised and split as `config` says (n_val, split_seed, subset), on `device`:
    {"train": (x, y), "val": (x, y), "test": (x, y), "black": a black pixel's value, "md5": {file: md5}}."""
    tr, te = data.load(name, "train", root=root), data.load(name, "test", root=root)
    mean, std = data.PIXEL_STATS[name]
    x, x_test = data.to_float(tr.images, mean, std), data.to_float(te.images, mean, std)
    train_idx, val_idx = data.train_val_split(len(tr), config["n_val"], seed=config["split_seed"])
    test_idx = torch.arange(len(te))
    if config["subset"]:
        sub = config["subset"]
        train_idx, val_idx, test_idx = train_idx[:sub["train"]], val_idx[:sub["val"]], test_idx[:sub["test"]]

    def on_device(*tensors):
        return tuple(t.to(device) for t in tensors)

    return {"train": on_device(x[train_idx], tr.labels[train_idx]), "val": on_device(x[val_idx], tr.labels[val_idx]),
            "test": on_device(x_test[test_idx], te.labels[test_idx]),
            "black": (0.0 - mean) / std, "md5": {**tr.md5, **te.md5}}


def run_spec(model_name: str, dataset: str, seed: int, epochs: int, config: dict, device: torch.device,
             data_md5: dict) -> dict:
    """Everything that determines a run's result (its record's key)."""
    recipe = config["augmentation"]
    return {"model": model_name, "dataset": dataset, "seed": seed, "epochs": epochs,
            "stem": config["resnet_stem"] if model_name == "ResNet-18" else None,
            "augmentation": recipe and {"max_shift_px": recipe["max_shift_px"], "hflip": dataset in recipe["hflip"]},
            **{key: config[key] for key in RECIPE},
            "device": device.type, "torch": torch.__version__, "data_md5": data_md5}


def check_spec(spec: dict) -> None:
    """Refuse a spec this code cannot retrain as it was trained (another optimiser, schedule or model)."""
    wanted = {"optimizer": OPTIMIZER, "schedule": SCHEDULE, "normalise": NORMALISE}
    for key, value in wanted.items():
        if spec.get(key) != value:
            raise ValueError(f"spec's {key} is {spec.get(key)!r}; dlkit.q4 trains only {value!r}")
    if spec.get("model") not in MODEL_NAMES:
        raise ValueError(f"spec's model is {spec.get('model')!r}; dlkit.q4 trains {', '.join(MODEL_NAMES)}")


def train_and_test(spec: dict, d: dict, device: torch.device, device_name: str | None = None) -> dict:
    """Train spec's run on the prepared data `d` (prepare(spec["dataset"], ...)) and test it."""
    check_spec(spec)
    model_name, dataset = spec["model"], spec["dataset"]
    generator = train.seed_everything(spec["seed"])
    memory_format = memory_format_for(model_name, device)
    model = build_model(model_name, spec["stem"]).to(device, memory_format=memory_format)
    optimizer = torch.optim.AdamW(model.parameters(), lr=spec["max_lr"], weight_decay=spec["weight_decay"],
                                  fused=device.type in ("cpu", "cuda"))
    steps_per_epoch = math.ceil(len(d["train"][1]) / spec["batch_size"])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=spec["max_lr"], epochs=spec["epochs"], steps_per_epoch=steps_per_epoch, pct_start=0.25)
    print(f"--- {model_name} on {dataset}, seed {spec['seed']}, {spec['epochs']} epochs")
    recipe = spec["augmentation"]
    augment_batch = None if recipe is None else augment.make_augment(
        recipe["max_shift_px"], recipe["hflip"], fill=d["black"],
        generator=torch.Generator(device=device).manual_seed(spec["seed"]))
    history = train.fit(model, d["train"], d["val"], epochs=spec["epochs"], batch_size=spec["batch_size"],
                        optimizer=optimizer, scheduler=scheduler, generator=generator, device=device,
                        memory_format=memory_format, augment=augment_batch)
    preds = train.predict(model, d["test"][0], memory_format=memory_format).argmax(1)   # on the CPU
    return {"test_accuracy": (preds == d["test"][1].cpu()).float().mean().item(),
            "val_accuracy": history[-1]["val_acc"],
            "seconds_per_epoch": statistics.fmean(h["seconds"] for h in history),
            "train_seconds": sum(h["seconds"] for h in history),
            "device_name": device_name or environment(device)["device_name"],
            "history": history, "test_predictions": records.encode_predictions(preds)}
