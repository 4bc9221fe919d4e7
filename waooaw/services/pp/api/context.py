"""What every PP operation needs: the settings and the Plant client."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from waooaw.generated.plant.client import AsyncPlantClient
from waooaw.runtime.security import Forbidden, Principal

from ..config import PPSettings

__all__ = ["MAX_ACTOR_LENGTH", "PPContext", "actor", "scoped_key"]

#: Plant records actors (certified_by, assigned_by) of at most this many characters.
MAX_ACTOR_LENGTH = 120


@dataclass(frozen=True, slots=True)
class PPContext:
    settings: PPSettings
    plant: AsyncPlantClient


def actor(principal: Principal) -> str:
    """Who Plant records as having acted: the token's subject."""
    if len(principal.subject) > MAX_ACTOR_LENGTH:
        raise Forbidden(
            f"the token's subject is longer than {MAX_ACTOR_LENGTH} characters, the most Plant"
            " can record as the actor of a change"
        )
    return principal.subject


def scoped_key(principal: Principal, key: str | None) -> str | None:
    """The Idempotency-Key sent to Plant: the caller's, scoped to the caller.

    Plant's keys are global per operation; scoping them by subject means one admin's key
    can never replay another admin's creation.
    """
    if key is None:
        return None
    digest = hashlib.sha256(f"{principal.subject}\0{key}".encode()).hexdigest()
    return f"pp-{digest}"
