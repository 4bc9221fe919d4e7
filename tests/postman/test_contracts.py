"""The Postman target on other contracts: the fixture contracts, and inline ones that pin
security, servers, chaining through links and the run order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import CONTRACTS
from .conftest import ENVIRONMENTS, body, headers, render_postman, schema_errors, script

SECURED = """
openapi: 3.1.0
info: {title: Secured, version: 1.0.0}
servers:
  - url: https://api.secured.example/v2
    description: Production
  - url: https://{stage}.secured.example/v2
    description: Demo
    variables:
      stage: {default: demo}
  - url: http://localhost:9000/v2
    description: Local development
security:
  - bearer: []
tags:
  - name: things
paths:
  /things:
    get:
      tags: [things]
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
  /public:
    get:
      tags: [things]
      operationId: getPublic
      security: []
      responses:
        '204': {description: nothing}
  /keyed:
    get:
      tags: [things]
      operationId: getKeyed
      security:
        - key: []
      responses:
        '204': {description: nothing}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: query, name: api_key}
"""

# Orders come first in the contract, but creating one needs a product: the Products folder
# and createProduct must run first all the same.
CHAINED = """
openapi: 3.1.0
info: {title: Shop, version: 1.0.0}
tags:
  - name: Orders
  - name: Products
paths:
  /orders/{order_id}:
    get:
      tags: [Orders]
      operationId: getOrder
      parameters:
        - {name: order_id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: the order
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
  /orders:
    post:
      tags: [Orders]
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/OrderCreate'}
            example:
              reference: spring sale
              product_ids: [p-1, p-2]
              note: {product_id: p-1, text: gift wrap}
      responses:
        '201':
          description: created
          headers:
            X-Order-Id: {schema: {type: string}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
          links:
            GetOrder:
              operationId: getOrder
              parameters:
                path.order_id: $response.header.X-Order-Id
  /products:
    post:
      tags: [Products]
      operationId: createProduct
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, x-waooaw-unique: true}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Product'}
              example: {id: p-9, name: Tea}
          links:
            ListProductOrders:
              operationId: listOrders
              parameters:
                product_id: $response.body#/id
  /product-orders:
    get:
      tags: [Orders]
      operationId: listOrders
      parameters:
        - {name: product_id, in: query, required: true, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, default: 10}}
      responses:
        '200':
          description: orders
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
components:
  schemas:
    Product:
      type: object
      properties:
        id: {type: string}
        name: {type: string}
    OrderCreate:
      type: object
      properties:
        reference: {type: string, x-waooaw-unique: true}
        product_ids: {type: array, items: {type: string}}
        note:
          type: object
          properties:
            product_id: {type: string}
            text: {type: string, x-waooaw-unique: true}
    Order:
      type: object
      properties:
        id: {type: string}
"""


def _write(tmp_path: Path, text: str) -> Path:
    spec = tmp_path / "contract.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_fixture_contracts_give_schema_valid_collections(key: str) -> None:
    rendered = render_postman(CONTRACTS[key], key)
    assert schema_errors(rendered.collection) == []
    ids = [item["id"] for _, item in rendered.items()]
    assert len(ids) == len(set(ids))
    for env in ENVIRONMENTS:
        values = {v["key"] for v in rendered.environment(env)["values"]}
        assert values == {"base_url", "auth_token"}


def test_petstore_servers_and_untagged_requests(tmp_path: Path) -> None:
    rendered = render_postman(CONTRACTS["petstore"], "petstore")
    urls = {env: rendered.environment(env)["values"][0]["value"] for env in ENVIRONMENTS}
    # the one server is not local or demo: it is Prod; the others keep its base path
    assert urls == {
        "local": "http://127.0.0.1:8000/v1",
        "demo": "https://demo.example.com/v1",
        "prod": "http://petstore.swagger.io/v1",
    }
    show = rendered.item("GET", "/pets/:petId")
    assert show["request"]["url"]["variable"][0]["value"] == "{{petId}}"
    variables = {v["key"]: v["value"] for v in rendered.collection["variable"]}
    assert variables == {"base_url": "http://127.0.0.1:8000/v1", "petId": ""}


def test_security_becomes_an_authorization_header_or_key(tmp_path: Path) -> None:
    rendered = render_postman(_write(tmp_path, SECURED))
    assert schema_errors(rendered.collection) == []
    secured = headers(rendered.item("GET", "/things"))
    assert secured["Authorization"]["value"] == "Bearer {{auth_token}}"
    assert "Authorization" not in headers(rendered.item("GET", "/public"))
    keyed = rendered.item("GET", "/keyed")
    assert "Authorization" not in headers(keyed)
    assert keyed["request"]["url"]["query"] == [{"key": "api_key", "value": "{{auth_token}}"}]
    assert keyed["request"]["url"]["raw"] == "{{base_url}}/keyed?api_key={{auth_token}}"
    urls = {env: rendered.environment(env)["values"][0]["value"] for env in ENVIRONMENTS}
    assert urls == {
        "local": "http://localhost:9000/v2",
        "demo": "https://demo.secured.example/v2",  # server variables take their defaults
        "prod": "https://api.secured.example/v2",
    }
    # 204: no body to check, no Accept to send
    public = rendered.item("GET", "/public")
    assert "Accept" not in headers(public)
    assert "pm.response.to.have.status(204)" in script(public, "test")
    assert "pm.response.json();" not in script(public, "test")


def test_links_chain_requests_and_order_the_run(tmp_path: Path) -> None:
    rendered = render_postman(_write(tmp_path, CHAINED))
    assert schema_errors(rendered.collection) == []
    run = [(folder, item["name"]) for folder, item in rendered.items()]
    assert run == [
        ("Products", "createProduct"),
        ("Orders", "createOrder"),
        ("Orders", "getOrder"),
        ("Orders", "listOrders"),
    ]
    order = body(rendered.item("POST", "/orders"))
    assert order == {
        "reference": "spring sale {{$guid}}",
        "product_ids": ["{{product_id}}"],  # `product_ids` is the plural of product_id
        "note": {"product_id": "{{product_id}}", "text": "gift wrap"},  # unique: top level only
    }
    assert body(rendered.item("POST", "/products")) == {"name": " {{$guid}}"}
    create = script(rendered.item("POST", "/orders"), "test")
    assert 'var value = pm.response.headers.get("X-Order-Id");' in create
    assert 'pm.collectionVariables.set("order_id"' in create
    produce = script(rendered.item("POST", "/products"), "test")
    assert '["id"].reduce(' in produce
    listed = rendered.item("GET", "/product-orders")["request"]["url"]
    assert listed["query"] == [
        {"key": "limit", "value": "10", "disabled": True},
        {"key": "product_id", "value": "{{product_id}}"},
    ]
    assert listed["raw"] == "{{base_url}}/product-orders?product_id={{product_id}}"
    variables = {v["key"]: v["value"] for v in rendered.collection["variable"]}
    # initial values: the producer's documented example where there is one
    assert variables == {"base_url": "http://127.0.0.1:8000", "order_id": "", "product_id": "p-9"}


def test_collections_are_plain_json_with_a_trailing_newline(tmp_path: Path) -> None:
    rendered = render_postman(_write(tmp_path, CHAINED))
    for name, text in rendered.texts.items():
        assert text.endswith("}\n"), name
        assert json.loads(text)
        assert "Code generated by waooaw" in text[:400], name
