"""Target: a Postman Collection v2.1 and its Local / Demo / Prod environments.

Files (``<name>`` is the contract's short name):

* ``<name>.postman_collection.json`` - one folder per tag, one request per operation,
  with a collection-level pre-request script that sends a fresh ``X-Correlation-ID`` and
  a test script per request (documented status; problem+json with a matching
  ``correlation_id`` on errors; documented media type and parseable JSON on success).
* ``<name>.<env>.postman_environment.json`` for ``local``, ``demo`` and ``prod`` -
  ``base_url`` and an empty ``auth_token`` for the user to fill in.

JSON has no comments: the generated-file header is the first line of the collection's
``info.description`` and the ``x-generated`` member of each environment (as in
``openapi.json``). Ids are UUIDv5 of the contract's short name and the operationId, so
they are reproducible and stay the same when the contract changes (Postman then replaces
an imported copy instead of adding a second one). How requests are chained is decided in
:mod:`.plan`.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ...ir import Api, BodyIR, OperationIR, ParameterIR
from ...render import environment, header
from .plan import CORRELATION_HEADER, Capture, Plan, parameter_value, plan, substitute_body

__all__ = [
    "ENVIRONMENTS",
    "SCHEMA_URL",
    "collection_name",
    "environment_name",
    "files_for",
    "render_postman",
]

SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
ENVIRONMENTS = ("local", "demo", "prod")
LOCAL_URL = "http://127.0.0.1:8000"
PLACEHOLDER_URLS = {"demo": "https://demo.example.com", "prod": "https://api.example.com"}
PROBLEM_JSON = "application/problem+json"
_LOCAL_WORDS = ("localhost", "127.0.0.1", "[::1]", "local")
_DEMO_WORDS = ("demo", "staging", "sandbox", "test")


def collection_name(name: str) -> str:
    return f"{name}.postman_collection.json"


def environment_name(name: str, env: str) -> str:
    return f"{name}.{env}.postman_environment.json"


def files_for(api: Api, collection: Path) -> dict[Path, str]:
    """The collection at ``collection`` and the environments beside it.

    ``<stem>.<env>.postman_environment.json``, where ``<stem>`` is the collection's file
    name without ``.postman_collection.json`` (or ``.json``).
    """
    stem = collection.name
    for suffix in (".postman_collection.json", ".json"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    rendered = render_postman(api)
    files = {collection: rendered[collection_name(api.name)]}
    for env in ENVIRONMENTS:
        target = collection.with_name(environment_name(stem, env))
        files[target] = rendered[environment_name(api.name, env)]
    return files


def _id(api: Api, *parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, ":".join(("waooaw", api.name, *parts))))


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_postman(api: Api) -> dict[str, str]:
    """The collection and the three environments, keyed by file name."""
    chain = plan(api)
    mark = header(api.source, api.sha256, "").strip()
    files = {collection_name(api.name): _dump(_collection(api, chain, mark))}
    for env, url in base_urls(api).items():
        files[environment_name(api.name, env)] = _dump(
            {
                "x-generated": mark,
                "id": _id(api, "environment", env),
                "name": f"{api.title} - {env.capitalize()}",
                "values": [
                    {"key": "base_url", "value": url, "type": "default", "enabled": True},
                    {"key": "auth_token", "value": "", "type": "secret", "enabled": True},
                ],
                "_postman_variable_scope": "environment",
            }
        )
    return files


def base_urls(api: Api) -> dict[str, str]:
    """``base_url`` per environment: the contract's matching server, else an example URL to edit."""
    found: dict[str, str] = {}
    for server in api.servers:
        text = f"{server.url} {server.description or ''}".lower()
        if any(word in text for word in _LOCAL_WORDS):
            kind = "local"
        elif any(word in text for word in _DEMO_WORDS):
            kind = "demo"
        elif "://" in server.url:
            kind = "prod"
        else:
            continue
        found.setdefault(kind, server.url.rstrip("/"))
    # a relative server URL, or the path of the first one, is the API's base path
    base_path = urlsplit(api.servers[0].url).path.rstrip("/") if api.servers else ""
    defaults = {"local": LOCAL_URL, **PLACEHOLDER_URLS}
    return {env: found.get(env, defaults[env] + base_path) for env in ENVIRONMENTS}


