"""Structural validation against the OpenAPI meta-schemas, plus semantic rules.

The meta-schemas are the ones openapi-spec-validator ships (read from its
package data without importing it, which costs half a second); jsonschema-rs
evaluates them. Rules a meta-schema cannot express (unique operationIds,
path templates and their parameters, resolvable refs) are checked here too.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from .errors import ContractError, join_pointer
from .loader import MISSING, LoadedContract, iter_refs, resolve_ref
from .openapi import HTTP_METHODS, deref, iter_operations, iter_path_items, iter_schemas

__all__ = ["validate_contract"]
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_VALID_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}


@cache
def _meta_validator(version: str) -> Any:
    import jsonschema_rs

    spec = find_spec("openapi_spec_validator")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - dependency
        raise RuntimeError("openapi-spec-validator is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    schema = json.loads((root / "resources" / "schemas" / version / "schema.json").read_text())
    return jsonschema_rs.validator_for(schema)


def validate_contract(contract: LoadedContract) -> list[ContractError]:
    doc = contract.document
    version = doc.get("openapi")
    if not isinstance(version, str) or not re.match(r"^3\.[01]\.\d+", version):
        found = doc.get("swagger") or version
        return [
            contract.error(
                "/swagger" if "swagger" in doc else "/openapi",
                "openapi-version",
                f"only OpenAPI 3.0.x and 3.1.x are supported (found {found!r})",
            )
        ]
    errors: list[ContractError] = []
    validator = _meta_validator("v3.1" if version.startswith("3.1") else "v3.0")
    meta: list[ContractError] = []
    for err in validator.iter_errors(doc):
        for pointer, message in _explain(err):
            meta.append(contract.error(pointer, "openapi-schema", message))
    specific = (
        _check_refs(contract)
        + _check_operations(contract)
        + _check_schemas(contract)
        + _check_security(contract)
    )
    # a meta-schema error is dropped when a precise one is about the same node, or when it is
    # the vague "none of the oneOf alternatives" about a node a precise error explains
    for err in meta:
        if any(o.pointer == err.pointer for o in specific):
            continue
        if "'oneOf'" in err.message and any(
            o.pointer.startswith(err.pointer + "/") for o in specific
        ):
            continue
        errors.append(err)
    return errors + specific


def _explain(err: Any) -> list[tuple[str, str]]:
    """The errors worth showing: for a failed oneOf, those of the closest alternative."""
    pointer = join_pointer("", *[str(p) for p in err.instance_path])
    context = getattr(err.kind, "context", None)
    if context:
        branches = [list(branch) for branch in context if branch]
        useful = [
            b
            for b in branches
            if not all('"$ref" is a required property' in str(e.message) for e in b)
        ]
        if useful:
            best = min(useful, key=len)
            return [
                (join_pointer("", *[str(p) for p in e.instance_path]), _message(e)) for e in best
            ]
    return [(pointer, _message(err))]


def _message(err: Any) -> str:
    message = str(err.message)
    if len(message) > 300:
        message = message[:297] + "..."
    return message


def _check_refs(contract: LoadedContract) -> list[ContractError]:
    errors = []
    for pointer, ref in iter_refs(contract.document):
        if not ref.startswith("#"):
            continue  # external refs were bundled; leftovers were reported while loading
        if resolve_ref(contract.document, ref, MISSING) is MISSING:
            errors.append(
                contract.error(
                    pointer + "/$ref", "ref-unresolved", f"$ref {ref!r} points at nothing"
                )
            )
    return errors


def _check_operations(contract: LoadedContract) -> list[ContractError]:
    doc = contract.document
    errors: list[ContractError] = []
    seen_ids: dict[str, str] = {}
    for path, item, item_pointer, _written in iter_path_items(doc):
        template = _TEMPLATE.findall(path)
        if len(set(template)) != len(template):
            errors.append(
                contract.error(item_pointer, "path-template", f"{path}: a parameter appears twice")
            )
        shared = _params(
            doc, item.get("parameters"), item_pointer + "/parameters", contract, errors
        )
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_pointer = join_pointer(item_pointer, method)
            op_id = op.get("operationId")
            if isinstance(op_id, str):
                if op_id in seen_ids:
                    errors.append(
                        contract.error(
                            op_pointer + "/operationId",
                            "operation-id-unique",
                            f"operationId {op_id!r} is already used by {seen_ids[op_id]}",
                        )
                    )
                else:
                    seen_ids[op_id] = f"{method.upper()} {path}"
            own = _params(doc, op.get("parameters"), op_pointer + "/parameters", contract, errors)
            merged = {**shared, **own}
            declared = {name for (name, where) in merged if where == "path"}
            for name in template:
                if name not in declared:
                    errors.append(
                        contract.error(
                            op_pointer,
                            "path-parameter-missing",
                            f"{method.upper()} {path}: path parameter {{{name}}} is not declared"
                            " in parameters",
                        )
                    )
            for (name, where), param_pointer in merged.items():
                if where == "path" and name not in template:
                    errors.append(
                        contract.error(
                            param_pointer,
                            "path-parameter-unused",
                            f"path parameter {name!r} does not appear in {path}",
                        )
                    )
    return errors


def _check_security(contract: LoadedContract) -> list[ContractError]:
    """Every scheme a security requirement names is declared in components.securitySchemes."""
    doc = contract.document
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    places: list[tuple[str, Any]] = [("/security", doc.get("security"))]
    for op in iter_operations(doc):
        if "security" in op.node:
            places.append((join_pointer(op.listed_at, op.method, "security"), op.node["security"]))
    errors: list[ContractError] = []
    for pointer, requirements in places:
        for i, requirement in enumerate(requirements if isinstance(requirements, list) else []):
            for name in requirement if isinstance(requirement, dict) else ():
                if name not in schemes:
                    known = ", ".join(sorted(map(str, schemes))) or "none are declared"
                    errors.append(
                        contract.error(
                            join_pointer(pointer, i, name),
                            "security-scheme-undefined",
                            f"security scheme {name!r} is not in components.securitySchemes"
                            f" ({known})",
                        )
                    )
    return errors


def _params(
    doc: Any,
    params: Any,
    pointer: str,
    contract: LoadedContract,
    errors: list[ContractError],
) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    if not isinstance(params, list):
        return found
    for i, raw in enumerate(params):
        param = deref(doc, raw)
        if not isinstance(param, dict):
            continue
        name, where = param.get("name"), param.get("in")
        if not isinstance(name, str) or not isinstance(where, str):
            continue
        key = (name, where)
        here = f"{pointer}/{i}"
        if key in found:
            errors.append(
                contract.error(
                    here, "parameter-unique", f"parameter {name!r} in {where} is declared twice"
                )
            )
        found[key] = here
    return found


def _check_schemas(contract: LoadedContract) -> list[ContractError]:
    """Checks the schema objects (the 3.1 meta-schema leaves them to the JSON Schema dialect)."""
    errors: list[ContractError] = []
    for pointer, schema in iter_schemas(contract.document):
        _check_schema(schema, pointer, contract, errors)
    return errors


def _check_schema(
    schema: dict[str, Any], pointer: str, contract: LoadedContract, errors: list[ContractError]
) -> None:
    """The keywords of one schema object; its subschemas are checked on their own."""
    t = schema.get("type")
    types = t if isinstance(t, list) else [t] if t is not None else []
    for value in types:
        if value not in _VALID_TYPES:
            errors.append(
                contract.error(
                    pointer + "/type",
                    "schema-type",
                    f"{value!r} is not a JSON Schema type (one of {', '.join(sorted(_VALID_TYPES))})",
                )
            )
    required = schema.get("required")
    if required is not None and (
        not isinstance(required, list) or not all(isinstance(r, str) for r in required)
    ):
        errors.append(
            contract.error(
                pointer + "/required", "schema-required", "required must list property names"
            )
        )
    props = schema.get("properties")
    if props is not None and not isinstance(props, dict):
        errors.append(
            contract.error(
                pointer + "/properties", "schema-properties", "properties must be a mapping"
            )
        )
    for key in ("allOf", "oneOf", "anyOf"):
        parts = schema.get(key)
        if parts is not None and not isinstance(parts, list):
            errors.append(
                contract.error(f"{pointer}/{key}", "schema-composition", f"{key} must be a list")
            )
