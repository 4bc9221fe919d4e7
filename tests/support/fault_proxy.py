"""A small fault-injecting HTTP/1.1 proxy on 127.0.0.1, for clients under test.

It listens on a free port with ``asyncio.start_server`` (keep-alive, ``Content-Length``
bodies, which is all httpx sends for JSON), forwards each request to ``upstream`` and
writes the upstream answer back. Requests that *create* an entity (``POST`` to one of
``create_paths``) are counted per logical create: a request whose ``Idempotency-Key``
was already seen is a retry, anything else starts a new create. For every
``fail_every``-th new create (the 1st, 3rd, 5th ... with the default 2), the first
attempt is answered with a 503 problem:

``Fault.BEFORE``
    the 503 comes from the proxy and the request never reaches upstream;
``Fault.AFTER``
    the request is forwarded (upstream creates the entity) and upstream's answer is
    replaced by the 503, as when a response is lost on the way back.

With ``delay`` every request waits that many seconds before it is forwarded: a slow
upstream, for clients' timeouts.

Every request is recorded in ``seen`` (method, path, key, whether it was forwarded, the
upstream status, the status the client got). Use it as an async context manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from types import TracebackType
from typing import Self

import httpx

__all__ = ["CREATE_PATHS", "Fault", "FaultProxy", "Seen"]

CREATE_PATHS = frozenset({"/api/v1/genesis/skills", "/api/v1/genesis/job-roles", "/api/v1/agents"})
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "content-encoding",
        "host",
    }
)
MAX_HEAD_BYTES = 64 * 1024


class Fault(Enum):
    NONE = "none"
    BEFORE = "before"  # 503 instead of forwarding
    AFTER = "after"  # forward, then 503 instead of upstream's answer


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    injected: bool
    forwarded: bool
    upstream_status: int | None
    status: int


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        fault: Fault = Fault.NONE,
        *,
        fail_every: int = 2,
        create_paths: Iterable[str] = CREATE_PATHS,
        delay: float = 0.0,
    ) -> None:
        self.upstream = upstream
        self.fault = fault
        self.fail_every = fail_every
        self.delay = delay
        self.create_paths = frozenset(create_paths)
        self.seen: list[Seen] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._http: httpx.AsyncClient | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._keys: set[str] = set()
        self._creates = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Self:
        self._http = httpx.AsyncClient(base_url=self.upstream, timeout=30.0)
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
        # connections still waiting out a delay would forward through a closed client
        pending = [task for task in self._handlers if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for writer in list(self._writers):
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        if self._server is not None:
            await self._server.wait_closed()
        if self._http is not None:
            await self._http.aclose()

    # -- the decision ---------------------------------------------------------------

    def _inject(self, method: str, path: str, key: str | None) -> bool:
        if self.fault is Fault.NONE or method != "POST" or path not in self.create_paths:
            return False
        if key is not None:
            if key in self._keys:
                return False  # a retry of a create already counted
            self._keys.add(key)
        self._creates += 1
        return self._creates % self.fail_every == 1 % self.fail_every

    def creates(self, path: str | None = None) -> list[Seen]:
        """The create requests seen (optionally for one path), in order."""
        paths = self.create_paths if path is None else {path}
        return [s for s in self.seen if s.method == "POST" and s.path in paths]

    # -- HTTP -----------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            while await self._one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; False when the connection should close."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            return False  # the client closed an idle connection
        if len(head) > MAX_HEAD_BYTES:
            raise ConnectionError("request head too large")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
        lower = {k.lower(): v for k, v in headers}
        if "chunked" in lower.get("transfer-encoding", "").lower():
            raise ConnectionError("chunked request bodies are not supported by this proxy")
        body = await reader.readexactly(int(lower.get("content-length", "0") or "0"))
        path = target.split("?", 1)[0]
        key = lower.get("idempotency-key")
        inject = self._inject(method, path, key)

        upstream_status: int | None = None
        if self.delay:
            await asyncio.sleep(self.delay)
        if inject and self.fault is Fault.BEFORE:
            status, out_headers, content = self._unavailable("before forwarding")
        else:
            assert self._http is not None
            response = await self._http.request(
                method,
                target,
                headers=[(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP],
                content=body,
            )
            upstream_status = response.status_code
            if inject:
                status, out_headers, content = self._unavailable(
                    f"after upstream answered {response.status_code}"
                )
            else:
                status = response.status_code
                out_headers = [
                    (k, v) for k, v in response.headers.multi_items() if k.lower() not in HOP_BY_HOP
                ]
                content = response.content
        self.seen.append(
            Seen(method, path, key, inject, upstream_status is not None, upstream_status, status)
        )
        close = lower.get("connection", "").lower() == "close"
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        out = [f"HTTP/1.1 {status} {reason}"]
        out.extend(f"{k}: {v}" for k, v in out_headers)
        out.append(f"content-length: {len(content)}")
        out.append(f"connection: {'close' if close else 'keep-alive'}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + content)
        await writer.drain()
        return not close

    @staticmethod
    def _unavailable(when: str) -> tuple[int, list[tuple[str, str]], bytes]:
        problem = {
            "type": "https://waooaw.com/errors/service-unavailable",
            "title": "Service Unavailable",
            "status": 503,
            "detail": f"injected by the fault proxy {when}",
        }
        return 503, [("content-type", "application/problem+json")], json.dumps(problem).encode()
