"""``waooaw diff``: a contract pair per rule, exit codes, the three output formats, loading
sides from git, and the Plant contract against its previous commit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from waooaw.codegen.errors import ContractErrors
from waooaw.governance.diff import (
    RULES,
    Change,
    DiffReport,
    SpecError,
    diff_contracts,
    load_side,
    load_sides,
    render,
)

from ..conftest import PLANT_CONTRACT, ROOT

PAIRS = Path(__file__).parent / "diff_pairs"

Row = tuple[str, str, str, str, str]  # kind, rule, document, pointer, message

#: Every change each pair in diff_pairs/ must report: no more, no fewer.
EXPECTED: dict[str, set[Row]] = {
    "components": {
        (
            "breaking",
            "type-changed",
            "head",
            "/components/schemas/Category/properties/name/type",
            "schema `Category`, property `name`: type changed from string to integer",
        ),
        (
            "breaking",
            "property-removed",
            "base",
            "/components/schemas/Pet/properties/tag",
            "schema `Pet`: property `tag` removed from the response",
        ),
    },
    "composition": {
        (
            "breaking",
            "variant-added",
            "head",
            "/components/schemas/AnyPet/oneOf/2",
            "schema `AnyPet`: oneOf member `Bird` added in a response",
        ),
        (
            "breaking",
            "variant-added",
            "head",
            "/paths/~1owners/post/requestBody/content/application~1json/schema/allOf/1",
            "request body (application/json): allOf member `Aged` added in a request",
        ),
        (
            "breaking",
            "variant-removed",
            "base",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/oneOf/1",
            "request body (application/json): oneOf member `Dog` removed in a request",
        ),
    },
    "constraints": {
        (
            "breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/code/pattern",
            "request body (application/json), property `code`: pattern '^[A-Z]{3}$' added in a request",
        ),
        (
            "breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/name/maxLength",
            "request body (application/json), property `name`: maxLength tightened from 100 to 50 in a request",
        ),
        (
            "breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/id",
            "response 201 (application/json), property `id`: minLength loosened from 1 to (none) in a response",
        ),
        (
            "breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/slug/pattern",
            "response 201 (application/json), property `slug`: pattern changed from '^[a-z]+$' to '^[a-z-]+$'",
        ),
        (
            "breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/tags/maxItems",
            "response 201 (application/json), property `tags`: maxItems loosened from 10 to 20 in a response",
        ),
        (
            "non-breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/age/minimum",
            "request body (application/json), property `age`: minimum loosened from 1 to 0 in a request",
        ),
        (
            "non-breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/tags/maxItems",
            "request body (application/json), property `tags`: maxItems loosened from 10 to 20 in a request",
        ),
        (
            "non-breaking",
            "constraint-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/code/pattern",
            "response 201 (application/json), property `code`: pattern '^[A-Z]{3}$' added in a response",
        ),
    },
    "deprecation": {
        (
            "breaking",
            "path-removed",
            "base",
            "/paths/~1owners",
            "path /owners removed (GET deprecated, sunset 2026-01-01)",
        ),
        (
            "deprecation",
            "operation-deprecated",
            "head",
            "/paths/~1pets/delete/deprecated",
            "DELETE /pets is deprecated; x-sunset 'next spring' is not a valid date (use YYYY-MM-DD)",
        ),
        (
            "deprecation",
            "operation-deprecated",
            "head",
            "/paths/~1pets/get/deprecated",
            "GET /pets is deprecated; sunset 2027-06-30",
        ),
        (
            "deprecation",
            "operation-deprecated",
            "head",
            "/paths/~1pets/post/deprecated",
            "POST /pets is deprecated; x-sunset is missing: add the date after which it may be removed",
        ),
        (
            "non-breaking",
            "operation-undeprecated",
            "head",
            "/paths/~1toys/get",
            "GET /toys is no longer deprecated",
        ),
    },
    "enums": {
        (
            "breaking",
            "enum-changed",
            "head",
            "/paths/~1pets/get/parameters/0/schema/enum",
            'query parameter `sort`: enum narrowed in a request: removed "weight"',
        ),
        (
            "breaking",
            "enum-changed",
            "head",
            "/paths/~1pets/get/responses/200/content/application~1json/schema/properties/status/enum",
            'response 200 (application/json), property `status`: enum widened in a response: added "pending"',
        ),
        (
            "non-breaking",
            "enum-changed",
            "head",
            "/paths/~1pets/get/parameters/1/schema/enum",
            'query parameter `order`: enum widened in a request: added "random"',
        ),
        (
            "non-breaking",
            "enum-changed",
            "head",
            "/paths/~1pets/get/responses/200/content/application~1json/schema/properties/size/enum",
            'response 200 (application/json), property `size`: enum narrowed in a response: removed "medium"',
        ),
    },
    "operation_id": {
        (
            "breaking",
            "operation-id-changed",
            "head",
            "/paths/~1pets/get/operationId",
            "GET /pets: operationId changed from (none) to listPets; client method get_pets becomes list_pets",
        ),
        (
            "breaking",
            "operation-id-changed",
            "head",
            "/paths/~1pets~1{pet_id}/get/operationId",
            "GET /pets/{pet_id}: operationId changed from getPet to fetchPet; client method get_pet becomes fetch_pet",
        ),
    },
    "parameters": {
        (
            "breaking",
            "parameter-removed",
            "base",
            "/paths/~1pets~1{id}/get/parameters/3",
            "GET /pets/{pet_id}: cookie parameter `session` removed",
        ),
        (
            "breaking",
            "parameter-renamed",
            "head",
            "/paths/~1pets~1{pet_id}/get/parameters/0",
            "GET /pets/{pet_id}: path parameter `id` renamed to `pet_id`",
        ),
        (
            "breaking",
            "parameter-moved",
            "head",
            "/paths/~1pets~1{pet_id}/get/parameters/1",
            "GET /pets/{pet_id}: parameter `fields` moved from query to header",
        ),
        (
            "breaking",
            "parameter-renamed",
            "head",
            "/paths/~1pets~1{pet_id}/get/parameters/2",
            "GET /pets/{pet_id}: query parameter `limit` renamed to `page_size`",
        ),
    },
    "paths": {
        ("breaking", "path-removed", "base", "/paths/~1owners", "path /owners removed (GET)"),
        (
            "breaking",
            "operation-removed",
            "base",
            "/paths/~1pets/post",
            "operation POST /pets removed",
        ),
        (
            "non-breaking",
            "operation-added",
            "head",
            "/paths/~1pets/delete",
            "operation DELETE /pets added",
        ),
        ("non-breaking", "path-added", "head", "/paths/~1toys", "path /toys added"),
    },
    "request_body": {
        (
            "non-breaking",
            "request-body-optional",
            "head",
            "/components/requestBodies/Patch",
            "PATCH /pets: the request body is now optional",
        ),
        (
            "breaking",
            "request-body-removed",
            "base",
            "/paths/~1pets/delete/requestBody",
            "DELETE /pets: request body removed",
        ),
        (
            "breaking",
            "request-body-added",
            "head",
            "/paths/~1pets/post/requestBody",
            "POST /pets: required request body added",
        ),
        (
            "breaking",
            "media-type-removed",
            "base",
            "/paths/~1pets/put/requestBody/content/text~1csv",
            "PUT /pets: request body: media type text/csv removed",
        ),
        (
            "breaking",
            "request-body-required",
            "head",
            "/paths/~1pets/put/requestBody/required",
            "PUT /pets: the request body is now required",
        ),
        (
            "non-breaking",
            "media-type-added",
            "head",
            "/components/requestBodies/Patch/content/application~1merge-patch+json",
            "PATCH /pets: request body: media type application/merge-patch+json added",
        ),
    },
    "required": {
        (
            "non-breaking",
            "parameter-optional",
            "head",
            "/paths/~1pets/post/parameters/3",
            "header parameter `x-tenant` is now optional",
        ),
        (
            "breaking",
            "parameter-required",
            "head",
            "/paths/~1pets/post/parameters/0/required",
            "query parameter `dry_run` is now required",
        ),
        (
            "breaking",
            "parameter-added",
            "head",
            "/paths/~1pets/post/parameters/1",
            "POST /pets: required query parameter `tenant` added",
        ),
        (
            "breaking",
            "property-added",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/species",
            "request body (application/json): required property `species` added to the request",
        ),
        (
            "breaking",
            "property-required",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/required",
            "request body (application/json): property `colour` is now required in the request",
        ),
        (
            "non-breaking",
            "parameter-added",
            "head",
            "/paths/~1pets/post/parameters/2",
            "POST /pets: optional header parameter `X-Trace` added",
        ),
        (
            "non-breaking",
            "property-optional",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/name",
            "request body (application/json): property `name` is now optional in the request",
        ),
        (
            "non-breaking",
            "property-added",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/notes",
            "request body (application/json): optional property `notes` added to the request",
        ),
    },
    "responses": {
        (
            "breaking",
            "property-optional",
            "head",
            "/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/schema/properties/name",
            "response 200 (application/json): property `name` is now optional in the response",
        ),
        (
            "breaking",
            "property-removed",
            "base",
            "/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/schema/properties/nickname",
            "response 200 (application/json): property `nickname` removed from the response",
        ),
        (
            "breaking",
            "property-removed",
            "base",
            "/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/schema/properties/owner/properties/phone",
            "response 200 (application/json): property `owner.phone` removed from the response",
        ),
        (
            "breaking",
            "media-type-removed",
            "base",
            "/paths/~1pets~1{pet_id}/get/responses/200/content/application~1xml",
            "GET /pets/{pet_id}: response 200: media type application/xml removed",
        ),
        (
            "breaking",
            "response-removed",
            "base",
            "/paths/~1pets~1{pet_id}/get/responses/404",
            "GET /pets/{pet_id}: response 404 removed",
        ),
        (
            "non-breaking",
            "property-added",
            "head",
            "/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/schema/properties/age",
            "response 200 (application/json): optional property `age` added to the response",
        ),
        (
            "non-breaking",
            "property-added",
            "head",
            "/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/schema/properties/owner/properties/address",
            "response 200 (application/json): optional property `owner.address` added to the response",
        ),
        (
            "non-breaking",
            "response-added",
            "head",
            "/paths/~1pets~1{pet_id}/get/responses/409",
            "GET /pets/{pet_id}: response 409 added",
        ),
    },
    "security": {
        (
            "breaking",
            "security-added",
            "head",
            "/paths/~1pets/get/security",
            "GET /pets now requires credentials: apiKey",
        ),
        (
            "breaking",
            "security-changed",
            "head",
            "/paths/~1pets/post/security",
            "POST /pets: security changed from oauth[write] to oauth[read, write]; old credentials are refused",
        ),
        (
            "non-breaking",
            "security-relaxed",
            "head",
            "/paths/~1owners/get/security",
            "GET /owners: security relaxed from apiKey to none",
        ),
        (
            "non-breaking",
            "security-relaxed",
            "head",
            "/paths/~1toys/get/security",
            "GET /toys: security relaxed from oauth[read] to oauth[read] or apiKey",
        ),
    },
    "types": {
        (
            "breaking",
            "format-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/born",
            "request body (application/json), property `born`: format changed from date to (none)",
        ),
        (
            "breaking",
            "type-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/tags/items/type",
            "request body (application/json), property `tags[]`: type changed from string to integer",
        ),
        (
            "breaking",
            "type-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/weight/type",
            "request body (application/json), property `weight`: type changed from string to number",
        ),
        (
            "breaking",
            "type-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/count/type",
            "response 201 (application/json), property `count`: type changed from integer to integer | null",
        ),
        (
            "breaking",
            "format-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/created_at/format",
            "response 201 (application/json), property `created_at`: format changed from date-time to date",
        ),
        (
            "non-breaking",
            "type-changed",
            "head",
            "/paths/~1pets/post/requestBody/content/application~1json/schema/properties/name/type",
            "request body (application/json), property `name`: type changed from string to string | null (widened in a request)",
        ),
        (
            "non-breaking",
            "type-changed",
            "head",
            "/paths/~1pets/post/responses/201/content/application~1json/schema/properties/score/type",
            "response 201 (application/json), property `score`: type changed from number | null to number (narrowed in a response)",
        ),
    },
    "unchanged": set(),
}


def diff_pair(name: str) -> DiffReport:
    return diff_contracts(
        load_side(str(PAIRS / name / "base.yaml")), load_side(str(PAIRS / name / "head.yaml"))
    )


def rows(report: DiffReport) -> set[Row]:
    return {(str(c.kind), c.rule, c.side, c.pointer, c.message) for c in report.changes}


def change(report: DiffReport, rule: str, pointer: str) -> Change:
    (found,) = [c for c in report.changes if c.rule == rule and c.pointer == pointer]
    return found


# -- classification, pointer and message, per rule --------------------------------------


@pytest.mark.parametrize("pair", sorted(EXPECTED))
def test_pair(pair: str) -> None:
    assert rows(diff_pair(pair)) == EXPECTED[pair]


def test_every_pair_is_expected_and_every_rule_has_a_pair() -> None:
    assert {p.name for p in PAIRS.iterdir() if p.is_dir()} == set(EXPECTED)
    assert {row[1] for pair in EXPECTED.values() for row in pair} == set(RULES)


def test_a_component_change_is_reported_once_with_every_operation_that_reaches_it() -> None:
    report = diff_pair("components")
    category = change(report, "type-changed", "/components/schemas/Category/properties/name/type")
    # listPets reaches Category through PetList -> Pet, createPet through NewPet (a request),
    # getPet through Pet; the recursive Category.parent / children refs end the walk.
    assert [op.label for op in category.operations] == [
        "GET /pets",
        "POST /pets",
        "GET /pets/{pet_id}",
    ]
    assert category.schema == "Category"
    assert category.python_client == ("create_pet", "get_pet", "list_pets")
    assert category.typescript == (
        'components["schemas"]["Category"]',
        "Category",
        'operations["listPets"]',
        'operations["createPet"]',
        'operations["getPet"]',
    )
    tag = change(report, "property-removed", "/components/schemas/Pet/properties/tag")
    assert tag.side == "base"
    assert [op.operation_id for op in tag.operations] == ["listPets", "getPet"]
    # unused_thing changed too, but no operation uses it
    assert not [c for c in report.changes if "unused_thing" in c.pointer]


def test_generated_names_of_operations_with_and_without_operation_id() -> None:
    report = diff_pair("paths")
    added = change(report, "operation-added", "/paths/~1pets/delete")
    assert (added.python_client, added.typescript) == (
        ("delete_pets",),
        ('operations["deletePets"]',),
    )
    renamed = change(
        diff_pair("operation_id"), "operation-id-changed", "/paths/~1pets/get/operationId"
    )
    assert renamed.python_client == ("get_pets", "list_pets")
    assert renamed.typescript == ('paths["/pets"]["get"]', 'operations["listPets"]')


def test_locations_point_at_the_source_line() -> None:
    report = diff_pair("responses")
    removed = change(report, "response-removed", "/paths/~1pets~1{pet_id}/get/responses/404")
    # the display is relative to the working directory when the file is under it
    assert removed.location is not None
    assert removed.location.endswith("diff_pairs/responses/base.yaml:28:9")
    moved = change(
        diff_pair("parameters"), "parameter-moved", "/paths/~1pets~1{pet_id}/get/parameters/1"
    )
    assert moved.location is not None
    assert moved.location.endswith("diff_pairs/parameters/head.yaml:9:11")


# -- exit code ----------------------------------------------------------------------------


def write_pair(tmp_path: Path, pair: str, base_version: str, head_version: str) -> DiffReport:
    sides = []
    for side, version in (("base", base_version), ("head", head_version)):
        doc = yaml.safe_load((PAIRS / pair / f"{side}.yaml").read_text())
        doc["info"]["version"] = version
        target = tmp_path / f"{side}.yaml"
        target.write_text(yaml.safe_dump(doc))
        sides.append(load_side(str(target)))
    return diff_contracts(*sides)


@pytest.mark.parametrize(
    ("pair", "base", "head", "code"),
    [
        ("responses", "1.0.0", "1.0.1", 1),  # breaking, patch bump
        ("responses", "1.4.0", "1.5.0", 1),  # breaking, minor bump
        ("responses", "1.4.0", "2.0.0", 0),  # breaking, major bump
        ("responses", "v1", "v2", 0),
        ("responses", "2.0.0", "1.9.0", 1),  # going back is not a bump
        ("responses", "1.0.0", "next", 1),  # unreadable versions allow nothing
        ("unchanged", "1.0.0", "1.0.0", 0),
    ],
)
def test_exit_code(tmp_path: Path, pair: str, base: str, head: str, code: int) -> None:
    report = write_pair(tmp_path, pair, base, head)
    assert report.exit_code() == code
    assert bool(report.breaking) == (pair == "responses")  # a bump hides nothing


def test_a_major_bump_is_named_in_the_verdict(tmp_path: Path) -> None:
    report = write_pair(tmp_path, "responses", "1.4.0", "2.0.0")
    assert report.major_bump
    assert render(report, "text").endswith(
        "5 breaking, 0 deprecation, 3 non-breaking: breaking changes allowed by the major"
        " version bump (1.4.0 -> 2.0.0) (exit 0)\n"
    )
    assert json.loads(render(report, "json"))["major_bump"] is True


def test_non_breaking_changes_and_deprecations_exit_0(tmp_path: Path) -> None:
    doc = yaml.safe_load((PAIRS / "deprecation" / "head.yaml").read_text())
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(doc))
    doc["paths"]["/pets"]["get"]["responses"]["418"] = {"description": "Teapot."}
    doc["paths"]["/pets"]["put"] = {"responses": {"200": {"description": "Put."}}}
    doc["paths"]["/toys"]["get"]["deprecated"] = True
    (tmp_path / "head.yaml").write_text(yaml.safe_dump(doc))
    report = diff_contracts(
        load_side(str(tmp_path / "base.yaml")), load_side(str(tmp_path / "head.yaml"))
    )
    assert report.counts() == {"breaking": 0, "deprecation": 1, "non-breaking": 2}
    assert report.exit_code() == 0


# -- output -------------------------------------------------------------------------------


def test_render_text() -> None:
    text = render(diff_pair("components"), "text")
    assert text.splitlines()[0].startswith("base: ")
    assert text.splitlines()[0].endswith("components/base.yaml (1.0.0)")
    assert (
        "BREAKING     [type-changed] schema `Category`, property `name`: type changed from"
        " string to integer\n"
        "    at head#/components/schemas/Category/properties/name/type"
    ) in text
    assert "    operations: GET /pets, POST /pets, GET /pets/{pet_id}\n" in text
    assert "    python client: create_pet, get_pet, list_pets\n" in text
    assert (
        '    typescript: components["schemas"]["Category"], Category, operations["listPets"],'
        in text
    )
    assert text.endswith(
        "2 breaking, 0 deprecation, 0 non-breaking: breaking changes without a major version"
        " bump (exit 1)\n"
    )


def test_render_text_without_changes() -> None:
    text = render(diff_pair("unchanged"), "text")
    assert text.splitlines()[2:] == [
        "0 breaking, 0 deprecation, 0 non-breaking: no breaking changes (exit 0)"
    ]


def test_render_json() -> None:
    data = json.loads(render(diff_pair("deprecation"), "json"))
    assert data["base"]["version"] == "1.0.0"
    assert data["head"]["version"] == "1.1.0"
    assert (data["exit_code"], data["major_bump"]) == (1, False)
    assert data["summary"] == {"breaking": 1, "deprecation": 3, "non-breaking": 1}
    first = data["changes"][0]
    assert first["kind"] == "breaking"
    assert first["rule"] == "path-removed"
    assert first["pointer"] == "/paths/~1owners"
    assert first["document"] == "base"
    assert first["location"].endswith("deprecation/base.yaml:17:3")
    assert first["operations"] == [
        {
            "method": "GET",
            "path": "/owners",
            "operationId": "listOwners",
            "python_client": "list_owners",
            "typescript": 'operations["listOwners"]',
        }
    ]
    assert first["python_client"] == ["list_owners"]
    assert first["typescript"] == ['operations["listOwners"]']
    assert [c["kind"] for c in data["changes"]] == [
        "breaking",
        "deprecation",
        "deprecation",
        "deprecation",
        "non-breaking",
    ]


def test_render_markdown() -> None:
    md = render(diff_pair("types"), "markdown")
    lines = md.splitlines()
    assert lines[0].startswith("### API contract diff: `")
    assert lines[2] == (
        ":x: **breaking changes without a major version bump**"
        " (5 breaking, 0 deprecation, 2 non-breaking)"
    )
    assert "| | Change | Where | Python client | TypeScript |" in lines
    # pipes in messages are escaped so the table keeps its columns
    row = next(line for line in lines if "property `count`" in line)
    assert row.startswith("| :x: breaking | response 201 (application/json), property `count`:")
    assert "integer \\| null" in row
    assert row.endswith('| `create_pet` | `operations["createPet"]` |')
    assert row.count(" | ") == 4


def test_render_markdown_folds_long_lists() -> None:
    md = render(diff_pair("components"), "markdown")
    assert "<details><summary>5 types</summary>" in md


def test_render_markdown_without_changes() -> None:
    md = render(diff_pair("unchanged"), "markdown")
    assert ":white_check_mark: **no breaking changes**" in md
    assert "No changes to the operations or the schemas they use." in md


def test_render_rejects_unknown_formats() -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(diff_pair("unchanged"), "yaml")


# -- loading from git --------------------------------------------------------------------

API = """\
openapi: 3.1.0
info: {title: Shop, version: 1.0.0}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - $ref: './common/shared.yaml#/components/parameters/Limit'
      responses:
        '200':
          description: Items.
          content:
            application/json:
              schema: {$ref: './common/shared.yaml#/components/schemas/Item'}
