"""Scheduled work: what the server does as time passes, once across all its processes."""
