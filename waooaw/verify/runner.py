"""Run schemathesis 4 over a served service and collect what it finds into a ``Report``.

The run is schemathesis' own engine (``schemathesis.engine.from_schema(schema).execute()``),
the one behind ``schemathesis run``: the examples, coverage, fuzzing and stateful phases
in turn, every check after every response, failures recorded per scenario with the
request that caused them. The engine is not in schemathesis' documented Python API (its
pytest integration is), which is why pyproject.toml keeps schemathesis below 5 and
``tests/verify`` runs it end to end; in exchange a run here is exactly what the
schemathesis CLI would do, stateful phase and all, with no pytest in the way.

``load_schema`` is the shared half: the contract as a document (plus the target's extra
links), the configuration from ``waooaw.verify.config``, known failures filtered by a
``filter_failure`` hook, and the app or base URL to call. Tests that drive schemathesis
themselves (a state machine, a single case) start from it too.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.engine import Status, events, from_schema

from . import checks as _checks  # noqa: F401  (registers the project checks)
from .config import VerifyOptions, schemathesis_config
from .expectations import KnownFailure
from .results import CheckFailure, Report, RunError
from .targets import Served, TargetError

__all__ = ["contract_document", "load_schema", "verify"]

EXCERPT_BYTES = 300
#: the host schemathesis gives in-process requests; reproductions point elsewhere
_ASGI_BASE = "http://testserver"


def _read_contract(path: Path) -> dict[str, Any]:
    from waooaw.codegen import ContractErrors
    from waooaw.codegen.loader import load_contract

    if not path.is_file():
        raise TargetError(f"{path}: no such contract file; pass --contract with an OpenAPI file")
    try:
        document = load_contract(path).document
    except ContractErrors as exc:
        raise TargetError(f"{path}: not a loadable contract:\n{exc.render()}") from None
    plain: dict[str, Any] = json.loads(json.dumps(document))
    return plain


def _fetch_contract(served: Served) -> dict[str, Any]:
    if served.base_url is not None:
        import httpx

        url = f"{served.base_url}/openapi.json"
        try:
            response = httpx.get(url, headers=dict(served.headers), timeout=30)
        except httpx.TransportError as exc:
            raise TargetError(
                f"{url}: no answer ({exc}); is the service running? check --url"
            ) from None
        status, body = response.status_code, response.content
    else:
        from schemathesis.python import asgi

        url = "/openapi.json (in process)"
        app: Any = served.app
        with asgi.get_client(app) as client:
            answer = client.get("/openapi.json", headers=dict(served.headers))
        status, body = answer.status_code, answer.content
    if status != 200:
        raise TargetError(f"{url} answered {status}; pass the contract file with --contract")
    try:
        document = json.loads(body)
    except ValueError:
        raise TargetError(f"{url} is not JSON; pass the contract file with --contract") from None
    if not isinstance(document, dict):
        raise TargetError(f"{url} is not an OpenAPI document; pass --contract")
    return document


def contract_document(served: Served) -> dict[str, Any]:
    """The served contract as one JSON-like document, with the target's extra links."""
    if isinstance(served.contract, Mapping):
        document = copy.deepcopy(dict(served.contract))
    elif served.contract is not None:
        document = _read_contract(served.contract)
    else:
        document = _fetch_contract(served)
    for link in served.expectations.links:
        operation = document.get("paths", {}).get(link.path, {}).get(link.method)
        responses = (operation or {}).get("responses", {})
        if link.status not in responses:
            raise TargetError(
                f"link {link.name}: the contract has no {link.status} response on "
                f"{link.method.upper()} {link.path}"
            )
        response = responses[link.status]
        if "$ref" in response:  # links go on a copy, not on a shared component
            name = response["$ref"].rsplit("/", 1)[-1]
            response = responses[link.status] = copy.deepcopy(
                document["components"]["responses"][name]
            )
        response.setdefault("links", {}).setdefault(link.name, dict(link.definition))
    return document


def _filter_known(schema: Any, known: Mapping[str, KnownFailure]) -> None:
    if not known:
        return

    @schema.hook  # type: ignore[untyped-decorator]
    def filter_failure(
        context: Any, failure: Any, case: schemathesis.Case[Any], response: schemathesis.Response
    ) -> bool:
        return not any(bug.covers(failure, case, response) for bug in known.values())


def load_schema(
    served: Served,
    options: VerifyOptions,
    *,
    operation_ids: Collection[str] | None = None,
) -> Any:
    """The schemathesis schema for ``served``, configured, ready to call the service."""
    if options.seed is None:
        raise ValueError("load_schema needs a seed; verify() draws one")
    document = contract_document(served)
    config = schemathesis_config(
        served.expectations, options, base_url=served.base_url, auth=served.auth
    )
    try:
        schema: Any = schemathesis.openapi.from_dict(document, config=config)
    except Exception as exc:  # schemathesis' loader errors share no public base class
        raise TargetError(f"{_contract_name(served)}: schemathesis cannot load it: {exc}") from None
    if served.app is not None:
        # before `exclude`, whose copy the engine's operations do not all read the app from
        schema.app = served.app
    if operation_ids is not None:
        wanted = set(operation_ids)
        known = {
            op.get("operationId")
            for item in document.get("paths", {}).values()
            for op in item.values()
            if isinstance(op, dict)
        }
        missing = sorted(wanted - known)
        if missing:
            raise TargetError(f"no operation {missing[0]!r} in {_contract_name(served)}")
        # `exclude` rather than `include`, which schemathesis 4 ORs with the per-operation
        # sections of the configuration (selecting every operation they name)
        others = sorted(str(name) for name in known - wanted if name is not None)
        schema = schema.exclude(operation_id=others)
        if not schema.statistic.transitions.selected:
            # no link between the chosen operations: nothing for the stateful phase (which
            # would otherwise report the filter as an error)
            schema.config.phases.stateful.enabled = False
    _filter_known(schema, served.expectations.known_failures)
    return schema