def _collection(api: Api, chain: Plan, mark: str) -> dict[str, Any]:
    description = mark + (f"\n\n{api.description.strip()}" if api.description else "")
    prerequest = (
        environment().get_template("postman/prerequest.js.jinja").render(header=CORRELATION_HEADER)
    )
    variables = {"base_url": base_urls(api)["local"], **chain.variables}
    return {
        "info": {
            "_postman_id": _id(api, "collection"),
            "description": description,
            "name": api.title,
            "schema": SCHEMA_URL,
        },
        "item": [
            {
                "name": tag,
                "description": next((t.description or "" for t in api.tags if t.name == tag), ""),
                "item": [_item(api, op, chain) for op in operations],
            }
            for tag, operations in chain.folders
        ],
        "event": [_event("prerequest", prerequest)],
        "variable": [
            {"key": key, "value": value, "type": "string"} for key, value in variables.items()
        ],
    }


def _event(listen: str, script: str) -> dict[str, Any]:
    return {
        "listen": listen,
        "script": {"type": "text/javascript", "exec": script.rstrip("\n").split("\n")},
    }


def _item(api: Api, op: OperationIR, chain: Plan) -> dict[str, Any]:
    captured = chain.captured
    request: dict[str, Any] = {
        "method": op.method,
        "header": _headers(op, captured),
    }
    body = _body(op.body, captured)
    if body is not None:
        request["body"] = body
    request["url"] = _url(op, captured)
    description = f"`{op.operation_id}`: {op.method} {op.path}"
    if op.description:
        description += "\n\n" + op.description.strip()
    return {
        "id": _id(api, "operation", op.operation_id),
        "name": op.summary or op.operation_id,
        "description": description,
        "request": request,
        "event": [_event("test", _tests(op, chain.captures[op.operation_id]))],
    }


