"""Target: pydantic v2 models (``models.py``)."""

from __future__ import annotations

from ...ir import Api
from ...render import environment, header

__all__ = ["render_models"]


def render_models(api: Api) -> dict[str, str]:
    template = environment().get_template("models/models.py.jinja")
    return {"models.py": template.render(api=api, header=header(api.source, api.sha256))}
