"""Benchmarks: ``make bench`` (``python -m bench``) measures a real server on loopback."""
