"""Base class and validators used by generated pydantic models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["ContractModel", "discriminator", "is_none", "unique_items"]

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


def is_none(value: object) -> bool:
    """``exclude_if`` of optional fields: absent rather than null when left at None."""
    return value is None


def unique_items(value: Sequence[T]) -> Sequence[T]:
    """``uniqueItems: true``: reject repeated items (by equality)."""
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
