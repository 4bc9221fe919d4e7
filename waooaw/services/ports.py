"""Checking that every port a ``serve`` needs is free before anything starts.

A second ``waooaw serve all`` must not migrate databases or start a worker against the
live ones before uvicorn finds its port taken, so the runner asks here first.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Mapping

__all__ = ["busy_port_message", "first_busy_port"]


def _in_use(host: str, port: int) -> bool:
    """Whether binding (host, port) the way uvicorn does fails because it is taken."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror:
        return False  # uvicorn reports a bad host in its own words
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def first_busy_port(host: str, ports: Mapping[str, int]) -> tuple[str, int] | None:
    """The first (service, port) already taken on ``host``, or None when all are free."""
    for name, port in ports.items():
        if _in_use(host, port):
            return name, port
    return None


def busy_port_message(host: str, name: str, port: int) -> str:
    return (
        f"{name}: port {port} on {host} is already in use (is `waooaw serve` running?);"
        " stop it or pick other ports with --port"
    )
