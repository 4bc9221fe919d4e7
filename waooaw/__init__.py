"""WAOOAW: a contract-first API toolchain and the services built with it."""

__version__ = "0.1.0"
__all__ = ["__version__"]
