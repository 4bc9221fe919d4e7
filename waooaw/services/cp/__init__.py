"""CP: the customer backend (marketplace, 7-day trials, task execution) on its own data."""

from .app import create_app
from .config import CpSettings

__all__ = ["CpSettings", "create_app"]
