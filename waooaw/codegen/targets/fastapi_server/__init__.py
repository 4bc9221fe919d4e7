"""Target: FastAPI strict-server stubs (``server.py``).

One ``Protocol`` per tag, one response class per documented response, and
``create_router(*implementations)`` whose handlers declare every parameter
with the contract's constraints and delegate to the implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...ir import Api, OperationIR
from ...pytypes import ModelRef, PyType
from ...render import environment, header, py_string

__all__ = ["render_server"]


@dataclass(frozen=True, slots=True)
class _HandlerView:
    impl: str
    renderer: str
    setup: tuple[str, ...]
    route: tuple[str, ...]
    params: tuple[str, ...]
    prelude: tuple[str, ...]
    call: tuple[str, ...]


def _principal_type(op: OperationIR) -> str:
    optional = any(not requirement for requirement in op.security)
    return "Principal | None" if optional else "Principal"


def _signature(op: OperationIR) -> list[str]:
    args = [f"{p.py_name}: {p.py_type}" for p in op.parameters]
    if op.security:
        args.append(f"principal: {_principal_type(op)}")
    if op.body is not None:
        if op.body.kind == "multipart":
            args.extend(f"{f.py_name}: {f.py_type}" for f in op.body.form_fields)
        else:
            args.append(f"body: {op.body.py_type}")
    return args


def _is_model(t: PyType | None, model_classes: set[str]) -> bool:
    """Whether ``t`` is one pydantic model class (FastAPI documents its schema)."""
    return isinstance(t, ModelRef) and t.name in model_classes


def _view(op: OperationIR, model_classes: set[str]) -> _HandlerView:
    impl = f"{op.py_name}_impl"
    renderer = f"{op.py_name}_responses"
    setup: list[str] = []
    for r in op.responses:
        media = "(" + "".join(f"{py_string(m)}, " for m in r.media_types) + ")"
        json_media = py_string(r.json_media_type) if r.json_media_type else "None"
        setup.append(
            f"{renderer}.add({r.class_name}, {r.status_code}, {media}, {json_media},"
            f" {r.body_type or 'None'})"
        )
    required: list[str] = []
    optional: list[str] = []
    prelude: list[str] = []
    call: list[str] = []
    if op.security:
        # a dependency declared first: FastAPI resolves it before validating parameters and
        # body, so a caller without credentials gets 401, not 422
        auth = f"{op.py_name}_auth"
        setup.append(
            f"{auth} = require(authenticator, {op.security!r}, {py_string(op.operation_id)})"
        )
        required.append(f"principal: Annotated[{_principal_type(op)}, Depends({auth})]")
        call.append("principal=principal")
    for p in op.parameters:
        if p.style == "plain":
            target = required if p.default is None else optional
            target.append(
                f"{p.py_name}: {p.annotation}" + ("" if p.default is None else f" = {p.default}")
            )
            call.append(f"{p.py_name}={p.py_name}")
            continue
        raw_name = f"{p.py_name}_raw"
        adapter = f"{op.py_name}_{p.py_name}_adapter"
        setup.append(f"{adapter}: TypeAdapter[Any] = TypeAdapter({p.adapter_type})")
        default = "" if p.required and p.style == "delimited" else " = None"
        (required if not default else optional).append(f"{raw_name}: {p.raw_annotation}{default}")
        loc = f"({py_string(p.location)}, {py_string(p.name)})"
        if p.style == "delimited":
            prelude.append(
                f"{p.py_name} = parse_delimited({adapter}, {raw_name}, {loc}, {py_string(p.separator)})"
            )
        else:
            prelude.append(f"{p.py_name} = validate_param({adapter}, {raw_name}, {loc})")
        call.append(f"{p.py_name}={p.py_name}")
    body = op.body
    if body is not None:
        if body.kind == "raw":
            required.insert(0, "request: Request")
            prelude.append("body = await request.body()")
            call.append("body=body")
        elif body.kind == "multipart":
            for f in body.form_fields:
                target = required if f.default is None else optional
                target.append(
                    f"{f.py_name}: {f.annotation}" + ("" if f.default is None else " = None")
                )
                call.append(f"{f.py_name}={f.py_name}")
        else:
            target = required if body.default is None else optional
            target.append(f"body: {body.annotation}" + ("" if body.default is None else " = None"))
            call.append("body=body")
            if body.kind == "json" and body.default is not None:
                required.insert(0, "request: Request")
                prelude.append("await reject_null_body(request, body)")
    route = [
        py_string(op.route_path),
        f"methods=[{py_string(op.method)}]",
        f"operation_id={py_string(op.operation_id)}",
        f"name={py_string(op.operation_id)}",
        f"tags=[{', '.join(py_string(t) for t in op.tags)}]",
        f"status_code={op.success_status}",
    ]
    if op.summary:
        route.append(f"summary={py_string(op.summary)}")
    if op.description:
        route.append(f"description={py_string(op.description.strip())}")
    if op.deprecated:
        route.append("deprecated=True")
    if _is_model(op.success_model, model_classes):
        route.append(f"response_model={op.success_model}")
    else:
        route.append("response_model=None")
    documented = []
    for r in op.responses:
        if r.status_code is None or r.status_code == op.success_status:
            continue
        entry = [f'"description": {py_string(r.description or str(r.status_code))}']
        if _is_model(r.body_type, model_classes):
            entry.append(f'"model": {r.body_type}')
        documented.append(f"{r.status_code}: {{{', '.join(entry)}}}")
    if documented:
        route.append("responses={" + ", ".join(documented) + "}")
    return _HandlerView(
        impl=impl,
        renderer=renderer,
        setup=tuple(setup),
        route=tuple(route),
        params=tuple(required + optional),
        prelude=tuple(prelude),
        call=tuple(call),
    )


def render_server(api: Api) -> dict[str, str]:
    model_classes = {m.name for m in api.models if m.kind in ("class", "root")}
    views = {op.operation_id: _view(op, model_classes) for op in api.operations}
    signatures = {op.operation_id: _signature(op) for op in api.operations}
    exports = sorted(
        {
            "CONTRACT",
            "CONTRACT_SHA256",
            "OPERATIONS",
            "create_router",
            f"{api.class_prefix}Api",
            *(t.protocol_name for t in api.tags),
            *(op.result_alias for op in api.operations),
            *(r.class_name for op in api.operations for r in op.responses),
        }
    )
    template = environment().get_template("fastapi_server/server.py.jinja")
    text = template.render(
        api=api,
        header=header(api.source, api.sha256),
        views=views,
        signatures=signatures,
        exports=exports,
    )
    return {"server.py": text}
