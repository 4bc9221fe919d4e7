"""Plant: Genesis (skills, job roles, certification), agents under the constitution, audit."""

from .app import create_app
from .config import PlantSettings

__all__ = ["PlantSettings", "create_app"]
