"""Benchmarks: `python -m bench` runs them all and writes a markdown report."""
