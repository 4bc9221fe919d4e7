"""What the sync and async client cores share: operation specs, the retry policy,
request building (paths, query styles, bodies, correlation headers) and response parsing.

``waooaw.runtime.client`` re-exports the public names here; generated code imports
them from there.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as time_of_day
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter
from tenacity import (
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_random_exponential,
)

from .client_errors import APIError, ErrorTypes, _problem_field
from .context import correlation_id, request_id
from .deadline import Deadline

__all__ = ["ApiResponse", "OperationSpec", "RetryPolicy", "with_bearer"]

T = TypeVar("T")
DEFAULT_TIMEOUT = 30.0
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


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
