"""The committed Plant collection: schema-valid, complete, chained, and kept in sync."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from waooaw.cli import app
from waooaw.codegen.build import build_api
from waooaw.codegen.ir import Api
from waooaw.codegen.loader import load_contract
from waooaw.codegen.targets.postman.plan import plan

from ..conftest import PLANT_CONTRACT, ROOT
from .conftest import ENVIRONMENTS, GOLDEN, Rendered, body, headers, schema_errors, script

runner = CliRunner()


@pytest.fixture(scope="module")
def committed() -> Rendered:
    return Rendered(
        "plant", {p.name: p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.postman_*.json")}
    )


@pytest.fixture(scope="module")
def api() -> Api:
    return build_api(load_contract(PLANT_CONTRACT), name="plant", source="plant")


def _postman_path(path: str) -> str:
    return re.sub(r"\{([^{}/]+)\}", r":\1", path)


def test_committed_files_are_the_collection_and_three_environments(committed: Rendered) -> None:
    assert sorted(committed.texts) == [
        "plant.demo.postman_environment.json",
        "plant.local.postman_environment.json",
        "plant.postman_collection.json",
        "plant.prod.postman_environment.json",
    ]


def test_the_collection_is_valid_against_the_v2_1_schema(committed: Rendered) -> None:
    collection = committed.collection
    assert schema_errors(collection) == []
    assert collection["info"]["schema"].endswith("/collection/v2.1.0/collection.json")


def test_the_schema_check_catches_a_broken_collection(committed: Rendered) -> None:
    broken: dict[str, Any] = json.loads(json.dumps(committed.collection))
    del broken["info"]["schema"]
    broken["item"][0]["item"][0]["request"]["method"] = "FETCH"
    errors = schema_errors(broken)
    assert any("schema" in e for e in errors), errors
    assert len(errors) >= 2, errors


def test_every_operation_appears_once_in_its_tags_folder(committed: Rendered, api: Api) -> None:
    folders = {f["name"]: f["item"] for f in committed.collection["item"]}
    assert list(folders) == ["Genesis", "Agents", "Audit", "System"]  # the contract's tag order
    seen = [
        (item["request"]["method"], item["request"]["url"]["path"]) for _, item in committed.items()
    ]
    assert len(seen) == len(api.operations)
    for op in api.operations:
        segments = _postman_path(op.path).strip("/").split("/")
        in_folder = [
            item
            for item in folders[op.tag]
            if item["request"]["method"] == op.method and item["request"]["url"]["path"] == segments
        ]
        assert len(in_folder) == 1, f"{op.operation_id} is not in folder {op.tag} exactly once"
        assert seen.count((op.method, segments)) == 1


def test_environments_carry_base_url_and_an_auth_token_placeholder(committed: Rendered) -> None:
    urls = {}
    for env in ENVIRONMENTS:
        document = committed.environment(env)
        values = {v["key"]: v for v in document["values"]}
        assert set(values) == {"base_url", "auth_token"}
        assert values["auth_token"] == {
            "key": "auth_token",
            "value": "",
            "type": "secret",
            "enabled": True,
        }
        assert document["_postman_variable_scope"] == "environment"
        assert document["name"] == f"WAOOAW Plant API - {env.capitalize()}"
        urls[env] = values["base_url"]["value"]
    # Local is the contract's local server; Demo and Prod are placeholders (none declared)
    assert urls == {
        "local": "http://localhost:8000",
        "demo": "https://demo.example.com",
        "prod": "https://api.example.com",
    }


def test_requests_carry_examples_placeholders_and_headers(committed: Rendered) -> None:
    create_skill = committed.item("POST", "/api/v1/genesis/skills")
    assert body(create_skill) == {
        "name": "Email Copywriting {{$guid}}",  # x-waooaw-unique: a run can be repeated
        "category": "creative",
        "description": "Writes persuasive subject lines and email bodies for campaigns and newsletters.",
    }
    sent = headers(create_skill)
    assert sent["Content-Type"]["value"] == "application/json"
    assert sent["Accept"]["value"] == "application/json, application/problem+json"
    assert sent["Idempotency-Key"]["disabled"] is True
    assert "X-Correlation-ID" not in sent  # the collection's pre-request script sets it
    assert "Authorization" not in sent  # Plant declares no security

    get_skill = committed.item("GET", "/api/v1/genesis/skills/:skill_id")
    assert get_skill["request"]["url"]["variable"] == [
        {"key": "skill_id", "value": "{{skill_id}}", "description": "UUID of the skill."}
    ]
    list_skills = committed.item("GET", "/api/v1/genesis/skills")
    query = {q["key"]: q for q in list_skills["request"]["url"]["query"]}
    assert set(query) == {"limit", "cursor", "status", "category"}
    assert all(q["disabled"] for q in query.values())  # optional: present, not sent
    assert query["limit"]["value"] == "20"

    create_agent = committed.item("POST", "/api/v1/agents")
    sent_body = body(create_agent)
    assert sent_body["industry_id"] == "{{industry_id}}"
    assert sent_body["job_role_id"] == "{{job_role_id}}"
    assert sent_body["skills"] == ["{{skill_id}}"]
    assert sent_body["governance_agent_id"] == "genesis"


def test_scripts_set_a_correlation_id_and_check_the_documented_outcome(
    committed: Rendered,
) -> None:
    collection = committed.collection
    prerequest = script(collection, "prerequest")
    assert 'pm.request.headers.upsert({ key: "X-Correlation-ID"' in prerequest
    assert "{{$guid}}" in prerequest
    for _, item in committed.items():
        tests = script(item, "test")
        assert "pm.response.to.have.status(" in tests
        assert '.to.eql("application/problem+json")' in tests
        assert "correlation_id).to.eql(pm.response.headers.get(" in tests
    export = script(committed.item("GET", "/api/v1/audit/export"), "test")
    assert "pm.response.to.have.status(200)" in export
    assert '["text/csv", "application/x-ndjson"]' in export
    assert "pm.response.json();" not in export  # CSV is not JSON
    create = script(committed.item("POST", "/api/v1/agents"), "test")
    assert "pm.response.to.have.status(201)" in create
    assert 'pm.collectionVariables.set("agent_id"' in create


def test_producers_run_before_consumers(committed: Rendered, api: Api) -> None:
    chain = plan(api)
    order = [item["id"] for _, item in committed.items()]
    ids = {op.operation_id: op for op in api.operations}
    position = {}
    for op_id, op in ids.items():
        item = committed.item(op.method, _postman_path(op.path))
        position[op_id] = order.index(item["id"])
    producers: dict[str, list[str]] = {}
    for op_id, captures in chain.captures.items():
        for capture in captures:
            producers.setdefault(capture.variable, []).append(op_id)
    assert set(producers) == {"industry_id", "skill_id", "job_role_id", "agent_id", "entity_id"}
    for op_id, op in ids.items():
        needed = {p.name for p in op.parameters if p.location == "path"}
        item_text = json.dumps(committed.item(op.method, _postman_path(op.path)))
        needed |= {v for v in producers if "{{" + v + "}}" in item_text}
        for variable in needed:
            first = min(position[p] for p in producers[variable])
            assert first < position[op_id], f"{op_id} runs before {variable} is captured"
    # state the links do not show, kept by the contract's order
    assert position["certifySkill"] < position["certifyJobRole"] < position["createAgent"]


def test_generating_twice_gives_identical_bytes(in_repo: Path, tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        result = runner.invoke(
            app, ["gen", "contracts/plant.openapi.yaml", "--out", str(out), "--target", "postman"]
        )
        assert result.exit_code == 0, result.output
        outputs.append({p.name: p.read_bytes() for p in out.glob("*.postman_*.json")})
    assert outputs[0] == outputs[1]
    assert outputs[0] == {p.name: p.read_bytes() for p in GOLDEN.glob("*.postman_*.json")}
    assert all(text.endswith(b"}\n") for text in outputs[0].values())


def test_gen_check_reports_a_stale_collection(in_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "plant"
    spec = str(PLANT_CONTRACT.relative_to(ROOT))
    assert runner.invoke(app, ["gen", spec, "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, ["gen", spec, "--out", str(out), "--check"]).exit_code == 0

    collection = out / "plant.postman_collection.json"
    collection.write_text(collection.read_text().replace('"Get skill"', '"Fetch skill"'))
    (out / "plant.demo.postman_environment.json").unlink()
    result = runner.invoke(app, ["gen", spec, "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert f"stale: {collection}" in result.output
    assert '-          "name": "Fetch skill",' in result.output
    assert '+          "name": "Get skill",' in result.output
    assert f"missing: {out / 'plant.demo.postman_environment.json'}" in result.output


def test_a_collection_no_longer_generated_is_extra(in_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "plant"
    spec = str(PLANT_CONTRACT.relative_to(ROOT))
    assert runner.invoke(app, ["gen", spec, "--out", str(out)]).exit_code == 0
    old = out / "old.postman_collection.json"
    old.write_bytes((out / "plant.postman_collection.json").read_bytes())
    result = runner.invoke(app, ["gen", spec, "--out", str(out), "--check"])
    assert result.exit_code == 1
    assert f"extra: {old}" in result.output
    # without the postman target, the Postman files are not this run's to judge
    only_python = ["gen", spec, "--out", str(out), "--check", "-t", "models", "-t", "server"]
    only_python += ["-t", "client", "-t", "typescript"]
    assert runner.invoke(app, only_python).exit_code == 0
