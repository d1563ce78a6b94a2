"""Shared machinery for the Deep Learning Assignment 1 notebooks.

data:    raw IDX reading, dataset loading, normalisation, train/val split
train:   device choice, seeding, batching over preloaded tensors, fit / evaluate
flops:   parameter and FLOP counts
plots:   learning curves, confusion matrices, misclassified galleries
results: results/*.json writer with metadata
quote:   checks that numbers quoted in Markdown equal results/*.json
tables:  Markdown tables generated from results/*.json
bench:   interleaved timing rounds and their median / range, for benchmarks/
run_notebooks: `make run`'s runner: notebooks executed in place, wall time of each
"""
__version__ = "1.0.0"
