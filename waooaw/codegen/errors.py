"""Contract problems, collected rather than raised one at a time.

A :class:`ContractError` names the file, the JSON pointer inside the document,
the line and column when they are known, the rule that was broken and a
message. :class:`ContractErrors` carries a batch of them out of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ContractError", "ContractErrors", "escape_pointer", "join_pointer"]


@dataclass(frozen=True, slots=True)
class ContractError:
    file: str
    pointer: str
    rule: str
    message: str
    line: int | None = None
    column: int | None = None

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        pointer = self.pointer or "/"
        return f"{where}: {pointer}: [{self.rule}] {self.message}"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line or 0, self.column or 0, self.pointer, self.rule)


class ContractErrors(Exception):
    """One or more problems found in a contract; nothing was generated."""

    def __init__(self, errors: list[ContractError]) -> None:
        self.errors = sorted(set(errors), key=ContractError.sort_key)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [e.format() for e in self.errors]
        count = len(self.errors)
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: str | int) -> str:
    return base + "".join("/" + escape_pointer(str(t)) for t in tokens)
