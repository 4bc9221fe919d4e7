"""The executor: agent tasks run over HTTP, in sandbox or production mode."""

from .app import create_app
from .config import ExecutorSettings

__all__ = ["ExecutorSettings", "create_app"]
