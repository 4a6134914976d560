"""Benchmarks and evaluation scripts for newsrag (run as ``python -m evals.<name>``)."""