"""

SHARED = """\
components:
  parameters:
    Limit: {name: limit, in: query, schema: {type: integer}}
  schemas:
    Item:
      type: object
      properties:
        id: {type: string}
        price: {type: number}
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with two commits of a two-file contract, and the working tree in it."""
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "repo"
    (root / "contracts" / "common").mkdir(parents=True)
    (root / "contracts" / "api.yaml").write_text(API)
    (root / "contracts" / "common" / "shared.yaml").write_text(SHARED)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    shared = root / "contracts" / "common" / "shared.yaml"
    text = SHARED.replace("price: {type: number}", "price: {type: string}")
    shared.write_text(text)
    git(root, "commit", "-q", "-am", "price as text")
    shared.write_text(
        text.replace(
            "Limit: {name: limit, in: query,", "Limit: {name: limit, in: query, required: true,"
        )
    )
    monkeypatch.chdir(root)
    return root


def test_git_sides_bring_their_referenced_files(repo: Path) -> None:
    report = diff_contracts(
        load_side("git:HEAD~1:contracts/api.yaml"), load_side("git:HEAD:contracts/api.yaml")
    )
    assert rows(report) == {
        (
            "breaking",
            "type-changed",
            "head",
            "/components/schemas/Item/properties/price/type",
            "schema `Item`, property `price`: type changed from number to string",
        )
    }
    (found,) = report.changes
    assert found.location == "HEAD:contracts/common/shared.yaml:9:17"
    assert [op.operation_id for op in found.operations] == ["listItems"]
    assert report.base.source == "HEAD~1:contracts/api.yaml"


def test_git_side_against_the_working_tree(repo: Path) -> None:
    report = diff_contracts(
        load_side("git:HEAD:contracts/api.yaml"), load_side("contracts/api.yaml")
    )
    assert rows(report) == {
        (
            "breaking",
            "parameter-required",
            "head",
            "/components/parameters/Limit/required",
            "query parameter `limit` is now required",
        )
    }


def test_git_paths_relative_to_the_current_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "contracts" / "common")
    loaded = load_side("git:HEAD~1:../api.yaml")
    assert loaded.root.display == "HEAD~1:contracts/api.yaml"
    item = loaded.document["components"]["schemas"]["Item"]
    assert item["properties"]["price"] == {"type": "number"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("git:HEAD", "expected git:REF:path"),
        ("git::contracts/api.yaml", "expected git:REF:path"),
        ("git:no-such-branch:contracts/api.yaml", "unknown revision 'no-such-branch'"),
        ("git:HEAD:contracts/missing.yaml", "no such file at HEAD"),
        ("git:HEAD:../outside.yaml", "outside the repository"),
    ],
)
def test_git_spec_errors(repo: Path, spec: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        load_side(spec)


def test_git_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(SpecError, match="not a git repository"):
        load_side("git:HEAD:api.yaml")


def test_git_contract_errors_name_the_revision(repo: Path) -> None:
    (repo / "contracts" / "common" / "shared.yaml").unlink()
    git(repo, "commit", "-q", "-am", "lose the shared file")
    with pytest.raises(ContractErrors) as caught:
        load_side("git:HEAD:contracts/api.yaml")
    assert {e.file for e in caught.value.errors} == {"HEAD:contracts/api.yaml"}
    assert {e.rule for e in caught.value.errors} == {"ref-unresolved"}


# -- both sides at once ------------------------------------------------------------------


def test_load_sides_matches_load_side(repo: Path) -> None:
    base, head = load_sides("git:HEAD~1:contracts/api.yaml", "contracts/api.yaml")
    assert base.document == load_side("git:HEAD~1:contracts/api.yaml").document
    assert head.document == load_side("contracts/api.yaml").document
    assert [f.display for f in base.files] == [
        "HEAD~1:contracts/api.yaml",
        "HEAD~1:contracts/common/shared.yaml",
    ]


def test_load_sides_raises_what_load_side_raises(repo: Path) -> None:
    with pytest.raises(ContractErrors, match="file-unreadable"):
        load_sides("contracts/api.yaml", "contracts/missing.yaml")
    with pytest.raises(SpecError):
        load_sides("git:nope:contracts/api.yaml", "contracts/api.yaml")


# -- the project's own contract ------------------------------------------------------------


def test_plant_contract_has_no_unannounced_breaking_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    relative = PLANT_CONTRACT.relative_to(ROOT).as_posix()
    try:
        base = load_side(f"git:HEAD~1:{relative}")
    except SpecError as exc:
        pytest.skip(f"no previous version of {relative}: {exc}")
    report = diff_contracts(base, load_side(relative))
    assert report.exit_code() == 0, render(report, "text")
    if not report.major_bump:
        assert not report.breaking
