"""Benchmarks for ``make bench`` (``python -m benchmarks``); see docs/performance.md."""
