"""Plant's rules, free of I/O."""
