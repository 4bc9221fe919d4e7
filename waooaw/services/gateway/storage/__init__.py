"""The gateway's tables and the functions reading and writing them."""
