"""Options of a run, and the schemathesis configuration they and a target's expectations make.

``schemathesis_config`` returns what a ``schemathesis.toml`` would say: every check on, the
project checks included, ``max_response_time`` with the expectations' limit, and
``positive_data_acceptance`` widened to 422 exactly on the operations whose expectations
declare one (``declared_422_only`` then narrows that 422 to the declared kind).

The run's settings are layered over the ``schemathesis.toml`` a stock ``schemathesis run``
started in the same directory would read (``project_settings``), so both judge a service by
the same rules.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis

from .expectations import Expectations

__all__ = [
    "DEFAULT_EXAMPLES",
    "DISABLED_CHECKS",
    "PHASES",
    "POSITIVE_DATA_ACCEPTANCE",
    "PROJECT_FILE",
    "VerifyOptions",
    "project_settings",
    "schemathesis_config",
]

#: the file a stock ``schemathesis run`` reads from its working directory (or a parent)
PROJECT_FILE = "schemathesis.toml"

DEFAULT_EXAMPLES = 20
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: schemathesis' default expected statuses for positive_data_acceptance
POSITIVE_DATA_ACCEPTANCE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
#: check name -> why it is off; nothing else is ever turned off
DISABLED_CHECKS: dict[str, str] = {}
#: What marks a header or field as secret in reports; schemathesis' list less "key", which
#: would hide Idempotency-Key and make a reproduction replay a different request.
SENSITIVE_MARKERS = ["token", "secret", "password", "auth", "session", "passwd", "credential"]
#: share of generated values drawn from an expectation's known values; the rest keep
#: exercising the 404s
KNOWN_VALUE_PROBABILITY = 0.5


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """How hard and how to run: examples per operation, seed, extra headers, phases."""

    examples: int = DEFAULT_EXAMPLES
    #: None: the runner draws one and reports it
    seed: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    stateful: bool = True
    workers: int = 1
    #: phases to run, of PHASES
    phases: tuple[str, ...] = PHASES


def find_project_file(start: Path | None = None) -> Path | None:
    """``schemathesis.toml`` where schemathesis 4 looks: ``start`` (default: the working
    directory), then each parent up to the first one holding ``.git``."""
    folder = (start or Path.cwd()).resolve()
    while True:
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def project_settings(start: Path | None = None) -> dict[str, Any]:
    """The settings of the ``schemathesis.toml`` a stock run from ``start`` would read."""
    found = find_project_file(start)
    if found is None:
        return {}
    try:
        return tomllib.loads(found.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{found}: {exc}") from None


def _layer(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: tables merge, ``operations`` lists join, the rest replace."""
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(below, Mapping) and isinstance(value, Mapping):
            merged[key] = _layer(below, value)
        elif key == "operations" and isinstance(below, list) and isinstance(value, list):
            merged[key] = [*value, *below]
        else:
            merged[key] = value
    return merged


def schemathesis_config(
    expectations: Expectations,
    options: VerifyOptions,
    *,
    base_url: str | None = None,
    auth: Mapping[str, Any] | None = None,
    project: Mapping[str, Any] | None = None,
) -> schemathesis.Config:
    """The schemathesis configuration for one run, over ``project`` (default: the
    ``schemathesis.toml`` of the working directory, as ``project_settings`` finds it)."""
    phases = {
        name: {"enabled": name in options.phases and (name != "stateful" or options.stateful)}
        for name in PHASES
    }
    config: dict[str, Any] = {
        "seed": options.seed,
        "workers": options.workers,
        # reproducible: no example database, no cache of earlier runs
        "generation": {
            "max-examples": options.examples,
            "database": "none",
            "allow-x00": expectations.allow_nul,
        },
        "cache": {"enabled": False},
        "phases": phases,
        "output": {"sanitization": {"sensitive-markers": SENSITIVE_MARKERS}},
        "checks": {
            "max_response_time": expectations.response_time_limit,
            **{name: {"enabled": False} for name in DISABLED_CHECKS},
        },
        "operations": [
            {
                "include-operation-id": operation_id,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE, "422"]
                    },
                    "declared_422_only": declared.as_config(),
                },
            }
            for operation_id, declared in sorted(expectations.declared_422.items())
        ],
    }
    if options.headers:
        config["headers"] = dict(options.headers)
    if auth is not None:
        config["auth"] = dict(auth)
    if base_url is not None:
        config["base-url"] = base_url
    if expectations.known_values:
        config["dictionaries"] = {
            name: {"values": list(values)}
            for name, values in sorted(expectations.known_values.items())
        }
        config["parameters"] = {
            name: {"dictionary": name, "probability": KNOWN_VALUE_PROBABILITY}
            for name in sorted(expectations.known_values)
        }
    base = project_settings() if project is None else project
    return schemathesis.Config.from_dict(_layer(base, config))
