"""Base class and validators used by generated pydantic models."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictInt,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "MAX_UNKNOWN_SHOWN",
    "ContractModel",
    "Date",
    "DateTime",
    "Email",
    "JsonInt",
    "discriminator",
    "is_none",
    "unique_items",
]

T = TypeVar("T")


class ContractModel(BaseModel):
    """Base of every generated model.

    Generated optional fields carry ``exclude_if=is_none``: left at ``None`` they are
    omitted when serializing, so a response never carries ``null`` for a property the
    contract does not declare nullable; required nullable fields keep their ``null``.
    """

    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        regex_engine="python-re",
    )

    #: JSON names of optional properties the contract does not make nullable: they may be
    #: left out, but an explicit ``null`` is invalid input.
    __waooaw_not_null__: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_fields(cls, data: Any) -> Any:
        # One cheap set difference before any field is validated: a body with
        # more than a few unknown members is refused with one violation naming a
        # few of them, instead of one error (and one CPU slice) per member. A few
        # unknown members go through normal validation, one violation each.
        if isinstance(data, dict) and cls.model_config.get("extra") == "forbid":
            known = _known_names(cls)
            unknown = [key for key in data if key not in known]
            if len(unknown) > MAX_UNKNOWN_SHOWN:
                shown = ", ".join(repr(str(key)[:64]) for key in unknown[:MAX_UNKNOWN_SHOWN])
                suffix = f" and {len(unknown) - MAX_UNKNOWN_SHOWN} more"
                raise PydanticCustomError(
                    "extra_forbidden",
                    "unknown field(s) {shown}{suffix}; this object allows no other members",
                    {"shown": shown, "suffix": suffix},
                )
        return data

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_optional(cls, data: Any) -> Any:
        if cls.__waooaw_not_null__ and isinstance(data, dict):
            nulls = sorted(k for k in cls.__waooaw_not_null__ if k in data and data[k] is None)
            if nulls:
                raise ValueError(f"{', '.join(nulls)}: may be left out but must not be null")
        return data


#: Up to this many unknown members are each reported; more are refused at once,
#: quoting this many.
MAX_UNKNOWN_SHOWN = 5

_KNOWN: dict[type[BaseModel], frozenset[str]] = {}


def _known_names(cls: type[BaseModel]) -> frozenset[str]:
    """Every name (field name and alias) a model accepts, computed once per class."""
    found = _KNOWN.get(cls)
    if found is None:
        names: set[str] = set()
        for name, info in cls.model_fields.items():
            names.add(name)
            if info.alias:
                names.add(info.alias)
            if isinstance(info.validation_alias, str):
                names.add(info.validation_alias)
        found = _KNOWN[cls] = frozenset(names)
    return found


def is_none(value: object) -> bool:
    """``exclude_if`` of optional fields: absent rather than null when left at None."""
    return value is None


def unique_items(value: Sequence[T]) -> Sequence[T]:
    """``uniqueItems: true``: reject repeated items (by equality)."""
    if value is None:
        return value
    seen: list[Any] = []
    hashed: set[Any] = set()
    for item in value:
        try:
            if item in hashed:
                raise ValueError("items must be unique")
            hashed.add(item)
        except TypeError:
            if item in seen:
                raise ValueError("items must be unique") from None
            seen.append(item)
    return value


def discriminator(prop: str) -> Callable[[Any], str | None]:
    """Read a discriminator property from raw input or from a model instance."""

    def pick(value: Any) -> str | None:
        if isinstance(value, dict):
            found = value.get(prop)
        elif isinstance(value, BaseModel):
            found = None
            for name, info in type(value).model_fields.items():
                if (info.alias or name) == prop:
                    found = getattr(value, name)
                    break
        else:
            return None
        if isinstance(found, Enum):
            found = found.value
        return None if found is None else str(found)

    return pick


def _integral(value: Any) -> Any:
    """JSON Schema's integer includes 2.0; it does not include "2" or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: ``type: integer`` in a JSON body: no strings or booleans, integral floats accepted.
JsonInt = Annotated[StrictInt, BeforeValidator(_integral)]


def _email(value: str) -> str:
    # imported here: only contracts with `format: email` need email-validator loaded
    from email_validator import EmailNotValidError, validate_email

    try:
        # An RFC 5321 mailbox may name a dotless or a test domain (user@host.test), which
        # pydantic's EmailStr refuses. email-validator still refuses the other special-use
        # names (localhost, .local, .invalid, .onion, .arpa): it offers no switch for them.
        parts = validate_email(
            value, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    return str(parts.normalized)


#: ``format: email``: an RFC 5321 mailbox (normalized as pydantic's EmailStr does).
Email = Annotated[str, AfterValidator(_email)]

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time string, e.g. 2026-01-16T10:00:00Z")
    return value


def _full_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _FULL_DATE.match(value):
        raise ValueError("must be an RFC 3339 full-date string, e.g. 2026-01-16")
    return value


#: ``format: date-time``: an RFC 3339 string with an offset (not a Unix timestamp).
DateTime = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
#: ``format: date``: ``YYYY-MM-DD`` (not a timestamp).
Date = Annotated[date, BeforeValidator(_full_date)]
