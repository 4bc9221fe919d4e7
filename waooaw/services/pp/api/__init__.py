"""Implementations of the generated PP Protocols, one module per tag, all over Plant."""
