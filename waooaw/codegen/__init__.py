"""The contract-to-code generator.

Pipeline: :mod:`.loader` (YAML with line numbers, multi-file ``$ref`` bundling)
-> :mod:`.validate` (OpenAPI meta-schema + semantic rules) -> :mod:`.build`
(the immutable IR in :mod:`.ir`, names decided in :mod:`.naming`, models in
:mod:`.schemas`, types in :mod:`.typemap` as :mod:`.pytypes` trees) ->
``targets/*`` (Jinja templates) -> :mod:`.pipeline` (render in memory, format,
atomic write, drift check). :mod:`.openapi` holds the document walks every stage,
governance and the mock share.
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
