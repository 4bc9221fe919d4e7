"""uvicorn's HTTP protocol with its own 400 (a request it cannot parse) as problem+json.

A request line or header uvicorn's parser refuses (a bare CR in a header, a
malformed request line, an oversized header block) never reaches the application,
so no middleware can shape the answer; uvicorn writes ``text/plain`` itself. This
subclass writes the same 400 as an RFC 9457 problem with a fresh correlation id,
for both of uvicorn's parsers: httptools (what the services run on) and h11.
"""

from __future__ import annotations

import json
import uuid

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from waooaw.runtime.server import PROBLEM_MEDIA_TYPE, ProblemError

__all__ = ["ProblemH11Protocol", "ProblemHttpToolsProtocol", "unparsable_request_body"]


def unparsable_request_body(message: str, correlation_id: str) -> bytes:
    """The problem document for a request the HTTP parser refused."""
    problem = ProblemError(400, f"the HTTP request could not be parsed: {message}")
    body = problem.body()
    body["correlation_id"] = correlation_id
    return json.dumps(body, separators=(",", ":")).encode()


class ProblemH11Protocol(H11Protocol):
    """h11-based uvicorn protocol answering unparsable requests with problem+json."""

    def send_400_response(self, msg: str) -> None:
        cid = str(uuid.uuid4())
        body = unparsable_request_body(msg, cid)
        headers = [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-correlation-id", cid.encode()),
            (b"connection", b"close"),
        ]
        self.transport.write(
            self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request"))
        )
        self.transport.write(self.conn.send(h11.Data(data=body)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """httptools-based uvicorn protocol answering unparsable requests with problem+json."""

    def send_400_response(self, msg: str) -> None:
        cid = str(uuid.uuid4())
        body = unparsable_request_body(msg, cid)
        self.transport.write(
            b"".join(
                (
                    b"HTTP/1.1 400 Bad Request\r\n",
                    *(name + b": " + value + b"\r\n" for name, value in self._default_headers()),
                    b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
                    b"content-length: " + str(len(body)).encode() + b"\r\n",
                    b"x-correlation-id: " + cid.encode() + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                )
            )
        )
        self.transport.close()

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.server_state.default_headers)