def _param_entry(param: ParameterIR, value: Any, *, key: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": key or param.name, "value": _text(value)}
    if param.description:
        entry["description"] = param.description.strip()
    if not param.required:
        entry["disabled"] = True
    return entry


def _query(param: ParameterIR, captured: frozenset[str]) -> list[dict[str, Any]]:
    value = parameter_value(param, captured)
    if isinstance(value, list):
        if param.style == "delimited":
            return [_param_entry(param, param.separator.join(_text(v) for v in value))]
        return [_param_entry(param, v) for v in value] or [_param_entry(param, "")]
    if isinstance(value, dict):
        if param.style == "deep_object":
            return [_param_entry(param, v, key=f"{param.name}[{k}]") for k, v in value.items()]
        return [_param_entry(param, v, key=str(k)) for k, v in value.items()]
    return [_param_entry(param, value)]


def _headers(op: OperationIR, captured: frozenset[str]) -> list[dict[str, Any]]:
    headers: list[dict[str, Any]] = []
    accept = _accept(op)
    if accept:
        headers.append({"key": "Accept", "value": accept})
    sends_body = op.body is not None and (op.body.required or op.body.example_json is not None)
    if op.body is not None and sends_body and op.body.kind in ("json", "raw"):
        headers.append({"key": "Content-Type", "value": op.body.media_type})
    for scheme in op.auth:
        if scheme.location != "header":
            continue
        if scheme.kind == "api_key":
            headers.append({"key": scheme.param_name, "value": "{{auth_token}}"})
        else:
            prefix = "Bearer" if scheme.kind == "bearer" else "Basic"
            headers.append({"key": "Authorization", "value": f"{prefix} {{{{auth_token}}}}"})
    cookies = [f"{s.param_name}={{{{auth_token}}}}" for s in op.auth if s.location == "cookie"]
    taken = {h["key"].lower() for h in headers} | {CORRELATION_HEADER.lower()}
    for param in op.parameters:
        if param.location == "header" and param.name.lower() not in taken:
            headers.append(_param_entry(param, parameter_value(param, captured)))
        elif param.location == "cookie":
            value = parameter_value(param, captured)
            if param.required or value is not None:
                cookies.append(f"{param.name}={_text(value)}")
    if cookies:
        headers.append({"key": "Cookie", "value": "; ".join(cookies)})
    return headers


def _accept(op: OperationIR) -> str:
    types: list[str] = []
    for response in op.responses:
        code = response.status_code
        if code is not None and 200 <= code < 300:
            types.extend(m for m in response.media_types if m not in types)
    if types and any(PROBLEM_JSON in r.media_types for r in op.responses if r.is_error):
        types.append(PROBLEM_JSON)
    return ", ".join(types)


def _body(body: BodyIR | None, captured: frozenset[str]) -> dict[str, Any] | None:
    if body is None:
        return None
    example = json.loads(body.example_json) if body.example_json is not None else None
    if example is None and not body.required:
        return None
    value = substitute_body(example, captured, body.unique_fields)[0]
    if body.kind == "json":
        text = json.dumps(value if value is not None else {}, indent=2, ensure_ascii=False)
        return {"mode": "raw", "raw": text, "options": {"raw": {"language": "json"}}}
    if body.kind == "form":
        fields = value if isinstance(value, dict) else {}
        return {
            "mode": "urlencoded",
            "urlencoded": [{"key": str(k), "value": _text(v)} for k, v in fields.items()],
        }
    if body.kind == "multipart":
        fields = value if isinstance(value, dict) else {}
        parts: list[dict[str, Any]] = []
        for field in body.form_fields:
            if field.is_file:
                parts.append({"key": field.name, "type": "file", "src": []})
            else:
                parts.append(
                    {"key": field.name, "type": "text", "value": _text(fields.get(field.name))}
                )
        return {"mode": "formdata", "formdata": parts}
    return {"mode": "raw", "raw": _text(value)}


def _url(op: OperationIR, captured: frozenset[str]) -> dict[str, Any]:
    params = {p.name: p for p in op.parameters if p.location == "path"}
    segments: list[str] = []
    variables: list[dict[str, Any]] = []
    for segment in op.path.strip("/").split("/") if op.path.strip("/") else []:
        name = segment[1:-1] if segment.startswith("{") and segment.endswith("}") else None
        if name is not None and "{" not in name and name in params:
            segments.append(":" + name)
            entry: dict[str, Any] = {"key": name, "value": "{{" + name + "}}"}
            if params[name].description:
                entry["description"] = (params[name].description or "").strip()
            variables.append(entry)
        else:  # a template inside a segment (`{name}.{ext}`): collection variables inline
            segments.append(segment.replace("{", "{{").replace("}", "}}"))
    query: list[dict[str, Any]] = []
    for param in op.parameters:
        if param.location == "query":
            query.extend(_query(param, captured))
    for scheme in op.auth:
        if scheme.location == "query":
            query.append({"key": scheme.param_name, "value": "{{auth_token}}"})
    raw = "{{base_url}}/" + "/".join(segments)
    enabled = [q for q in query if not q.get("disabled")]
    if enabled:
        raw += "?" + "&".join(f"{q['key']}={q['value']}" for q in enabled)
    url: dict[str, Any] = {"raw": raw, "host": ["{{base_url}}"], "path": segments}
    if query:
        url["query"] = query
    if variables:
        url["variable"] = variables
    return url


def _tests(op: OperationIR, captures: tuple[Capture, ...]) -> str:
    success = next((r for r in op.responses if r.status_code == op.success_status), None)
    media_types = list(success.media_types) if success is not None else []
    correlation = success is not None and any(
        h.lower() == CORRELATION_HEADER.lower() for h in success.headers
    )
    return (
        environment()
        .get_template("postman/test.js.jinja")
        .render(
            op=op,
            status=op.success_status,
            media_types=[m.split(";")[0].strip().lower() for m in media_types],
            json_body=success is not None and success.json_media_type is not None,
            correlation=correlation,
            header=CORRELATION_HEADER,
            problem=PROBLEM_JSON,
            captures=captures,
            body_captures=[c for c in captures if c.source == "body"],
        )
    )