def _contract_name(served: Served) -> str:
    if isinstance(served.contract, Path):
        return str(served.contract)
    if served.contract is None:
        return f"{served.base_url or served.name}/openapi.json"
    return f"{served.name} contract"


class _Collector:
    """Turns engine events into failures, errors and status counts."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.failures: dict[tuple[str, str, str, str], CheckFailure] = {}
        self.errors: dict[tuple[str, str, str], RunError] = {}
        self.phases: dict[str, str] = {}
        self.statuses: dict[str, dict[str, Counter[int]]] = defaultdict(
            lambda: defaultdict(Counter)
        )
        self.operations: set[str] = set()
        self.requests = 0
        self.known = 0

    def _repro(self, text: str) -> str:
        if self.served.app is None:
            return text
        return text.replace(_ASGI_BASE, self.served.repro_base_url)

    def _curl(self, recorder: Any, case: Any) -> str:
        headers = (
            recorder.find_request_headers(case_id=case.id)
            if case.id in recorder.interactions
            else None
        )
        base = self.served.repro_base_url if self.served.app is not None else None
        curl: str = case.as_curl_command(headers=headers, base_url=base)
        return curl

    def handle(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished):
            self._scenario(str(event.phase.value), event.recorder)
        elif isinstance(event, events.PhaseFinished):
            self.phases[str(event.phase.name.value)] = str(event.status.value)
        elif isinstance(event, events.NonFatalError):
            phase = str(event.phase.value) if event.phase is not None else None
            key = (event.label, event.info.title, event.info.message)
            sample = event.info.code_sample
            self.errors.setdefault(
                key,
                RunError(
                    operation=event.label,
                    phase=phase,
                    title=event.info.title,
                    message=event.info.message,
                    curl=self._repro(sample) if sample else None,
                ),
            )
        elif isinstance(event, events.Interrupted):
            self.errors.setdefault(
                ("*", "interrupted", ""),
                RunError(operation="*", phase=None, title="Interrupted", message=""),
            )
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                self.failures.setdefault(
                    ("*", "after_run", failure.title, failure.message),
                    CheckFailure(
                        operation=failure.operation or "*",
                        check="after_run",
                        title=failure.title,
                        message=failure.message,
                        phase="after_run",
                        status=None,
                        content_type=None,
                        excerpt="",
                        curl="",
                    ),
                )

    def _scenario(self, phase: str, recorder: Any) -> None:
        self.known += sum(recorder.filtered_failures.values())
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if interaction.response is None or node is None:
                continue
            label = node.value.operation.label
            self.operations.add(label)
            self.requests += 1
            self.statuses[phase][label][interaction.response.status_code] += 1
        for case_id, nodes in recorder.checks.items():
            for check in nodes:
                if check.status != Status.FAILURE or check.failure_info is None:
                    continue
                self._failure(phase, recorder, case_id, check.name, check.failure_info.failure)

    def _failure(self, phase: str, recorder: Any, case_id: str, check: str, failure: Any) -> None:
        case = recorder.cases[case_id].value
        label = case.operation.label
        key = (label, check, failure.title, failure.message)
        if key in self.failures:
            return
        response = recorder.find_response(case_id=case_id)
        content_type = None
        excerpt = ""
        if response is not None:
            content_type = (response.headers.get("content-type") or [None])[0]
            excerpt = response.content[:EXCERPT_BYTES].decode("utf-8", errors="replace")
            if len(response.content) > EXCERPT_BYTES:
                excerpt += " ..."
        steps = tuple(
            self._curl(recorder, step)
            for step in recorder.iter_chain_cases(case_id=case_id)
            if step.id != case_id
        )
        self.failures[key] = CheckFailure(
            operation=label,
            check=check,
            title=failure.title,
            message=failure.message,
            phase=phase,
            status=response.status_code if response is not None else None,
            content_type=content_type,
            excerpt=excerpt,
            curl=self._curl(recorder, case),
            steps=steps,
        )


def verify(
    served: Served, options: VerifyOptions, *, operation_ids: Collection[str] | None = None
) -> Report:
    """Run every phase and check against ``served``; a ``Report`` of what failed.

    Raises ``TargetError`` when the contract cannot be had or loaded.
    """
    seed = options.seed if options.seed is not None else random.randrange(2**31)
    options = replace(options, seed=seed)
    schema = load_schema(served, options, operation_ids=operation_ids)
    collector = _Collector(served)
    started = time.monotonic()
    for event in from_schema(schema).execute():
        collector.handle(event)
    return Report(
        target=served.location,
        contract=_contract_name(served),
        seed=seed,
        examples=options.examples,
        phases=dict(collector.phases),
        operations=len(collector.operations),
        requests=collector.requests,
        duration_s=round(time.monotonic() - started, 2),
        failures=tuple(sorted(collector.failures.values(), key=lambda f: (f.operation, f.check))),
        errors=tuple(collector.errors.values()),
        known_failures=collector.known,
        statuses={
            phase: {label: dict(counts) for label, counts in sorted(by_label.items())}
            for phase, by_label in collector.statuses.items()
        },
    )
