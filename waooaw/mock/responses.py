"""What the mock answers for each operation: its documented success response, filled in.

For every operation an :class:`OperationMock` is prepared once, at start-up:

* the response: the lowest documented 2xx (``2XX`` next), else the first
  documented response, built as the generated response dataclass so that the
  generated router checks it against the model like any implementation's;
* its JSON body: the media type's ``example``, else the first of its
  ``examples``, else data generated from the schema (which prefers the schema's
  own examples); each candidate must be valid against the schema both before and
  after a round trip through the generated model, or the next one is tried;
* other media types (text, files): their example, else text generated from the
  schema; the ``Accept`` header picks among several;
* every documented header, from its example or schema (``Location`` names the
  created resource where the contract has a route for it).

Per request, the answer is adjusted only in ways that keep it valid: fields of
the request body are copied into same-named properties of the response (the whole
body is echoed where request and response share a schema), then path parameters
into same-named properties (and the last one into ``id``). Each change is checked
against the schema and the model, and dropped if it would break either. The same
seed and request give the same answer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from starlette.types import Scope

from waooaw.codegen.errors import join_pointer
from waooaw.codegen.ir import OperationIR, ResponseIR

from .data import GenerationError, SchemaData
from .scope import accepted, current_body, header, media_matches

__all__ = [
    "OperationMock",
    "SetupProblem",
    "object_properties",
    "plan_operation",
]

log = logging.getLogger("waooaw.mock")


#: Headers the HTTP layer writes itself; a documented value would be replaced anyway.
_OWN_HEADERS = frozenset({"x-correlation-id", "x-request-id", "content-type", "content-length"})
#: Values a frontend developer would expect for well-known headers, used when they are valid.
_WELL_KNOWN: dict[str, Callable[[OperationIR], list[str]]] = {
    "set-cookie": lambda op: ["session=mock-session; Path=/; HttpOnly; SameSite=Lax"],
    "content-disposition": lambda op: [f'attachment; filename="{op.py_name}"'],
    "retry-after": lambda op: ["1"],
    "etag": lambda op: ['"mock-1"'],
    "cache-control": lambda op: ["no-store"],
}


def _is_text(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip().lower()
    return base.startswith("text/") or base.endswith(("+xml", "/xml", "/csv", "ndjson", "jsonl"))


@dataclass(frozen=True, slots=True)
class SetupProblem:
    """Why an operation cannot be mocked: where in the contract, and what went wrong."""

    pointer: str
    operation: str
    message: str


@dataclass(slots=True)
class _JsonBody:
    data: SchemaData
    media_type: str
    schema: dict[str, Any]  # {"$ref": ...} to the media type's schema
    adapter: TypeAdapter[Any]
    properties: frozenset[str]  # top-level properties a request may fill in
    same_as_request: bool  # request and response bodies share one schema
    base: Any = None  # the JSON value
    model: Any = None  # the same, as the generated model

    def accept(self, candidate: Any) -> Any | None:
        """The model of ``candidate`` if it is valid before and after the model round trip."""
        if not self.data.is_valid(self.schema, candidate):
            return None
        try:
            model = self.adapter.validate_python(candidate)
            sent = json.loads(self.adapter.dump_json(model, by_alias=True, warnings="error"))
        except (ValidationError, ValueError, TypeError):
            return None
        return model if self.data.is_valid(self.schema, sent) else None


@dataclass(slots=True)
class _Header:
    name: str
    schema: dict[str, Any] | None
    value: str


@dataclass(slots=True)
class OperationMock:
    """The prepared answer of one operation, adjusted per request by :meth:`respond`."""

    op: OperationIR
    response: ResponseIR
    cls: type
    status_code: int | None  # for a range or default response, which the dataclass takes
    data: SchemaData
    json: _JsonBody | None = None
    texts: dict[str, str | bytes] = field(default_factory=dict)  # media type -> body
    headers: list[_Header] = field(default_factory=list)
    path_echo: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    item_route: bool = False  # a GET route for the created resource under this path
    request_schema: dict[str, Any] | None = None  # of a JSON request body
    form_required: tuple[str, ...] = ()  # required fields of a urlencoded form body
    #: (location, contract name, keyword argument, {"$ref": schema}) of each parameter
    parameters: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    #: status (as documented) -> pointer of the response object, for shaping errors
    documented: dict[str, str] = field(default_factory=dict)

    # -- per request ----------------------------------------------------------------

    def respond(self, kwargs: Mapping[str, Any], scope: Scope | None) -> Any:
        self.check_request(kwargs)
        media_type = self.negotiate(scope)
        args: dict[str, Any] = {}
        if self.status_code is not None:
            args["status_code"] = self.status_code
        if len(self.response.media_types) > 1:
            args["media_type"] = media_type
        value: Any = None
        if self.json is not None and media_type == self.json.media_type:
            value, args["body"] = self.adjusted(kwargs)
        elif media_type is not None and media_type in self.texts:
            args["body"] = self.texts[media_type]
        args["headers"] = self.header_values(scope, value)
        return self.cls(**args)

    def warm(self) -> None:
        """Compile, at start-up, every validator a request may need (the first is slowest)."""
        for *_, schema in self.parameters:
            self.data.compile(schema, by_tag=True)
        if self.request_schema is not None:
            self.data.compile(self.request_schema, by_tag=True)
        for pointer in self.documented.values():
            for media_type, media in (self.data.at(pointer).get("content") or {}).items():
                if isinstance(media, dict) and "schema" in media:
                    schema_pointer = join_pointer(pointer, "content", media_type, "schema")
                    self.data.compile({"$ref": "#" + schema_pointer})

    def check_request(self, kwargs: Mapping[str, Any]) -> None:
        """Parameters and body against their JSON Schemas: where the models are laxer.

        The generated models leave some of the contract to the implementation (``format:
        uri``, the ranges of ``int32``/``int64``, ...); the mock holds requests to all of it.
        Parameters are checked as parsed, a JSON body as sent.
        """
        errors: list[dict[str, Any]] = []
        for location, name, py_name, schema in self.parameters:
            value = kwargs.get(py_name)
            if value is not None:
                sent = to_jsonable_python(value, by_alias=True)
                errors += self.violations(schema, sent, (location, name))
        body = self.request_body()
        if isinstance(body, set):
            # form models are laxer on purpose (an empty field reads as absent, so required
            # fields are optional there): what was sent is checked for the required ones
            errors += [
                {"type": "missing", "loc": ("body", name), "msg": "Field required", "input": None}
                for name in self.form_required
                if name not in body
            ]
        elif body is not None and self.request_schema is not None:
            errors += self.violations(self.request_schema, body, ("body",))
        if errors:
            raise RequestValidationError(errors)

    def request_body(self) -> Any:
        """The JSON request body as sent; for a form, ``{"": names of the fields sent}``."""
        if self.op.body is None or self.op.body.kind not in ("json", "form"):
            return None
        raw = current_body.get()
        if not raw:
            return None
        if self.op.body.kind == "form":
            return {name for name, _ in parse_qsl(raw.decode("latin-1"), keep_blank_values=True)}
        try:
            return json.loads(raw)
        except ValueError:
            return None  # the router has answered malformed JSON already

    def violations(
        self, schema: dict[str, Any], value: Any, loc: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        return [
            {
                "type": "contract",
                "loc": (*loc, *(str(p) for p in err.instance_path)),
                "msg": f"does not match the contract: {str(err.message)[:200]}",
                "input": None,
            }
            for err in self.data.iter_errors(schema, value, by_tag=True)
        ]

    def negotiate(self, scope: Scope | None) -> str | None:
        offered = self.response.media_types
        if not offered:
            return None
        accept = header(scope, b"accept")
        if accept:
            for wanted in accepted(accept):
                for media_type in offered:
                    if media_matches(wanted, media_type):
                        return media_type
        return offered[0]

    def adjusted(self, kwargs: Mapping[str, Any]) -> tuple[Any, Any]:
        """(JSON value, model) of the body, with the request's fields echoed where valid."""
        body = self.json
        assert body is not None
        current, model = body.base, body.model
        try:
            sent = self.request_fields(kwargs)
            if sent is not None and body.same_as_request:
                echoed = body.accept(sent)
                if echoed is not None:
                    current, model = sent, echoed
                    sent = None
            updates: list[tuple[str, Any]] = []
            if isinstance(sent, dict):
                updates += [(k, v) for k, v in sent.items() if k in body.properties]
            for py_name, targets in self.path_echo:
                value = to_jsonable_python(kwargs.get(py_name))
                updates += [(t, value) for t in targets]
            if updates and isinstance(current, dict):
                current, model = self.apply(current, model, updates)
        except Exception:  # an echo must never turn a valid answer into a failure
            log.exception("%s: could not echo the request; answering the example", self.op.py_name)
            return body.base, body.model
        return current, model

    def apply(
        self, current: dict[str, Any], model: Any, updates: list[tuple[str, Any]]
    ) -> tuple[dict[str, Any], Any]:
        body = self.json
        assert body is not None
        # all at once first (one validation in the common case), then one by one
        merged = {**current, **dict(updates)}
        if merged != current:
            accepted = body.accept(merged)
            if accepted is not None:
                return merged, accepted
        for name, value in updates:
            if current.get(name) == value and name in current:
                continue
            candidate = {**current, name: value}
            accepted = body.accept(candidate)
            if accepted is not None:
                current, model = candidate, accepted
        return current, model

    def request_fields(self, kwargs: Mapping[str, Any]) -> Any:
        """The request body as JSON (a dict of form fields for multipart), or None."""
        request_body = self.op.body
        if request_body is None:
            return None
        if request_body.kind in ("json", "form"):
            value = kwargs.get("body")
            return None if value is None else to_jsonable_python(value, by_alias=True)
        if request_body.kind == "multipart":
            fields = {}
            for f in request_body.form_fields:
                if not f.is_file and kwargs.get(f.py_name) is not None:
                    fields[f.name] = to_jsonable_python(kwargs[f.py_name])
            return fields
        return None

    def header_values(self, scope: Scope | None, body: Any) -> dict[str, str]:
        values = {h.name: h.value for h in self.headers}
        for h in self.headers:
            if h.name.lower() == "location":
                location = self.location(scope, body, h.schema)
                if location is not None:
                    values[h.name] = location
        return values

    def location(self, scope: Scope | None, body: Any, schema: dict[str, Any] | None) -> str | None:
        if scope is None:
            return None
        path = str(scope.get("path", ""))
        ident = body.get("id") if isinstance(body, dict) else None
        if self.item_route and isinstance(ident, str | int) and not isinstance(ident, bool):
            path = path.rstrip("/") + "/" + quote(str(ident), safe="")
        host = header(scope, b"host") or "localhost"
        candidates = [path, f"{scope.get('scheme', 'http')}://{host}{path}"]
        for candidate in candidates:
            if schema is None or self.data.is_valid(schema, candidate):
                return candidate
        return None


