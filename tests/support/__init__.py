"""Helpers shared by test folders (no fixtures here: each folder's conftest wires them)."""
