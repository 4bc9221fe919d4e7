"""Layer 4 as a unit: the repository's Cedar policies, validation, decisions and reloads."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from waooaw.services.gateway.config import DEFAULT_POLICY_DIR
from waooaw.services.gateway.policy import PolicyEngine, PolicyError, load_policies


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICY_DIR, target)
    return target


def _context(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "operation": "executeTask",
        "method": "POST",
        "path": "/api/v1/executions",
        "mutating": True,
        "trial": False,
        "agent_id": "a",
    }
    return {**base, **overrides}


def _decide(engine: PolicyEngine, resource: str, roles: list[str], **ctx: Any) -> bool:
    (decision,) = engine.decide(
        principal="p",
        roles=roles,
        resources=[resource],
        context=_context(**ctx),
        correlation_id="c",
    )
    return decision.allowed


def test_the_repository_policies_validate_against_their_schema() -> None:
    loaded = load_policies(DEFAULT_POLICY_DIR)
    names = dict(loaded.files)
    assert set(names) == {"execution.cedar", "plant.cedar"}
    assert all(count > 0 for count in names.values())


def test_trial_tasks_reach_only_the_sandbox(folder: Path) -> None:
    engine = PolicyEngine(folder)
    decisions = engine.decide(
        principal="cp-worker",
        roles=["service"],
        resources=["executor/production", "executor/sandbox"],
        context=_context(trial=True),
        correlation_id="c1",
    )
    production, sandbox = decisions
    assert not production.allowed
    assert production.reasons == ("trial-tasks-sandbox-only",)
    assert sandbox.allowed and sandbox.reasons == ("executions-sandbox",)
    # the same task outside a trial may run in production
    assert _decide(engine, "executor/production", ["service"], trial=False)


def test_only_services_execute_and_customers_never_change_plant(folder: Path) -> None:
    engine = PolicyEngine(folder)
    assert not _decide(engine, "executor/sandbox", ["customer"])
    assert _decide(engine, "plant", ["customer"], operation="listAgents", mutating=False)
    assert not _decide(engine, "plant", ["customer"], operation="createSkill", mutating=True)
    assert _decide(engine, "plant", ["genesis"], operation="createSkill", mutating=True)


def test_decisions_are_kept_with_their_inputs_denials_first(folder: Path) -> None:
    engine = PolicyEngine(folder, keep=10)
    _decide(engine, "plant", ["genesis"], operation="first", mutating=False)
    _decide(engine, "executor/sandbox", ["customer"], operation="denied")
    _decide(engine, "plant", ["genesis"], operation="last", mutating=False)
    recent = engine.recent()
    assert [d.action for d in recent] == ["denied", "last", "first"]
    assert recent[0].context["operation"] == "denied" and recent[0].roles == ("customer",)


def test_an_invalid_policy_is_refused_at_reload_and_the_old_set_keeps_deciding(
    folder: Path,
) -> None:
    engine = PolicyEngine(folder)
    before = engine.loaded.digest
    # a typo in an attribute: parses, but does not validate against the schema
    (folder / "execution.cedar").write_text(
        'permit (principal, action == Action::"call", resource) when { context.trail };'
    )
    with pytest.raises(PolicyError) as refused:
        engine.reload()
    assert refused.value.status == 422
    assert any("trail" in v["message"] for v in refused.value.violations or [])
    assert engine.loaded.digest == before
    assert engine.last_error is not None and "trail" in engine.last_error
    # the old set still sends trial tasks to the sandbox only
    assert not _decide(engine, "executor/production", ["service"], trial=True)
    # text that does not even parse is refused the same way
    (folder / "execution.cedar").write_text("permit (principal, action, resource")
    with pytest.raises(PolicyError, match="invalid"):
        engine.reload()
    assert engine.loaded.digest == before


def test_a_valid_change_is_picked_up_by_reload(folder: Path) -> None:
    engine = PolicyEngine(folder)
    assert _decide(engine, "executor/production", ["service"], trial=False)
    with (folder / "execution.cedar").open("a") as f:
        f.write(
            '\n@id("production-frozen")\n'
            'forbid (principal, action == Action::"call", resource == Upstream::"executor/production");\n'
        )
    engine.reload()
    assert engine.last_error is None
    assert not _decide(engine, "executor/production", ["service"], trial=False)


def test_a_folder_without_a_schema_is_refused(folder: Path) -> None:
    (folder / "gateway.cedarschema").unlink()
    with pytest.raises(PolicyError, match="invalid"):
        PolicyEngine(folder)
