"""``waooaw lint``: house rules a contract must follow beyond being valid OpenAPI.

Every rule is a function registered with :func:`rule`. It receives a
:class:`LintContext` (the loaded contract plus helpers: operations with their
parameters resolved, responses, media types, every schema) and yields
``(pointer, message)`` pairs, where ``pointer`` is a JSON pointer into the
bundled document; the linter turns each into a :class:`Finding` with the file,
line and column the node was written at (in ``shared.yaml`` when it came from
there)::

    @rule("operation-summary", severity="warning", rationale="Summaries title the docs.")
    def _operation_summary(ctx: LintContext) -> Iterator[Hit]:
        for op in ctx.operations():
            if not op.node.get("summary"):
                yield op.pointer, f"{op.label} has no summary"

Rule ids are stable: configuration (``[tool.waooaw.lint]`` in pyproject.toml)
and CI output name them. A rule may also yield a ready-made
:class:`~waooaw.codegen.errors.ContractError`, as ``openapi-valid`` does with
the validator's errors, which are already located.

Modules: :mod:`.registry` (:func:`rule`, :func:`rules`), :mod:`.config`
(:func:`load_config`), :mod:`.context` (:class:`LintContext`), :mod:`.checks`
(the rules, one module per theme), :mod:`.runner` (:func:`lint_files`: load,
validate, run the enabled rules, apply severities) and :mod:`.report`
(:func:`render` as text, json or github, and :func:`exit_code`).
"""

from .checks import THEMES  # importing the themes registers the rules
from .config import LintConfig, LintConfigError, load_config
from .context import LintContext, Operation, Parameter
from .registry import Hit, Rule, rule, rules
from .report import FORMATS, Finding, LintReport, exit_code, render
from .runner import lint_contract, lint_files

__all__ = [
    "FORMATS",
    "THEMES",
    "Finding",
    "Hit",
    "LintConfig",
    "LintConfigError",
    "LintContext",
    "LintReport",
    "Operation",
    "Parameter",
    "Rule",
    "exit_code",
    "lint_contract",
    "lint_files",
    "load_config",
    "render",
    "rule",
    "rules",
]
