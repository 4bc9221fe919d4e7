"""``waooaw diff BASE HEAD``: classify the changes between two versions of a contract.

Every change is *breaking*, *non-breaking* or a *deprecation*, carries a stable rule id
(:data:`RULES`), a JSON pointer into HEAD (into BASE for removals), the source line it
came from, and the generated Python client methods and TypeScript types it touches.

Schemas are compared structurally, following ``$ref`` on both sides. A change inside a
referenced component is reported **once, at the component** (``/components/schemas/Pet/...``)
with every operation that reaches it, directly or through other schemas; a change in an
inline schema is reported where it is, for its one operation. Each pair of schemas is
compared once per direction (a recursive schema stops at the pair already in progress).
Requests and responses break differently (a new enum value breaks response readers, not
request writers), so a schema used both ways may yield one finding per direction.

Modules: :mod:`.loading` (:func:`load_side`: a file or ``git:REF:path``;
:func:`load_sides`), :mod:`.model` (:class:`Change`, :class:`DiffReport` and its
``exit_code()``), :mod:`.engine` (:func:`diff_contracts`: the operation comparer, then
the schema comparer) and :mod:`.render` (``text``, ``json``, ``markdown``). Loading
raises :class:`SpecError` for a bad spec or git failure, and
:class:`~waooaw.codegen.errors.ContractErrors` for a contract that cannot be loaded.
"""

from .engine import diff_contracts
from .loading import SpecError, load_side, load_sides
from .model import RULES, Change, ChangeKind, ContractSide, DiffReport, OperationRef
from .render import FORMATS, render

__all__ = [
    "FORMATS",
    "RULES",
    "Change",
    "ChangeKind",
    "ContractSide",
    "DiffReport",
    "OperationRef",
    "SpecError",
    "diff_contracts",
    "load_side",
    "load_sides",
    "render",
]
