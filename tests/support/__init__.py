"""Helpers for tests and benchmarks (not part of the package)."""
