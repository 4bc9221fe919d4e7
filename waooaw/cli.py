"""The ``waooaw`` command."""

from __future__ import annotations

import typer

from .commands.contracts import diff, gen, lint, postman
from .commands.services import mock, serve, token, worker
from .commands.verify import verify

__all__ = ["app", "main"]

app = typer.Typer(
    name="waooaw",
    help="Contract-first toolchain: generate code from OpenAPI contracts and run the services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: text such as [tool.waooaw.contracts] prints as written (Rich reads it as
    # markup), and example blocks keep their lines instead of being re-wrapped to the terminal
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Contract-first toolchain: generate code from OpenAPI contracts."""


# registered in the order `waooaw --help` lists them
for _command in (gen, lint, diff, verify, postman, token, mock, serve, worker):
    app.command()(_command)


def main() -> None:
    app(prog_name="waooaw")


if __name__ == "__main__":  # pragma: no cover
    main()
