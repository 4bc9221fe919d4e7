"""The Plant contract is portable: a third-party generator's client works against Plant.

``openapi-python-client`` generates its own client from the bundled contract
(``waooaw/generated/plant/openapi.json``) into ``tmp_path``; that client then creates
a skill (with an ``Idempotency-Key``, replayed once), reads it back and reads a missing
one against a real Plant under uvicorn.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.plant_server import PlantServer

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "waooaw" / "generated" / "plant" / "openapi.json"
PACKAGE = "waooaw_plant_api_client"
GENERATE_TIMEOUT_S = 180.0


@pytest.fixture(scope="module")
def third_party(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """The openapi-python-client package generated from the contract, imported."""
    if importlib.util.find_spec("openapi_python_client") is None:
        pytest.skip("openapi-python-client is not installed (it belongs in the dev extras)")
    out = tmp_path_factory.mktemp("third_party") / "plant_client"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            *("generate", "--path", str(CONTRACT), "--output-path", str(out)),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=GENERATE_TIMEOUT_S,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # a client with missing pieces is reported as warnings, with exit status 0
    assert "Warning" not in output, output
    assert (out / PACKAGE / "api" / "genesis" / "create_skill.py").is_file()

    sys.path.insert(0, str(out))
    importlib.invalidate_caches()
    try:
        yield {
            name: importlib.import_module(f"{PACKAGE}.{name}")
            for name in (
                "client",
                "models",
                "types",
                "api.genesis.create_skill",
                "api.genesis.get_skill",
            )
        }
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_third_party_client_creates_and_reads_a_skill(
    third_party: dict[str, ModuleType], plant: PlantServer
) -> None:
    models = third_party["models"]
    create_skill = third_party["api.genesis.create_skill"]
    get_skill = third_party["api.genesis.get_skill"]
    name = f"Portable {uuid.uuid4().hex[:8]}"
    body = models.SkillCreate(
        name=name, category=models.SkillCategory.ANALYTICAL, description="Made elsewhere."
    )
    key = str(uuid.uuid4())

    with third_party["client"].Client(base_url=plant.base_url) as client:
        created: Any = create_skill.sync_detailed(client=client, body=body, idempotency_key=key)
        assert created.status_code == 201, created.content
        skill = created.parsed
        assert isinstance(skill, models.SkillResponse)
        assert (skill.name, skill.category.value) == (name, "analytical")
        assert skill.status.value == "pending_certification"

        replay: Any = create_skill.sync_detailed(client=client, body=body, idempotency_key=key)
        assert replay.status_code == 201
        assert replay.parsed.id == skill.id

        got = get_skill.sync(skill_id=skill.id, client=client)
        assert isinstance(got, models.SkillResponse)
        assert got.to_dict() == skill.to_dict()

        missing: Any = get_skill.sync_detailed(skill_id=uuid.uuid4(), client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, models.ProblemDetails)
        assert missing.parsed.type_.endswith("/not-found")
        assert missing.parsed.status == 404


async def test_third_party_async_client_reads_a_skill(
    third_party: dict[str, ModuleType], plant: PlantServer
) -> None:
    models = third_party["models"]
    create_skill = third_party["api.genesis.create_skill"]
    get_skill = third_party["api.genesis.get_skill"]
    body = models.SkillCreate(
        name=f"Portable async {uuid.uuid4().hex[:8]}",
        category=models.SkillCategory.CREATIVE,
        description="Made elsewhere, asynchronously.",
    )
    async with third_party["client"].Client(base_url=plant.base_url) as client:
        created: Any = await create_skill.asyncio_detailed(client=client, body=body)
        assert created.status_code == 201, created.content
        got = await get_skill.asyncio(skill_id=created.parsed.id, client=client)
        assert isinstance(got, models.SkillResponse)
        assert got.name == body.name
