"""``waooaw mock``: serve any contract before its service exists.

The contract is generated into server stubs (``waooaw gen``'s models and server
targets) and imported; every operation is implemented by an answer prepared from
the contract: the documented success response with the contract's example, or
schema-valid data generated from its schema (:mod:`.data`), checked by the
generated router like any implementation's. Requests are validated by that router;
errors are problem+json, fitted to the error responses the operation documents
(:mod:`.errors`). The contract itself is served at ``/openapi.json``.

Modules: :mod:`.stubs` (generate in memory and import), :mod:`.data` (schemas:
resolve, validate, generate), :mod:`.values` (one generation attempt),
:mod:`.patterns` (strings for ``pattern``), :mod:`.responses` (per-operation
answers), :mod:`.scope` (the request being answered), :mod:`.errors` (problems
shaped to the contract), :mod:`.app` (the app).
"""

from .app import DEV_ORIGIN_REGEX, MockInfo, MockSetupError, create_mock_app
from .data import GenerationError, SchemaData

__all__ = [
    "DEV_ORIGIN_REGEX",
    "GenerationError",
    "MockInfo",
    "MockSetupError",
    "SchemaData",
    "create_mock_app",
]