# -- planning -------------------------------------------------------------------------


def _success(op: OperationIR) -> ResponseIR | None:
    numbered = [r for r in op.responses if r.status_code is not None]
    ok = [r for r in numbered if 200 <= r.status_code < 300]  # type: ignore[operator]
    if ok:
        return min(ok, key=lambda r: r.status_code or 0)
    ranged = [r for r in op.responses if r.status.upper() == "2XX"]
    if ranged:
        return ranged[0]
    return op.responses[0] if op.responses else None


def _status_of(response: ResponseIR) -> int:
    if response.status_code is not None:
        return response.status_code
    if response.status[:1].isdigit():
        return int(response.status[0]) * 100
    return 200  # default: the mock answers it as a success


def operation_pointer(data: SchemaData, op: OperationIR) -> str:
    item, _ = data.follow(join_pointer("/paths", op.path))
    return join_pointer(item, op.method.lower())


def _media_examples(data: SchemaData, media: dict[str, Any]) -> list[Any]:
    found = []
    if "example" in media:
        found.append(media["example"])
    examples = media.get("examples")
    if isinstance(examples, dict):
        for raw in examples.values():
            example = data.resolve(raw)
            if isinstance(example, dict) and "value" in example:
                found.append(example["value"])
    return found


def plan_operation(
    data: SchemaData,
    op: OperationIR,
    server: Any,
    operations: tuple[OperationIR, ...],
    problems: list[SetupProblem],
) -> OperationMock | None:
    """Prepare ``op``'s answer, or record in ``problems`` why it cannot be made."""
    response = _success(op)
    if response is None:
        problems.append(SetupProblem("", op.operation_id, "the operation documents no response"))
        return None
    op_pointer = operation_pointer(data, op)
    documented = {}
    for status in data.at(op_pointer).get("responses") or {}:
        documented[str(status)] = data.follow(join_pointer(op_pointer, "responses", status))[0]
    response_pointer = documented[response.status]
    raw = data.at(response_pointer)
    mock = OperationMock(
        op=op,
        response=response,
        cls=getattr(server, response.class_name),
        status_code=None if response.status_code is not None else _status_of(response),
        data=data,
        documented=documented,
        request_schema=_request_schema(data, op),
        form_required=_form_required(data, op),
        parameters=_parameter_schemas(data, op),
    )
    where = f"{op.operation_id} ({op.method} {op.path}) {response.status}"
    content = raw.get("content") or {}
    for media_type, media in content.items():
        media_pointer = join_pointer(response_pointer, "content", media_type)
        schema = {"$ref": "#" + join_pointer(media_pointer, "schema")} if "schema" in media else {}
        try:
            if media_type == response.json_media_type and response.body_type is not None:
                body_type = eval(str(response.body_type), vars(server))  # generated type text
                mock.json = _json_body(data, op, body_type, media, schema, media_type, where)
            else:
                mock.texts[media_type] = _text_body(data, op, media, schema, media_type)
        except GenerationError as exc:
            problems.append(SetupProblem(media_pointer, where, str(exc)))
            return None
        except Exception as exc:  # the generated types themselves (a regex pydantic refuses)
            message = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
            problems.append(SetupProblem(media_pointer, where, message))
            return None
    for name in response.headers:
        if name.lower() in _OWN_HEADERS:
            continue
        header_pointer, header = data.follow(join_pointer(response_pointer, "headers", name))
        try:
            mock.headers.append(_header_for(data, op, name, header, header_pointer))
        except Exception as exc:
            problems.append(SetupProblem(header_pointer, where, f"header {name}: {exc}"))
            return None
    if mock.json is not None:
        path_params = [p for p in op.parameters if p.location == "path"]
        for index, param in enumerate(path_params):
            targets = [param.name]
            last = index == len(path_params) - 1
            if last and param.name != "id" and param.name.lower().endswith("id"):
                targets.append("id")
            targets = [t for t in targets if t in mock.json.properties]
            if targets:
                mock.path_echo.append((param.py_name, tuple(targets)))
    item = re.compile(re.escape(op.path.rstrip("/")) + r"/\{[^{}/]+\}")
    mock.item_route = any(o.method == "GET" and item.fullmatch(o.path) for o in operations)
    mock.warm()
    return mock


