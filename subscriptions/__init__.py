"""Transport for live events: channels, publishing and the connection between processes.

This package imports neither ``schema`` nor ``resolvers``.
"""
