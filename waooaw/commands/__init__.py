"""The commands of ``waooaw``, by group; ``waooaw.cli`` registers them on its typer app.

Each module imports only typer and the standard library at load time: whatever a command
needs beyond that is imported inside it, so ``waooaw --help`` stays fast.
"""
