"""Base class and validators used by generated pydantic models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

__all__ = ["ContractModel", "discriminator", "unique_items"]

T = TypeVar("T")


class ContractModel(BaseModel):
    """Base of every generated model.

    Optional fields left at ``None`` are omitted when serializing, so a
    response never carries ``null`` for a property the contract does not
    declare nullable; required nullable fields keep their ``null``.
    """

    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        regex_engine="python-re",
    )

    __waooaw_optional__: ClassVar[tuple[tuple[str, str], ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__waooaw_optional__ = tuple(
            (name, info.alias or name)
            for name, info in cls.model_fields.items()
            if not info.is_required()
        )

    @model_serializer(mode="wrap")
    def _omit_absent_optionals(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name, alias in self.__waooaw_optional__:
                for key in (alias, name):
                    if key in data and data[key] is None:
                        del data[key]
        return data


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
