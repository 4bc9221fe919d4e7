"""Python type expressions as objects: what the IR holds for every annotation it decides.

A type is a small tree (:class:`Name`, :class:`ModelRef`, :class:`Generic`,
:class:`Union`, :class:`Annotated`, with :class:`Call` metadata) that renders itself
with ``str()``. A :class:`ModelRef` knows the module it is spelled from: ``Pet``
inside ``models.py``, ``models.Pet`` in modules that import the models module
(:func:`qualified`). Templates and targets interpolate these objects as they would
strings; code that needs to know what a type is asks the tree, not its text.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

__all__ = [
    "NONE",
    "Annotated",
    "Call",
    "Generic",
    "ModelRef",
    "Name",
    "PyType",
    "Union",
    "first_member",
    "members",
    "model_refs",
    "qualified",
    "union",
]


class PyType:
    """A Python type expression; ``str()`` gives its source text."""

    __slots__ = ()

    def __str__(self) -> str:
        return self.render()

    @abstractmethod
    def render(self) -> str:
        """The source text of this type expression (each node kind says how)."""

    def map(self, fn: Callable[[PyType], PyType]) -> PyType:
        """This tree with ``fn`` applied to every node, leaves first."""
        return fn(self)


@dataclass(frozen=True, slots=True)
class Name(PyType):
    """A builtin or imported name, or another atom of source (``None``, ``'a'``)."""

    text: str

    def render(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class ModelRef(PyType):
    """A class or alias of the generated models module."""

    name: str
    module: str | None = None  # None inside models.py itself

    def render(self) -> str:
        return self.name if self.module is None else f"{self.module}.{self.name}"


@dataclass(frozen=True, slots=True)
class Call(PyType):
    """Annotated metadata or a default written as a call, e.g. ``Field(max_length=5)``."""

    func: str
    args: tuple[str | PyType, ...] = ()

    def render(self) -> str:
        return f"{self.func}({', '.join(str(a) for a in self.args)})"

    def map(self, fn: Callable[[PyType], PyType]) -> PyType:
        args = tuple(a.map(fn) if isinstance(a, PyType) else a for a in self.args)
        return fn(Call(self.func, args))


@dataclass(frozen=True, slots=True)
class Generic(PyType):
    """A subscripted type: ``list[X]``, ``dict[str, X]``, ``Literal['a', 'b']``."""

    origin: str
    args: tuple[PyType, ...]

    def render(self) -> str:
        return f"{self.origin}[{', '.join(str(a) for a in self.args)}]"

    def map(self, fn: Callable[[PyType], PyType]) -> PyType:
        return fn(Generic(self.origin, tuple(a.map(fn) for a in self.args)))


@dataclass(frozen=True, slots=True)
class Union(PyType):
    """``A | B | ...``: members never Unions themselves (see :func:`union`)."""

    members: tuple[PyType, ...]

    def render(self) -> str:
        return " | ".join(str(m) for m in self.members)

    def map(self, fn: Callable[[PyType], PyType]) -> PyType:
        return fn(union(*(m.map(fn) for m in self.members)))


@dataclass(frozen=True, slots=True)
class Annotated(PyType):
    """``Annotated[base, metadata, ...]``."""

    base: PyType
    metadata: tuple[PyType, ...]

    def render(self) -> str:
        return f"Annotated[{', '.join(str(p) for p in (self.base, *self.metadata))}]"

    def map(self, fn: Callable[[PyType], PyType]) -> PyType:
        return fn(Annotated(self.base.map(fn), tuple(m.map(fn) for m in self.metadata)))


NONE = Name("None")


def members(t: PyType) -> tuple[PyType, ...]:
    """The members of a union, or ``(t,)``."""
    return t.members if isinstance(t, Union) else (t,)


def union(*types: PyType) -> PyType:
    """``A | B``, nested unions flattened; a single member stands alone."""
    flat = tuple(m for t in types for m in members(t))
    return flat[0] if len(flat) == 1 else Union(flat)


def first_member(t: PyType) -> PyType:
    """The first member of a union, or ``t``."""
    return members(t)[0]


def qualified(t: PyType, module: str = "models") -> PyType:
    """``t`` spelled from a module that imports the models module as ``module``."""
    return t.map(lambda node: ModelRef(node.name, module) if isinstance(node, ModelRef) else node)


def _walk(t: PyType | str) -> Iterator[PyType]:
    if not isinstance(t, PyType):
        return
    yield t
    children: Iterable[PyType | str] = ()
    if isinstance(t, Generic):
        children = t.args
    elif isinstance(t, Union):
        children = t.members
    elif isinstance(t, Annotated):
        children = (t.base, *t.metadata)
    elif isinstance(t, Call):
        children = t.args
    for child in children:
        yield from _walk(child)


def model_refs(t: PyType | None) -> set[str]:
    """Names of the models ``t`` refers to, anywhere inside it."""
    return set() if t is None else {n.name for n in _walk(t) if isinstance(n, ModelRef)}
