"""The intermediate representation every target renders from.

Built once per contract by :mod:`waooaw.codegen.build`; immutable afterwards.
All names and types are final here: templates never compute them. Types are
:class:`~waooaw.codegen.pytypes.PyType` trees that render themselves with ``str()``;
model fields spell model references as ``models.py`` does (``Pet``), everything
else as modules importing the models module do (``models.Pet``).
Contract examples are kept as canonical JSON text (``example_json``) so that the
IR stays hashable; targets that need them (Postman) parse that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .pytypes import NONE, PyType

__all__ = [
    "Api",
    "BodyIR",
    "EnumMember",
    "FieldIR",
    "FormFieldIR",
    "LinkIR",
    "ModelIR",
    "OperationIR",
    "ParameterIR",
    "ProblemTypeIR",
    "ResponseIR",
    "SecurityIR",
    "SecurityRequirement",
    "SecuritySchemeIR",
    "ServerIR",
    "TagIR",
]

ModelKind = Literal["class", "enum", "alias", "root"]
ParamLocation = Literal["path", "query", "header", "cookie"]
BodyKind = Literal["json", "form", "multipart", "raw"]
#: One OpenAPI security requirement object, ``((scheme, (scope or role, ...)), ...)``, sorted.
SecurityRequirement = tuple[tuple[str, tuple[str, ...]], ...]
SecurityKind = Literal["bearer", "basic", "api_key"]


@dataclass(frozen=True, slots=True)
class FieldIR:
    json_name: str
    py_name: str
    py_type: PyType  # annotation inside models.py, without the Field(...) wrapper
    annotation: PyType  # full annotation, e.g. Annotated[str, Field(max_length=5)]
    default: str | None  # Python source of the default, or None when required
    required: bool
    description: str | None


@dataclass(frozen=True, slots=True)
class EnumMember:
    name: str
    value: str  # Python literal


@dataclass(frozen=True, slots=True)
class ModelIR:
    name: str
    kind: ModelKind
    description: str | None
    source_pointer: str
    fields: tuple[FieldIR, ...] = ()
    extra: Literal["forbid", "allow", "ignore"] = "ignore"
    extra_type: PyType | None = None
    enum_base: str | None = None  # StrEnum / IntEnum
    members: tuple[EnumMember, ...] = ()
    alias_type: PyType | None = None  # for alias and root models
    not_null: tuple[str, ...] = ()  # optional, non-nullable JSON names: absent yes, null no


@dataclass(frozen=True, slots=True)
class ParameterIR:
    name: str  # as in the contract
    py_name: str  # keyword argument of the Protocol method
    location: ParamLocation
    required: bool
    py_type: PyType  # type the implementation receives (server spelling)
    annotation: PyType  # FastAPI annotation for the handler parameter
    default: str | None  # handler default (Python source) or None when required
    description: str | None
    style: Literal["plain", "delimited", "deep_object"]
    raw_annotation: PyType | None  # for delimited / deepObject: what FastAPI collects
    adapter_type: PyType | None  # type validated from raw for delimited / deepObject
    separator: str = ","
    client_type: PyType = NONE  # what a client caller passes: the type, optional when not required
    # a sample value: the contract's example, else the schema's example, default or first enum
    example_json: str | None = None


@dataclass(frozen=True, slots=True)
class FormFieldIR:
    name: str
    py_name: str
    py_type: PyType
    annotation: PyType
    default: str | None
    is_file: bool


@dataclass(frozen=True, slots=True)
class BodyIR:
    kind: BodyKind
    media_type: str
    required: bool
    py_type: PyType | None  # server spelling; bytes for raw bodies; None for multipart
    annotation: PyType | None
    default: str | None
    form_fields: tuple[FormFieldIR, ...] = ()
    example_json: str | None = None  # the media type's (first) example, else the schema's
    # top-level properties marked ``x-waooaw-unique: true``: the server refuses a repeat value
    unique_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkIR:
    """An OpenAPI link of a response: values of this response feed another operation."""

    name: str
    operation_id: str | None  # the target (operationRef resolved to its operationId)
    parameters: tuple[tuple[str, str], ...]  # (target parameter name, runtime expression)
    description: str | None


@dataclass(frozen=True, slots=True)
class ResponseIR:
    status: str  # "200", "default", "4XX"
    status_code: int | None  # None for default / ranges
    class_name: str
    description: str
    media_types: tuple[str, ...]
    json_media_type: str | None  # the JSON media type, if any
    body_type: PyType | None  # server spelling of the JSON body type
    streams: bool  # has non-JSON content, given as bytes/str/stream
    is_error: bool
    headers: tuple[str, ...]
    client_body_type: PyType = NONE  # what a client gets: the JSON type, bytes, or None
    example_json: str | None = None  # 2xx only: the JSON media type's (first) example
    links: tuple[LinkIR, ...] = ()


@dataclass(frozen=True, slots=True)
class SecurityIR:
    """One scheme of the security requirement an operation must meet."""

    scheme: str  # name under components/securitySchemes
    kind: SecurityKind
    location: Literal["header", "query", "cookie"]
    param_name: str  # "Authorization" for http schemes, the key's name for api keys


@dataclass(frozen=True, slots=True)
class OperationIR:
    operation_id: str
    py_name: str
    class_prefix: str
    method: str
    path: str  # as in the contract
    route_path: str  # with Python parameter names, for Starlette
    tag: str
    tags: tuple[str, ...]
    summary: str | None
    description: str | None
    deprecated: bool
    parameters: tuple[ParameterIR, ...]
    body: BodyIR | None
    responses: tuple[ResponseIR, ...]
    success_status: int
    success_model: PyType | None  # FastAPI response_model (server spelling)
    result_alias: str
    client_return: PyType = NONE  # union of the 2xx client body types
    client_any_body: PyType = NONE  # union of every documented client body type
    # alternatives (any one suffices); () = public; a () member = credentials optional
    security: tuple[SecurityRequirement, ...] = ()
    # the first requirement of the operation's (or the global) security; () when public
    auth: tuple[SecurityIR, ...] = ()


@dataclass(frozen=True, slots=True)
class TagIR:
    name: str
    protocol_name: str
    description: str | None
    operations: tuple[OperationIR, ...]


@dataclass(frozen=True, slots=True)
class SecuritySchemeIR:
    name: str  # key under components.securitySchemes
    type: str  # http, apiKey, oauth2, openIdConnect, mutualTLS
    scheme: str | None  # http: bearer, basic, ...
    location: str | None  # apiKey: header, query or cookie
    parameter: str | None  # apiKey: the header/query/cookie name
    bearer_format: str | None


@dataclass(frozen=True, slots=True)
class ServerIR:
    url: str  # server variables replaced by their defaults
    description: str | None


@dataclass(frozen=True, slots=True)
class ProblemTypeIR:
    """A problem ``type`` URI the contract declares (``x-problem-types``)."""

    uri: str
    name: str  # PascalCase, without the Error suffix
    status: int | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Api:
    name: str  # short contract name, e.g. "plant"
    class_prefix: str  # e.g. "Plant"
    title: str
    version: str
    openapi_version: str
    description: str | None
    source: str  # contract path as given to the generator
    sha256: str
    models: tuple[ModelIR, ...]
    tags: tuple[TagIR, ...]
    operations: tuple[OperationIR, ...]
    security_schemes: tuple[SecuritySchemeIR, ...] = ()
    servers: tuple[ServerIR, ...] = ()
    problem_types: tuple[ProblemTypeIR, ...] = ()

    @property
    def bearer(self) -> bool:
        """Whether the contract has an HTTP bearer scheme (clients then take a token)."""
        return any(
            s.type == "http" and (s.scheme or "").lower() == "bearer" for s in self.security_schemes
        )