def _json_body(
    data: SchemaData,
    op: OperationIR,
    body_type: Any,
    media: dict[str, Any],
    schema: dict[str, Any],
    media_type: str,
    where: str,
) -> _JsonBody:
    body = _JsonBody(
        data=data,
        media_type=media_type,
        schema=schema,
        adapter=TypeAdapter(body_type),
        properties=frozenset(object_properties(data, schema)),
        same_as_request=_same_schema(data, op, schema),
    )
    rejected: list[str] = []
    for example in _media_examples(data, media):
        model = body.accept(example)
        if model is not None:
            body.base, body.model = example, model
            return body
        rejected.append(_why(data, schema, example))
    if rejected:
        log.warning(
            "%s: an example of %s is not valid (%s); generating data",
            where,
            media_type,
            rejected[0],
        )
    for attempt in range(3):  # another draw, should the model be stricter than the schema
        value = data.generate(
            schema, salt=f"{where}#{attempt}" if attempt else where, hint=op.py_name
        )
        model = body.accept(value)
        if model is not None:
            body.base, body.model = value, model
            return body
    raise GenerationError(
        f"the generated model rejects schema-valid data: {_why(data, schema, value)}"
    )


def _why(data: SchemaData, schema: dict[str, Any], value: Any) -> str:
    errors = data.errors(schema, value)
    return "; ".join(errors) if errors else "the generated model rejects it"


