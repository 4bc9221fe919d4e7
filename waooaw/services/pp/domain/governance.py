"""The governance agents the agent form offers (L0-01 Single Governor).

Plant accepts ``genesis`` or the UUID of a governor it knows, but its contract has no
operation that lists governors. So the one option PP can offer without guessing is
``genesis``, which Plant always accepts; a governor's UUID entered by hand still goes to
Plant, which checks it.
"""

from __future__ import annotations

from waooaw.generated.pp import models as pp

__all__ = ["GENESIS", "governance_agents"]

GENESIS = "genesis"


def governance_agents() -> list[pp.GovernanceAgent]:
    return [
        pp.GovernanceAgent(
            id=GENESIS,
            name="Genesis",
            description="The platform's founding governance agent; Plant always accepts it (L0-01).",
        )
    ]
