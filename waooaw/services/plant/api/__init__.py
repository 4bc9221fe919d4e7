"""Implementations of the generated Plant Protocols, one module per tag."""
