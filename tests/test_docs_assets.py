"""/docs and /redoc name only assets the app serves itself (the browser test is in tests/web)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from waooaw.runtime.http import serve_contract

pytestmark = pytest.mark.anyio

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_every_asset_of_the_docs_pages_is_served_locally(page: str) -> None:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    serve_contract(app, b'{"openapi": "3.1.0"}', title="Example")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        html = (await http.get(page)).text
        assets = [a or b for a, b in ASSET.findall(html)]
        assert assets, html
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            answer = await http.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 10, asset
        scripts = [a for a in assets if a.endswith(".js")]
        assert scripts, html
