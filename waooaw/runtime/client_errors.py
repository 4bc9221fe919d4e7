"""The exceptions generated Python clients raise, and the table mapping answers to them.

``waooaw.runtime.client`` re-exports every public name here; generated code imports
them from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConflictError",
    "EntityNotFoundError",
    "ErrorTypes",
    "PermissionDeniedError",
    "ProblemTypeError",
    "RateLimitedError",
    "ServerError",
    "ServiceUnavailableError",
    "TransportError",
    "ValidationFailedError",
]


class APIError(Exception):
    """An error answer (or no answer) from a service."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        problem: Any = None,
        text: str = "",
        headers: Mapping[str, str] | None = None,
        operation_id: str = "",
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.problem = problem
        self.text = text
        self.headers = dict(headers or {})
        self.operation_id = operation_id

    @property
    def detail(self) -> str | None:
        found = _problem_field(self.problem, "detail")
        return None if found is None else str(found)

    @property
    def correlation_id(self) -> str | None:
        return _problem_field(self.problem, "correlation_id") or self.headers.get(
            "x-correlation-id"
        )

    @property
    def violations(self) -> list[Any]:
        found = _problem_field(self.problem, "violations")
        return list(found) if found else []


class ValidationFailedError(APIError):
    pass


class ProblemTypeError(APIError):
    """An error answer whose problem ``type`` the contract declares (``PROBLEM_TYPE``)."""

    PROBLEM_TYPE: str = ""


class AuthenticationError(APIError):
    pass


class PermissionDeniedError(APIError):
    pass


class EntityNotFoundError(APIError):
    pass


class ConflictError(APIError):
    pass


class RateLimitedError(APIError):
    pass


class ServerError(APIError):
    pass


class ServiceUnavailableError(APIError):
    pass


class TransportError(ServiceUnavailableError):
    pass


def _problem_field(problem: Any, name: str) -> Any:
    if problem is None:
        return None
    if isinstance(problem, Mapping):
        return problem.get(name)
    return getattr(problem, name, None)


@dataclass(frozen=True, slots=True)
class ErrorTypes:
    """The exception classes one generated client raises."""

    base: type[APIError]
    validation: type[APIError]
    unauthorized: type[APIError]
    forbidden: type[APIError]
    not_found: type[APIError]
    conflict: type[APIError]
    rate_limited: type[APIError]
    server: type[APIError]
    unavailable: type[APIError]
    transport: type[APIError]
    #: problem ``type`` URI -> the class the contract declares for it (exact match)
    by_type: Mapping[str, type[APIError]] = field(default_factory=dict)

    def for_status(self, status: int, problem: Any) -> type[APIError]:
        declared = self.by_type.get(str(_problem_field(problem, "type") or ""))
        if declared is not None:
            return declared
        by_status = {
            422: self.validation,
            401: self.unauthorized,
            403: self.forbidden,
            404: self.not_found,
            409: self.conflict,
            429: self.rate_limited,
            503: self.unavailable,
        }
        if status in by_status:
            return by_status[status]
        return self.server if status >= 500 else self.base
