"""The benchmark scripts; run each from the repository root: python -m benchmarks.NAME."""
