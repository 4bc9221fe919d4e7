"""PP: the platform admin backend (Genesis workflow, agents, audit dashboard) over Plant."""

from .app import create_app
from .config import PPSettings

__all__ = ["PPSettings", "create_app"]
