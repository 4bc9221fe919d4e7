"""The proxy: every call to an upstream passes the seven layers, in order.

1. request context   correlation id, body limit (``RequestContextMiddleware``, outside),
                     W3C ``traceparent`` (:class:`~.layers.TraceContext`)
2. authentication    :func:`~.layers.authenticate`                         -> 401
3. RBAC              :func:`~.layers.authorize`, roles from the contract   -> 403
4. policy            :class:`~.policy.PolicyEngine` (Cedar)                -> 403
5. budget            :class:`~.budget.BudgetGate` (executions only)        -> 402
6. audit             :class:`~.audit.AuditWriter` (mutations and denials)
7. routing           :class:`~.routing.RouteCache`                         -> 503 / 504

:class:`GatewayProxy` is an ASGI layer: the gateway's own paths go to its FastAPI app,
every other call is proxied (or answered 404/405 when no upstream contract declares it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from yarl import URL

from waooaw.generated.executor.models import ExecutionRequest
from waooaw.runtime.security import Principal
from waooaw.runtime.server import PROBLEM_MEDIA_TYPE, ProblemError, validation_problem

from ..common.auth import JwtAuthenticator
from ..common.db import DatabaseUnavailable
from .audit import AuditEntry, AuditWriter
from .budget import BudgetGate, Hold
from .layers import TraceContext, authenticate, authorize
from .operations import OWN_PATHS, OWN_PREFIX, Operation, OperationTable
from .policy import PolicyEngine
from .routing import Choice, RouteCache

__all__ = ["POLICY_DENIED", "Gateway", "GatewayProxy"]

log = logging.getLogger("waooaw.gateway")
POLICY_DENIED = "https://waooaw.com/errors/policy-denied"
BAD_GATEWAY = "https://waooaw.com/errors/bad-gateway"
GATEWAY_TIMEOUT = "https://waooaw.com/errors/gateway-timeout"
#: execution pools, in the order the gateway prefers them
EXECUTION_POOLS = ("production", "sandbox")
_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"x-correlation-id",
        b"traceparent",
    }
)
#: not passed back: hop-by-hop, recomputed, or the gateway's own (CORS, ids, trace)
_HOP_OUT = frozenset(
    {
        b"vary",
        b"access-control-allow-origin",
        b"access-control-allow-credentials",
        b"access-control-expose-headers",
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"content-length",
        b"x-correlation-id",
        b"x-request-id",
        b"traceparent",
        b"date",
        b"server",
    }
)


@dataclass(slots=True)
class Gateway:
    """Everything the layers need, built once by ``create_app``."""

    operations: OperationTable
    authenticator: JwtAuthenticator
    schemes: frozenset[str]
    policy: PolicyEngine
    budgets: BudgetGate
    audit: AuditWriter
    routes: RouteCache
    retry_after: int
    timeout: float
    connect_timeout: float
    max_connections: int
    session: aiohttp.ClientSession | None = None

    def upstream(self) -> aiohttp.ClientSession:
        """The pooled upstream client (made on first use, inside the serving event loop)."""
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(
                    total=self.timeout, sock_connect=self.connect_timeout
                ),
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding"),
            )
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


@dataclass(slots=True)
class _Call:
    """What the layers learnt about one call (for the audit entry)."""

    operation: Operation | None
    principal: Principal | None = None
    resource: str = ""
    reasons: tuple[str, ...] = ()
    version: str = ""


class GatewayProxy:
    def __init__(self, app: ASGIApp, *, gateway: Gateway) -> None:
        self.app = app
        self.gw = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path in OWN_PATHS or path.startswith(OWN_PREFIX):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        cid = state.get("correlation_id", "")
        headers: dict[bytes, bytes] = {}
        for key, value in scope["headers"]:
            headers.setdefault(key, value)
        raw_trace = headers.get(b"traceparent")
        trace = TraceContext.from_header(raw_trace.decode("latin-1") if raw_trace else None)
        found = self.gw.operations.find(scope["method"], path)
        if not isinstance(found, Operation):
            if found is None:
                problem = ProblemError(404, f"no upstream contract declares {path}")
            else:
                allowed = ", ".join(self.gw.operations.allowed_methods(path))
                problem = ProblemError(
                    405,
                    f"{scope['method']} is not allowed on {path}; allowed: {allowed}",
                    headers={"Allow": allowed},
                )
            await _send_problem(send, problem, path, cid, trace)
            return
        call = _Call(found)
        try:
            try:
                status, out_headers, body = await self._handle(scope, receive, headers, trace, call)
            except DatabaseUnavailable as exc:
                log.warning("database unavailable: %s", exc)
                raise ProblemError(
                    503,
                    "the gateway's database is unavailable; retry later",
                    headers={"Retry-After": str(self.gw.retry_after)},
                ) from None
        except ProblemError as refused:
            if refused.status in (401, 402, 403) or found.mutating:
                try:
                    await self._audit(scope, call, refused.status, refused.detail, denied=True)
                except Exception as exc:  # the refusal stands; say it went unrecorded
                    log.error("audit of a refused %s failed: %s", path, exc)
            await _send_problem(send, refused, path, cid, trace)
            return
        if found.mutating:
            try:
                await self._audit(scope, call, status, None, denied=False)
            except Exception as exc:
                log.error("audit of %s failed after the upstream answered: %s", path, exc)
                unaudited = ProblemError(
                    500,
                    f"{found.operation_id} reached the upstream (status {status}) but its audit"
                    " entry could not be written; quote the correlation id",
                )
                await _send_problem(send, unaudited, path, cid, trace)
                return
        out_headers.append((b"traceparent", trace.header.encode()))
        out_headers.append((b"x-gateway-route", call.version.encode()))
        await send({"type": "http.response.start", "status": status, "headers": out_headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[bytes, bytes],
        trace: TraceContext,
        call: _Call,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        gw = self.gw
        op = call.operation
        assert op is not None
        auth = headers.get(b"authorization")
        # layers 2 and 3
        call.principal = authenticate(gw.authenticator, auth.decode("latin-1") if auth else None)
        authorize(op, call.principal, gw.schemes)
        body = await _read_body(receive)
        # layer 4 (and the execution's metering inputs)
        execution = _execution(body) if op.upstream == "executor" and op.mutating else None
        path: str = scope["path"]
        pool = await self._decide(scope, call, execution)
        snapshot = gw.routes.snapshot
        choice = snapshot.choose(op.operation_id, path, pool)
        if choice is None:
            raise ProblemError(
                503,
                f"no route is enabled for {op.operation_id} ({pool}); retry later",
                headers={"Retry-After": str(gw.retry_after)},
            )
        call.version = choice.version
        # layer 5
        hold: Hold | None = None
        if execution is not None:
            hold = await gw.budgets.reserve(
                agent_id=str(execution.agent_id),
                trial_id=None if execution.trial_id is None else str(execution.trial_id),
                amount=execution.max_cost_micros,
            )
        # layer 7
        try:
            status, out_headers, content = await self._forward(scope, headers, body, choice, trace)
        except BaseException:
            if hold is not None:
                await gw.budgets.settle(hold, None)
            raise
        if hold is not None:
            await gw.budgets.settle(hold, _reported_cost(status, content))
        return status, out_headers, content

    async def _decide(self, scope: Scope, call: _Call, execution: ExecutionRequest | None) -> str:
        op = call.operation
        assert op is not None
        principal = call.principal
        context: dict[str, Any] = {
            "operation": op.operation_id,
            "method": op.method,
            "path": scope["path"],
            "mutating": op.mutating,
            "trial": execution is not None and execution.trial_id is not None,
            "agent_id": "" if execution is None else str(execution.agent_id),
        }
        if op.upstream == "executor":
            candidates = [(f"executor/{p}", p) for p in EXECUTION_POOLS]
        else:
            candidates = [(op.upstream, "default")]
        decisions = self.gw.policy.decide(
            principal="anonymous" if principal is None else principal.subject,
            roles=sorted(principal.roles) if principal is not None else [],
            resources=[r for r, _ in candidates],
            context=context,
            correlation_id=scope["state"].get("correlation_id", ""),
        )
        snapshot = self.gw.routes.snapshot
        allowed = [
            (d, pool) for d, (_, pool) in zip(decisions, candidates, strict=True) if d.allowed
        ]
        for decision, pool in allowed:
            if snapshot.has(op.operation_id, scope["path"], pool) or pool == allowed[-1][1]:
                call.resource, call.reasons = decision.resource, decision.reasons
                return pool
        denial = decisions[-1]
        call.resource = ",".join(d.resource for d in decisions)
        call.reasons = tuple(r for d in decisions for r in d.reasons)
        why = ", ".join(call.reasons) or "no policy permits it"
        raise ProblemError(
            403,
            f"policy denies {op.operation_id} to {denial.principal} ({why})",
            type=POLICY_DENIED,
            title="Denied by Policy",
            extra={"reasons": list(call.reasons)},
        )

    async def _forward(
        self,
        scope: Scope,
        headers: dict[bytes, bytes],
        body: bytes,
        choice: Choice,
        trace: TraceContext,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        state = scope["state"]
        outgoing = [
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.items() if k not in _HOP
        ]
        outgoing.append(("x-correlation-id", state.get("correlation_id", "")))
        outgoing.append(("traceparent", trace.header))
        client = scope.get("client")
        if client:
            outgoing.append(("x-forwarded-for", str(client[0])))
        query = scope.get("query_string", b"")
        url = choice.url + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if query:
            url += "?" + query.decode("latin-1")
        try:
            async with self.gw.upstream().request(
                scope["method"], URL(url, encoded=True), data=body, headers=outgoing
            ) as response:
                content = await response.read()
                status = response.status
                raw = response.raw_headers
        except aiohttp.ConnectionTimeoutError:
            raise self._unreachable(choice, "connect timeout") from None
        except TimeoutError:
            raise ProblemError(
                504,
                f"the upstream of {choice.match} ({choice.version}) did not answer within"
                f" {self.gw.timeout:g} seconds",
                type=GATEWAY_TIMEOUT,
                title="Gateway Timeout",
            ) from None
        except aiohttp.ClientConnectorError as exc:
            raise self._unreachable(choice, str(exc)) from None
        except aiohttp.ClientError as exc:
            raise ProblemError(
                502,
                f"the upstream of {choice.match} ({choice.version}) failed: {type(exc).__name__}",
                type=BAD_GATEWAY,
                title="Bad Gateway",
            ) from None
        out = [(k, v) for k, v in raw if k.lower() not in _HOP_OUT]
        out.append((b"content-length", str(len(content)).encode()))
        return status, out, content

    def _unreachable(self, choice: Choice, why: str) -> ProblemError:
        log.warning("upstream %s (%s) unreachable: %s", choice.url, choice.version, why)
        return ProblemError(
            503,
            f"the upstream of {choice.match} ({choice.version}) is unreachable; retry later",
            headers={"Retry-After": str(self.gw.retry_after)},
        )

    async def _audit(
        self, scope: Scope, call: _Call, status: int, detail: str | None, *, denied: bool
    ) -> None:
        op = call.operation
        principal = call.principal
        state = scope["state"]
        data: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "outcome": "denied" if denied else "forwarded",
            "correlation_id": state.get("correlation_id", ""),
            "roles": sorted(principal.roles) if principal is not None else [],
            "resource": call.resource,
            "reasons": list(call.reasons),
            "version": call.version,
        }
        if detail is not None:
            data["detail"] = detail
        await self.gw.audit.record(
            AuditEntry(
                request_id=state.get("request_id", ""),
                event=op.operation_id if op is not None else "unmatched",
                actor=principal.subject if principal is not None else "anonymous",
                data=data,
            )
        )


def _execution(body: bytes) -> ExecutionRequest:
    try:
        return ExecutionRequest.model_validate_json(body or b"null")
    except ValidationError as exc:
        errors: Iterable[Any] = (
            {**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors(include_url=False)
        )
        raise validation_problem(list(errors)) from None


def _reported_cost(status: int, content: bytes) -> int | None:
    if status != 200:
        return None
    try:
        cost = json.loads(content).get("total_micros")
    except (ValueError, AttributeError):
        return None
    return cost if isinstance(cost, int) and cost >= 0 else None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_problem(
    send: Send, problem: ProblemError, path: str, cid: str, trace: TraceContext
) -> None:
    body = problem.body(instance=path)
    body["correlation_id"] = cid
    raw = json.dumps(body, separators=(",", ":"), default=str).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(raw)).encode()),
        (b"traceparent", trace.header.encode()),
        *((k.lower().encode(), v.encode()) for k, v in problem.headers.items()),
    ]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": raw})
