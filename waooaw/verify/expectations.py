"""What a service promises beyond what its contract can say, as data a run is configured from.

A contract cannot say "a cursor this service did not issue is a 422" or "these ids exist";
a target's ``Expectations`` can. ``waooaw.verify.config`` turns them into schemathesis
configuration and ``waooaw.verify.runner`` into hooks; an empty ``Expectations`` is the
contract alone, with schemathesis' defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import schemathesis

from .checks import Declared422

__all__ = [
    "Expectations",
    "KnownFailure",
    "Link",
    "mutated_parameters",
    "negated_locations",
]

#: seconds per response (the max_response_time check): a hang detector, not a speed target
#: (speed is measured by bench/); in-process Plant answers in ~50 ms, but a shared 2-core CI
#: machine running browsers and servers beside the tests has been seen to take 2.5 s
DEFAULT_RESPONSE_TIME_LIMIT = 10.0


@dataclass(frozen=True, slots=True)
class Link:
    """An OpenAPI link the contract lacks, added for stateful runs.

    ``definition`` is an OpenAPI Link Object (``operationId``, ``parameters``,
    ``requestBody``, and schemathesis' ``x-schemathesis`` extension).
    """

    path: str
    method: str
    status: str
    name: str
    definition: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class KnownFailure:
    """A failure a service is known to cause; runs drop it so they keep finding new ones.

    ``failures`` holds schemathesis failure codes (``ST101`` server error, ``ST201``
    invalid data accepted, ``ST202`` valid data rejected, ...) or, for a project check,
    the failure's title. ``operation`` is ``"METHOD /path"`` or ``"*"``.
    """

    reason: str
    operation: str
    failures: frozenset[str]
    matches: Callable[[schemathesis.Case[Any], schemathesis.Response], bool] = lambda case, resp: (
        True
    )

    def covers(
        self, failure: Any, case: schemathesis.Case[Any], response: schemathesis.Response
    ) -> bool:
        return (
            self.operation in ("*", case.operation.label)
            and (failure.code in self.failures or failure.title in self.failures)
            and self.matches(case, response)
        )


def negated_locations(case: schemathesis.Case[Any]) -> set[str]:
    """Where a negative case is invalid: ``{"body", "query", ...}`` (for ``matches``)."""
    if case.meta is None:
        return set()
    return {str(loc.value) for loc, info in case.meta.components.items() if info.mode.is_negative}


def mutated_parameters(case: schemathesis.Case[Any]) -> set[tuple[str, str | None]]:
    """(location, name) of each part a negative case made invalid, as schemathesis recorded."""
    if case.meta is None:
        return set()
    data = case.meta.phase.data
    mutations = getattr(data, "mutations", ())
    if mutations:
        return {(str(m.parameter_location.value), m.parameter) for m in mutations}
    if getattr(data, "parameter", None) and data.parameter_location is not None:
        return {(str(data.parameter_location.value), data.parameter)}
    return set()


@dataclass(frozen=True, slots=True)
class Expectations:
    """A service's promises that its contract cannot express."""

    #: operationId -> the 422 that schema-valid input may get there
    declared_422: Mapping[str, Declared422] = field(default_factory=dict)
    #: "location.name" (``path.agent_id``, ``body.industry_id``) -> values that exist;
    #: half the generated values are drawn from them
    known_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: links added to the contract's own, for stateful runs
    links: tuple[Link, ...] = ()
    #: name -> failure dropped from runs (reported as a count)
    known_failures: Mapping[str, KnownFailure] = field(default_factory=dict)
    response_time_limit: float = DEFAULT_RESPONSE_TIME_LIMIT
    #: whether schema-valid strings may hold NUL (PostgreSQL text cannot store it)
    allow_nul: bool = True

    def with_known_values(self, values: Mapping[str, tuple[str, ...]]) -> Expectations:
        return replace(self, known_values={**self.known_values, **values})
