"""Positions are looked up in the composed file on demand; they must be the ones a full
walk that records every node's position gives, for every node of real contracts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from waooaw.codegen.loader import _construct, _Loader, load_contract

CONTRACTS = sorted((Path(__file__).resolve().parent.parent / "contracts").glob("*.yaml"))


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.name)
def test_every_position_matches_a_full_walk(path: Path) -> None:
    loaded = load_contract(path)
    for source in loaded.files:
        assert source.locations is None  # built without positions
        expected: dict[str, tuple[int, int]] = {}
        node = yaml.compose(source.text, Loader=_Loader)
        assert node is not None
        _construct(node, "", expected, source.display, [])
        assert len(expected) > 50
        for pointer, position in expected.items():
            assert source.locate(pointer) == position, pointer
            # a pointer past a node falls back to the node
            assert source.locate(pointer + "/no~1such/0") == position, pointer
