"""Target: Python clients (``client.py``), sync and async, over ``waooaw.runtime.client``."""

from __future__ import annotations

from dataclasses import dataclass

from ...ir import Api, OperationIR
from ...naming import pascal_case
from ...render import environment, header, py_string

__all__ = ["render_client"]

ERROR_DOCS = {
    "ValidationFailedError": "422: the request did not match the contract (see .violations).",
    "AuthenticationError": "401: missing or invalid credentials.",
    "PermissionDeniedError": "403: the credentials do not allow this operation.",
    "EntityNotFoundError": "404: the entity (or a referenced one) does not exist.",
    "ConflictError": "409: the request conflicts with the entity's current state.",
    "RateLimitedError": "429: too many requests, after the retries.",
    "ServerError": "5xx other than 503.",
    "ServiceUnavailableError": "503: the service or its database is unavailable, after the retries.",
}


@dataclass(frozen=True, slots=True)
class _ProblemClass:
    cls: str
    uri: str
    doc: str


def _problem_classes(api: Api, prefix: str) -> list[_ProblemClass]:
    """One exception class per problem type the contract declares (x-problem-types)."""
    found = []
    for problem in api.problem_types:
        status = f"{problem.status}: " if problem.status is not None else ""
        doc = f"{status}problem type {problem.uri}."
        if problem.description:
            doc += "\n\n" + problem.description
        found.append(_ProblemClass(f"{prefix}{problem.name}Error", problem.uri, doc))
    return found


@dataclass(frozen=True, slots=True)
class _CallView:
    args: tuple[str, ...]
    path: str
    query: str
    headers: str
    body: str


def _dict(items: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{py_string(k)}: {v}" for k, v in items) + "}" if items else ""


def _view(op: OperationIR) -> _CallView:
    required: list[str] = []
    optional: list[str] = []
    path: list[tuple[str, str]] = []
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    for p in op.parameters:
        if p.required:
            required.append(f"{p.py_name}: {p.client_type}")
        else:
            optional.append(f"{p.py_name}: {p.client_type} = None")
        {"path": path, "query": query, "header": headers, "cookie": headers}[p.location].append(
            (p.name if p.location != "cookie" else "Cookie", p.py_name)
        )
    body = ""
    if op.body is not None:
        if op.body.kind == "multipart":
            files = []
            for f in op.body.form_fields:
                kind = "Any" if f.is_file else f.py_type
                if f.default is None:
                    required.append(f"{f.py_name}: {kind}")
                else:
                    optional.append(f"{f.py_name}: {kind} | None = None")
                files.append((f.name, f.py_name))
            body = _dict(files)
        else:
            annotation = op.body.py_type
            if op.body.default is None:
                required.append(f"body: {annotation}")
            else:
                optional.append(f"body: {annotation} = None")
            body = "body"
    return _CallView(tuple(required + optional), _dict(path), _dict(query), _dict(headers), body)


def _streaming(api: Api) -> frozenset[str]:
    """Operations with a non-JSON success body (files, CSV, JSON Lines): they get ``_stream``."""
    return frozenset(
        op.operation_id
        for op in api.operations
        if any(r.streams and r.status.startswith("2") for r in op.responses)
    )


def render_client(api: Api) -> dict[str, str]:
    prefix = pascal_case(api.name)
    error_classes = [(f"{prefix}{name}", name) for name in ERROR_DOCS]
    problem_classes = _problem_classes(api, prefix)
    idempotency = {
        op.operation_id: next(
            (
                p.name
                for p in op.parameters
                if p.location == "header" and p.name.lower() == "idempotency-key"
            ),
            None,
        )
        for op in api.operations
    }
    query_styles = {}
    for op in api.operations:
        styles = {
            p.name: ("deep_object" if p.style == "deep_object" else "delimited")
            for p in op.parameters
            if p.location == "query" and p.style != "plain"
        }
        query_styles[op.operation_id] = _dict(
            [(k, py_string(v)) for k, v in sorted(styles.items())]
        )
    exports = sorted(
        {
            "ENV_VAR",
            "ERRORS",
            "ApiResponse",
            "RetryPolicy",
            f"{prefix}Client",
            f"Async{prefix}Client",
            f"{prefix}APIError",
            f"{prefix}TransportError",
            *(cls for cls, _ in error_classes),
            *(p.cls for p in problem_classes),
        }
    )
    template = environment().get_template("python_client/client.py.jinja")
    text = template.render(
        api=api,
        header=header(api.source, api.sha256),
        prefix=prefix,
        env_var=f"{api.name.upper().replace('-', '_')}_API_URL",
        error_classes=error_classes,
        error_docs=ERROR_DOCS,
        problem_classes=problem_classes,
        idempotency=idempotency,
        query_styles=query_styles,
        views={op.operation_id: _view(op) for op in api.operations},
        streaming=_streaming(api),
        exports=exports,
    )
    return {"client.py": text}
