"""Output targets: one folder each, with its templates beside its renderer."""
