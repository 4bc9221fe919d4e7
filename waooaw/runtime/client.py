"""What generated Python clients need at run time.

Exceptions (generated clients subclass each one under their own base, e.g.
``PlantAPIError``, so callers can catch per service or across services)::

    APIError                          any error answer, or none at all
    ├── ValidationFailedError         422 request validation problem
    ├── ProblemTypeError              a problem `type` the contract declares (x-problem-types):
    │                                 one generated subclass per type, whatever the status
    ├── AuthenticationError           401
    ├── PermissionDeniedError         403
    ├── EntityNotFoundError           404
    ├── ConflictError                 409
    ├── RateLimitedError              429
    ├── ServerError                   other 5xx
    └── ServiceUnavailableError       503 (after the retries)
        └── TransportError            no response at all (connection refused, timeout)

Retries use tenacity: up to ``RetryPolicy.attempts`` attempts with full-jitter
exponential backoff capped at ``max_backoff`` seconds, on transport errors and
429/502/503/504, honouring ``Retry-After``; only for idempotent methods and for
POSTs that carry an ``Idempotency-Key`` (the same key on every attempt).

Operations whose success body is not JSON (CSV, JSON Lines, files) also get a
``<operation>_stream`` method over ``ClientCore.stream`` / ``AsyncClientCore.stream``: a
context manager yielding the ``httpx.Response`` with its body unread, so that large
downloads are passed on chunk by chunk. Retries and error mapping happen before it
yields; a retry never starts once the body is being read.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as time_of_day
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Generic, TypeVar

import anyio
import httpx
from pydantic import BaseModel, TypeAdapter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_random_exponential,
)

from .context import correlation_id, request_id
from .deadline import Deadline, DeadlineExceeded

__all__ = [
    "APIError",
    "ApiResponse",
    "AsyncClientCore",
    "AuthenticationError",
    "ClientCore",
    "ConflictError",
    "DeadlineExceeded",
    "EntityNotFoundError",
    "ErrorTypes",
    "OperationSpec",
    "PermissionDeniedError",
    "ProblemTypeError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "TransportError",
    "ValidationFailedError",
    "with_bearer",
]

T = TypeVar("T")
DEFAULT_TIMEOUT = 30.0
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


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


@dataclass(frozen=True, slots=True)
class ApiResponse(Generic[T]):
    """A response as it came: for callers who branch on status instead of catching."""

    status_code: int
    headers: httpx.Headers
    body: T
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    max_backoff: float = 10.0
    multiplier: float = 0.5
    max_retry_after: float = 30.0
    statuses: frozenset[int] = RETRY_STATUSES
    #: Overall seconds for one call, every attempt and backoff included (None: no limit).
    deadline: float | None = None


@dataclass(slots=True)
class OperationSpec:
    """Everything a client needs to call one operation (built by generated code)."""

    operation_id: str
    method: str
    path: str
    idempotency_header: str | None
    # status ("200", "4XX", "default") -> (JSON media type or None, body type or None)
    responses: Mapping[str, tuple[str | None, Any]]
    body_media_type: str | None = None
    body_type: Any = None
    query_styles: Mapping[str, str] = field(
        default_factory=dict
    )  # name -> form|delimited|deep_object
    _adapters: dict[str, TypeAdapter[Any]] = field(default_factory=dict)

    def adapter(self, key: str, kind: Any) -> TypeAdapter[Any]:
        found = self._adapters.get(key)
        if found is None:
            found = self._adapters[key] = TypeAdapter(kind)
        return found

    def response_for(self, status: int) -> tuple[str, tuple[str | None, Any]] | None:
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in self.responses:
                return key, self.responses[key]
        return None


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"status {response.status_code}")
        self.response = response


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    jitter = wait_random_exponential(multiplier=policy.multiplier, max=policy.max_backoff)

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _RetryableStatus):
            after = _retry_after(exc.response.headers)
            if after is not None:
                return min(after, policy.max_retry_after)
        return float(jitter(state))

    return wait


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _RetryableStatus | httpx.TransportError)


def _stringify(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True)
    return str(value)


def _query_items(query: Mapping[str, Any], styles: Mapping[str, str]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name, value in query.items():
        if value is None:
            continue
        style = styles.get(name, "form")
        if style == "deep_object":
            data = (
                value.model_dump(mode="json", by_alias=True)
                if isinstance(value, BaseModel)
                else dict(value)
            )
            items.extend((f"{name}[{k}]", _stringify(v)) for k, v in data.items() if v is not None)
        elif isinstance(value, list | tuple | set | frozenset):
            if style == "delimited":
                items.append((name, ",".join(_stringify(v) for v in value)))
            else:
                items.extend((name, _stringify(v)) for v in value)
        else:
            items.append((name, _stringify(value)))
    return items


def with_bearer(headers: Mapping[str, str] | None, token: str | None) -> dict[str, str]:
    """``headers`` plus ``Authorization: Bearer <token>`` when a token is given."""
    merged = dict(headers or {})
    if token is not None:
        merged["Authorization"] = f"Bearer {token}"
    return merged


def _base_url(base_url: str | None, env_var: str) -> str:
    url = base_url or os.environ.get(env_var)
    if not url:
        raise ValueError(f"no base URL: pass base_url= or set {env_var}")
    return url.rstrip("/")


class _CoreBase:
    def __init__(
        self,
        *,
        base_url: str | None,
        env_var: str,
        timeout: float | None,
        headers: Mapping[str, str] | None,
        retry: RetryPolicy | None,
        errors: ErrorTypes,
    ) -> None:
        self.base_url = _base_url(base_url, env_var)
        self.timeout = timeout  # None: whatever the HTTP client was built with
        self.default_headers = dict(headers or {})
        self.retry = retry or RetryPolicy()
        self.errors = errors

    def build(
        self,
        spec: OperationSpec,
        path: Mapping[str, Any],
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        body: Any,
        timeout: float | None,
    ) -> tuple[dict[str, Any], bool]:
        url = spec.path
        for name, value in path.items():
            url = url.replace(
                "{" + name + "}", httpx.URL("/" + _stringify(value)).raw_path.decode()[1:]
            )
        sent = dict(self.default_headers)
        for name, value in headers.items():
            if value is not None:
                sent[name] = _stringify(value)
        retryable = spec.method in IDEMPOTENT
        if spec.idempotency_header is not None:
            sent.setdefault(spec.idempotency_header, str(uuid.uuid4()))
            retryable = True
        cid = sent.get("X-Correlation-ID") or correlation_id.get() or str(uuid.uuid4())
        sent["X-Correlation-ID"] = cid
        sent.setdefault("X-Causation-ID", request_id.get() or cid)
        request: dict[str, Any] = {
            "method": spec.method,
            "url": url,
            "params": _query_items(query, spec.query_styles),
            "headers": sent,
        }
        chosen = timeout if timeout is not None else self.timeout
        if chosen is not None:
            request["timeout"] = chosen
        if body is not None and spec.body_media_type is not None:
            media = spec.body_media_type
            if media == "application/json" or media.endswith("+json"):
                adapter = spec.adapter("body", spec.body_type)
                request["content"] = adapter.dump_json(body, by_alias=True)
                sent["Content-Type"] = media
            elif media == "application/x-www-form-urlencoded":
                request["data"] = spec.adapter("body", spec.body_type).dump_python(
                    body, mode="json", by_alias=True
                )
            elif media.startswith("multipart/"):
                request["files"] = body
            else:
                request["content"] = body
                sent["Content-Type"] = media
        return request, retryable

    def retry_options(self, retryable: bool, deadline: Deadline | None = None) -> dict[str, Any]:
        """tenacity's policy for one call: only retryable calls get more than one attempt,
        and none starts (nor does a backoff last) past the call's deadline."""
        stop = stop_after_attempt(self.retry.attempts if retryable else 1)
        wait = _wait(self.retry)
        return {
            "stop": stop if deadline is None else stop_any(stop, deadline.stop),
            "wait": wait if deadline is None else deadline.wait(wait),
            "retry": retry_if_exception(_is_retryable),
            "reraise": True,
        }

    def parse(self, spec: OperationSpec, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        found = spec.response_for(response.status_code)
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip()
        if found is None:
            return _maybe_json(response, content_type)
        key, (json_media, kind) = found
        if (
            json_media is not None
            and kind is not None
            and (content_type.endswith("json") or not content_type)
        ):
            return spec.adapter(key, kind).validate_json(response.content)
        if _is_textual(content_type):
            return response.text
        return response.content

    def error(self, spec: OperationSpec, response: httpx.Response) -> APIError:
        problem: Any = None
        try:
            problem = self.parse(spec, response)
        except ValueError:
            problem = _maybe_json(response, response.headers.get("content-type", ""))
        if not isinstance(problem, BaseModel | Mapping):
            problem = None
        cls = self.errors.for_status(response.status_code, problem)
        detail = (
            _problem_field(problem, "detail")
            or _problem_field(problem, "title")
            or response.text[:500]
        )
        return cls(
            f"{spec.operation_id}: {response.status_code} {detail}",
            status_code=response.status_code,
            problem=problem,
            text=response.text,
            headers=response.headers,
            operation_id=spec.operation_id,
        )

    def transport_error(self, spec: OperationSpec, exc: BaseException) -> APIError:
        return self.errors.transport(
            f"{spec.operation_id}: no response from {self.base_url} ({type(exc).__name__}: {exc})",
            operation_id=spec.operation_id,
        )

    def finish(self, spec: OperationSpec, response: httpx.Response, raise_errors: bool) -> Any:
        if raise_errors:
            if response.status_code >= 400:
                raise self.error(spec, response)
            return self.parse(spec, response)
        try:
            body = self.parse(spec, response)
        except ValueError:
            body = None
        return ApiResponse(response.status_code, response.headers, body, response.text)


_TEXTUAL = (
    "text/",
    "application/x-ndjson",
    "application/jsonl",
    "application/xml",
    "application/yaml",
    "application/x-yaml",
    "application/csv",
)


def _is_textual(content_type: str) -> bool:
    lowered = content_type.lower()
    return lowered.startswith(_TEXTUAL) or lowered.endswith("+xml")


def _maybe_json(response: httpx.Response, content_type: str) -> Any:
    if "json" in content_type:
        try:
            return json.loads(response.content)
        except ValueError:
            return None
    return None


class ClientCore(_CoreBase):
    """Synchronous transport shared by every method of a generated client."""

    def __init__(
        self,
        *,
        base_url: str | None,
        env_var: str,
        errors: ErrorTypes,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            base_url=base_url,
            env_var=env_var,
            timeout=timeout,
            headers=headers,
            retry=retry,
            errors=errors,
        )
        self._owns_client = http_client is None
        if http_client is None and self.timeout is None:
            self.timeout = DEFAULT_TIMEOUT
        self.http = http_client or httpx.Client(base_url=self.base_url, transport=transport)
        self._sleep = sleep

    def close(self) -> None:
        if self._owns_client:
            self.http.close()

    def call(
        self,
        spec: OperationSpec,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = None,
        raise_errors: bool = True,
    ) -> Any:
        request, retryable = self.build(spec, path or {}, query or {}, headers or {}, body, timeout)
        deadline = Deadline.start(self.retry.deadline)
        retrying = Retrying(sleep=self._sleep, **self.retry_options(retryable, deadline))
        try:
            for attempt in retrying:
                with attempt:
                    if deadline is None:
                        response = self.http.request(**request)
                    else:
                        try:
                            response = self.http.request(**deadline.capped(request))
                        except httpx.TimeoutException as exc:
                            raise deadline.translate(exc) from exc
                    if response.status_code in self.retry.statuses:
                        raise _RetryableStatus(response)
        except _RetryableStatus as exc:
            response = exc.response
        except httpx.TransportError as exc:
            raise self.transport_error(spec, exc) from exc
        return self.finish(spec, response, raise_errors)

    @contextmanager
    def stream(
        self,
        spec: OperationSpec,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> Iterator[httpx.Response]:
        """Send as ``call`` does; yield the successful response with its body unread.

        Error answers (after the retries) raise their typed error, body read, before
        anything is yielded; the response is closed when the block exits.
        """
        request, retryable = self.build(spec, path or {}, query or {}, headers or {}, body, timeout)
        deadline = Deadline.start(self.retry.deadline)
        retrying = Retrying(sleep=self._sleep, **self.retry_options(retryable, deadline))
        try:
            for attempt in retrying:
                with attempt:
                    sent = request if deadline is None else deadline.capped(request)
                    try:
                        response = self.http.send(self.http.build_request(**sent), stream=True)
                    except httpx.TimeoutException as exc:
                        raise exc if deadline is None else deadline.translate(exc) from exc
                    if response.status_code in self.retry.statuses:
                        response.read()
                        response.close()
                        raise _RetryableStatus(response)
        except _RetryableStatus as exc:
            response = exc.response
        except httpx.TransportError as exc:
            raise self.transport_error(spec, exc) from exc
        try:
            if response.status_code >= 400:
                response.read()
                raise self.error(spec, response)
            yield response
        finally:
            response.close()


class AsyncClientCore(_CoreBase):
    """Asynchronous transport shared by every method of a generated client."""

    def __init__(
        self,
        *,
        base_url: str | None,
        env_var: str,
        errors: ErrorTypes,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Any] = anyio.sleep,
    ) -> None:
        super().__init__(
            base_url=base_url,
            env_var=env_var,
            timeout=timeout,
            headers=headers,
            retry=retry,
            errors=errors,
        )
        self._owns_client = http_client is None
        if http_client is None and self.timeout is None:
            self.timeout = DEFAULT_TIMEOUT
        self.http = http_client or httpx.AsyncClient(base_url=self.base_url, transport=transport)
        self._sleep = sleep

    async def aclose(self) -> None:
        if self._owns_client:
            await self.http.aclose()

    async def call(
        self,
        spec: OperationSpec,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = None,
        raise_errors: bool = True,
    ) -> Any:
        request, retryable = self.build(spec, path or {}, query or {}, headers or {}, body, timeout)
        deadline = Deadline.start(self.retry.deadline)
        retrying = AsyncRetrying(sleep=self._sleep, **self.retry_options(retryable, deadline))
        try:
            async for attempt in retrying:
                with attempt:
                    if deadline is None:
                        response = await self.http.request(**request)
                    else:
                        capped = deadline.capped(request)
                        response = await deadline.run(self.http.request(**capped))
                    if response.status_code in self.retry.statuses:
                        raise _RetryableStatus(response)
        except _RetryableStatus as exc:
            response = exc.response
        except httpx.TransportError as exc:
            raise self.transport_error(spec, exc) from exc
        return self.finish(spec, response, raise_errors)

    @asynccontextmanager
    async def stream(
        self,
        spec: OperationSpec,
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Send as ``call`` does; yield the successful response with its body unread.

        Error answers (after the retries) raise their typed error, body read, before
        anything is yielded; the response is closed when the block exits.
        """
        request, retryable = self.build(spec, path or {}, query or {}, headers or {}, body, timeout)
        deadline = Deadline.start(self.retry.deadline)
        retrying = AsyncRetrying(sleep=self._sleep, **self.retry_options(retryable, deadline))
        try:
            async for attempt in retrying:
                with attempt:
                    sent = request if deadline is None else deadline.capped(request)
                    built = self.http.build_request(**sent)
                    if deadline is None:
                        response = await self.http.send(built, stream=True)
                    else:
                        response = await deadline.run(self.http.send(built, stream=True))
                    if response.status_code in self.retry.statuses:
                        await response.aread()
                        await response.aclose()
                        raise _RetryableStatus(response)
        except _RetryableStatus as exc:
            response = exc.response
        except httpx.TransportError as exc:
            raise self.transport_error(spec, exc) from exc
        try:
            if response.status_code >= 400:
                await response.aread()
                raise self.error(spec, response)
            yield response
        finally:
            await response.aclose()
