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

import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import httpx
from tenacity import AsyncRetrying, Retrying

from .client_base import (
    DEFAULT_TIMEOUT,
    ApiResponse,
    OperationSpec,
    RetryPolicy,
    _CoreBase,
    _RetryableStatus,
    with_bearer,
)
from .client_errors import (
    APIError,
    AuthenticationError,
    ConflictError,
    EntityNotFoundError,
    ErrorTypes,
    PermissionDeniedError,
    ProblemTypeError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    ValidationFailedError,
)
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
