"""The contract-to-code generator.

Pipeline: :mod:`.loader` (YAML with line numbers, multi-file ``$ref`` bundling)
-> :mod:`.validate` (OpenAPI meta-schema + semantic rules) -> :mod:`.build`
(the immutable IR in :mod:`.ir`, names decided in :mod:`.naming` and
:mod:`.schemas`) -> ``targets/*`` (Jinja templates) -> :mod:`.pipeline`
(format, atomic write, drift check).
"""

from .errors import ContractError, ContractErrors
from .pipeline import CheckResult, Job, WriteResult, check, generate, generate_all, render

__all__ = [
    "CheckResult",
    "ContractError",
    "ContractErrors",
    "Job",
    "WriteResult",
    "check",
    "generate",
    "generate_all",
    "render",
]
