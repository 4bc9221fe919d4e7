"""Target: TypeScript types (``<contract>-api.generated.ts``), openapi-typescript's shape."""

from __future__ import annotations

from ...ir import Api
from ...render import environment, header
from ...typescript import TsModule

__all__ = ["render_typescript"]


def render_typescript(api: Api, module: TsModule) -> dict[str, str]:
    template = environment().get_template("typescript/types.ts.jinja")
    text = template.render(api=api, ts=module, header=header(api.source, api.sha256, "//"))
    return {f"{api.name}-api.generated.ts": text}