def _text_body(
    data: SchemaData,
    op: OperationIR,
    media: dict[str, Any],
    schema: dict[str, Any],
    media_type: str,
) -> str | bytes:
    for example in _media_examples(data, media):
        if isinstance(example, str):
            return example if _is_text(media_type) else example.encode()
    value = (
        data.generate(schema, salt=f"{op.operation_id}:{media_type}", hint=op.py_name)
        if schema
        else ""
    )
    text = value if isinstance(value, str) else json.dumps(value)
    return text if _is_text(media_type) else text.encode()


def _header_for(
    data: SchemaData, op: OperationIR, name: str, header: dict[str, Any], pointer: str
) -> _Header:
    schema = {"$ref": "#" + join_pointer(pointer, "schema")} if "schema" in header else None
    candidates: list[Any] = _media_examples(data, header)
    well_known = _WELL_KNOWN.get(name.lower())
    if well_known is not None:
        candidates += well_known(op)
    for candidate in candidates:
        for value in (candidate, _number(candidate)):
            if value is not None and (schema is None or data.is_valid(schema, value)):
                return _Header(name, schema, _header_text(value))
    if schema is None:
        return _Header(name, None, "mock")
    value = data.generate(schema, salt=f"{op.operation_id}:header:{name}", hint=name)
    return _Header(name, schema, _header_text(value))


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _header_text(value: Any) -> str:
    """A value in the ``simple`` style headers use."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k},{_header_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def object_properties(data: SchemaData, schema: Any, depth: int = 0) -> set[str]:
    """Top-level property names an object valid against ``schema`` may have (not writeOnly)."""
    node = data.resolve(schema)
    if not isinstance(node, dict) or depth > 16:
        return set()
    found = {
        name
        for name, sub in (node.get("properties") or {}).items()
        if not (isinstance(data.resolve(sub), dict) and data.resolve(sub).get("writeOnly"))
    }
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key) or []:
            found |= object_properties(data, part, depth + 1)
    return found


def _form_required(data: SchemaData, op: OperationIR) -> tuple[str, ...]:
    schema = _request_schema(data, op) if op.body is not None and op.body.kind == "form" else None
    return tuple(object_required(data, schema)) if schema is not None else ()


def object_required(data: SchemaData, schema: Any, depth: int = 0) -> list[str]:
    """Property names an object valid against ``schema`` must have (through $ref and allOf)."""
    node = data.resolve(schema)
    if not isinstance(node, dict) or depth > 16:
        return []
    found = [r for r in node.get("required") or [] if isinstance(r, str)]
    for part in node.get("allOf") or []:
        found += object_required(data, part, depth + 1)
    return list(dict.fromkeys(found))


def _request_schema(data: SchemaData, op: OperationIR) -> dict[str, Any] | None:
    """``{"$ref": ...}`` to the schema of a JSON or urlencoded form request body."""
    if op.body is None or op.body.kind not in ("json", "form"):
        return None
    body_pointer, request_body = data.follow(
        join_pointer(operation_pointer(data, op), "requestBody")
    )
    media = ((request_body or {}).get("content") or {}).get(op.body.media_type)
    if not isinstance(media, dict) or "schema" not in media:
        return None
    return {"$ref": "#" + join_pointer(body_pointer, "content", op.body.media_type, "schema")}


def _parameter_schemas(
    data: SchemaData, op: OperationIR
) -> list[tuple[str, str, str, dict[str, Any]]]:
    pointer = operation_pointer(data, op)
    item_pointer = pointer.rsplit("/", 1)[0]
    found: dict[tuple[str, str], str] = {}
    for owner in (item_pointer, pointer):  # the operation's own override the path item's
        for index, _ in enumerate(data.at(owner).get("parameters") or []):
            param_pointer, param = data.follow(join_pointer(owner, "parameters", index))
            if isinstance(param, dict) and "schema" in param:
                key = (str(param.get("in")), str(param.get("name")))
                found[key] = join_pointer(param_pointer, "schema")
    return [
        (p.location, p.name, p.py_name, {"$ref": "#" + found[(p.location, p.name)]})
        for p in op.parameters
        if (p.location, p.name) in found
    ]


def _same_schema(data: SchemaData, op: OperationIR, schema: dict[str, Any]) -> bool:
    request = _request_schema(data, op)
    if request is None or op.body is None or op.body.kind != "json":
        return False
    return data.resolve(request) is data.resolve(schema)
