"""Implementations of the generated CP Protocols, one module per tag."""
