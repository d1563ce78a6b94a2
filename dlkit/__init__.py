"""Shared machinery for the Deep Learning Assignment 1 notebooks.

data:    raw IDX reading, dataset loading, normalisation, train/val split
models:  the MLP, LeNet-5 and ResNet-18 (two stems), defined once for notebooks and benchmarks
train:   device choice, seeding, batching over preloaded tensors, fit / evaluate
augment: random shifts and flips done on whole batches, on the device
stats:   Welch's t-test for gaps between models over seeds
flops:   parameter and FLOP counts
plots:   learning curves, confusion matrices, galleries, Q4's cost picture; figures for answers/
results: results/*.json writer with metadata
quote:   checks that numbers quoted in Markdown equal results/*.json
tables:  Markdown tables generated from results/*.json
bench:   interleaved timing rounds and their median / range, for benchmarks/
run_notebooks: `make run`'s runner: notebooks executed in place, wall time of each
"""
__version__ = "1.0.0"
