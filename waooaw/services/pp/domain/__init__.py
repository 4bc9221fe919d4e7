"""PP's rules, without I/O: Plant's answers turned into PP's views, and back."""
