"""The request being answered: its ASGI scope and body, kept for the mock's handlers,
and reading its headers (content negotiation for ``Accept``)."""

from __future__ import annotations

from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from waooaw.codegen.openapi import is_json

__all__ = [
    "ScopeMiddleware",
    "accepted",
    "current_body",
    "current_scope",
    "header",
    "media_matches",
]

#: The ASGI scope of the request being answered (set by :class:`ScopeMiddleware`).
current_scope: ContextVar[Scope | None] = ContextVar("waooaw_mock_scope", default=None)
#: Its body as received, when it is JSON or a urlencoded form.
current_body: ContextVar[bytearray | None] = ContextVar("waooaw_mock_body", default=None)


class ScopeMiddleware:
    """Keeps the request's scope, and its JSON or form body as read, for the handlers."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = 1_048_576) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
        captured = bytearray()
        keep = is_json(content_type) or content_type == "application/x-www-form-urlencoded"

        async def capture() -> Message:
            message = await receive()
            if keep and message["type"] == "http.request":
                captured.extend(message.get("body", b"")[: self.max_body_bytes - len(captured)])
            return message

        token = current_scope.set(scope)
        body_token = current_body.set(captured if keep else None)
        try:
            await self.app(scope, capture, send)
        finally:
            current_body.reset(body_token)
            current_scope.reset(token)


def header(scope: Scope | None, name: bytes) -> str | None:
    if scope is None:
        return None
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def accepted(accept: str) -> list[str]:
    """Media ranges of an Accept header, most preferred first (q=0 left out)."""
    ranked = []
    for index, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if pieces[0] and quality > 0:
            ranked.append((-quality, index, pieces[0].lower()))
    return [media for _, _, media in sorted(ranked)]


def media_matches(wanted: str, media_type: str) -> bool:
    offered = media_type.split(";", 1)[0].strip().lower()
    if wanted in ("*/*", offered):
        return True
    return wanted.endswith("/*") and offered.startswith(wanted[:-1])
