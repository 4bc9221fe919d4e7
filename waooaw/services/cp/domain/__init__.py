"""CP's rules, free of I/O: time, money, trial states, the executor interface."""
