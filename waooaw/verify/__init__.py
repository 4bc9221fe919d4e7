"""Property-test a service against its contract: schemathesis, every check, RFC 7807.

``waooaw verify`` and the services' own contract tests share this package::

    from waooaw.verify import TargetOptions, VerifyOptions, open_target, render_text, verify

    with open_target("plant", TargetOptions()) as served:
        report = verify(served, VerifyOptions(examples=10, seed=1))
    print(render_text(report))  # report.ok, report.failures, report.exit_code

Modules: ``checks`` (project checks registered with schemathesis), ``expectations`` (what a
service promises beyond its contract), ``config`` (options -> schemathesis configuration),
``targets`` (the service registry), ``runner`` (the run), ``results`` and ``report`` (what it
found, as text or JSON). Each service owns its target (``waooaw/services/<name>/verify.py``),
imported by the registry on first use.
"""

from .checks import BUILTIN_CHECKS, PROJECT_CHECKS, Declared422
from .config import DEFAULT_EXAMPLES, DISABLED_CHECKS, PHASES, VerifyOptions, schemathesis_config
from .expectations import Expectations, KnownFailure, Link
from .report import FORMATS, render, render_json, render_text
from .results import CheckFailure, Report, RunError
from .runner import contract_document, load_schema, verify
from .targets import (
    Served,
    Target,
    TargetError,
    TargetOptions,
    get_target,
    open_target,
    target,
    target_names,
    url_target,
)

__all__ = [
    "BUILTIN_CHECKS",
    "DEFAULT_EXAMPLES",
    "DISABLED_CHECKS",
    "FORMATS",
    "PHASES",
    "PROJECT_CHECKS",
    "CheckFailure",
    "Declared422",
    "Expectations",
    "KnownFailure",
    "Link",
    "Report",
    "RunError",
    "Served",
    "Target",
    "TargetError",
    "TargetOptions",
    "VerifyOptions",
    "contract_document",
    "get_target",
    "load_schema",
    "open_target",
    "render",
    "render_json",
    "render_text",
    "schemathesis_config",
    "target",
    "target_names",
    "url_target",
    "verify",
]
