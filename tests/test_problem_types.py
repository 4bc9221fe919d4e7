"""The generator knows no product: problem types come from the contract (``x-problem-types``).

* every fixture contract's output (all targets) names no product — no ``waooaw.com``,
  ``Constitutional`` or ``Plant`` unless the contract itself says it;
* a declared problem type becomes a client exception class, raised when an answer's
  problem ``type`` is that URI; other problems keep the status classes;
* a malformed declaration is a contract error naming the entry.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from waooaw.codegen import ContractErrors, Job, generate
from waooaw.runtime import client as rt

from .conftest import CONTRACTS

PRODUCT_WORDS = ("waooaw.com", "Constitutional", "Plant")
OUT_OF_STOCK = "https://shop.example/problems/out-of-stock"


def _contract_text(spec: Path) -> str:
    folder = spec.parent
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.yaml")))


@pytest.mark.parametrize("key", sorted(CONTRACTS))
def test_fixture_output_names_no_product(key: str, tmp_path: Path) -> None:
    spec = CONTRACTS[key]
    generate(Job(spec=spec, out=tmp_path / key, name=key))
    source = _contract_text(spec)
    files = sorted(p for p in (tmp_path / key).rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"models.py", "server.py", "client.py"}
    for word in PRODUCT_WORDS:
        if word in source:
            continue
        found = [p.name for p in files if word in p.read_text(encoding="utf-8")]
        assert found == [], f"{word!r} in {found} though {spec.name} never says it"


def _shop(extra: dict[str, Any]) -> dict[str, Any]:
    problem = {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
        },
    }
    error = {"description": "Problem", "content": {"application/problem+json": {"schema": problem}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1.0.0"},
        **extra,
        "paths": {
            "/orders": {
                "post": {
                    "operationId": "placeOrder",
                    "responses": {
                        "201": {
                            "description": "Placed",
                            "content": {
                                "application/json": {"schema": {"type": "object", "properties": {}}}
                            },
                        },
                        "409": error,
                        "422": error,
                    },
                }
            }
        },
    }


@pytest.fixture
def shop_client(tmp_path: Path) -> Iterator[Any]:
    spec = tmp_path / "shop.yaml"
    declared = [
        {"type": OUT_OF_STOCK, "status": 409, "description": "The item ran out."},
        {"type": "urn:shop:card-declined", "name": "PaymentRefused"},
    ]
    spec.write_text(yaml.safe_dump(_shop({"x-problem-types": declared})), encoding="utf-8")
    package = f"shop_{uuid.uuid4().hex[:8]}"
    generate(Job(spec=spec, out=tmp_path / package, name="shop"))
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(f"{package}.client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def _answering(status: int, problem_type: str) -> httpx.MockTransport:
    body = {"type": problem_type, "title": "No", "status": status}
    return httpx.MockTransport(
        lambda request: httpx.Response(
            status, json=body, headers={"content-type": "application/problem+json"}
        )
    )


def test_declared_problem_types_become_client_exceptions(shop_client: Any) -> None:
    out_of_stock = shop_client.ShopOutOfStockError
    assert out_of_stock.PROBLEM_TYPE == OUT_OF_STOCK
    assert issubclass(out_of_stock, shop_client.ShopAPIError)
    assert issubclass(out_of_stock, rt.ProblemTypeError)
    assert "The item ran out." in (out_of_stock.__doc__ or "")
    assert shop_client.ShopPaymentRefusedError.PROBLEM_TYPE == "urn:shop:card-declined"

    with (
        shop_client.ShopClient("http://shop", transport=_answering(409, OUT_OF_STOCK)) as shop,
        pytest.raises(out_of_stock),
    ):
        shop.place_order()
    declined = _answering(422, "urn:shop:card-declined")
    with (
        shop_client.ShopClient("http://shop", transport=declined) as shop,
        pytest.raises(shop_client.ShopPaymentRefusedError),
    ):
        shop.place_order()
    # an undeclared type keeps the status class
    other = _answering(409, "https://shop.example/problems/other")
    with shop_client.ShopClient("http://shop", transport=other) as shop:
        with pytest.raises(shop_client.ShopConflictError) as caught:
            shop.place_order()
        assert not isinstance(caught.value, rt.ProblemTypeError)


def test_a_client_without_declared_types_has_no_problem_classes(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(yaml.safe_dump(_shop({})), encoding="utf-8")
    generate(Job(spec=spec, out=tmp_path / "shop", name="shop"))
    text = (tmp_path / "shop" / "client.py").read_text(encoding="utf-8")
    assert "ProblemTypeError" not in text
    assert "by_type" not in text


@pytest.mark.parametrize(
    ("declared", "pointer", "message"),
    [
        ({"not": "a list"}, "/x-problem-types", "must be a list"),
        ([{"status": 409}], "/x-problem-types/0", "needs a `type` URI"),
        ([{"type": OUT_OF_STOCK, "status": 200}], "/x-problem-types/0/status", "error status"),
        ([{"type": OUT_OF_STOCK, "name": "out_of_stock"}], "/x-problem-types/0/name", "PascalCase"),
        ([{"type": "https://x.example/conflict"}], "/x-problem-types/0/name", "built-in"),
        (
            [{"type": OUT_OF_STOCK}, {"type": "urn:other", "name": "OutOfStock"}],
            "/x-problem-types/1",
            "declared twice",
        ),
    ],
)
def test_malformed_declarations_are_contract_errors(
    declared: Any, pointer: str, message: str, tmp_path: Path
) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(yaml.safe_dump(_shop({"x-problem-types": declared})), encoding="utf-8")
    with pytest.raises(ContractErrors) as caught:
        generate(Job(spec=spec, out=tmp_path / "shop", name="shop"))
    (error,) = caught.value.errors
    assert error.rule == "problem-types"
    assert error.pointer == pointer
    assert message in error.message
    assert not (tmp_path / "shop").exists()
