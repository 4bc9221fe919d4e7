"""The gateway: one governed entry to Plant and to agent execution (see docs/gateway.md)."""

from .app import create_app
from .config import GatewaySettings

__all__ = ["GatewaySettings", "create_app"]
