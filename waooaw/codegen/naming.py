"""Names: every Python identifier the generator emits is decided here."""

from __future__ import annotations

import builtins
import keyword
import re

__all__ = [
    "MODELS_IMPORTS",
    "MODELS_MODULE_NAMES",
    "UniqueNames",
    "enum_member_name",
    "pascal_case",
    "safe_identifier",
    "snake_case",
]

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
BUILTIN_NAMES = frozenset(dir(builtins))

#: What a generated ``models.py`` imports, group by group (the template writes these;
#: the names a module does not use are dropped after rendering).
MODELS_IMPORTS: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...] = (
    (
        ("datetime", ("date", "datetime", "time")),
        ("enum", ("IntEnum", "StrEnum")),
        ("ipaddress", ("IPv4Address", "IPv6Address")),
        ("typing", ("Annotated", "Any", "ClassVar", "Literal", "TypeAlias")),
        ("uuid", ("UUID",)),
    ),
    (
        (
            "pydantic",
            (
                "AfterValidator",
                "AwareDatetime",
                "ConfigDict",
                "Discriminator",
                "Field",
                "RootModel",
                "StrictBool",
                "StrictFloat",
                "StrictInt",
                "Tag",
            ),
        ),
    ),
    (
        (
            "waooaw.runtime.models",
            (
                "ContractModel",
                "Date",
                "DateTime",
                "Email",
                "JsonInt",
                "discriminator",
                "is_none",
                "unique_items",
            ),
        ),
    ),
)
#: Names a model may not take in ``models.py``: its imports; ``annotations`` (the
#: ``__future__`` import); ``models``, the name other modules import it by; and
#: ``Decimal``, ``Enum`` and ``EmailStr``, kept reserved so that generated names stay stable.
MODELS_MODULE_NAMES = frozenset(
    {name for group in MODELS_IMPORTS for _, names in group for name in names}
    | {"annotations", "models", "Decimal", "Enum", "EmailStr"}
)


def _words(text: str) -> list[str]:
    words: list[str] = []
    for chunk in _NON_ALNUM.split(text):
        words.extend(_WORD.findall(chunk))
    return words


def snake_case(text: str) -> str:
    """``getAgentByID`` -> ``get_agent_by_id``; ``X-Correlation-ID`` -> ``x_correlation_id``."""
    words = _words(text)
    return "_".join(w.lower() for w in words) if words else "_"


def pascal_case(text: str) -> str:
    """``job-role_create`` -> ``JobRoleCreate``; keeps existing inner capitals."""
    words = _words(text)
    return "".join(w[:1].upper() + w[1:] for w in words) if words else "_"


def safe_identifier(name: str, *, reserved: frozenset[str] | set[str] = frozenset()) -> str:
    """Make ``name`` a usable identifier: not a keyword, not starting with a digit."""
    if not name or name == "_":
        name = "value"
    if name[0].isdigit():
        name = "n" + name if name[0].islower() or not name[0].isalpha() else name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in reserved:
        name += "_"
    return name


def enum_member_name(value: object) -> str:
    """``"with space"`` -> ``WITH_SPACE``; ``"1abc"`` -> ``V_1ABC``; ``-1`` -> ``V_MINUS_1``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        text = str(value).replace("-", "minus_").replace(".", "_")
        return "V_" + text.upper()
    words = _words(str(value))
    if not words:
        return "EMPTY"
    name = "_".join(w.upper() for w in words)
    if name[0].isdigit():
        name = "V_" + name
    return name


class UniqueNames:
    """Hands out names unique within one scope, suffixing ``2``, ``3``... on clashes."""

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()) -> None:
        self._taken: set[str] = set(taken)
        self._initial = frozenset(taken)

    def claim(self, name: str, *, separator: str = "") -> str:
        final, n = name, 1
        while final in self._taken:
            n += 1
            final = f"{name}{separator}{n}"
        self._taken.add(final)
        return final

    def claimed(self) -> set[str]:
        """Names handed out so far (not the ones reserved up front)."""
        return self._taken - self._initial

    def __contains__(self, name: object) -> bool:
        return name in self._taken
