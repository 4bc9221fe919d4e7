"""Any service as a real subprocess (``waooaw serve <name>`` on a free port), for the tests
of the gateway and the executors: :mod:`waooaw.services.process` with the settings given
on top of an environment cleared of every service setting."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from waooaw.services.process import ServiceProcess as Service
from waooaw.services.process import ServiceStartError, service_env, start_service

__all__ = ["Service", "ServiceStartError", "running", "start"]


def start(name: str, folder: Path, env: Mapping[str, str], *, ready: str = "/health") -> Service:
    return start_service(name, folder, env=service_env(**env), ready_path=ready)


@contextmanager
def running(
    name: str, folder: Path, env: Mapping[str, str], *, ready: str = "/health"
) -> Iterator[Service]:
    service = start(name, folder, env, ready=ready)
    try:
        yield service
    finally:
        service.stop()
