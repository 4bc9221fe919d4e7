"""Target: TypeScript types (``<contract>-api.generated.ts``), openapi-typescript's shape."""

from __future__ import annotations

from ...render import environment
from ...typescript import TsModule

__all__ = ["render_typescript"]


def render_typescript(
    name: str, title: str, version: str, header: str, module: TsModule
) -> dict[str, str]:
    template = environment().get_template("typescript/types.ts.jinja")
    text = template.render(title=title, version=version, ts=module, header=header)
    return {f"{name}-api.generated.ts": text}
