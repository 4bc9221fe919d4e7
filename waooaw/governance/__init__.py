"""Contract governance: breaking-change detection between contract versions (and linting)."""
