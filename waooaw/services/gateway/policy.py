"""Layer 4: policy decisions by Cedar (cedarpy), from the policy files in ``policies/``.

The folder holds one schema (``*.cedarschema``) and any number of policy files
(``*.cedar``). :meth:`PolicyEngine.load` parses them once into cedarpy's ``PolicySet``
handle (so no call parses policy text) after validating every policy against the schema;
:meth:`PolicyEngine.reload` does the same and swaps the new set in only when it is valid,
so an invalid file is refused and the previous set keeps deciding.

Every decision is kept (the last ``decisions_kept``) with the inputs Cedar saw, for the
admin API; denials are logged too. The request's shape::

    principal  User::"<token subject>" (User::"anonymous" without a token)
    action     Action::"call"
    resource   Upstream::"plant" | Upstream::"executor/sandbox" | Upstream::"executor/production"
    context    {operation, method, path, roles, mutating, trial, agent_id}
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cedarpy

from waooaw.runtime.server import ProblemError

__all__ = ["Decision", "LoadedPolicies", "PolicyEngine", "PolicyError"]

log = logging.getLogger("waooaw.gateway.policy")
_ACTION = 'Action::"call"'


class PolicyError(ProblemError):
    """The policy files do not parse or do not validate (422, one violation per error)."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__(
            422,
            f"the policy files are invalid ({len(errors)} error(s)); the previous policies"
            " keep deciding",
            violations=[{"rule": "policy", "field": f, "message": m} for f, m in errors],
        )
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class LoadedPolicies:
    policies: cedarpy.PolicySet
    files: tuple[tuple[str, int], ...]
    digest: str
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class Decision:
    at: datetime
    correlation_id: str
    principal: str
    roles: tuple[str, ...]
    action: str
    resource: str
    allowed: bool
    reasons: tuple[str, ...]
    context: Mapping[str, Any] = field(default_factory=dict)


def _read(folder: Path) -> tuple[str, list[tuple[str, str]]]:
    schemas = sorted(folder.glob("*.cedarschema"))
    if len(schemas) != 1:
        raise PolicyError([(str(folder), f"expected one *.cedarschema file, found {len(schemas)}")])
    files = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.cedar"))]
    if not files:
        raise PolicyError([(str(folder), "no *.cedar policy file")])
    return schemas[0].read_text(encoding="utf-8"), files


def load_policies(folder: Path) -> LoadedPolicies:
    """Parse and validate the folder's policies; :class:`PolicyError` lists every problem."""
    schema, files = _read(folder)
    errors: list[tuple[str, str]] = []
    counts: list[tuple[str, int]] = []
    for name, text in files:
        try:
            counts.append((name, len(cedarpy.PolicySet.from_str(text))))
        except ValueError as exc:
            errors.append((name, f"does not parse: {exc}"))
            continue
        try:
            result = cedarpy.validate_policies(text, schema)
        except ValueError as exc:
            errors.append(("schema", f"the schema does not parse: {exc}"))
            break
        errors.extend((name, str(e.error)) for e in result.errors)
    if errors:
        raise PolicyError(errors)
    combined = "\n".join(text for _, text in files)
    digest = hashlib.sha256(schema.encode())
    for name, text in files:
        digest.update(f"\0{name}\0{text}".encode())
    return LoadedPolicies(
        policies=cedarpy.PolicySet.from_str(combined),
        files=tuple(counts),
        digest=digest.hexdigest(),
        loaded_at=datetime.now(UTC),
    )


class PolicyEngine:
    def __init__(self, folder: Path, *, keep: int = 1000) -> None:
        self.folder = folder
        self.loaded = load_policies(folder)
        self.last_error: str | None = None
        self.decisions: deque[Decision] = deque(maxlen=keep)
        self._entities = cedarpy.Entities.from_json_str("[]")

    def reload(self) -> LoadedPolicies:
        """Swap in the folder's current policies, or keep the old ones and raise."""
        try:
            loaded = load_policies(self.folder)
        except PolicyError as exc:
            self.last_error = "; ".join(f"{f}: {m}" for f, m in exc.errors)
            log.warning("policy reload refused: %s", self.last_error)
            raise
        self.loaded = loaded
        self.last_error = None
        log.info("policies reloaded: %s (%s)", loaded.digest[:12], dict(loaded.files))
        return loaded

    def decide(
        self,
        *,
        principal: str,
        roles: Sequence[str],
        resources: Sequence[str],
        context: dict[str, Any],
        correlation_id: str,
    ) -> list[Decision]:
        """One decision per resource, from one batch call to Cedar."""
        ctx = {**context, "roles": list(roles)}
        who = {"type": "User", "id": principal}
        requests = [
            {
                "principal": who,
                "action": _ACTION,
                "resource": {"type": "Upstream", "id": r},
                "context": ctx,
            }
            for r in resources
        ]
        results = cedarpy.is_authorized_batch(requests, self.loaded.policies, self._entities)
        now = datetime.now(UTC)
        out: list[Decision] = []
        for resource, result in zip(resources, results, strict=True):
            names = result.diagnostics.id_annotations_by_reason
            reasons = tuple(names.get(r, r) for r in result.diagnostics.reasons)
            errors = result.diagnostics.errors
            decision = Decision(
                at=now,
                correlation_id=correlation_id,
                principal=principal,
                roles=tuple(roles),
                action=str(context.get("operation", "")),
                resource=resource,
                allowed=result.allowed,
                reasons=reasons or (("error: " + "; ".join(errors),) if errors else ()),
                context=context,
            )
            self.decisions.append(decision)
            if not decision.allowed:
                log.info(
                    "policy denied %s %s to %s (roles %s, context %s): %s",
                    principal,
                    decision.action,
                    resource,
                    ",".join(roles) or "-",
                    context,
                    ",".join(decision.reasons) or "no permit",
                )
            out.append(decision)
        return out

    def recent(self) -> list[Decision]:
        """Denials first, then allowed decisions, each newest first."""
        newest = list(reversed(self.decisions))
        return [d for d in newest if not d.allowed] + [d for d in newest if d.allowed]
