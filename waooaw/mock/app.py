"""``create_mock_app(spec)``: a FastAPI app serving a contract from its generated stubs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI

from waooaw.codegen.errors import ContractError
from waooaw.codegen.loader import LoadedContract
from waooaw.codegen.openapi import HTTP_METHODS, deref, iter_path_items
from waooaw.runtime.http import CORS_EXPOSE, CORS_HEADERS, install_http, serve_contract

from .auth import MockAuthenticator
from .data import SchemaData
from .errors import ErrorShaper, install_error_shaping
from .responses import OperationMock, SetupProblem, plan_operation
from .scope import ScopeMiddleware, current_scope
from .stubs import load_stubs

__all__ = ["DEV_ORIGIN_REGEX", "MockInfo", "MockSetupError", "create_mock_app"]

#: Origins allowed by default: a browser app on any port of this machine (Vite's 5173, ...).
DEV_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"


class MockSetupError(Exception):
    """Operations the mock cannot answer, each located in the contract."""

    def __init__(self, contract: LoadedContract, problems: list[SetupProblem]) -> None:
        self.errors: list[ContractError] = [
            contract.error(p.pointer, "mock-data", f"{p.operation}: {p.message}") for p in problems
        ]
        super().__init__(self.render())

    def render(self) -> str:
        lines = [e.format() for e in self.errors]
        count = len(self.errors)
        lines.append(f"{count} operation{'s' if count != 1 else ''} cannot be mocked.")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class MockInfo:
    """What a mock serves (``app.state.mock``)."""

    title: str
    version: str
    operations: int
    base_path: str  # the first server URL's path, where the operations are mounted too


def create_mock_app(
    spec_path: str | Path,
    *,
    seed: int = 0,
    cors_origins: Sequence[str] | None = None,
) -> FastAPI:
    """A mock of the contract at ``spec_path``.

    Requests are validated by the generated router; valid ones get the contract's
    example or schema-valid generated data (the same for the same ``seed`` and
    request), invalid ones a problem fitted to the documented error responses.
    ``cors_origins`` replaces the default (any port of localhost).

    Raises ``ContractErrors`` for an invalid contract and :class:`MockSetupError`
    when some operation's answer cannot be made.
    """
    origins = list(cors_origins or [])
    if any("*" in origin for origin in origins):
        raise ValueError("a CORS origin may not contain '*': name each origin")
    stubs = load_stubs(Path(spec_path))
    api = stubs.api
    data = SchemaData(stubs.document, seed=seed)
    problems: list[SetupProblem] = []
    mocks: dict[str, OperationMock] = {}
    for op in api.operations:
        mock = plan_operation(data, op, stubs.server, api.operations, problems)
        if mock is not None:
            mocks[op.operation_id] = mock
    if problems:
        raise MockSetupError(stubs.contract, problems)
    implementations = [
        type(
            f"Mock{tag.protocol_name}",
            (),
            {op.py_name: _method(mocks[op.operation_id]) for op in tag.operations},
        )()
        for tag in api.tags
    ]

    base_path = _base_path(stubs.document)
    app = FastAPI(title=f"{api.title} (mock)", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.mock = MockInfo(api.title, api.version, len(api.operations), base_path)
    app.add_middleware(ScopeMiddleware)  # first added: innermost, next to the routes
    methods, headers, exposed = _cors_names(stubs.document)
    install_http(
        app,
        cors_origins=origins,
        cors_origin_regex=None if origins else DEV_ORIGIN_REGEX,
        cors_methods=methods,
        cors_headers=headers,
        cors_expose=exposed,
    )
    install_error_shaping(app, ErrorShaper(data, mocks))
    serve_contract(app, stubs.contract_json, title=f"{api.title} (mock)")
    authenticator = MockAuthenticator()
    app.include_router(stubs.server.create_router(*implementations, authenticator=authenticator))
    if base_path:
        # the contract's clients (and schemathesis) call the first server URL's path
        app.include_router(
            stubs.server.create_router(*implementations, authenticator=authenticator),
            prefix=base_path,
        )
    return app


def _method(mock: OperationMock) -> Any:
    async def answer(self: object, **kwargs: Any) -> Any:
        return mock.respond(kwargs, current_scope.get())

    answer.__name__ = answer.__qualname__ = mock.op.py_name
    return answer


def _base_path(document: dict[str, Any]) -> str:
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = str(servers[0].get("url", ""))
    for name, variable in (servers[0].get("variables") or {}).items():
        if isinstance(variable, dict):
            url = url.replace("{" + name + "}", str(variable.get("default", "")))
    path = urlsplit(url).path.rstrip("/")
    return path if re.fullmatch(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+", path) else ""


def _cors_names(document: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Methods the contract uses, request headers it takes, response headers it sends."""
    methods: set[str] = set()
    headers = {h.lower(): h for h in (*CORS_HEADERS, "Accept")}
    exposed = {h.lower(): h for h in (*CORS_EXPOSE, "Location")}

    def take_parameters(params: Any) -> None:
        for raw in params or []:
            param = deref(document, raw)
            if isinstance(param, dict) and param.get("in") == "header":
                headers.setdefault(str(param["name"]).lower(), str(param["name"]))

    for _path, item, _listed, _written in iter_path_items(document):
        take_parameters(item.get("parameters"))
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            methods.add(method.upper())
            take_parameters(op.get("parameters"))
            for raw in (op.get("responses") or {}).values():
                response = deref(document, raw)
                for name in (response or {}).get("headers") or {}:
                    exposed.setdefault(str(name).lower(), str(name))
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    for raw in schemes.values():
        scheme = deref(document, raw)
        if (
            isinstance(scheme, dict)
            and scheme.get("type") == "apiKey"
            and scheme.get("in") == "header"
        ):
            headers.setdefault(str(scheme.get("name", "")).lower(), str(scheme.get("name", "")))
    return sorted(methods), sorted(headers.values()), sorted(exposed.values())
