"""Strings that match a JSON Schema ``pattern``, for the mock's generated data.

A small parser for the regular expressions contracts write (literals, escapes,
character classes, groups, alternation, quantifiers, anchors) and a generator
that walks the parsed form with a seeded random source. Look-around, back
references and Unicode property classes are refused with :class:`PatternError`;
the caller then falls back to the contract's examples or reports the schema.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass

__all__ = ["PatternError", "string_for_pattern"]

#: Characters a negated class or ``.`` picks from: readable ones first.
_PRINTABLE = string.ascii_letters + string.digits + "-_.~ !#$%&'()*+,/:;<=>?@[]^`{|}\\\""
_CLASSES = {
    "d": string.digits,
    "w": string.ascii_letters + string.digits + "_",
    "s": " \t\n\r\f\v",
}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
#: The most repetitions an open quantifier (``*``, ``+``, ``{n,}``) adds beyond its minimum.
_OPEN_EXTRA = 3


class PatternError(ValueError):
    """The pattern uses a construct this generator does not produce strings for."""


@dataclass(frozen=True, slots=True)
class _Chars:
    choices: str  # the characters one position may take


@dataclass(frozen=True, slots=True)
class _Repeat:
    node: _Node
    low: int
    high: int | None


@dataclass(frozen=True, slots=True)
class _Alternation:
    branches: tuple[tuple[_Node, ...], ...]


_Node = _Chars | _Repeat | _Alternation


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def error(self, what: str) -> PatternError:
        return PatternError(f"pattern '{self.text}': {what} (at offset {self.pos})")

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def take(self) -> str:
        if self.pos >= len(self.text):
            raise self.error("unexpected end")
        char = self.text[self.pos]
        self.pos += 1
        return char

    def parse(self) -> _Alternation:
        node = self.alternation()
        if self.pos != len(self.text):
            raise self.error("unbalanced ')'")
        return node

    def alternation(self) -> _Alternation:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return _Alternation(tuple(branches))

    def sequence(self) -> tuple[_Node, ...]:
        items: list[_Node] = []
        while (char := self.peek()) is not None and char not in "|)":
            atom = self.atom()
            if atom is not None:
                items.append(self.quantified(atom))
        return tuple(items)

    def atom(self) -> _Node | None:
        char = self.take()
        if char in "^$":
            return None  # anchors: the generated string is the whole match
        if char == ".":
            return _Chars(_PRINTABLE.replace("\n", ""))
        if char == "[":
            return self.char_class()
        if char == "(":
            return self.group()
        if char == "\\":
            return self.escape(in_class=False)
        if char in "*+?{":
            if char == "{" and not re.match(r"\d", self.text[self.pos : self.pos + 1]):
                return _Chars("{")
            raise self.error(f"nothing to repeat before {char!r}")
        return _Chars(char)

    def group(self) -> _Node:
        if self.text.startswith("?:", self.pos):
            self.pos += 2
        elif self.text.startswith("?P<", self.pos) or self.text.startswith("?<", self.pos):
            if self.text.startswith(("?<=", "?<!"), self.pos):
                raise self.error("look-behind is not supported")
            end = self.text.find(">", self.pos)
            if end < 0:
                raise self.error("unterminated group name")
            self.pos = end + 1
        elif self.peek() == "?":
            raise self.error("look-ahead and inline flags are not supported")
        node = self.alternation()
        if self.peek() != ")":
            raise self.error("missing ')'")
        self.pos += 1
        return node

    def escape(self, *, in_class: bool) -> _Chars:
        char = self.take()
        if char in _CLASSES:
            return _Chars(_CLASSES[char])
        if char in "DWS":
            excluded = _CLASSES[char.lower()]
            return _Chars("".join(c for c in _PRINTABLE if c not in excluded))
        if char in _ESCAPES:
            return _Chars(_ESCAPES[char])
        if char == "x":
            return _Chars(chr(int(self.hex_digits(2), 16)))
        if char == "u":
            if self.peek() == "{":
                end = self.text.find("}", self.pos)
                if end < 0:
                    raise self.error("unterminated \\u{...}")
                code = self.text[self.pos + 1 : end]
                self.pos = end + 1
                return _Chars(chr(int(code, 16)))
            return _Chars(chr(int(self.hex_digits(4), 16)))
        if char == "b" and in_class:
            return _Chars("\b")
        if char.isdigit() or char in "bBpPk":
            raise self.error(f"\\{char} is not supported")
        return _Chars(char)

    def hex_digits(self, count: int) -> str:
        digits = self.text[self.pos : self.pos + count]
        if len(digits) != count or not all(c in string.hexdigits for c in digits):
            raise self.error("bad hexadecimal escape")
        self.pos += count
        return digits

    def class_char(self) -> _Chars:
        char = self.take()
        if char == "\\":
            return self.escape(in_class=True)
        return _Chars(char)

    def char_class(self) -> _Chars:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        members: list[str] = []
        first = True
        while True:
            char = self.peek()
            if char is None:
                raise self.error("unterminated character class")
            if char == "]" and not first:
                self.pos += 1
                break
            first = False
            start = self.class_char()
            if (
                self.peek() == "-"
                and self.pos + 1 < len(self.text)
                and self.text[self.pos + 1] != "]"
                and len(start.choices) == 1
            ):
                self.pos += 1
                end = self.class_char()
                if len(end.choices) != 1 or ord(end.choices) < ord(start.choices):
                    raise self.error("bad character range")
                members.extend(chr(c) for c in range(ord(start.choices), ord(end.choices) + 1))
            else:
                members.extend(start.choices)
        if negated:
            allowed = "".join(c for c in _PRINTABLE if c not in members)
        else:
            # readable characters first, in a stable order
            unique = dict.fromkeys(members)
            allowed = "".join(
                sorted(unique, key=lambda c: (c not in _PRINTABLE, _PRINTABLE.find(c), c))
            )
        if not allowed:
            raise self.error("empty character class")
        return _Chars(allowed)

    def quantified(self, atom: _Node) -> _Node:
        char = self.peek()
        low: int
        high: int | None
        if char == "*":
            low, high = 0, None
        elif char == "+":
            low, high = 1, None
        elif char == "?":
            low, high = 0, 1
        elif char == "{":
            match = re.match(r"\{(\d+)(,(\d*))?\}", self.text[self.pos :])
            if match is None:
                return atom
            low = int(match.group(1))
            if match.group(2) is None:
                high = low
            else:
                high = int(match.group(3)) if match.group(3) else None
            if high is not None and high < low:
                raise self.error("quantifier range is backwards")
            self.pos += match.end() - 1
        else:
            return atom
        self.pos += 1
        if self.peek() in ("?", "+"):  # lazy / possessive: the same strings match
            self.pos += 1
        return _Repeat(atom, low, high)


def _render(node: _Node, rng: random.Random, out: list[str]) -> None:
    if isinstance(node, _Chars):
        # mostly letters and digits where the class allows them: readable data
        readable = "".join(c for c in node.choices if c.isascii() and c.isalnum())
        pool = readable if readable and rng.random() < 0.9 else node.choices
        out.append(rng.choice(pool))
    elif isinstance(node, _Repeat):
        high = node.high if node.high is not None else node.low + _OPEN_EXTRA
        count = rng.randint(max(node.low, min(1, high)), high)
        for _ in range(count):
            _render(node.node, rng, out)
    else:
        branch = node.branches[0] if rng.random() < 0.5 else rng.choice(node.branches)
        for item in branch:
            _render(item, rng, out)


def string_for_pattern(
    pattern: str,
    rng: random.Random,
    *,
    min_length: int = 0,
    max_length: int | None = None,
    attempts: int = 20,
) -> str:
    """A string matching ``pattern`` (searched, as JSON Schema does) within the length bounds."""
    parsed = _Parser(pattern).parse()
    try:  # ECMA-262 names groups (?<name>...), Python (?P<name>...)
        compiled = re.compile(re.sub(r"\(\?<(?![=!])", "(?P<", pattern))
    except re.error as exc:
        raise PatternError(
            f"pattern '{pattern}' is not a valid regular expression: {exc}"
        ) from None
    for _ in range(attempts):
        out: list[str] = []
        _render(parsed, rng, out)
        text = "".join(out)
        if len(text) < min_length:  # pad outside the match where the pattern is not anchored
            if not pattern.endswith("$"):
                text += "x" * (min_length - len(text))
            elif not pattern.startswith("^"):
                text = "x" * (min_length - len(text)) + text
        if len(text) < min_length or (max_length is not None and len(text) > max_length):
            continue
        if compiled.search(text):
            return text
    bounds = f" with length {min_length}..{max_length if max_length is not None else ''}"
    raise PatternError(f"no string found for pattern '{pattern}'{bounds}")
